// Command sandbox runs the real invitebot against a simulated Telegram on
// 127.0.0.1, with a console in which you type as the people of a small
// world: no token, no network. See README.md.
//
//	go run ./cmd/sandbox [-script FILE] [-db PATH] [-log FILE]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/cmd/internal/app"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store/sqlite"
)

// sandboxPace lets the bot answer at once: the simulated Telegram has no
// flood limits, and a console wants every answer before the next line.
var sandboxPace = bot.PaceLimits{Global: bot.Window{N: 1 << 20, Per: time.Second}}

// defaultLineTimeout bounds the wait for the bot to finish with one line.
const defaultLineTimeout = 20 * time.Second

// sandboxTick is how often the bot's background workers look at the
// clock, which wait moves: a check whose time is up after a wait ends at
// once, not up to a minute later.
const sandboxTick = 50 * time.Millisecond

// sbClock is the clock of the bot and of the simulated Telegram: this
// machine's, moved ahead by the console's wait.
type sbClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

// Now is the time in the sandbox.
func (c *sbClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

// Advance moves the clock d ahead and returns how far ahead of this
// machine's it is now.
func (c *sbClock) Advance(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
	return c.ahead
}

// sandboxInternals are settings that tests change.
type sandboxInternals struct {
	terminal    bool          // prompt as on a terminal, whatever stdin is
	lineTimeout time.Duration // 0: defaultLineTimeout
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.ExitCode(sandbox(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// sandbox runs the sandbox: the real bot, unchanged, through app.Run,
// against a simulated Telegram (bottest) on 127.0.0.1, with a
// console in which the user types as the people of a small world. It
// reads nothing from the environment, so that no token, database or owner
// of a real deployment can reach it.
func sandbox(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	in := sandboxInternals{}
	if f, ok := stdin.(*os.File); ok {
		in.terminal = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return runSandbox(ctx, args, stdin, stdout, stderr, in)
}

const sandboxUsage = `usage: go run ./cmd/sandbox [-script FILE] [-db PATH] [-log FILE] [-files DIR]

Runs the real bot against a simulated Telegram on 127.0.0.1, with a
console in which you type as the people of a small world: no token and no
network are needed, and the environment is not read. Lines come from the
terminal, a pipe or FILE; a script of lines gives a transcript. Type help
in the console for its commands.
`

// sandboxFlags are the sandbox's command-line options.
type sandboxFlags struct {
	script string // "" for stdin
	db     string // "" for a temporary database
	log    string // "" for a temporary log file
	files  string // "" to keep no file the bot sends
}

func parseSandboxFlags(args []string, stderr io.Writer) (sandboxFlags, error) {
	var f sandboxFlags
	fs := flag.NewFlagSet("invitebot sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error goes to exitCode, the usage below
	fs.StringVar(&f.script, "script", "", "read the console's lines from `FILE` instead of the standard input")
	fs.StringVar(&f.db, "db", "", "use the database at `PATH` (created if missing, kept) instead of a temporary one; not a real bot's: the sandbox's chats and links would join its records")
	fs.StringVar(&f.log, "log", "", "write the bot's log to `FILE` (kept) instead of a temporary file")
	fs.StringVar(&f.files, "files", "", "save the documents and photos the bot sends (CSV files, /stats charts) in `DIR`")
	fs.Usage = func() {
		fmt.Fprint(stderr, sandboxUsage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, err
		}
		return f, &app.ConfigError{Var: "sandbox", Msg: err.Error()}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return f, &app.ConfigError{Var: "sandbox", Msg: fmt.Sprintf("unexpected argument %q; give a script with -script FILE", fs.Arg(0))}
	}
	return f, nil
}

// runSandbox is sandbox with its Options given.
func runSandbox(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, in sandboxInternals) error {
	flags, err := parseSandboxFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if flags.script != "" {
		f, err := os.Open(flags.script)
		if err != nil {
			return &app.ConfigError{Var: "-script", Msg: fmt.Sprintf("cannot read the script (%v)", err)}
		}
		defer f.Close()
		stdin, in.terminal = f, false
	}
	if in.lineTimeout <= 0 {
		in.lineTimeout = defaultLineTimeout
	}

	dir, err := os.MkdirTemp("", "invitebot-sandbox-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)

	dbPath, dbNote := flags.db, "a temporary database"
	if dbPath == "" {
		dbPath = filepath.Join(dir, "invitebot.db")
	} else {
		dbNote = "the database " + dbPath
	}
	// The console reads the bot's update journal to know when the bot is
	// done with a line; the bot opens the same file.
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return &app.ConfigError{Var: "-db", Msg: fmt.Sprintf("cannot open %s (%v); give a file in a writable directory", dbPath, err)}
	}
	defer db.Close()
	last, _, err := db.PendingUpdates(ctx)
	if err != nil {
		return &app.ConfigError{Var: "-db", Msg: fmt.Sprintf("cannot read %s (%v)", dbPath, err)}
	}
	// A database from an earlier session: Telegram's update IDs go on
	// from the last one the bot saw, and new link codes must not repeat
	// the links it recorded. A new database gets the same links every
	// time, so that a script gives the same transcript.
	var seed uint64
	if last > 0 {
		seed = uint64(time.Now().UnixNano()) | 1
	}

	logPath := flags.log
	if logPath == "" {
		logPath = filepath.Join(dir, "invitebot.log")
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return &app.ConfigError{Var: "-log", Msg: fmt.Sprintf("cannot write %s (%v)", logPath, err)}
	}
	defer logFile.Close()

	reports := &reportLog{}
	srv, err := bottest.Start(bottest.Options{Report: reports.add, Seed: seed, LastUpdateID: last}, bottest.WithBot(sbBot))
	if err != nil {
		return fmt.Errorf("simulated Telegram: %w", err)
	}
	defer srv.Close()
	clock := &sbClock{}
	srv.SetClock(clock.Now)
	buildWorld(srv)

	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":   srv.Token(),
		"TELEGRAM_API_URL":     srv.URL(),
		"INVITEBOT_DB":         dbPath,
		"INVITEBOT_OWNERS":     sbOwners,
		"INVITEBOT_LOG_LEVEL":  "debug",
		"INVITEBOT_LOG_FORMAT": "json",
	}
	b := &runningBot{done: make(chan struct{})}
	botCtx, stopBot := context.WithCancel(ctx)
	go func() {
		b.err = app.Run(botCtx, func(k string) string { return env[k] }, io.Discard, logFile, app.Options{Pace: sandboxPace, Now: clock.Now, Tick: sandboxTick})
		close(b.done)
	}()
	defer func() {
		stopBot()
		select {
		case <-b.done:
		case <-time.After(15 * time.Second):
			fmt.Fprintln(stderr, "invitebot sandbox: the bot did not stop within 15s")
		}
	}()

	catalog, err := text.New(text.DefaultLanguage)
	if err != nil {
		return fmt.Errorf("the catalogs: %w", err)
	}
	c := &console{
		ctx: ctx, srv: srv, db: db, out: stdout, terminal: in.terminal,
		timeout: in.lineTimeout, bot: b, reports: reports, logPath: logPath, filesDir: flags.files,
		seen: make(map[int64]map[int]bottest.SentMessage), history: make(map[int64][]sbEntry),
		langs: make(map[string]string), text: catalog, clock: clock, guarded: make(map[int64]bool),
	}
	if err := c.start(); err != nil {
		return err
	}
	c.banner(dbNote)
	stopReading := make(chan struct{})
	defer close(stopReading)
	err = c.loop(readLines(stdin, stopReading))
	if b.stopped() && b.err != nil {
		return fmt.Errorf("the bot stopped: %w", b.err)
	}
	return err
}

// runningBot is the bot's run in its goroutine.
type runningBot struct {
	done chan struct{} // closed when runWith returned
	err  error         // what it returned; read after done
}

func (b *runningBot) stopped() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// reportLog keeps what the simulated Telegram reports (requests that
// break the Bot API spec, misuse of the world) until the console shows it.
type reportLog struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reportLog) add(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

// take returns the reports not taken yet.
func (r *reportLog) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

// readLines reads lines in a goroutine, so that the console can stop
// while a terminal waits for input. The channel closes at the end of the
// input (or on a read error, which ends it too). Closing stop lets the
// goroutine go after its current read.
func readLines(r io.Reader, stop <-chan struct{}) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	return lines
}
