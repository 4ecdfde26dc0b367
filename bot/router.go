package bot

import (
	"context"
	"strings"
)

// HandlerFunc handles one update. Its error means something broke (a failed
// call, a failed write); expected outcomes such as bad arguments are replies,
// not errors. The error is logged once, by the loop.
type HandlerFunc func(ctx context.Context, u *Update) error

// Middleware wraps a handler. In Chain, the first listed is the outermost.
type Middleware func(next HandlerFunc) HandlerFunc

// Chain wraps h in mws, the first listed outermost.
func Chain(h HandlerFunc, mws ...Middleware) HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Router sends each update to the handler registered for it: messages by
// their command, callback queries by the prefix of their data, and other
// kinds by kind. Updates that match nothing are dropped without a word:
// a bot that must be an admin sees every message of every group it is in.
// Register everything before the loop starts; Match and Route are then
// safe for concurrent use (on different updates).
type Router struct {
	username  string
	commands  map[string]HandlerFunc
	unknown   HandlerFunc
	callbacks []callbackRoute
	kinds     map[string]HandlerFunc
	// messages picks the non-command messages for kinds["message"]; nil: all.
	messages func(*Message) bool
}

type callbackRoute struct {
	prefix string
	h      HandlerFunc
}

// NewRouter makes a router for the bot with the given username (commands
// addressed to another bot are ignored).
func NewRouter(username string) *Router {
	return &Router{
		username: username,
		commands: make(map[string]HandlerFunc),
		kinds:    make(map[string]HandlerFunc),
	}
}

// Command registers h for /name (case-insensitive), wrapped in mws.
func (r *Router) Command(name string, h HandlerFunc, mws ...Middleware) {
	r.commands[strings.ToLower(name)] = Chain(h, mws...)
}

// Commands lists the registered commands' names.
func (r *Router) Commands() []string {
	out := make([]string, 0, len(r.commands))
	for name := range r.commands {
		out = append(out, name)
	}
	return out
}

// UnknownCommand registers h for commands addressed to the bot that have no
// handler. Without it they are ignored.
func (r *Router) UnknownCommand(h HandlerFunc, mws ...Middleware) {
	r.unknown = Chain(h, mws...)
}

// Callback registers h for callback queries whose data starts with prefix.
// The longest matching prefix wins.
func (r *Router) Callback(prefix string, h HandlerFunc, mws ...Middleware) {
	r.callbacks = append(r.callbacks, callbackRoute{prefix: prefix, h: Chain(h, mws...)})
}

// On registers h for updates of a kind other than message and
// callback_query, named as in allowed_updates ("my_chat_member", ...).
func (r *Router) On(kind string, h HandlerFunc, mws ...Middleware) {
	r.kinds[kind] = Chain(h, mws...)
}

// FilterMessages limits the messages without a command that reach the
// handler registered with On("message") to those f accepts. A bot that must
// be an admin sees every message of its groups: a narrow filter keeps that
// chatter from costing anything. f sees only what the loop reads before
// routing: the service fields (see Options.Match).
func (r *Router) FilterMessages(f func(*Message) bool) {
	r.messages = f
}

// Match reports whether Route would hand u to a handler. It decides from
// what the loop reads before routing (see Options.Match) and notes what it
// found in u (Command, Route), so that a command is parsed once.
func (r *Router) Match(u *Update) bool {
	return r.match(u) != nil
}

// match finds u's handler, noting the command in u.
func (r *Router) match(u *Update) HandlerFunc {
	switch {
	case u == nil:
		return nil
	case u.Kind == "message" && u.Message != nil:
		if u.Command == nil {
			if cmd, ok := ParseCommand(u.Message, r.username); ok {
				u.Command = &cmd
			}
		}
		if u.Command == nil {
			if h := r.kinds["message"]; h != nil && (r.messages == nil || r.messages(u.Message)) {
				return h
			}
			return nil
		}
		h, name := r.commands[u.Command.Name], u.Command.Name
		if h == nil {
			h, name = r.unknown, "unknown"
		}
		if h != nil {
			u.Route = name
		}
		return h
	case u.Kind == "callback_query" && u.Callback != nil:
		var best *callbackRoute
		for i, cr := range r.callbacks {
			if strings.HasPrefix(u.Callback.Data, cr.prefix) && (best == nil || len(cr.prefix) > len(best.prefix)) {
				best = &r.callbacks[i]
			}
		}
		if best != nil {
			return best.h
		}
		return r.kinds["callback_query"]
	default:
		return r.kinds[u.Kind]
	}
}

// Route handles u with the handler registered for it, if any.
func (r *Router) Route(ctx context.Context, u *Update) error {
	if h := r.match(u); h != nil {
		return h(ctx, u)
	}
	return nil
}
