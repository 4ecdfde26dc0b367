package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/sqlite"
)

// pgServer is a PostgreSQL server where invitebench may create databases:
// with it, burst and scale run invitebot on PostgreSQL too.
var pgServer = flag.String("postgres", "", "a PostgreSQL server where invitebench may create and drop databases, as a URL (postgres://invitebot@127.0.0.1:5432/postgres?sslmode=disable): burst and scale then also run invitebot on PostgreSQL, a new database each")

// stores is the stores invitebot runs on in burst and scale.
func stores() []string {
	if *pgServer != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// labelled is a scenario's name for the store it ran on.
func labelled(scenario, kind string) string {
	if kind == "postgres" {
		return scenario + " (PostgreSQL)"
	}
	return scenario
}

// database makes a new store of kind ("sqlite" or "postgres") for the run
// called name, and returns its INVITEBOT_DB and a function that drops it.
func (e *benchEnv) database(kind, name string) (string, func(), error) {
	if kind != "postgres" {
		return filepath.Join(e.tmp, name+".db"), func() {}, nil
	}
	e.runs++
	dbName := fmt.Sprintf("invitebench_%d_%d_%s", os.Getpid(), e.runs, strings.ReplaceAll(name, "-", "_"))
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, *pgServer)
		if err != nil {
			return fmt.Errorf("-postgres: %w", err)
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + dbName); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(*pgServer)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	u.Path = "/" + dbName
	return u.String(), func() { exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)") }, nil
}

// benchEnv holds what every scenario needs.
type benchEnv struct {
	bot  string // the invitebot binary
	self string // this program, for the yardstick children
	tmp  string
	log  io.Writer
	runs int
}

const (
	burstLatency = 40 * time.Millisecond
	adminBase    = int64(5100000000)
	memberBase   = int64(5200000000)
)

// fake starts a fake Telegram whose reports (spec violations) fail the run.
func (e *benchEnv) fake() (*bottest.Server, *[]string, error) {
	var reports []string
	srv, err := bottest.Start(bottest.Options{Report: func(msg string) {
		if !strings.Contains(msg, "privacy mode") {
			reports = append(reports, msg)
		}
	}})
	return srv, &reports, err
}

// groups adds n supergroups with the bot as an admin with can_invite_users
// and one admin with the right each, and returns their IDs.
func groups(srv *bottest.Server, n int) []int64 {
	ids := make([]int64, n)
	for i := range n {
		id := int64(-1003000000000 - i)
		ids[i] = id
		admin := adminBase + int64(i)
		srv.AddChat(bottest.Chat{ID: id, Type: "supergroup", Title: fmt.Sprintf("Group %d", i)})
		srv.AddUser(bottest.User{ID: admin, FirstName: fmt.Sprintf("Admin %d", i)})
		srv.SetMember(id, admin, bottest.Member{Status: "administrator", CanInviteUsers: true})
		srv.SetMember(id, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}
	return ids
}

// proc is a child process.
type proc struct {
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{}
	err     error
}

// startProc starts a child with the fake's address and token in its
// environment, its output in a log file.
func (e *benchEnv) startProc(srv *bottest.Server, name string, args []string, env ...string) (*proc, error) {
	e.runs++
	logPath := filepath.Join(e.tmp, fmt.Sprintf("%02d-%s.log", e.runs, filepath.Base(name)))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+srv.Token(),
		"TELEGRAM_API_URL="+srv.URL(),
		"INVITEBOT_LOG_FORMAT=json",
		"INVITEBOT_LOG_LEVEL=warn",
		"INVITEBOT_POLL_TIMEOUT=30s",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p := &proc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// startBot starts invitebot on the database at db.
func (e *benchEnv) startBot(srv *bottest.Server, db string, env ...string) (*proc, error) {
	return e.startProc(srv, e.bot, nil, append([]string{"INVITEBOT_DB=" + db}, env...)...)
}

// logged finds the first JSON log line of the child with the given msg and
// returns its duration_ms.
func (p *proc) logged(msg string) (time.Duration, error) {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		var entry struct {
			Msg        string  `json:"msg"`
			DurationMS float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == msg {
			return time.Duration(entry.DurationMS * float64(time.Millisecond)), nil
		}
	}
	return 0, fmt.Errorf("no %q in the bot's log", msg)
}

// stop ends the child (SIGTERM, or SIGKILL if kill) and returns its peak
// resident memory in MiB until then. The peak is read from the child's
// /proc/PID/status (VmHWM): the rusage of a child that a large process
// started carries that process's own peak, which Linux hands on at exec.
func (p *proc) stop(kill bool) (float64, error) {
	peak, err := peakRSS(p.cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	return peak, nil
}

// peakRSS reads a live process's peak resident memory (VmHWM), in MiB.
func peakRSS(pid int) (float64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak memory: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("peak memory: %q: %w", line, err)
			}
			return kib / 1024, nil
		}
	}
	return 0, fmt.Errorf("peak memory: no VmHWM in /proc/%d/status", pid)
}

// waitFor checks cond every 50 ms until it holds or the timeout passes (the
// fake runs in this process; its state is read directly). The figures come
// from the fake's own timestamps, so the interval costs no accuracy, and a
// light check leaves the CPU to the program measured.
func waitFor(what string, timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// callsSince returns the calls to method from index from on.
func callsSince(srv *bottest.Server, from int, method string) []bottest.Call {
	var out []bottest.Call
	for _, c := range srv.Calls()[from:] {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// pollConfirming returns the first getUpdates from index from on whose
// offset confirms update last.
func pollConfirming(srv *bottest.Server, from int, last int64) (bottest.Call, bool) {
	for _, c := range callsSince(srv, from, "getUpdates") {
		if off, _ := strconv.ParseInt(c.Params["offset"], 10, 64); off > last {
			return c, true
		}
	}
	return bottest.Call{}, false
}

// ingest: a stream of group chatter and other bots' commands, served in
// batches of 100 without latency, through the bare library loop and
// through invitebot.
func (e *benchEnv) ingest(n int) ([]result, error) {
	srv, reports, err := e.fake()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	chats := groups(srv, 40)
	for i := range 50 {
		srv.AddUser(bottest.User{ID: memberBase + int64(i), FirstName: "Member", UserName: fmt.Sprintf("member%d", i)})
	}
	texts := []string{
		"Did anyone see the match yesterday? That last goal was unbelievable",
		"/start@other_bot",
		"ok",
		"https://example.com/some/article worth reading, with a few more words in it",
		"/stats@some_stats_bot weekly",
		"good morning everyone",
	}
	push := func() (last int64) {
		for i := range n {
			last, _ = srv.PushMessage(chats[i%len(chats)], memberBase+int64(i%50), texts[i%len(texts)])
		}
		return last
	}
	measure := func(start func() (*proc, error), last int64, from int) (float64, float64, error) {
		p, err := start()
		if err != nil {
			return 0, 0, err
		}
		// Confirmed is cheap to read: the bench process must not compete
		// with the child for the CPU while it is measured.
		err = waitFor("every update confirmed", 10*time.Minute, func() bool { return srv.Confirmed() >= last })
		if err != nil {
			p.stop(true)
			return 0, 0, err
		}
		polls := callsSince(srv, from, "getUpdates")
		end, _ := pollConfirming(srv, from, last)
		rss, err := p.stop(false)
		if err != nil {
			return 0, 0, err
		}
		took := end.At.Sub(polls[0].At)
		return float64(n) / took.Seconds(), rss, nil
	}

	// Two rounds, each loop in turn, so that neither always runs on the
	// bench process's fresher heap; the best round of each counts.
	var bareRate, bareRSS, botRate, botRSS float64
	for round := 1; round <= 2; round++ {
		fmt.Fprintf(e.log, "   round %d: %d updates for the bare library loop, then for invitebot\n", round, n)
		last := push()
		from := len(srv.Calls())
		rate, rss, err := measure(func() (*proc, error) {
			return e.startProc(srv, e.self, []string{"-role=bare"}, "INVITEBENCH_LAST="+strconv.FormatInt(last, 10))
		}, last, from)
		if err != nil {
			return nil, fmt.Errorf("bare loop: %w", err)
		}
		bareRate, bareRSS = max(bareRate, rate), max(bareRSS, rss)
		bareRound := rate
		last = push()
		from = len(srv.Calls())
		rate, rss, err = measure(func() (*proc, error) {
			return e.startBot(srv, filepath.Join(e.tmp, fmt.Sprintf("ingest-%d.db", round)))
		}, last, from)
		if err != nil {
			return nil, fmt.Errorf("invitebot: %w", err)
		}
		botRate, botRSS = max(botRate, rate), max(botRSS, rss)
		fmt.Fprintf(e.log, "   round %d: bare %.0f/s, invitebot %.0f/s\n", round, bareRound, rate)
	}
	if len(*reports) > 0 {
		return nil, fmt.Errorf("the fake reported: %s", (*reports)[0])
	}
	ratio := botRate / bareRate
	return []result{
		measured("ingest", "bare tgbotapi loop, updates/s (best of 2)", fmt.Sprintf("%.0f (peak RSS %.1f MiB)", bareRate, bareRSS)),
		measured("ingest", "invitebot, updates/s (best of 2)", fmt.Sprintf("%.0f", botRate)),
		target("ingest", "invitebot / bare loop", fmt.Sprintf("%.2f", ratio), ">= 1.0", ratio >= 1.0),
		target("ingest", "invitebot peak RSS", fmt.Sprintf("%.1f MiB", botRSS), "<= 40 MB", botRSS*1.048576 <= 40),
	}, nil
}

// burstRun pushes 5 /createlink from the admin of each of n supergroups,
// each admin's five together, with burstLatency added to every call and
// Telegram's rate limits enforced, and times the replies. sequential runs
// the one-update-at-a-time yardstick instead of invitebot.
type burstOutcome struct {
	took           time.Duration
	replies, links int
	rateLimited    int
	getChatMember  int
	rss            float64
}

func (e *benchEnv) burstRun(n int, sequential bool, kind string) (burstOutcome, error) {
	var out burstOutcome
	srv, reports, err := e.fake()
	if err != nil {
		return out, err
	}
	defer srv.Close()
	chats := groups(srv, n)
	srv.SetLatency("", burstLatency)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	commands := 0
	for i, chat := range chats {
		for j := range 5 {
			srv.PushMessage(chat, adminBase+int64(i), fmt.Sprintf("/createlink Burst %d-%d", i, j))
			commands++
		}
	}
	from := len(srv.Calls())
	db, drop, err := e.database(kind, fmt.Sprintf("burst-%d-%v", n, sequential))
	if err != nil {
		return out, err
	}
	defer drop()
	if err := repliesHere(db, chats); err != nil {
		return out, err
	}
	var p *proc
	if sequential {
		p, err = e.startProc(srv, e.self, []string{"-role=sequential"}, "INVITEBOT_DB="+db, "INVITEBENCH_COMMANDS="+strconv.Itoa(commands))
	} else {
		p, err = e.startBot(srv, db)
	}
	if err != nil {
		return out, err
	}
	sent := func() []bottest.Call {
		var ok []bottest.Call
		for _, c := range callsSince(srv, from, "sendMessage") {
			if c.Status == 200 {
				ok = append(ok, c)
			}
		}
		return ok
	}
	timeout := time.Duration(commands)*time.Second + 2*time.Minute
	if err := waitFor("every reply", timeout, func() bool { return len(sent()) >= commands }); err != nil {
		p.stop(true)
		return out, err
	}
	replies := sent()
	polls := callsSince(srv, from, "getUpdates")
	out.took = replies[len(replies)-1].At.Sub(polls[0].At)
	out.replies = len(replies)
	for _, chat := range chats {
		out.links += len(srv.InviteLinks(chat))
	}
	out.rateLimited = srv.RateLimited()
	out.getChatMember = len(callsSince(srv, from, "getChatMember"))
	if out.rss, err = p.stop(false); err != nil {
		return out, err
	}
	if len(*reports) > 0 {
		return out, fmt.Errorf("the fake reported: %s", (*reports)[0])
	}
	return out, nil
}

// burst: 40 supergroups, 5 commands each, against the limits' lower bound
// and the one-at-a-time yardstick.
func (e *benchEnv) burst() ([]result, error) {
	const n = 40
	bound := lowerBound(5 * n)
	fmt.Fprintln(e.log, "   one update at a time (the yardstick, on SQLite)")
	seq, err := e.burstRun(n, true, "sqlite")
	if err != nil {
		return nil, fmt.Errorf("yardstick: %w", err)
	}
	var results []result
	for _, kind := range stores() {
		fmt.Fprintf(e.log, "   invitebot on %s\n", kind)
		bot, err := e.burstRun(n, false, kind)
		if err != nil {
			return nil, fmt.Errorf("invitebot on %s: %w", kind, err)
		}
		speedup := seq.took.Seconds() / bot.took.Seconds()
		sc := labelled("burst", kind)
		results = append(results,
			measured(sc, "commands, replies, links", fmt.Sprintf("200, %d, %d", bot.replies, bot.links)),
			target(sc, "all replies sent in", bot.took.Round(time.Millisecond).String(),
				fmt.Sprintf("<= %v (1.2 x %v)", (bound*12/10).Round(time.Millisecond), bound.Round(time.Millisecond)), bot.took <= bound*12/10 && bot.replies == 200 && bot.links == 200),
			target(sc, "429s met", strconv.Itoa(bot.rateLimited), "0", bot.rateLimited == 0),
			measured(sc, "one update at a time", seq.took.Round(time.Millisecond).String()),
			target(sc, "speed-up over one at a time", fmt.Sprintf("%.1fx", speedup), ">= 3x", speedup >= 3),
			target(labelled("admin", kind), "getChatMember calls in the burst", strconv.Itoa(bot.getChatMember), "40 (one per chat and user)", bot.getChatMember == n),
			measured(sc, "invitebot peak RSS", fmt.Sprintf("%.1f MiB", bot.rss)),
		)
	}
	return results, nil
}

// scale: 10,000 stored links over 100 chats, one holding 2,000, on each
// store.
func (e *benchEnv) scale() ([]result, error) {
	var results []result
	for _, kind := range stores() {
		fmt.Fprintf(e.log, "   on %s\n", kind)
		rs, err := e.scaleOn(kind)
		if err != nil {
			return nil, fmt.Errorf("on %s: %w", kind, err)
		}
		results = append(results, rs...)
	}
	return results, nil
}

func (e *benchEnv) scaleOn(kind string) ([]result, error) {
	srv, reports, err := e.fake()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	chats := groups(srv, 100)
	dbPath, drop, err := e.database(kind, "scale")
	if err != nil {
		return nil, err
	}
	defer drop()
	if err := seed(dbPath, chats); err != nil {
		return nil, err
	}
	from := len(srv.Calls())
	p, err := e.startBot(srv, dbPath, "INVITEBOT_LOG_LEVEL=debug")
	if err != nil {
		return nil, err
	}
	if err := waitFor("the first poll", time.Minute, func() bool { return len(callsSince(srv, from, "getUpdates")) > 0 }); err != nil {
		p.stop(true)
		return nil, err
	}
	startup := callsSince(srv, from, "getUpdates")[0].At.Sub(p.started)

	// Lists of links go to the asker's private chat (PRODUCT.md §3): the
	// admin opens one first.
	from = len(srv.Calls())
	srv.PushMessage(adminBase, adminBase, "/start")
	if err := waitFor("the answer to /start", time.Minute, func() bool { return len(callsSince(srv, from, "sendMessage")) > 0 }); err != nil {
		p.stop(true)
		return nil, err
	}
	from = len(srv.Calls())
	srv.PushMessage(chats[0], adminBase, "/links")
	if err := waitFor("the first page", time.Minute, func() bool { return len(callsSince(srv, from, "sendMessage")) > 0 }); err != nil {
		p.stop(true)
		return nil, err
	}
	check := callsSince(srv, from, "getChatMember")
	page := callsSince(srv, from, "sendMessage")[0]
	if len(check) == 0 {
		p.stop(true)
		return nil, fmt.Errorf("no admin check before /links")
	}
	roundTrip := page.At.Sub(check[len(check)-1].At)
	rss, err := p.stop(true) // its pages are paced at 20 a minute: no need to wait for them
	if err != nil {
		return nil, err
	}
	compose, err := p.logged("links composed")
	if err != nil {
		return nil, fmt.Errorf("%w (the bot answered /links with %q)", err, page.Params["text"])
	}
	if len(*reports) > 0 {
		return nil, fmt.Errorf("the fake reported: %s", (*reports)[0])
	}
	sc := labelled("scale", kind)
	return []result{
		target(sc, "start-up to the first getUpdates", startup.Round(time.Millisecond).String(), "< 300ms", startup < 300*time.Millisecond),
		target(sc, "/links of 2,000 links composed (store query and formatting, the bot's log)", compose.Round(100*time.Microsecond).String(), "< 20ms", compose < 20*time.Millisecond),
		measured(sc, "/links: admin check's arrival to the first page's, at the fake", roundTrip.Round(100*time.Microsecond).String()),
		target(sc, "peak RSS", fmt.Sprintf("%.1f MiB", rss), "< 60 MB", rss*1.048576 < 60),
	}, nil
}

// benchStore is what the scenarios write before the bot starts.
type benchStore interface {
	store.Links
	store.Settings
	Close() error
}

// openStore opens the store that dsn (an INVITEBOT_DB) names.
func openStore(ctx context.Context, dsn string) (benchStore, error) {
	if strings.HasPrefix(dsn, "postgres://") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// repliesHere sets /replies chat in each chat: the answers to commands go
// in the group, under the group's limits (by default they go to the
// asker's private chat).
func repliesHere(dsn string, chats []int64) error {
	ctx := context.Background()
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, chat := range chats {
		if err := db.SaveChatSettings(ctx, store.ChatSettings{ChatID: chat, Replies: store.RepliesChat, UpdatedBy: adminBase, UpdatedAt: time.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// seed stores 10,000 links: 2,000 in the first chat, the rest spread over
// the others, in the store that dsn (an INVITEBOT_DB) names.
func seed(dsn string, chats []int64) error {
	ctx := context.Background()
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now().UTC()
	for i := range 10000 {
		chat := chats[0]
		if i >= 2000 {
			chat = chats[1+(i-2000)%(len(chats)-1)]
		}
		l := store.NewLink{ChatID: chat, URL: fmt.Sprintf("https://t.me/+seed%010d", i), Name: fmt.Sprintf("Campaign %d", i), CreatedBy: adminBase, CreatedAt: now}
		switch i % 4 {
		case 1:
			l.MemberLimit = 50
		case 2:
			l.ExpiresAt = now.Add(30 * 24 * time.Hour)
		case 3:
			l.JoinRequest = true
		}
		if _, _, err := db.AddLink(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// growth: the burst for 10, 100 and 1,000 chats.
func (e *benchEnv) growth(counts string) ([]result, error) {
	var results []result
	for _, f := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad chat count %q", f)
		}
		fmt.Fprintf(e.log, "   %d chats, %d commands\n", n, 5*n)
		o, err := e.burstRun(n, false, "sqlite")
		if err != nil {
			return nil, fmt.Errorf("%d chats: %w", n, err)
		}
		bound := lowerBound(5 * n)
		results = append(results, measured("growth", fmt.Sprintf("%d chats: replies in / bound / RSS / 429s", n),
			fmt.Sprintf("%v / %v / %.1f MiB / %d", o.took.Round(time.Millisecond), bound.Round(time.Millisecond), o.rss, o.rateLimited)))
	}
	return results, nil
}

// lowerBound is the least time n messages take under 30 a second.
func lowerBound(n int) time.Duration {
	return time.Duration(n) * time.Second / 30
}
