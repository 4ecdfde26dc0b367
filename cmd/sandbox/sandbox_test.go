package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/cmd/internal/app"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/sandbox.golden from the sandbox's transcript")

// runScript runs the sandbox on the lines of script, as piped input, and
// returns its output.
func runScript(t *testing.T, script string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runSandbox(context.Background(), args, strings.NewReader(script), &out, &errOut, sandboxInternals{})
	if err != nil {
		t.Fatalf("sandbox: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if errOut.Len() > 0 {
		t.Errorf("sandbox wrote to stderr: %s", errOut.String())
	}
	return out.String()
}

// askedAt is the one thing of a transcript that depends on the clock:
// when a join request was made.
var askedAt = regexp.MustCompile(`asked \d{4}-\d\d-\d\d \d\d:\d\d UTC`)

// startToken is the one thing that is random: the token of a deep link
// that runs a command waiting for a private chat (16 characters of
// base64url; one that ends in "-" has no word boundary after it).
var startToken = regexp.MustCompile(`\?start=[A-Za-z0-9_-]{16}([^A-Za-z0-9_-]|$)`)

// checkItem and checkButton are what is random in a check: the thing it
// names, and the pictures of its four buttons.
var (
	checkItem   = regexp.MustCompile(`press the button with the (apple|banana|grapes|cherries|lemon|pear|strawberry|watermelon)\.`)
	checkButton = regexp.MustCompile(`\[(\d) (🍎|🍌|🍇|🍒|🍋|🍐|🍓|🍉)\]`)
)

// stable is a transcript without what changes from run to run.
func stable(s string) string {
	s = startToken.ReplaceAllString(askedAt.ReplaceAllString(s, "asked YYYY-MM-DD hh:mm UTC"), "?start=TOKEN$1")
	s = checkButton.ReplaceAllString(checkItem.ReplaceAllString(s, "press the button with the THING."), "[$1 FRUIT]")
	// The days of the session: /link, /log and /stats show them (a wait
	// may move the sandbox's clock to the next day).
	today := time.Now().UTC()
	for _, d := range []time.Time{today, today.AddDate(0, 0, 1), today.AddDate(0, 0, -29), today.AddDate(0, 0, -28)} {
		day := regexp.MustCompile(regexp.QuoteMeta(d.Format("2006-01-02")) + `( \d\d:\d\d UTC)?`)
		s = day.ReplaceAllStringFunc(s, func(m string) string {
			if len(m) > len("2006-01-02") {
				return "YYYY-MM-DD hh:mm UTC"
			}
			return "YYYY-MM-DD"
		})
	}
	return s
}

// TestSandboxScript: a scripted session of the real bot against the
// simulated Telegram gives the expected transcript: links made by an
// admin, refusals for a member and for an admin without the right, a join
// through a link counted in /links, a join request approved by button,
// an anonymous admin's command confirmed, the owner's private chat.
func TestSandboxScript(t *testing.T) {
	const script = "testdata/sandbox.script"
	const golden = "testdata/sandbox.golden"
	var out, errOut bytes.Buffer
	if err := runSandbox(context.Background(), []string{"-script", script}, strings.NewReader("not read"), &out, &errOut, sandboxInternals{}); err != nil {
		t.Fatalf("sandbox: %v\n%s", err, errOut.String())
	}
	got := stable(out.String())

	// What the session must show, whatever the golden file says.
	for _, want := range []string{
		"alice@group> /createlink Partners expire=2030-01-01 limit=50\nbot in alice's private chat: New link:\n     #1 https://t.me/+",
		"bot: @alice_admin, I sent you my answer in a private chat.\n",
		"bob@group> /createlink Mine\nbot: Only the chat's creator and admins",
		"bob@group> /help\nbot: I manage this chat's invite links for its admins.",
		"carol@group> /links\nbot: You are an admin, but without the “Invite users via link” right",
		"* frank joined Sandbox Group through https://t.me/+",
		"bot in alice's private chat: New join request in Sandbox Group:",
		"     [1 Approve @gina_g] [2 Decline @gina_g]\nalice@group> in private\n",
		"     → approved\nanswer: Approved @gina_g.",
		"Only @alice_admin can confirm, within 60 seconds.\n     [1 Yes, revoke #2]",
		"bot edited its message: Revoked by @alice_admin; this link no longer works:",
		"dave@group> /createlink Dave's own\nbot: @dave_creator, I can answer that only in a private chat",
		"[1 Open a private chat with me → https://t.me/invite_test_bot?start=TOKEN]",
		"* dave opened the private chat with the bot and pressed Start.\nbot: New link:",
		"bob@group> press 1\nalert: Only the chat's creator",
		"bot: Revoked; it no longer works:",
		"bot: I need the “Invite users via link” admin right",
		"olga@private> /chats\nbot: Chats you can manage through me.",
		"answer: Declined @frank_f.",
		"! commands posted in a channel are not answered",
		"bot in alice's private chat: 3 new links in Sandbox Group:",
		"bot in alice's private chat: [document Crew.csv, text/csv, 4 lines] The 3 new links as CSV.",
		"1 join counted, newest first:\n\n     Frank @frank_f · ID 5000000006 · YYYY-MM-DD hh:mm UTC",
		"bot in alice's private chat: [photo 1600x900] Joins in Sandbox Group, YYYY-MM-DD to YYYY-MM-DD (30 days), UTC: 3 in all.",
		"YYYY-MM-DD hh:mm UTC · @alice_admin · made #6 “Crew 3” limit=10",
		"alice@private> lang ru\n* alice's Telegram is in ru now: the bot answers in Русский (ru)",
		"alice@private> /links\nbot: Активные ссылки в Sandbox Group:",
		"alice@private> /links\nbot: الروابط النشطة في \u2068Sandbox Group\u2069:\n\n     #3 \u2068https://t.me/+",
		"alice@private> lang fr\n* alice's Telegram is in fr now: the bot does not speak it and answers in English (en)",
		"alice@group> /language pt-BR\nbot: A partir de agora",
		"alice@group> /links\nbot in alice's private chat: Active links in Sandbox Group:",
		"bot: @alice_admin, enviei minha resposta para você num chat privado.\n",
		"! \"xx!\" is not a language code",
		// Gatekeeping.
		"alice@group> request hank\n* hank asked to join Sandbox Group.\nbot in hank's private chat: You asked to join Sandbox Group. To show you are a person, press the button with the THING. You have 5m.\n\n     Rules\n     Be kind; no spam.\n     [1 FRUIT] [2 FRUIT] [3 FRUIT] [4 FRUIT]\n",
		"hank@private> press right\nbot edited its message: Thank you: your request to join Sandbox Group is approved.\nanswer: Thank you",
		"ivan@private> press wrong\nbot edited its message: That was not the right button, so your request to join Sandbox Group is declined.",
		"ivan@private> wait 6m\n* 6m pass. The clock of the bot and of the simulated Telegram is 6m ahead of this computer's now.\nbot edited its message in judy's private chat: Time is up, so your request to join Sandbox Group is declined.",
		"alice@group> guard on\n* dave made the bot the guard bot of Sandbox Group",
		"bot answered kate's join request as the chat's guard bot, in time: queue (the request waits, for the admins or for the bot's check)\nbot in kate's private chat: You asked to join Sandbox Group.",
		"kate@private> press right\nbot edited its message: Thank you: your request to join Sandbox Group is approved.",
		"YYYY-MM-DD hh:mm UTC · join mode verify · @kate_k passed the check",
		"YYYY-MM-DD hh:mm UTC · join mode verify · declined the join request of @judy_j\n",
		"YYYY-MM-DD hh:mm UTC · join mode verify · @judy_j did not answer the check in time",
		"YYYY-MM-DD hh:mm UTC · join mode verify · Ivan Petrov failed the check",
		"YYYY-MM-DD hh:mm UTC · join mode verify · approved the join request of @hank_h\n",
		"YYYY-MM-DD hh:mm UTC · join mode verify · @hank_h passed the check",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	// /links counts frank's join through #1 and gina's approved request
	// through #2.
	links := regexp.MustCompile(`alice@group> /links\nbot in alice's private chat: Active links in Sandbox Group:\n\n +#1 \S+\n.*joins: 1 · active\n\n +#2 \S+\n.*joins: 1 · active\n`)
	if !links.MatchString(got) {
		t.Errorf("/links does not count one join for each link")
	}
	if strings.Contains(got, "! simulated Telegram") {
		t.Errorf("the simulated Telegram reported a problem")
	}

	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("the transcript differs from %s (run the test with -update to accept it, then review the diff):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%q does not contain %q", got, w)
		}
	}
}

// TestSandboxTerminal: on a terminal the console prompts with who and
// where, and does not echo what was typed.
func TestSandboxTerminal(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("as bob\n/createlink x\nin private\n")
	if err := runSandbox(context.Background(), nil, in, &out, &bytes.Buffer{}, sandboxInternals{terminal: true}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"alice@group> * You are bob",
		"bob@group> bot: Only the chat's creator",
		"bob@group> * In bob's private chat with the bot.\nbob@private> \n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/createlink x") {
		t.Errorf("the typed line was echoed:\n%s", got)
	}
}

// TestSandboxKeepsGivenDatabase: with -db, the bot's records stay for the
// next session, which goes on where the last left off: Telegram's update
// IDs continue, and new links do not repeat the recorded ones.
func TestSandboxKeepsGivenDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kept.db")
	first := runScript(t, "/createlink One\n", "-db", db)
	if !strings.Contains(first, "with the database "+db+".") || !strings.Contains(first, "#1 https://t.me/+") {
		t.Fatalf("first session:\n%s", first)
	}
	second := runScript(t, "/links\n/createlink Two\n", "-db", db)
	if !strings.Contains(second, "“One”") || !strings.Contains(second, "#2 https://t.me/+") {
		t.Errorf("second session:\n%s", second)
	}
	url := regexp.MustCompile(`#1 (https://t\.me/\+\S+)`).FindStringSubmatch(first)
	if url == nil || strings.Count(second, url[1]) != 1 {
		t.Errorf("the second session's links repeat the first's %v:\n%s", url, second)
	}
	if strings.Contains(second, "Sorry") || strings.Contains(second, "! ") {
		t.Errorf("second session:\n%s", second)
	}
}

// TestSandboxIgnoresEnvironment: a real deployment's configuration never
// reaches the sandbox: its database is not touched, its token not used.
func TestSandboxIgnoresEnvironment(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456789:AAreal-token")
	t.Setenv("TELEGRAM_API_URL", "http://127.0.0.1:1")
	t.Setenv("INVITEBOT_DB", real)
	var out bytes.Buffer
	err := sandbox(context.Background(), nil, strings.NewReader("/createlink x\n"), &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "private chat: New link:") {
		t.Errorf("output:\n%s", out.String())
	}
	if _, err := os.Stat(real); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sandbox touched INVITEBOT_DB: %v", err)
	}
}

// TestSandboxFlags: -h, mistakes in the flags, and files that cannot be
// used end the sandbox before anything starts.
func TestSandboxFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runSandbox(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errOut, sandboxInternals{}); err != nil {
		t.Errorf("-h: %v", err)
	}
	mustContain(t, errOut.String(), "usage: go run ./cmd/sandbox", "-script FILE", "-db PATH", "-log FILE")
	if strings.Contains(errOut.String(), "test.") {
		t.Errorf("the usage shows test flags: %s", errOut.String())
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"script.txt"}, `unexpected argument "script.txt"`},
		{[]string{"-script", filepath.Join(dir, "missing")}, "-script: cannot read the script"},
		{[]string{"-db", filepath.Join(dir, "no", "such", "dir.db")}, "-db: cannot open"},
		{[]string{"-log", filepath.Join(dir, "no", "such.log")}, "-log: cannot write"},
	} {
		err := runSandbox(context.Background(), tc.args, strings.NewReader(""), &out, &bytes.Buffer{}, sandboxInternals{})
		var ce *app.ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an app.ConfigError with %q", tc.args, err, tc.want)
		}
	}
}

// TestNoTestFlags: the sandbox imports bot/bottest, hence package testing,
// whose flags are registered only by testing.Init: its usage does not show
// them.
func TestNoTestFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := sandbox(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Errorf("-h: %v", err)
	}
	if strings.Contains(errOut.String(), "test.") || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("-h: %s", errOut.String())
	}
}

// TestSandboxConsoleMistakes: every console mistake gets a line that says
// what to do, and the session goes on.
func TestSandboxConsoleMistakes(t *testing.T) {
	out := runScript(t, strings.Join([]string{
		"as", "as zed", "in attic", "press", "press 1", "join", "join zed", "join bob", "join frank #7",
		"join frank https://t.me/+nothing", "leave dave", "leave frank", "lose", "grant right",
		"anon", "as frank", "/links", "in channel", "hello", "as anonymous", "in private", "in group",
		"as anonymous", "press 1", "in private", "log x", "as alice", "/createlink Door request", "join frank #1",
		"/createlink Open", "request frank #2", "/revokelink #2", "join frank #2",
		"as dave in private", "join frank #1", "lose right",
	}, "\n")+"\n")
	for _, want := range []string{
		"alice@group> as\n! as NAME [in CHAT]",
		`alice@group> as zed` + "\n" + `! there is no "zed" here`,
		`alice@group> in attic` + "\n" + `! there is no chat "attic"`,
		"alice@group> press\n! press N",
		"alice@group> press 1\n! no message of the bot in Sandbox Group has buttons",
		"alice@group> join\n! join NAME [LINK]",
		"alice@group> join bob\n! bob is in Sandbox Group already",
		"alice@group> join frank #7\n! the bot has no link #7 in Sandbox Group",
		"! https://t.me/+nothing is no link of the group or the channel",
		"alice@group> leave dave\n! dave created Sandbox Group and stays",
		"alice@group> leave frank\n! frank is not in Sandbox Group",
		"alice@group> lose\n! did you mean lose right?",
		"alice@group> grant right\n! the bot has the right in Sandbox Group already",
		"alice@group> anon\n! anon TEXT",
		"frank@group> /links\n! frank is not in Sandbox Group",
		"frank@channel> hello\n! commands posted in a channel are not answered",
		"frank@channel> as anonymous\n! an anonymous admin speaks as the group only",
		"anonymous@group> press 1\n! an anonymous admin cannot press buttons",
		"anonymous@group> in private\n! an anonymous admin has no private chat",
		"anonymous@group> log x\n! log [N]",
		"alice@group> join frank #1\n! that link needs an admin's approval: request frank #1",
		"alice@group> request frank #2\n! that link lets people in without approval: join frank #2",
		"alice@group> join frank #2\n! that link is revoked",
		"dave@private> join frank #1\n! which chat?",
		"dave@private> lose right\n! which chat?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestSandboxEvents: joins, leaves and the bot's rights reach the bot as
// Telegram's updates do, and it acts on them.
func TestSandboxEvents(t *testing.T) {
	out := runScript(t, strings.Join([]string{
		"/createlink Open", "join gina #1", "as gina", "hello", "as alice", "leave gina", "/links", "lose right", "/refreshlink", "in private", "/chats", "in group", "grant right", "as olga in private", "/chats",
	}, "\n")+"\n")
	for _, want := range []string{
		"alice@group> join gina #1\n* gina joined Sandbox Group through https://t.me/+",
		"gina@group> hello\n(no answer)",
		"alice@group> leave gina\n* gina left Sandbox Group.",
		"name: “Open” · expires: never · limit: none · approval: no · joins: 1 · active",
		"alice@group> lose right\n* dave took the bot's “Invite users via link” right away in Sandbox Group.",
		"alice@group> /refreshlink\nbot: I need the “Invite users via link” admin right",
		"alice@private> /chats\nbot: Chats you can manage through me.",
		"alice@group> grant right\n* dave gave the bot the “Invite users via link” right in Sandbox Group.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestNthButton(t *testing.T) {
	rows := [][]bottest.Button{{{Text: "a"}, {Text: "b"}}, {{Text: "c"}}}
	for n, want := range map[int]string{1: "a", 2: "b", 3: "c", 4: "", 0: ""} {
		b, ok := nthButton(rows, n)
		if b.Text != want || ok != (want != "") {
			t.Errorf("button %d = %q, %v; want %q", n, b.Text, ok, want)
		}
	}
	if got := strings.Join(buttonRows(rows), " / "); got != "[1 a] [2 b] / [3 c]" {
		t.Errorf("rows = %q", got)
	}
}

func TestSandboxPersonNamed(t *testing.T) {
	for in, want := range map[string]string{"alice": "alice", "ALICE": "alice", "owner": "olga", "@alice_admin": "alice", "Carol": "carol"} {
		if p, ok := sbPersonNamed(in); !ok || p.name != want {
			t.Errorf("%q = %q, %v; want %q", in, p.name, ok, want)
		}
	}
	for _, in := range []string{"", "anonymous", "zed"} {
		if _, ok := sbPersonNamed(in); ok {
			t.Errorf("%q names someone", in)
		}
	}
}

// TestSandboxGateConsole: guard makes the bot the group's guard bot, whose
// answers to each request's query show in every mode (auto approves,
// closed declines, manual queues and tells alice); wait moves the clock;
// their mistakes, and press right where there is no check, are told.
func TestSandboxGateConsole(t *testing.T) {
	out := runScript(t, strings.Join([]string{
		"/notify on", "wait", "wait 0s", "wait 31d", "wait soon", "guard maybe", "in private", "guard on", "press right",
		"in group", "guard", "lose right", "guard on", "grant right", "guard on", "guard on", "guard",
		"/joinmode auto", "request hank", "/joinmode closed", "request ivan", "/joinmode manual", "request judy",
		"in private", "press right", "in group", "guard off", "guard off", "guard", "request kate", "wait 1d2h30m",
	}, "\n")+"\n")
	for _, want := range []string{
		"alice@group> wait\n! wait DURATION: how much time passes, from 1s to 30d",
		"alice@group> wait 0s\n! wait DURATION",
		"alice@group> wait 31d\n! wait DURATION",
		"alice@group> wait soon\n! wait DURATION",
		"alice@group> guard maybe\n! guard on|off",
		"alice@private> guard on\n! which chat? say in group or in channel first",
		"alice@private> press right\n! no message of the bot in alice's private chat with the bot has buttons",
		"alice@group> guard\n* The bot is not the guard bot of Sandbox Group",
		"alice@group> guard on\n! a chat's guard bot must be able to manage its join requests: grant right first",
		"alice@group> guard on\n* dave made the bot the guard bot of Sandbox Group (Bot API 10.1)",
		"alice@group> guard on\n! the bot is the guard bot of Sandbox Group already",
		"alice@group> guard\n* The bot is the guard bot of Sandbox Group: each join request carries a query",
		"alice@group> request hank\n* hank asked to join Sandbox Group; as the chat's guard bot, the bot must answer the request's query within 10 seconds.\n" +
			"bot answered hank's join request as the chat's guard bot, in time: approve (Telegram lets hank in)\n",
		"bot answered ivan's join request as the chat's guard bot, in time: decline (Telegram turns ivan away)\n",
		"bot answered judy's join request as the chat's guard bot, in time: queue (the request waits, for the admins or for the bot's check)\n" +
			"bot in alice's private chat: New join request in Sandbox Group:",
		"alice@private> press right\n! the bot's last message with buttons in alice's private chat with the bot is not a check; press N presses its button N",
		"alice@group> guard off\n* dave made the bot no longer the guard bot of Sandbox Group",
		"alice@group> guard off\n! the bot is not the guard bot of Sandbox Group",
		"alice@group> request kate\n* kate asked to join Sandbox Group.\nbot in alice's private chat: New join request",
		"alice@group> wait 1d2h30m\n* 1d2h30m pass. The clock of the bot and of the simulated Telegram is 1d2h30m ahead of this computer's now.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "! simulated Telegram") || strings.Contains(out, "is not done after") {
		t.Errorf("the session went wrong")
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestSandboxWaitDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "6m": 6 * time.Minute, "1h30m": 90 * time.Minute, "1d": 24 * time.Hour,
		"2d12h": 60 * time.Hour, "1D2H": 26 * time.Hour, "0d90s": 90 * time.Second,
	} {
		if got, ok := parseWait(in); !ok || got != want {
			t.Errorf("parseWait(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "d", "x", "5", "-1m", "1d-1h", "1dd", "1.5d", "1001d"} {
		if got, ok := parseWait(in); ok {
			t.Errorf("parseWait(%q) = %v, want a mistake", in, got)
		}
	}
	for d, want := range map[time.Duration]string{
		0: "0s", 30 * time.Second: "30s", 6 * time.Minute: "6m", 90 * time.Minute: "1h30m",
		26*time.Hour + 30*time.Minute: "1d2h30m", 48 * time.Hour: "2d", time.Hour + 5*time.Second: "1h5s",
	} {
		if got := formatWait(d); got != want {
			t.Errorf("formatWait(%v) = %q, want %q", d, got, want)
		}
	}
}
