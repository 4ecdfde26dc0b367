package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/cmd/internal/ops"
	"github.com/invitebot/invitebot/handlers"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// allowedUpdates is what the bot asks Telegram for.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"}

// Options are settings of a run that are not configuration: the sandbox
// and the tests change them. The zero Options are not a working bot: Main
// runs with Pace: bot.TelegramPace.
type Options struct {
	// Pace is the limits the bot's messages are kept under.
	Pace bot.PaceLimits
	// ReadyMargin is added to the poll timeout to make the longest time
	// without a successful poll that /readyz allows; 0 means ops.ReadyMargin.
	ReadyMargin time.Duration
	// Listening, if set, is told the address the operations endpoints
	// listen on (INVITEBOT_HTTP_ADDR may ask for port 0).
	Listening func(addr string)
	// Now is the handlers' clock; nil means time.Now.
	Now func() time.Time
}

// Run is the bot: it returns when ctx ends (nil) or start-up fails. Bad
// configuration is a *ConfigError.
func Run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, in Options) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return &ConfigError{"INVITEBOT_DB", fmt.Sprintf("cannot open %s (%v); point INVITEBOT_DB at a file in a writable directory", cfg.DB, err)}
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error().Err(err).Msg("closing the database")
		}
	}()

	// Metrics and readiness: the client and the loop report to obs, the
	// store is timed. The endpoints answer from here on, so /healthz is up
	// while Telegram is still being reached.
	metrics := ops.NewMetrics(buildInfo().metrics(), ops.Routes{Kinds: allowedUpdates, Commands: commandNames()})
	margin := in.ReadyMargin
	if margin <= 0 {
		margin = ops.ReadyMargin
	}
	health := ops.NewHealth(cfg.PollTimeout+margin, db.Ping, nil)
	obs := ops.Observer(metrics, health)
	st := ops.InstrumentStore(db, metrics)
	if cfg.HTTPAddr != "" {
		srv, err := ops.Listen(cfg.HTTPAddr, ops.Handler(metrics, health), log)
		if err != nil {
			return &ConfigError{"INVITEBOT_HTTP_ADDR", fmt.Sprintf("cannot listen on %s (%v); choose a free port, or leave INVITEBOT_HTTP_ADDR empty to serve no endpoints", cfg.HTTPAddr, err)}
		}
		// Deferred after the database's Close, so it runs before it.
		defer srv.Shutdown()
		log.Info().Str("addr", srv.Addr()).Msg("serving /healthz, /readyz and /metrics")
		if in.Listening != nil {
			in.Listening(srv.Addr())
		}
	}

	client, err := connect(ctx, bot.ClientConfig{Token: cfg.Token, APIURL: cfg.APIURL, Pace: in.Pace, OnMigrate: st.MoveChat, Observer: obs}, log)
	if err != nil || ctx.Err() != nil {
		return err
	}
	me := client.Self()
	log.Info().Int64("bot_id", me.ID).Str("username", me.UserName).Msg("connected to the Bot API")
	setUp(ctx, client, log)

	r, general := routes(me, client, st, cfg.Owners, obs, in.Now)
	// Of the messages without a command, only service messages (a group's
	// upgrade, members coming and going) can concern the bot; the chatter
	// of its groups is dropped unread.
	r.FilterMessages(serviceMessage)
	log.Info().Dur("poll_timeout", cfg.PollTimeout).Msg("polling for updates")
	err = bot.Run(ctx, client, r.Route, bot.Options{
		PollTimeout:    cfg.PollTimeout,
		AllowedUpdates: allowedUpdates,
		Log:            log,
		OnError:        general.Apologise,
		Journal:        journal{st},
		Wants:          r.Wants,
		Observer:       obs,
	})
	log.Info().Msg("stopped")
	return err
}

// routes wires the commands to their handlers and checks; st is the store
// (*sqlite.DB), owners may manage every chat the bot administers from a
// private chat. It returns the router and the general handlers, whose
// Apologise is the loop's error hook.
func routes(me tgbotapi.User, api bot.Caller, st interface {
	store.Links
	store.Chats
	store.JoinRequests
}, owners []int64, obs bot.Observer, now func() time.Time) (*bot.Router, *handlers.General) {
	admins := middleware.NewAdmins(api, middleware.DefaultMemberTTL, now)
	private := middleware.NewPrivate(admins, st, owners)
	general := handlers.NewGeneral(api, me.UserName)
	links := handlers.NewLinks(api, st, me.UserName, now)
	links.CountRepeats(obs.UnsureRepeat)
	requests := handlers.NewRequests(api, st, me.UserName, now)
	chats := handlers.NewChats(api, st, private, me.UserName, now)

	r := bot.NewRouter(me.UserName)
	r.Command("start", general.Help)
	r.Command("help", general.Help)
	// Admin commands: in a group for its admins; in a private chat on the
	// chat named first or chosen with /use.
	admin := private.Require(middleware.ChatFirst)
	r.Command("refreshlink", links.RefreshLink, admin)
	r.Command("createlink", links.CreateLink, admin)
	r.Command("editlink", links.EditLink, admin)
	r.Command("revokelink", links.RevokeLink, admin)
	r.Command("links", links.List, admin)
	r.Command("requests", requests.List, admin)
	// Their USER may be a @username too: a CHAT comes before it.
	answer := private.Require(middleware.ChatBeforeArg)
	r.Command("approve", requests.Approve, answer)
	r.Command("decline", requests.Decline, answer)
	r.Command("chats", chats.List)
	r.Command("use", chats.Use)
	r.UnknownCommand(general.Unknown)
	r.Callback(middleware.ConfirmPrefix, admins.Confirm)
	// Buttons are checked like the commands they stand for.
	button := private.RequireButton(handlers.ButtonChat)
	r.Callback(handlers.RequestButtons, requests.Press, button)
	r.Callback(handlers.LinkButtons, links.RevokeButton, button)
	r.On("callback_query", general.StaleButton)
	r.On("chat_member", func(ctx context.Context, u *tgbotapi.Update) error {
		// A change of someone's membership or rights makes the cached answer stale.
		if user := u.ChatMember.NewChatMember.User; user != nil {
			admins.Forget(u.ChatMember.Chat.ID, user.ID)
		}
		return requests.OnChatMember(ctx, u)
	})
	r.On("my_chat_member", chats.OnMyChatMember)
	r.On("chat_join_request", requests.OnJoinRequest)
	r.On("message", chats.OnMessage) // a group's upgrade to a supergroup
	return r, general
}

// serviceMessage tells the messages that record a change of the chat
// rather than say something.
func serviceMessage(m *tgbotapi.Message) bool {
	return m.MigrateToChatID != 0 || m.MigrateFromChatID != 0 || len(m.NewChatMembers) > 0 || m.LeftChatMember != nil
}

// connect calls getMe until Telegram answers. A token that Telegram rejects
// is bad configuration; anything else (Telegram unreachable) is retried with
// backoff until ctx ends.
func connect(ctx context.Context, cfg bot.ClientConfig, log zerolog.Logger) (*bot.Client, error) {
	wait := time.Second
	for {
		client, err := bot.NewClient(ctx, cfg)
		if err == nil {
			return client, nil
		}
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && (apiErr.Code == 401 || apiErr.Code == 404) {
			return nil, &ConfigError{"TELEGRAM_BOT_TOKEN", "Telegram rejected the token (" + apiErr.Message + "); copy it again from @BotFather, or revoke it there and use the new one"}
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		log.Warn().Err(err).Dur("retry_in", wait).Msg("cannot reach the Bot API; retrying")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// commands are the menus the bot registers: admin commands for group admins,
// general ones for private chats.
var (
	adminCommands = []tgbotapi.BotCommand{
		{Command: "links", Description: "List the invite links I made here, with joins"},
		{Command: "createlink", Description: "Make a link: [NAME] [expire=WHEN] [limit=N] [request]"},
		{Command: "editlink", Description: "Change a link: REF [name=] [expire=] [limit=] [request]"},
		{Command: "revokelink", Description: "Revoke a link: REF (#N, URL or name)"},
		{Command: "refreshlink", Description: "Replace the primary invite link"},
		{Command: "requests", Description: "List pending join requests"},
		{Command: "approve", Description: "Approve join requests: USER (ID or @username) or all"},
		{Command: "decline", Description: "Decline join requests: USER (ID or @username) or all"},
		{Command: "help", Description: "How to use me"},
	}
	privateCommands = []tgbotapi.BotCommand{
		{Command: "chats", Description: "The chats you can manage through me"},
		{Command: "use", Description: "Act on a chat: /use @username or /use -100…"},
		{Command: "links", Description: "List the invite links I made, with joins: [CHAT] [all]"},
		{Command: "createlink", Description: "Make a link: [CHAT] [NAME] [expire=WHEN] [limit=N] [request]"},
		{Command: "editlink", Description: "Change a link: [CHAT] REF [name=] [expire=] [limit=] [request]"},
		{Command: "revokelink", Description: "Revoke a link: [CHAT] REF (#N, URL or name)"},
		{Command: "refreshlink", Description: "Replace the primary invite link: [CHAT]"},
		{Command: "requests", Description: "List pending join requests: [CHAT]"},
		{Command: "approve", Description: "Approve join requests: [CHAT] USER or all"},
		{Command: "decline", Description: "Decline join requests: [CHAT] USER or all"},
		{Command: "start", Description: "What I do and how to add me to a chat"},
		{Command: "help", Description: "How to use me"},
	}
)

// setUp makes the start-up calls after getMe: it drops any webhook (keeping
// the pending updates), registers the command menus and suggests the admin
// right the bot needs. Failures are logged: polling reports a webhook that
// is still set as a conflict.
func setUp(ctx context.Context, c *bot.Client, log zerolog.Logger) {
	mustJSON := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // only fixed values are marshalled here
		}
		return string(b)
	}
	rights := map[string]bool{
		"is_anonymous": false, "can_manage_chat": false, "can_delete_messages": false,
		"can_manage_video_chats": false, "can_restrict_members": false, "can_promote_members": false,
		"can_change_info": false, "can_invite_users": true, "can_post_stories": false,
		"can_edit_stories": false, "can_delete_stories": false,
	}
	calls := []struct {
		method string
		params tgbotapi.Params
	}{
		{"deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}},
		{"setMyCommands", tgbotapi.Params{"commands": mustJSON(adminCommands), "scope": `{"type":"all_chat_administrators"}`}},
		{"setMyCommands", tgbotapi.Params{"commands": mustJSON(privateCommands), "scope": `{"type":"all_private_chats"}`}},
		{"setMyDefaultAdministratorRights", tgbotapi.Params{"rights": mustJSON(rights)}},
		{"setMyDefaultAdministratorRights", tgbotapi.Params{"rights": mustJSON(rights), "for_channels": "true"}},
	}
	for _, call := range calls {
		if err := c.Call(ctx, call.method, call.params, nil); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error().Err(err).Str("method", call.method).Msg("start-up call failed; going on")
		}
	}
}

// logFields sets zerolog's field names, package globals, once: the
// message goes in "msg", next to "level", "time" and "error".
var logFields sync.Once

// newLogger builds the root logger: JSON, or console output when asked or
// when stderr is a terminal.
func newLogger(cfg config, w io.Writer) zerolog.Logger {
	logFields.Do(func() { zerolog.MessageFieldName = "msg" })
	console := cfg.LogFormat == "console"
	if cfg.LogFormat == "auto" {
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			console = true
		}
	}
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(cfg.LogLevel).With().Timestamp().Logger()
}
