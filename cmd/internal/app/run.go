package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/cmd/internal/ops"
	"github.com/invitebot/invitebot/handlers"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/handlers/verifypage"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store/postgres"
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
	// Tick is how often the background workers look at the clock when
	// nothing wakes them (a deadline of a check falls due on Now's clock);
	// 0 means a minute.
	Tick time.Duration
	// Leader are the timings of the leadership among instances that share
	// a PostgreSQL database; zero values are postgres.LeaderOptions'
	// defaults.
	Leader postgres.LeaderOptions
}

// Run is the bot: it returns when ctx ends (nil) or start-up fails. Bad
// configuration is a *ConfigError.
func Run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, in Options) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	db, err := openDatabase(ctx, cfg.DB)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while connecting
		}
		return err
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
	// The verification page needs the gate, made once Telegram answers;
	// until then it says it is starting.
	var page lateHandler
	if cfg.HTTPAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/", ops.Handler(metrics, health))
		mux.Handle(verifypage.Prefix, &page)
		srv, err := ops.Listen(cfg.HTTPAddr, mux, log)
		if err != nil {
			return &ConfigError{"INVITEBOT_HTTP_ADDR", fmt.Sprintf("cannot listen on %s (%v); choose a free port, or leave INVITEBOT_HTTP_ADDR empty to serve no endpoints", cfg.HTTPAddr, err)}
		}
		// Deferred after the database's Close, so it runs before it.
		defer srv.Shutdown()
		log.Info().Str("addr", srv.Addr()).Msg("serving /healthz, /readyz, /metrics and the verification page")
		if in.Listening != nil {
			in.Listening(srv.Addr())
		}
	}

	catalog, err := text.New(cfg.Language)
	if err != nil {
		return &ConfigError{"INVITEBOT_LANGUAGE", err.Error()}
	}
	// The store moves a group's records when Telegram says it became a
	// supergroup; the chat handlers of the term, made once this instance
	// leads, say how.
	var upgraded atomic.Pointer[func(ctx context.Context, from, to int64) error]
	onMigrate := func(ctx context.Context, from, to int64) error {
		f := upgraded.Load()
		if f == nil {
			return errors.New("the chat handlers are not running: this instance does not lead")
		}
		return (*f)(ctx, from, to)
	}
	// getMe on every instance, standby or not: a bad token ends it at once.
	client, err := connect(ctx, bot.ClientConfig{Token: cfg.Token, APIURL: cfg.APIURL, Pace: in.Pace, OnMigrate: onMigrate, Observer: obs}, log)
	if ctx.Err() != nil {
		return nil // stopped while connecting
	}
	if err != nil {
		return err
	}
	me := client.Self()
	log.Info().Int64("bot_id", me.ID).Str("username", me.Username).Msg("connected to the Bot API")

	pageURL := ""
	if cfg.PublicURL != "" {
		pageURL = cfg.PublicURL + "/verify/"
	}
	t := term{
		cfg: cfg, in: in, log: log, client: client, catalog: catalog, st: st, me: me,
		metrics: metrics, health: health, obs: obs, page: &page, pageURL: pageURL, upgraded: &upgraded,
	}
	leaders := newLeadership(db, me.ID, in.Leader, log)
	// Instances that share a database are standbys until they lead (a
	// SQLite file's only instance is never one: until it polls, /readyz
	// says why, as before).
	_, t.shared = leaders.(*pgLeadership)
	if t.shared {
		health.Lead(false)
	}
	// Lead when this instance may; when it loses the lead (its database
	// connection failed), stand by and try again.
	for {
		lease, err := leaders.acquire(ctx)
		if err != nil {
			break // stopped while standing by
		}
		err = t.run(ctx, lease)
		lost := lease.Err()
		lease.Release()
		if err != nil {
			return err
		}
		if ctx.Err() != nil || lost == nil {
			break
		}
		log.Error().Err(lost).Dur("retry_in", stepDown).Msg("lost the lead: stopped polling and cut off the updates in hand, which the instance that takes over handles; standing by")
		if !sleepCtx(ctx, stepDown) {
			break
		}
	}
	log.Info().Msg("stopped")
	return nil
}

// stepDown is how long an instance that lost the lead waits before it
// tries to lead again: another instance, waiting on the lock, takes it
// first.
const stepDown = 2 * time.Second

// term is what an instance needs to lead: the parts made once, at start.
type term struct {
	cfg      config
	in       Options
	log      zerolog.Logger
	client   *bot.Client
	catalog  *text.Catalog
	st       ops.Store
	me       bot.User
	metrics  *ops.Metrics
	health   *ops.Health
	obs      bot.Observer
	page     *lateHandler
	pageURL  string
	upgraded *atomic.Pointer[func(ctx context.Context, from, to int64) error]
	// shared: other instances may lead in turn (PostgreSQL).
	shared bool
}

// run is one term as the leader: the start-up calls, the background
// workers and the update loop, until ctx ends (a stop: the updates in
// hand are finished and confirmed) or the lease is lost (they are cut off
// and left in the journal for the next leader). Its error is a failure to
// start the loop.
func (t *term) run(ctx context.Context, lease lease) error {
	termCtx, end := context.WithCancelCause(ctx)
	defer end(nil)
	go func() {
		select {
		case <-lease.Lost():
			end(bot.ErrAbandon) // stop polling at once
		case <-termCtx.Done():
		}
	}()
	t.log.Info().Msg("leading: this instance polls Telegram")
	t.metrics.SetLeader(true)
	t.health.Lead(true)
	defer func() {
		t.metrics.SetLeader(false)
		if t.shared {
			t.health.Lead(false)
		}
	}()
	setUp(termCtx, t.client, t.catalog, t.log)

	// The handlers are made afresh for each term: what they keep in
	// memory (admins' rights, whether the backlog is handled) is the
	// term's.
	w := wire(t.me, t.client, t.catalog, t.st, t.cfg.Owners, t.in.Now, t.pageURL, t.metrics)
	w.links.CountRepeats(t.obs.UnsureRepeat)
	if t.in.Tick > 0 {
		w.gate.SetTick(t.in.Tick)
		w.notifier.SetTick(t.in.Tick)
	}
	t.page.set(verifypage.New(verifypage.Options{
		Gate: w.gate.Page(), BotToken: t.cfg.Token, Catalog: t.catalog, Now: t.in.Now,
		Log: t.log.With().Str("component", "verifypage").Logger(),
		// People reach the page through the TLS proxy of the public URL,
		// which says who they are.
		ForwardedFor: t.cfg.PublicURL != "",
	}))
	defer t.page.clear()
	upgraded := w.chats.Upgraded
	t.upgraded.Store(&upgraded)
	defer t.upgraded.Store(nil)
	// The workers run beside the loop, from the store's outboxes; they
	// stop with it.
	var workers sync.WaitGroup
	workCtx, stopWorkers := context.WithCancel(t.log.WithContext(termCtx))
	workers.Go(func() { w.notifier.Run(workCtx) })
	workers.Go(func() { w.gate.Run(workCtx) })
	workers.Go(func() { w.logPoster.Run(workCtx) })
	workers.Go(func() { w.rotator.Run(workCtx) })
	defer func() { stopWorkers(); workers.Wait() }()
	t.log.Info().Dur("poll_timeout", t.cfg.PollTimeout).Msg("polling for updates")
	err := bot.Run(termCtx, t.client, w.router.Route, bot.Options{
		PollTimeout:    t.cfg.PollTimeout,
		AllowedUpdates: allowedUpdates,
		Log:            t.log,
		OnError:        w.general.Apologise,
		Journal:        journal{t.st},
		Match:          w.router.Match,
		Observer:       t.obs,
		CaughtUp:       w.gate.CaughtUp,
	})
	if termCtx.Err() != nil {
		return nil // stopped or lost while starting
	}
	return err
}

// database is the store the bot runs on: SQLite's or PostgreSQL's.
type database interface {
	ops.Store
	Ping(ctx context.Context) error
	Close() error
}

// isPostgres tells an INVITEBOT_DB that names a PostgreSQL database
// rather than a SQLite file.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openDatabase opens the store that INVITEBOT_DB names: a postgres:// or
// postgresql:// URL is a PostgreSQL database, anything else a SQLite file.
// Its errors are ConfigErrors, which never show a URL: it may hold a
// password (the store's own errors leave it out).
func openDatabase(ctx context.Context, dsn string) (database, error) {
	if isPostgres(dsn) {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, &ConfigError{"INVITEBOT_DB", fmt.Sprintf("cannot open the PostgreSQL database (%v); check the URL, that the server is up and reachable from here, and that the user may connect and create tables in the database", err)}
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, &ConfigError{"INVITEBOT_DB", fmt.Sprintf("cannot open %s (%v); point INVITEBOT_DB at a file in a writable directory", dsn, err)}
	}
	return db, nil
}

// describeDB names the store for a person, without a URL's user and
// password: the file, or "PostgreSQL database NAME on HOST".
func describeDB(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "PostgreSQL database"
	}
	return fmt.Sprintf("PostgreSQL database %s on %s", strings.TrimPrefix(u.Path, "/"), u.Host)
}

// lateHandler is a handler made after the server starts: until set, it
// answers 503.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

// clear makes it answer 503 again.
func (l *lateHandler) clear() { l.h.Store(nil) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Retry-After", "5")
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// wiring is the bot's parts, wired.
type wiring struct {
	router   *bot.Router
	general  *handlers.General
	links    *handlers.Links
	requests *handlers.Requests
	chats    *handlers.Chats
	settings *handlers.Settings
	notifier *handlers.Notifier
	gate     *handlers.Gate
	// The record (issue 14).
	record    *handlers.Record
	logPoster *handlers.LogPoster
	history   *handlers.History
	rotator   *handlers.Rotator
}

// wire makes the handlers and the checks and routes the commands, buttons
// and updates to them; st is the store, owners may manage every chat the
// bot administers from a private chat, now is the clock (nil: time.Now),
// pageURL the public address of the verification page ("" for none), obs
// counts what becomes of join requests (nil: nothing).
func wire(me bot.User, tg *bot.Client, catalog *text.Catalog, st ops.Store, owners []int64, now func() time.Time, pageURL string, obs handlers.GateObserver) wiring {
	d := &handlers.Deps{TG: tg, Text: catalog, Settings: st, Messages: st, Username: me.Username, Now: now}
	admins := middleware.NewAdmins(tg, catalog, middleware.DefaultMemberTTL, now)
	admins.UseChatLanguage(d.ChatPrinter)
	private := middleware.NewPrivate(admins, st, owners, me.ID)
	w := wiring{
		router:   bot.NewRouter(me.Username),
		general:  handlers.NewGeneral(d, admins),
		links:    handlers.NewLinks(d, st),
		requests: handlers.NewRequests(d, st),
		chats:    handlers.NewChats(d, st, private),
		settings: handlers.NewSettings(d, st),
	}
	w.notifier = handlers.NewNotifier(d, st, w.requests)
	w.gate = handlers.NewGate(d, st, tg, w.requests, pageURL, obs)
	w.requests.OnChange(w.notifier.Wake)
	w.record = handlers.NewRecord(d, st, private)
	w.logPoster = handlers.NewLogPoster(d, st)
	w.rotator = handlers.NewRotator(d, st, tg)
	d.Changed = func() { w.logPoster.Wake(); w.rotator.Wake() }
	w.history = handlers.NewHistory(w.links, st, tg)
	w.links.UseFiles(tg)
	w.links.UseSubscriptions(tg)
	d.Replay = w.router.Route
	r := w.router
	// Every handler and check tells the person of its refusals and their
	// mistakes (Answer); the handler too, for a command that an anonymous
	// admin's confirmation runs later. What a handler changes is recorded
	// as its actor's (Acting).
	answer := d.Answer
	command := func(name string, h bot.HandlerFunc, mws ...bot.Middleware) {
		r.Command(name, answer(d.Acting(h)), append([]bot.Middleware{answer}, mws...)...)
	}
	command("start", w.general.Help)
	command("help", w.general.Help)
	// Admin commands: in a group for its admins; in a private chat on the
	// chat named first or chosen with /use.
	admin := private.Require(bot.ChatFirst)
	command("refreshlink", w.links.RefreshLink, admin)
	command("createlink", w.links.CreateLink, admin)
	command("editlink", w.links.EditLink, admin)
	command("revokelink", w.links.RevokeLink, admin)
	command("links", w.links.List, admin)
	command("requests", w.requests.List, admin)
	// Their USER may be a @username too: a CHAT comes before it.
	answerReq := private.Require(bot.ChatBeforeArg)
	command("approve", w.requests.Approve, answerReq)
	command("decline", w.requests.Decline, answerReq)
	command("language", w.settings.Language, admin)
	command("replies", w.settings.Replies, admin)
	command("notify", w.notifier.Notify, admin)
	command("joinmode", w.gate.JoinMode, admin)
	command("rules", w.gate.Rules, admin)
	command("log", w.record.Log, admin)
	command("link", w.history.Link, admin)
	command("export", w.history.Export, admin)
	command("stats", w.history.Stats, admin)
	command("autorotate", w.rotator.Autorotate, admin)
	command("logchat", w.record.LogChat, private.Require(bot.ChatBeforeArg))
	command("chats", w.chats.List)
	command("use", w.chats.Use)
	r.UnknownCommand(answer(w.general.Unknown))
	r.Callback(middleware.ConfirmPrefix, admins.Confirm, answer)
	// A check's buttons: only the requester's own press counts, which the
	// gate tells by the verification of the presser.
	r.Callback(handlers.VerifyButtons, answer(w.gate.Press))
	// Buttons are checked like the commands they stand for, against the
	// record of the message they are under.
	button := private.RequireButton(st)
	r.Callback(handlers.RequestButtons, d.Acting(w.requests.Press), answer, button)
	r.Callback(handlers.LinkButtons+"r:", d.Acting(w.links.RevokeButton), answer, button)
	r.Callback(handlers.LinkButtons+"y", d.Acting(w.links.ConfirmButton), answer, button)
	r.On("callback_query", w.general.StaleButton)
	r.On("chat_member", func(ctx context.Context, u *bot.Update) error {
		// A change of someone's membership or rights makes the cached answer stale.
		if u.Chat != nil && u.Member != nil {
			admins.Forget(u.Chat.ID, u.Member.New.User.ID)
		}
		return d.Acting(w.requests.OnChatMember)(ctx, u)
	})
	r.On("my_chat_member", w.chats.OnMyChatMember)
	r.On("chat_join_request", w.gate.OnJoinRequest)
	r.On("message", w.chats.OnMessage) // a group's upgrade to a supergroup
	// Of the messages without a command, only service messages (a group's
	// upgrade, members coming and going) can concern the bot; the chatter
	// of its groups is dropped unread.
	r.FilterMessages(serviceMessage)
	return w
}

// serviceMessage tells the messages that record a change of the chat
// rather than say something.
func serviceMessage(m *bot.Message) bool {
	return m.MigrateToChatID != 0 || m.MigrateFromChatID != 0 || len(m.NewChatMembers) > 0 || m.LeftChatMember != nil
}

// errTokenRejected: getMe says the token is not a bot's.
var errTokenRejected = &ConfigError{"TELEGRAM_BOT_TOKEN", "Telegram rejected the token; copy it again from @BotFather, or revoke it there and use the new one"}

// connect calls getMe until Telegram answers. A token that Telegram rejects
// is bad configuration; anything else (Telegram unreachable) is retried with
// backoff until ctx ends, when it returns ctx's error.
func connect(ctx context.Context, cfg bot.ClientConfig, log zerolog.Logger) (*bot.Client, error) {
	wait := time.Second
	for {
		client, err := bot.NewClient(ctx, cfg)
		switch {
		case err == nil:
			return client, nil
		case errors.Is(err, bot.ErrUnauthorized):
			return nil, errTokenRejected
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		log.Warn().Err(err).Dur("retry_in", wait).Msg("cannot reach the Bot API; retrying")
		if !sleepCtx(ctx, wait) {
			return nil, ctx.Err()
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// sleepCtx waits d or until ctx ends, and reports whether it waited d out.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// The command menus the bot registers, each description a message of the
// catalogs ("menu.admin.NAME", "menu.private.NAME"): the admin commands for
// group admins, the general ones for private chats.
var (
	adminMenu   = []string{"links", "createlink", "editlink", "revokelink", "refreshlink", "requests", "approve", "decline", "notify", "joinmode", "rules", "replies", "language", "link", "export", "stats", "autorotate", "log", "logchat", "help"}
	privateMenu = []string{"chats", "use", "links", "createlink", "editlink", "revokelink", "refreshlink", "requests", "approve", "decline", "notify", "joinmode", "rules", "replies", "language", "link", "export", "stats", "autorotate", "log", "logchat", "start", "help"}
)

// menu is a menu in p's language.
func menu(p *text.Printer, scope string, names []string) []bot.BotCommand {
	out := make([]bot.BotCommand, len(names))
	for i, n := range names {
		out[i] = bot.BotCommand{Command: n, Description: p.P("menu." + scope + "." + n)}
	}
	return out
}

// setUp makes the start-up calls after getMe: it drops any webhook (keeping
// the pending updates), registers the command menus in every language
// (the default's for everyone else) and suggests the admin right the bot
// needs. Failures are logged: polling reports a webhook that is still set
// as a conflict.
func setUp(ctx context.Context, c *bot.Client, catalog *text.Catalog, log zerolog.Logger) {
	rights := map[string]bool{
		"is_anonymous": false, "can_manage_chat": false, "can_delete_messages": false,
		"can_manage_video_chats": false, "can_restrict_members": false, "can_promote_members": false,
		"can_change_info": false, "can_invite_users": true, "can_post_stories": false,
		"can_edit_stories": false, "can_delete_stories": false,
	}
	type call struct {
		method string
		do     func() error
	}
	calls := []call{{"deleteWebhook", func() error { return c.DeleteWebhook(ctx) }}}
	for _, lang := range append([]string{""}, menuLanguages(catalog)...) {
		p := catalog.For(lang)
		if lang == "" {
			p = catalog.Default()
		}
		calls = append(calls,
			call{"setMyCommands", func() error { return c.SetCommands(ctx, "all_chat_administrators", lang, menu(p, "admin", adminMenu)) }},
			call{"setMyCommands", func() error { return c.SetCommands(ctx, "all_private_chats", lang, menu(p, "private", privateMenu)) }})
	}
	calls = append(calls,
		call{"setMyDefaultAdministratorRights", func() error { return c.SetDefaultAdminRights(ctx, rights, false) }},
		call{"setMyDefaultAdministratorRights", func() error { return c.SetDefaultAdminRights(ctx, rights, true) }})
	for _, call := range calls {
		if err := call.do(); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error().Err(err).Str("method", call.method).Msg("start-up call failed; going on")
		}
	}
}

// menuLanguages are the two-letter codes that setMyCommands gets a menu
// for: every language of the catalogs but the default, whose menu is
// everyone else's.
func menuLanguages(catalog *text.Catalog) []string {
	var out []string
	def := catalog.Default().Lang()
	for _, code := range catalog.Codes() {
		base, _, _ := strings.Cut(code, "-")
		if code == def || slices.Contains(out, base) {
			continue
		}
		out = append(out, base)
	}
	return out
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
