package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// A command whose answer shows invite links, and what carrying it out asks
// of Telegram (beyond sending the answer).
type linksCommand struct {
	name, args string
	work       []string // the calls that make or change something
	buttons    int      // under the answer
	kind       string   // of the answer's record; "" for none
	items      []int64  // of the answer's record
}

var linksCommands = []linksCommand{
	{"refreshlink", "", []string{line("ExportLink", tGroup)}, 0, "", nil},
	{"createlink", "Partners", []string{line("CreateLink", tGroup, `name="Partners" expire=never limit=0 request=false`)}, 0, "", nil},
	{"editlink", "#2 limit=5", []string{line("EditLink", tGroup, urlPartners, `name="Partners" expire=2026-11-29T12:00 limit=5 request=false`)}, 0, "", nil},
	{"revokelink", "#2", []string{line("RevokeLink", tGroup, urlPartners)}, 0, "", nil},
	{"links", "", nil, 4, kindLinks, []int64{1, 2, 3, 5, 6}},
	{"revokelink", "all", nil, 1, kindConfirmAll, []int64{2, 3, 5, 6}},
}

func (c linksCommand) run(e *env, u *bot.Update) error {
	h := e.links()
	switch c.name {
	case "refreshlink":
		return h.RefreshLink(context.Background(), u)
	case "createlink":
		return h.CreateLink(context.Background(), u)
	case "editlink":
		return h.EditLink(context.Background(), u)
	case "revokelink":
		return h.RevokeLink(context.Background(), u)
	case "links":
		return h.List(context.Background(), u)
	}
	panic("no command " + c.name)
}

// TestWhereAnswersGo: PRODUCT.md §3 "Where answers go", for every command
// whose answer shows links.
func TestWhereAnswersGo(t *testing.T) {
	for _, mode := range []struct {
		name  string
		setup func(e *env)
		u     func(c linksCommand) *bot.Update
		check func(t *testing.T, e *env, c linksCommand, err error)
	}{
		{"in private mode, to the asker's private chat, one line in the group", nil,
			func(c linksCommand) *bot.Update { return groupCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				if err != nil {
					t.Fatal(err)
				}
				send := line("Send", tAdmin, "reply=0 buttons="+itoa(c.buttons))
				wantCalls(t, e.tg, append(append([]string{probe}, c.work...), send, groupLine)...)
				wantContains(t, privateAnswer(t, e.tg), "https://t.me/+")
				wantRecord(t, e, c, tAdmin)
			}},
		{"to an asker the bot may not write to, a button, and nothing is done", func(e *env) { e.tg.block(tAdmin) },
			func(c linksCommand) *bot.Update { return groupCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				if err != nil {
					t.Fatal(err)
				}
				wantCalls(t, e.tg, probe, line("Send", tGroup, "reply=10 buttons=1"))
				token := wantOpenButton(t, e.tg.messages()[0])
				want := store.PendingCommand{Token: token, UserID: tAdmin, ChatID: tGroup, Command: c.name, Args: c.args, CreatedAt: tNow}
				if got := e.st.pendingCommands(); len(got) != 1 || got[0] != want {
					t.Errorf("commands waiting: %+v, want %+v", got, want)
				}
				if w := e.st.writes(); !slices.Equal(w, []string{"SavePendingCommand"}) {
					t.Errorf("store writes %v, want the waiting command's alone", w)
				}
			}},
		{"with /replies chat, in the group", func(e *env) { e.chatMode() },
			func(c linksCommand) *bot.Update { return groupCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				if err != nil {
					t.Fatal(err)
				}
				send := line("Send", tGroup, "reply=10 buttons="+itoa(c.buttons))
				wantCalls(t, e.tg, append(c.work, send)...)
				wantContains(t, reply(t, e.tg, tGroup), "https://t.me/+")
				wantRecord(t, e, c, tGroup)
			}},
		{"to an anonymous admin, in the group", nil,
			func(c linksCommand) *bot.Update { return anonymousCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				if err != nil {
					t.Fatal(err)
				}
				send := line("Send", tGroup, "reply=10 buttons="+itoa(c.buttons))
				wantCalls(t, e.tg, append(c.work, send)...)
				wantContains(t, reply(t, e.tg, tGroup), "https://t.me/+")
				wantRecord(t, e, c, tGroup)
			}},
		{"from a private chat, there", nil,
			func(c linksCommand) *bot.Update { return privateCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				if err != nil {
					t.Fatal(err)
				}
				send := line("Send", tAdmin, "reply=10 buttons="+itoa(c.buttons))
				wantCalls(t, e.tg, append(c.work, send)...)
				wantContains(t, reply(t, e.tg, tAdmin), "https://t.me/+")
				wantRecord(t, e, c, tAdmin)
			}},
		{"a probe that fails otherwise is a failure, and nothing is done", func(e *env) { e.tg.failNext("Typing", errNetwork) },
			func(c linksCommand) *bot.Update { return groupCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				wantFailure(t, err)
				wantCalls(t, e.tg, probe)
				if w := e.st.writes(); len(w) > 0 {
					t.Errorf("store writes %v", w)
				}
			}},
		{"settings that cannot be read are a failure, and nothing is done", func(e *env) {
			// Twice: the group's language, which falls back to the
			// default with a warning, and where its answers go.
			e.st.failNext("ChatSettings", errDisk, errDisk)
		},
			func(c linksCommand) *bot.Update { return groupCommand(c.name, c.args) },
			func(t *testing.T, e *env, c linksCommand, err error) {
				wantFailure(t, err)
				wantCalls(t, e.tg)
				if w := e.st.writes(); len(w) > 0 {
					t.Errorf("store writes %v", w)
				}
			}},
	} {
		for _, c := range linksCommands {
			t.Run(mode.name+"/"+c.name+" "+c.args, func(t *testing.T) {
				e := newEnv()
				seedLinks(e)
				if mode.setup != nil {
					mode.setup(e)
				}
				mode.check(t, e, c, c.run(e, mode.u(c)))
			})
		}
	}
}

// wantRecord fails t unless the answer of c (the first message sent, 101)
// in chat was recorded as c records it.
func wantRecord(t *testing.T, e *env, c linksCommand, chat int64) {
	t.Helper()
	rec, ok := e.st.record(chat, 101)
	switch {
	case c.kind == "" && ok:
		t.Errorf("an answer without buttons was recorded: %+v", rec)
	case c.kind == "":
	case !ok:
		t.Errorf("the answer in %d was not recorded", chat)
	case rec.Kind != c.kind || rec.TargetID != tGroup || !slices.Equal(rec.Items, c.items):
		t.Errorf("the answer's record is %+v", rec)
	case c.kind == kindConfirmAll && (rec.UserID != tAdmin || !rec.ExpiresAt.Equal(tNow.Add(time.Minute))):
		t.Errorf("the confirmation is for %d until %v; want Ada's alone, for 60 s", rec.UserID, rec.ExpiresAt)
	}
}

func itoa(n int) string { return line(n) }

// TestAnswerPrivateMistake: a mistake that shows links (the links that
// share an ambiguous name) goes where answers that show links go; other
// mistakes are answered where the command was sent.
func TestAnswerPrivateMistake(t *testing.T) {
	twins := []string{"Several links are named “TWIN”", "#5 “Twin” " + urlTwinA, "#6 “twin” " + urlTwinB}
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		u     *bot.Update
		calls []string
		check func(t *testing.T, e *env)
	}{
		{"in private mode, to the asker's private chat", nil, groupCommand("editlink", "TWIN limit=5"),
			[]string{probe, toAdmin, groupLine}, func(t *testing.T, e *env) {
				wantContains(t, privateAnswer(t, e.tg), twins...)
			}},
		{"to an asker the bot may not write to, a button; Start there asks again", func(e *env) { e.tg.block(tAdmin) },
			groupCommand("editlink", "TWIN limit=5"), []string{probe, line("Send", tGroup, "reply=10 buttons=1")}, func(t *testing.T, e *env) {
				token := wantOpenButton(t, e.tg.messages()[0])
				if c := e.st.pendingCommands(); len(c) != 1 || c[0].Token != token || c[0].Command != "editlink" || c[0].Args != "TWIN limit=5" {
					t.Errorf("commands waiting: %+v", c)
				}
			}},
		{"with /replies chat, in the group", func(e *env) { e.chatMode() }, groupCommand("editlink", "TWIN limit=5"),
			[]string{groupLine}, func(t *testing.T, e *env) {
				wantContains(t, reply(t, e.tg, tGroup), twins...)
			}},
		{"an anonymous admin's, in the group", nil, anonymousCommand("editlink", "TWIN limit=5"),
			[]string{groupLine}, func(t *testing.T, e *env) {
				wantContains(t, reply(t, e.tg, tGroup), twins...)
			}},
		{"from a private chat, there", nil, privateCommand("editlink", "TWIN limit=5"),
			[]string{line("Send", tAdmin, "reply=10 buttons=0")}, func(t *testing.T, e *env) {
				wantContains(t, reply(t, e.tg, tAdmin), twins...)
			}},
		{"a mistake without links, in the group, without a probe", nil, groupCommand("editlink", "#9 limit=5"),
			[]string{groupLine}, func(t *testing.T, e *env) {
				wantContains(t, reply(t, e.tg, tGroup), "There is no link #9 of mine in this chat.")
			}},
		{"a mistake without links to an asker the bot may not write to, in the group", func(e *env) { e.tg.block(tAdmin) },
			groupCommand("editlink", "#9 limit=5"), []string{groupLine}, func(t *testing.T, e *env) {
				wantContains(t, reply(t, e.tg, tGroup), "There is no link #9")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.setup != nil {
				tc.setup(e)
			}
			if err := e.deps.Answer(e.links().EditLink)(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			tc.check(t, e)
			for _, l := range e.tg.log() {
				if strings.HasPrefix(l, "EditLink") {
					t.Errorf("a link was edited: %s", l)
				}
			}
		})
	}
	t.Run("a press's is an alert, where it was pressed", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		mistake := text.Err(text.Conflict, "link.ambiguous", "Name", "x", "Links", "", "Command", "editlink", "N", 5)
		mistake.Private = true
		err := e.deps.Answer(func(context.Context, *bot.Update) error { return mistake })(context.Background(), press("lk:r:2", nil))
		if err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, line("AnswerButton", tQueryID, "alert=true"))
	})
}

func TestAskToOpen(t *testing.T) {
	t.Run("every ask has its own token", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		for range 2 {
			if err := e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners")); err != nil {
				t.Fatal(err)
			}
		}
		m := e.tg.messages()
		a, b := wantOpenButton(t, m[0]), wantOpenButton(t, m[1])
		if a == b || len(a) < 16 {
			t.Errorf("tokens %q and %q; want two, hard to guess", a, b)
		}
		if n := len(e.st.pendingCommands()); n != 2 {
			t.Errorf("%d commands waiting, want 2", n)
		}
	})
	t.Run("without a store of waiting commands, the button opens the help", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		e.deps.Messages = nil
		if err := e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners")); err != nil {
			t.Fatal(err)
		}
		if token := wantOpenButton(t, e.tg.messages()[0]); token != "help" {
			t.Errorf("the button starts %q, want help", token)
		}
	})
	t.Run("a command that cannot wait is a failure, and the group is not told", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		e.st.failNext("SavePendingCommand", errDisk)
		wantFailure(t, e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners")))
		wantCalls(t, e.tg, probe)
	})
}

// start is /start payload sent by user in their private chat with the bot.
func start(user *bot.User, payload string) *bot.Update {
	u := privateMessage("start", payload)
	u.From = user
	u.Chat = &bot.Chat{ID: user.ID, Type: "private", FirstName: user.FirstName, Username: user.Username}
	return u
}

// waiting stores Ada's /createlink Partners limit=50 in the group, waiting
// for her private chat under token "tok".
func waiting(e *env) {
	e.st.commands["tok"] = store.PendingCommand{Token: "tok", UserID: tAdmin, ChatID: tGroup, Command: "createlink",
		Args: "Partners limit=50", CreatedAt: tNow.Add(-time.Minute)}
}

func TestRunPending(t *testing.T) {
	help := says("help", "Bot", tBotName)
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		u       *bot.Update
		replays int    // commands run
		help    bool   // the help is sent
		waits   bool   // the command still waits after
		fail    error  // the failure expected
		args    string // of the command run
	}{
		{"the asker's Start runs it, with the chat first", waiting, start(adminUser(), "tok"), 1, false, false, nil,
			"-1001234567890 Partners limit=50"},
		{"whatever the Start's update carried, the command is checked anew", waiting, func() *bot.Update {
			u := start(adminUser(), "tok")
			u.Target, u.Actor = groupChat(), adminUser()
			return u
		}(), 1, false, false, nil, "-1001234567890 Partners limit=50"},
		{"a command without arguments", func(e *env) {
			e.st.commands["tok"] = store.PendingCommand{Token: "tok", UserID: tAdmin, ChatID: tGroup, Command: "links"}
		}, start(adminUser(), "tok"), 1, false, false, nil, "-1001234567890"},
		{"an unknown token: the help", waiting, start(adminUser(), "other"), 0, true, true, nil, ""},
		{"the help's own start parameter takes nothing", waiting, start(adminUser(), "help"), 0, true, true, nil, ""},
		{"in a group nothing runs", waiting, func() *bot.Update {
			u := unchecked(groupCommand("start", "tok"))
			return u
		}(), 0, true, true, nil, ""},
		{"without a store of waiting commands, the help", func(e *env) { waiting(e); e.deps.Messages = nil },
			start(adminUser(), "tok"), 0, true, true, nil, ""},
		{"without Replay, the help", func(e *env) { waiting(e); e.deps.Replay = nil },
			start(adminUser(), "tok"), 0, true, true, nil, ""},
		{"a store failure is a failure", func(e *env) { waiting(e); e.st.failNext("TakePendingCommand", errDisk) },
			start(adminUser(), "tok"), 0, false, true, errDisk, ""},
		{"another's Start that cannot put it back is a failure", func(e *env) { waiting(e); e.st.failNext("SavePendingCommand", errDisk) },
			start(memberUser(), "tok"), 0, false, false, errDisk, ""},
		{"the command's failure is the failure", func(e *env) {
			waiting(e)
			replay := e.deps.Replay
			e.deps.Replay = func(ctx context.Context, u *bot.Update) error {
				_ = replay(ctx, u)
				return errNetwork
			}
		}, start(adminUser(), "tok"), 1, false, false, errNetwork, "-1001234567890 Partners limit=50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			tc.setup(e)
			err := e.general().Help(context.Background(), tc.u)
			if tc.fail != nil {
				if !errors.Is(err, tc.fail) {
					t.Errorf("err = %v, want %v", err, tc.fail)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			runs := e.replayed()
			if len(runs) != tc.replays {
				t.Fatalf("%d commands run, want %d", len(runs), tc.replays)
			}
			if tc.replays == 1 {
				r := runs[0]
				if r.Command == nil || r.Command.Name != "createlink" && r.Command.Name != "links" || r.Command.Args != tc.args {
					t.Errorf("ran %+v, want the waiting command with args %q", r.Command, tc.args)
				}
				// The checks run again on it: it is routed as if it had come in.
				if r.Route != "" || r.Target != nil || r.Actor != nil {
					t.Errorf("ran with route %q, target %v, actor %v; want none of them", r.Route, r.Target, r.Actor)
				}
				if r.Chat.ID != tAdmin || r.From.ID != tAdmin || r.Message == nil {
					t.Errorf("ran in chat %d from %d", r.Chat.ID, r.From.ID)
				}
			}
			sentHelp := len(e.tg.messages()) == 1 && plain(e.tg.messages()[0].Text) == plain(help)
			if sentHelp != tc.help {
				t.Errorf("the help sent = %v, want %v; sent %+v", sentHelp, tc.help, e.tg.messages())
			}
			if !tc.help {
				wantCalls(t, e.tg)
			}
			_, waits := e.st.commands["tok"]
			if waits != tc.waits {
				t.Errorf("the command still waits = %v, want %v", waits, tc.waits)
			}
			if args(tc.u) == startHelp && slices.Contains(e.st.calls, "TakePendingCommand") {
				t.Errorf("the help's start parameter was looked up as a waiting command")
			}
		})
	}
	t.Run("only the asker: another's Start leaves it waiting for them", func(t *testing.T) {
		// The button is in the group, where every member may press it.
		e := newEnv()
		waiting(e)
		if err := e.general().Help(context.Background(), start(memberUser(), "tok")); err != nil {
			t.Fatal(err)
		}
		if n := len(e.replayed()); n != 0 {
			t.Fatalf("Mia's Start ran Ada's command")
		}
		if m := e.tg.messages(); len(m) != 1 || m[0].ChatID != tMember || !strings.Contains(plain(m[0].Text), "I manage invite links") {
			t.Errorf("Mia got %+v, want the help", m)
		}
		if err := e.general().Help(context.Background(), start(adminUser(), "tok")); err != nil {
			t.Fatal(err)
		}
		if runs := e.replayed(); len(runs) != 1 || runs[0].From.ID != tAdmin || runs[0].Command.Args != "-1001234567890 Partners limit=50" {
			t.Errorf("Ada's Start after Mia's ran %+v, want her command", runs)
		}
	})
	t.Run("once: a second Start gets the help", func(t *testing.T) {
		e := newEnv()
		waiting(e)
		for range 2 {
			if err := e.general().Help(context.Background(), start(adminUser(), "tok")); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.replayed()); n != 1 {
			t.Errorf("ran %d times, want once", n)
		}
		if m := e.tg.messages(); len(m) != 1 || !strings.Contains(plain(m[0].Text), "I manage invite links") {
			t.Errorf("the second Start got %+v, want the help", m)
		}
	})
}
