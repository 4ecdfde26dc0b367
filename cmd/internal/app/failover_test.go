package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
)

// instance is the real program running as a child process, one of
// several on one PostgreSQL database.
type instance struct {
	name string // its application_name is "invitebot-" + name
	*process
}

// Log messages the failover test follows.
const (
	msgLeading  = `"msg":"leading: this instance polls Telegram"`
	msgStandby  = `"msg":"standing by: waiting to lead (another instance may be polling)"`
	msgLostLead = `"msg":"lost the lead: `
)

// startInstance starts the program on the database dbURL, as instance
// name, with the operations endpoints on a port of its own. It does not
// wait: a standby does not poll.
func startInstance(t *testing.T, srv *bottest.Server, dbURL, name string) *instance {
	t.Helper()
	p := &process{logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0])
	p.cmd.Env = append(os.Environ(),
		"INVITEBOT_TEST_MAIN=1",
		"TELEGRAM_BOT_TOKEN="+srv.Token(),
		"TELEGRAM_API_URL="+srv.URL(),
		"INVITEBOT_DB="+withParam(dbURL, "application_name=invitebot-"+name),
		"INVITEBOT_HTTP_ADDR=127.0.0.1:0",
		"INVITEBOT_LOG_FORMAT=json",
		"INVITEBOT_LOG_LEVEL=debug",
		"INVITEBOT_POLL_TIMEOUT=5s",
	)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		secret := srv.Token()[strings.Index(srv.Token(), ":")+1:]
		if strings.Contains(p.logs.String(), secret) {
			t.Errorf("the token appears in the output of instance %s", name)
		}
		if t.Failed() {
			t.Logf("instance %s's log:\n%s", name, p.logs.String())
		}
	})
	return &instance{name: name, process: p}
}

// count is how many times the instance logged msg.
func (in *instance) count(msg string) int { return strings.Count(in.logs.String(), msg) }

// waitLog waits until the instance has logged msg at least n times.
func (in *instance) waitLog(t *testing.T, msg string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for in.count(msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("instance %s did not log %s (%d times) within %v", in.name, msg, n, within)
		}
		select {
		case err := <-in.done:
			in.done <- err
			t.Fatalf("instance %s ended (%v) before it logged %s", in.name, err, msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var addrRE = regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)"`)

// get asks the instance's operations endpoint path, and returns the status
// and the body.
func (in *instance) get(t *testing.T, path string) (int, string) {
	t.Helper()
	m := addrRE.FindStringSubmatch(in.logs.String())
	if m == nil {
		t.Fatalf("instance %s has not said where it serves", in.name)
	}
	resp, err := http.Get("http://" + m[1] + path)
	if err != nil {
		t.Fatalf("instance %s: GET %s: %v", in.name, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitReady waits until the instance's /readyz answers status.
func (in *instance) waitReady(t *testing.T, status int, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := in.get(t, "/readyz")
		if code == status {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s: /readyz = %d %q, want %d", in.name, code, body, status)
		}
		time.Sleep(50 * time.Millisecond) // polling an endpoint with a deadline
	}
}

// command is a /createlink sent in the failover test.
type command struct {
	chat     int64
	msgID    int
	name     string
	caughtAt string // "before" or "after" Telegram made its link, when a kill caught it; "" if none did
}

// failover is the failover test's world: one fake Telegram, one
// database, groups to spread the commands over (Telegram lets a bot send
// 20 messages a minute into one group).
type failover struct {
	t        *testing.T
	srv      *bottest.Server
	dbURL    string
	groups   []int64
	commands []*command
}

func (f *failover) send() *command {
	n := len(f.commands)
	c := &command{chat: f.groups[n%len(f.groups)], name: fmt.Sprintf("L%02d", n)}
	_, c.msgID = f.srv.PushMessage(c.chat, alice, "/createlink "+c.name)
	f.commands = append(f.commands, c)
	return c
}

func (f *failover) answered(c *command) bool { return len(repliesTo(f.srv, c.chat, c.msgID)) > 0 }

func (f *failover) waitAnswered(what string, cs ...*command) {
	f.t.Helper()
	f.srv.WaitFor(f.t, what, func() bool {
		for _, c := range cs {
			if !f.answered(c) {
				return false
			}
		}
		return true
	})
}

// newLeaderPolled is when the first instance to lead after t polled: its
// first getUpdates after its start-up calls, which begin with
// deleteWebhook (the old leader may still poll, or confirm, after t).
func (f *failover) newLeaderPolled(t time.Time) time.Time {
	var start time.Time
	for _, c := range f.srv.CallsTo("deleteWebhook") {
		if c.At.After(t) {
			start = c.At
			break
		}
	}
	if start.IsZero() {
		return start
	}
	for _, c := range f.srv.CallsTo("getUpdates") {
		if c.At.After(start) {
			return c.At
		}
	}
	return time.Time{}
}

// waitFinished waits until the leader has struck every update it
// received off the journal: a command answered is not finished until then
// (a kill between the answer and the strike makes the next leader answer
// it again, a duplicate the contract allows; the test wants none where it
// does not kill on purpose).
func (f *failover) waitFinished(db *postgres.DB) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, pending, err := db.PendingUpdates(f.t.Context())
		if err != nil {
			f.t.Fatal(err)
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%d updates still in the journal after 10s", len(pending))
		}
		time.Sleep(10 * time.Millisecond) // polling the database with a deadline
	}
}

// lastCallBefore is when the last getUpdates before t came.
func (f *failover) lastCallBefore(t time.Time) time.Time {
	var at time.Time
	for _, c := range f.srv.CallsTo("getUpdates") {
		if c.At.Before(t) {
			at = c.At
		}
	}
	return at
}

// TestFailover runs two instances of the real program on one PostgreSQL
// database and one fake Telegram, with commands flowing: one leads, the
// other stands by (/readyz 503, invitebot_leader 0). Ten times the leader
// is killed (SIGKILL) in the middle of a command, the two taking turns to
// lead: the standby takes over within 30 s, answers the command in hand
// and those that came meanwhile, and the killed one comes back as the
// standby. Then the leader is stopped with SIGTERM (a clean handover,
// measured), and then its database connections are cut
// (pg_terminate_backend): it stops polling at once and stands by, and the
// other takes over. Every command is answered exactly once, with its
// link; a kill that struck after Telegram made a link leaves that link
// behind, a duplicate the contract allows (counted, at most one a kill);
// no two instances ever polled at once; nothing is left in the journal.
func TestFailover(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	srv := newWorld(t)
	srv.WaitTimeout = 30 * time.Second // the takeover's bound
	f := &failover{t: t, srv: srv, dbURL: dbURL}
	db, err := postgres.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		id := int64(-1002000000001 - i)
		srv.AddChat(bottest.Chat{ID: id, Type: "supergroup", Title: fmt.Sprintf("Failover %d", i)})
		srv.SetMember(id, alice, bottest.Member{Status: "administrator", CanInviteUsers: true})
		srv.SetMember(id, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
		if err := db.SaveChatSettings(t.Context(), store.ChatSettings{ChatID: id, Replies: store.RepliesChat}); err != nil {
			t.Fatal(err)
		}
		f.groups = append(f.groups, id)
	}

	// One leads, the other stands by.
	a := startInstance(t, srv, dbURL, "a")
	a.waitLog(t, msgLeading, 1, 30*time.Second)
	b := startInstance(t, srv, dbURL, "b")
	b.waitLog(t, msgStandby, 1, 30*time.Second)
	f.waitAnswered("the first command", f.send())
	a.waitReady(t, http.StatusOK, 10*time.Second)
	if body := b.waitReady(t, http.StatusServiceUnavailable, time.Second); !strings.Contains(body, "standby: another instance polls") {
		t.Errorf("the standby's /readyz says %q", body)
	}
	if code, body := b.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("the standby's /healthz = %d %q, want 200: it is alive", code, body)
	}
	for _, x := range []struct {
		in   *instance
		want string
	}{{a, "invitebot_leader 1\n"}, {b, "invitebot_leader 0\n"}} {
		if _, body := x.in.get(t, "/metrics"); !strings.Contains(body, x.want) {
			t.Errorf("instance %s's metrics lack %q", x.in.name, strings.TrimSpace(x.want))
		}
	}
	if n := b.count(msgLeading); n != 0 {
		t.Fatalf("the standby led %d times", n)
	}

	// Kills in the middle of a command, alternately before and after
	// Telegram made its link.
	const kills = 10
	leader, standby := a, b
	var takeovers []time.Duration
	for k := range kills {
		f.waitAnswered(fmt.Sprintf("round %d: a command before the kill", k), f.send())
		f.waitFinished(db)
		caught := f.send()
		caught.caughtAt = "before"
		reply := bottest.HangReply()
		if k%2 == 1 {
			caught.caughtAt = "after"
			reply = bottest.Reply{Hang: true, After: true}
		}
		tr := setTrap(srv, func(c bottest.Call) bool {
			return c.Method == "createChatInviteLink" && c.Params["name"] == caught.name
		}, reply)
		<-tr.arrived
		if k%2 == 1 {
			srv.WaitFor(t, "the link made", func() bool { return len(linksNamed(srv, caught.chat, caught.name)) == 1 })
		}
		leads := standby.count(msgLeading)
		killed := time.Now()
		leader.kill(t)
		dead := time.Now() // reaped: every poll from here on is another's
		tr.release()
		meanwhile := f.send() // comes while nobody leads
		f.waitAnswered(fmt.Sprintf("round %d: the command in hand at the kill, and the one sent after", k), caught, meanwhile)
		standby.waitLog(t, msgLeading, leads+1, time.Second)
		polled := f.newLeaderPolled(dead)
		if polled.IsZero() {
			t.Fatalf("round %d: the commands were answered but nobody polled since the kill", k)
		}
		takeovers = append(takeovers, polled.Sub(killed))
		// The killed one comes back, and stands by.
		back := startInstance(t, srv, dbURL, leader.name)
		back.waitLog(t, msgStandby, 1, 30*time.Second)
		leader, standby = standby, back
	}
	slices.Sort(takeovers)
	median := (takeovers[kills/2-1] + takeovers[kills/2]) / 2
	worst := takeovers[kills-1]
	t.Logf("takeover after SIGKILL (kill to the new leader's first getUpdates), %d kills: median %v, worst %v (all: %v)",
		kills, median.Round(time.Millisecond), worst.Round(time.Millisecond), roundAll(takeovers))
	if worst > 30*time.Second {
		t.Errorf("the worst takeover took %v, more than 30s", worst)
	}

	// SIGTERM: the leader finishes the command in hand (held up 2 s at
	// Telegram), confirms, lets go; the standby takes over at once.
	slow := f.send()
	arrived := make(chan struct{}, 1)
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method == "createChatInviteLink" && c.Params["name"] == slow.name {
			select {
			case arrived <- struct{}{}:
			default:
			}
			return bottest.Reply{Delay: 2 * time.Second}, true
		}
		return bottest.Reply{}, false
	})
	<-arrived
	leads := standby.count(msgLeading)
	termAt := time.Now()
	if err := leader.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	after := f.send()
	select {
	case err := <-leader.done:
		leader.done <- nil // for the cleanup
		if err != nil {
			t.Fatalf("the leader stopped with SIGTERM exited with %v, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the leader still ran 15s after SIGTERM")
	}
	exited := time.Now()
	f.waitAnswered("the command sent after the SIGTERM", after)
	standby.waitLog(t, msgLeading, leads+1, time.Second)
	if !f.answered(slow) {
		t.Error("the command in hand at the SIGTERM was not answered")
	}
	// The new leader's first poll comes after the old one's last call (a
	// confirmation, if anything was left to confirm).
	polled := f.newLeaderPolled(termAt)
	last := f.lastCallBefore(polled)
	t.Logf("handover after SIGTERM: the leader finished its command in hand and exited %v after the signal; the new leader polled %v after the signal, %v after the old one's last getUpdates",
		exited.Sub(termAt).Round(time.Millisecond), polled.Sub(termAt).Round(time.Millisecond), polled.Sub(last).Round(time.Millisecond))
	if took := polled.Sub(termAt); took > 2*time.Second+5*time.Second {
		t.Errorf("the new leader polled %v after the SIGTERM, want the 2s of the command in hand and a prompt handover", took)
	}
	back := startInstance(t, srv, dbURL, leader.name)
	back.waitLog(t, msgStandby, 1, 30*time.Second)
	leader, standby = standby, back

	// The leader's database connections are cut: it stops polling at once
	// and stands by; the other takes over.
	f.waitAnswered("a command before the cut", f.send())
	f.waitFinished(db)
	srv.WaitFor(t, "the leader's long poll", srv.Polling)
	leads = standby.count(msgLeading)
	standbys := leader.count(msgStandby)
	pgtest.Exec(t, dbURL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'invitebot-"+leader.name+"'")
	cut := time.Now()
	// Its long poll ends at once: before the other, which waits a second
	// after taking the lock, may poll.
	srv.WaitFor(t, "the cut leader's long poll to end", func() bool { return !srv.Polling() })
	if took := time.Since(cut); took > time.Second {
		t.Errorf("the cut leader's long poll ended %v after the cut, want at once", took)
	}
	leader.waitLog(t, msgLostLead, 1, 5*time.Second)
	standby.waitLog(t, msgLeading, leads+1, 30*time.Second)
	afterCut := f.send()
	f.waitAnswered("a command after the cut", afterCut)
	t.Logf("database connections cut: the other instance polled %v later", f.newLeaderPolled(cut).Sub(cut).Round(time.Millisecond))
	leader.waitLog(t, msgStandby, standbys+1, 10*time.Second)
	select {
	case err := <-leader.done:
		t.Fatalf("the instance whose connections were cut ended (%v); it should stand by", err)
	default:
	}
	f.waitAnswered("one more command", f.send())

	// Stop both, the standby first, and look at what happened.
	for _, in := range []*instance{leader, standby} {
		if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-in.done:
			in.done <- nil
			if err != nil {
				t.Errorf("instance %s exited with %v after SIGTERM", in.name, err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("instance %s still ran 15s after SIGTERM", in.name)
		}
	}
	duplicates := 0
	for _, c := range f.commands {
		if n := len(repliesTo(srv, c.chat, c.msgID)); n != 1 {
			t.Errorf("%s (caught by a kill: %q) was answered %d times", c.name, c.caughtAt, n)
		}
		links := linksNamed(srv, c.chat, c.name)
		switch {
		case len(links) == 2 && c.caughtAt == "after":
			duplicates++ // made before the kill, and again after it
		case len(links) != 1:
			t.Errorf("%s (caught by a kill: %q) has %d links", c.name, c.caughtAt, len(links))
		}
		if replies := repliesTo(srv, c.chat, c.msgID); len(replies) > 0 && len(links) > 0 {
			mustContain(t, replies[0].PlainText, "New link", links[len(links)-1].InviteLink, "“"+c.name+"”")
		}
	}
	t.Logf("%d commands, %d kills, %d duplicate links (kills after Telegram made the link)", len(f.commands), kills, duplicates)
	if duplicates > kills {
		t.Errorf("%d duplicate links for %d kills", duplicates, kills)
	}
	// Each new leader's first poll began after every earlier getUpdates
	// had ended: never did two instances poll at once. (One instance's
	// own calls may touch: at a stop it cancels its long poll and sends
	// the confirmation at once, and the server may see the second before
	// it notices the first gone.)
	polls := srv.CallsTo("getUpdates")
	terms := srv.CallsTo("deleteWebhook")
	if len(terms) != 1+kills+2 {
		t.Errorf("%d terms of leadership, want %d", len(terms), 1+kills+2)
	}
	for _, term := range terms[1:] {
		first := -1
		for i, c := range polls {
			if c.At.After(term.At) {
				first = i
				break
			}
		}
		if first < 0 {
			t.Errorf("the leader that started at %s never polled", term.At.Format("15:04:05.000"))
			continue
		}
		for _, c := range polls[:first] {
			if c.Ended.IsZero() || c.Ended.After(polls[first].At) {
				t.Errorf("a new leader polled at %s while a getUpdates of %s %v had not ended (%s): two instances polled at once",
					polls[first].At.Format("15:04:05.000"), c.At.Format("15:04:05.000"), c.Params, c.Ended.Format("15:04:05.000"))
			}
		}
	}
	for _, c := range srv.CallsTo("getUpdates") {
		if c.Status == http.StatusConflict {
			t.Errorf("a getUpdates at %s got 409 Conflict: two instances polled together", c.At.Format("15:04:05.000"))
		}
	}
	if _, pending, err := db.PendingUpdates(t.Context()); err != nil || len(pending) != 0 {
		t.Errorf("updates left in the journal: %d (%v)", len(pending), err)
	}
	if srv.Pending() != 0 {
		t.Errorf("%d updates not confirmed to Telegram", srv.Pending())
	}
	db.Close()
}

// linksNamed are the links of chat with the given name.
func linksNamed(srv *bottest.Server, chat int64, name string) []bottest.InviteLink {
	var out []bottest.InviteLink
	for _, l := range srv.InviteLinks(chat) {
		if l.Name == name {
			out = append(out, l)
		}
	}
	return out
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// withParam adds a query parameter to a URL.
func withParam(u, kv string) string {
	if strings.Contains(u, "?") {
		return u + "&" + kv
	}
	return u + "?" + kv
}
