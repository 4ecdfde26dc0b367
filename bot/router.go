package bot

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// HandlerFunc handles one update. Its error means something broke (a failed
// call, a failed write); expected outcomes such as bad arguments are replies,
// not errors. The error is logged once, by the loop.
type HandlerFunc func(ctx context.Context, u *tgbotapi.Update) error

// Middleware wraps a handler. In Chain, the first listed is the outermost.
type Middleware func(next HandlerFunc) HandlerFunc

// Chain wraps h in mws, the first listed outermost.
func Chain(h HandlerFunc, mws ...Middleware) HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type commandKey struct{}

type routeKey struct{}

// routeInfo is filled in by the router with what it matched, for the
// loop's logs and metrics.
type routeInfo struct {
	// command is a registered command's name, "unknown" for another
	// command addressed to the bot, "" for an update that is no command.
	command string
}

func withRouteInfo(ctx context.Context) (context.Context, *routeInfo) {
	ri := new(routeInfo)
	return context.WithValue(ctx, routeKey{}, ri), ri
}

// CommandFrom returns the command the router matched for the update being
// handled, if any.
func CommandFrom(ctx context.Context) (Command, bool) {
	c, ok := ctx.Value(commandKey{}).(Command)
	return c, ok
}

// WithCommand returns ctx carrying c, as the router passes it to handlers.
func WithCommand(ctx context.Context, c Command) context.Context {
	return context.WithValue(ctx, commandKey{}, c)
}

// Router sends each update to the handler registered for it: messages by
// their command, callback queries by the prefix of their data, and other
// kinds by kind. Updates that match nothing are dropped without a word:
// a bot that must be an admin sees every message of every group it is in.
// Register everything before the loop starts; Route is then safe for
// concurrent use.
type Router struct {
	username  string
	commands  map[string]HandlerFunc
	unknown   HandlerFunc
	callbacks []callbackRoute
	kinds     map[string]HandlerFunc
	// messages picks the non-command messages for kinds["message"]; nil: all.
	messages func(*tgbotapi.Message) bool
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
// chatter from costing anything.
func (r *Router) FilterMessages(f func(*tgbotapi.Message) bool) {
	r.messages = f
}

// Wants reports whether Route would hand u to a handler. It decides from
// the fields routing needs, without running anything.
func (r *Router) Wants(u *tgbotapi.Update) bool {
	switch {
	case u == nil:
		return false
	case u.Message != nil:
		if cmd, ok := ParseCommand(u.Message, r.username); ok {
			return r.commands[cmd.Name] != nil || r.unknown != nil
		}
		return r.kinds["message"] != nil && (r.messages == nil || r.messages(u.Message))
	case u.CallbackQuery != nil:
		return len(r.callbacks) > 0 || r.kinds["callback_query"] != nil
	default:
		return r.kinds[Kind(u)] != nil
	}
}

// Route handles u with the handler registered for it, if any.
func (r *Router) Route(ctx context.Context, u *tgbotapi.Update) error {
	switch {
	case u == nil:
		return nil
	case u.Message != nil:
		cmd, ok := ParseCommand(u.Message, r.username)
		if !ok {
			if h := r.kinds["message"]; h != nil && (r.messages == nil || r.messages(u.Message)) {
				return h(ctx, u)
			}
			return nil
		}
		h, name := r.commands[cmd.Name], cmd.Name
		if h == nil {
			h, name = r.unknown, "unknown"
		}
		if h == nil {
			return nil
		}
		if ri, ok := ctx.Value(routeKey{}).(*routeInfo); ok {
			ri.command = name
		}
		return h(WithCommand(ctx, cmd), u)
	case u.CallbackQuery != nil:
		var best *callbackRoute
		for i, cr := range r.callbacks {
			if strings.HasPrefix(u.CallbackQuery.Data, cr.prefix) && (best == nil || len(cr.prefix) > len(best.prefix)) {
				best = &r.callbacks[i]
			}
		}
		if best == nil {
			if h := r.kinds["callback_query"]; h != nil {
				return h(ctx, u)
			}
			return nil
		}
		return best.h(ctx, u)
	default:
		if h := r.kinds[Kind(u)]; h != nil {
			return h(ctx, u)
		}
		return nil
	}
}
