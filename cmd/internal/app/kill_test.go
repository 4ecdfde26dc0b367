package app

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
)

// TestMain lets a test run the real program as a child process: the test
// binary runs what cmd/invitebot's main runs when INVITEBOT_TEST_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("INVITEBOT_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// process is the real program running as a child process.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

func startProcess(t *testing.T, srv *bottest.Server, dir string) *process {
	t.Helper()
	answerInGroups(t, dir, groupID, noRightID)
	polls := len(srv.CallsTo("getUpdates"))
	p := &process{logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0]) // no arguments: main parses its own flags
	p.cmd.Env = append(os.Environ(),
		"INVITEBOT_TEST_MAIN=1",
		"TELEGRAM_BOT_TOKEN="+srv.Token(),
		"TELEGRAM_API_URL="+srv.URL(),
		"INVITEBOT_DB="+filepath.Join(dir, "invitebot.db"),
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
			t.Errorf("the token appears in the process's output")
		}
	})
	srv.WaitFor(t, "the process polls", func() bool { return len(srv.CallsTo("getUpdates")) > polls })
	return p
}

// TestKillAndRestart kills the program (SIGKILL) while a command is half
// done, restarts it on the same database, and checks that the command
// handled before the kill is not handled again and the one in hand is
// handled once.
func TestKillAndRestart(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	tr := setTrap(srv, func(c bottest.Call) bool {
		return c.Method == "getChatMember" && c.Params["user_id"] == strconv.FormatInt(dave, 10)
	}, bottest.HangReply())

	p1 := startProcess(t, srv, dir)
	_, first := srv.PushMessage(groupID, alice, "/createlink First")
	srv.WaitFor(t, "the first link", func() bool { return len(repliesTo(srv, groupID, first)) > 0 })
	_, second := srv.PushMessage(groupID, dave, "/createlink Second")
	<-tr.arrived // the second command is in hand: its admin check hangs
	p1.kill(t)
	tr.release()

	startProcess(t, srv, dir)
	srv.WaitFor(t, "the second link", func() bool { return len(repliesTo(srv, groupID, second)) > 0 })
	// Ask once more, so that the restarted process has handled all it will.
	_, id := srv.PushMessage(groupID, alice, "/links")
	srv.WaitFor(t, "the list", func() bool { return len(repliesTo(srv, groupID, id)) > 0 })

	if n := len(repliesTo(srv, groupID, first)); n != 1 {
		t.Errorf("the command handled before the kill was answered %d times", n)
	}
	if n := len(repliesTo(srv, groupID, second)); n != 1 {
		t.Errorf("the command in hand at the kill was answered %d times", n)
	}
	links := srv.InviteLinks(groupID)
	if len(links) != 2 || links[0].Name != "First" || links[1].Name != "Second" {
		t.Errorf("links after the restart: %+v", links)
	}
	mustContain(t, repliesTo(srv, groupID, id)[0].PlainText, "“First”", "“Second”")
}

// trap makes the fake answer the calls that match with a given reply until
// released: the way to catch the program in the middle of a command.
type trap struct {
	mu      sync.Mutex
	on      bool
	arrived chan struct{} // gets a value when the first matching call comes
}

func setTrap(srv *bottest.Server, match func(bottest.Call) bool, reply bottest.Reply) *trap {
	tr := &trap{on: true, arrived: make(chan struct{}, 1)}
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		if !tr.on || !match(c) {
			return bottest.Reply{}, false
		}
		select {
		case tr.arrived <- struct{}{}:
		default:
		}
		return reply, true
	})
	return tr
}

func (tr *trap) release() {
	tr.mu.Lock()
	tr.on = false
	tr.mu.Unlock()
}

// kill ends the process with SIGKILL and checks that it died of it.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the process ended with %v, want killed", err)
	}
	p.done <- nil // for the cleanup
}

func repliesTo(srv *bottest.Server, chat int64, msgID int) []bottest.SentMessage {
	var out []bottest.SentMessage
	for _, m := range srv.Messages(chat) {
		if m.ReplyTo == msgID {
			out = append(out, m)
		}
	}
	return out
}

// TestSIGTERMDuringSlowCall stops the program while a command waits on a
// slow Telegram: the call finishes, the reply goes out, the offset is
// confirmed, and the process exits 0 within 12 seconds.
func TestSIGTERMDuringSlowCall(t *testing.T) {
	srv := newWorld(t)
	arrived := make(chan struct{}, 1)
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method == "createChatInviteLink" {
			select {
			case arrived <- struct{}{}:
			default:
			}
			return bottest.Reply{Delay: 3 * time.Second}, true
		}
		return bottest.Reply{}, false
	})
	p := startProcess(t, srv, t.TempDir())
	updateID, msg := srv.PushMessage(groupID, alice, "/createlink Slow")
	<-arrived

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-p.done:
	case <-time.After(12 * time.Second):
		t.Fatal("still running 12s after SIGTERM")
	}
	p.done <- nil // for the cleanup
	took := time.Since(start)
	if err != nil {
		t.Fatalf("exit: %v, want status 0\n%s", err, p.logs.String())
	}
	if n := len(repliesTo(srv, groupID, msg)); n != 1 {
		t.Errorf("%d replies to the command in hand, want 1", n)
	}
	if srv.Confirmed() < updateID || srv.Pending() != 0 {
		t.Errorf("offset not confirmed: confirmed %d, update %d, pending %d", srv.Confirmed(), updateID, srv.Pending())
	}
	t.Logf("SIGTERM during a 3s call: exited 0 after %v", took.Round(time.Millisecond))
}

// TestKillAfterLinkMade kills the program when Telegram has made a link
// but its answer has not come back: after the restart the command is
// handled again, cannot know whether its link was made, and asks again
// (a duplicate rather than an admin left without an answer), saying so in
// the log.
func TestKillAfterLinkMade(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	tr := setTrap(srv, func(c bottest.Call) bool { return c.Method == "createChatInviteLink" },
		bottest.Reply{Hang: true, After: true}) // made, the answer never comes
	p1 := startProcess(t, srv, dir)
	_, msg := srv.PushMessage(groupID, alice, "/createlink Made")
	<-tr.arrived
	srv.WaitFor(t, "the link made", func() bool { return len(srv.InviteLinks(groupID)) == 1 })
	p1.kill(t)
	tr.release()

	p2 := startProcess(t, srv, dir)
	srv.WaitFor(t, "the reply", func() bool { return len(repliesTo(srv, groupID, msg)) > 0 })
	links := srv.InviteLinks(groupID)
	if len(links) != 2 {
		t.Fatalf("%d links after the restart, want the one made before the kill and the one asked for again", len(links))
	}
	replies := repliesTo(srv, groupID, msg)
	if len(replies) != 1 {
		t.Fatalf("%d replies, want 1", len(replies))
	}
	mustContain(t, replies[0].PlainText, "New link", links[1].InviteLink, "“Made”")
	if !strings.Contains(p2.logs.String(), "so a duplicate may exist") {
		t.Errorf("the restarted program does not warn of a possible duplicate:\n%s", p2.logs.String())
	}
}

// TestReplayAfterLinkStored kills the program after the link was made and
// stored but before the reply went out: handled again, the command answers
// with that link.
func TestReplayAfterLinkStored(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	tr := setTrap(srv, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && strings.Contains(c.Params["text"], "Stored")
	}, bottest.HangReply()) // the reply never goes out
	p1 := startProcess(t, srv, dir)
	_, msg := srv.PushMessage(groupID, alice, "/createlink Stored")
	<-tr.arrived
	p1.kill(t)
	tr.release()

	startProcess(t, srv, dir)
	srv.WaitFor(t, "the reply", func() bool { return len(repliesTo(srv, groupID, msg)) > 0 })
	links := srv.InviteLinks(groupID)
	if len(links) != 1 {
		t.Fatalf("%d links, want 1", len(links))
	}
	replies := repliesTo(srv, groupID, msg)
	if len(replies) != 1 {
		t.Fatalf("%d replies, want 1", len(replies))
	}
	mustContain(t, replies[0].PlainText, "New link", links[0].InviteLink, "“Stored”")
}
