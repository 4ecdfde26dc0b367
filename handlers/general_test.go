package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
)

// channelPost is a command posted in a channel: no sender.
func channelPost(name string) *bot.Update {
	u := unchecked(groupCommand(name, ""))
	u.Kind, u.Chat, u.From = "channel_post", &bot.Chat{ID: tOther, Type: "channel", Title: "News"}, nil
	return u
}

// stalePress is a press of a button no handler knows, unchecked.
func stalePress() *bot.Update { return unchecked(press("old:button", nil)) }

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    *bot.Update
		to   int64 // 0: no answer
	}{
		{"in a group", unchecked(groupCommand("help", "")), tGroup},
		{"in a private chat", privateMessage("start", ""), tAdmin},
		{"in a channel", channelPost("help"), 0},
		{"not a message", stalePress(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if err := e.general().Help(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			if tc.to == 0 {
				wantCalls(t, e.tg)
				return
			}
			wantContains(t, reply(t, e.tg, tc.to), "I manage invite links", "pick @"+tBotName, "/createlink", "/use CHAT")
		})
	}
}

func TestUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    *bot.Update
		want string // "": no answer
	}{
		{"in a private chat", privateMessage("frobnicate", "now"), "I don't know /frobnicate. Send /help"},
		{"a long name is cut", privateMessage(strings.Repeat("x", 100), ""), "I don't know /" + strings.Repeat("x", 63) + "…"},
		{"in a group: maybe another bot's", unchecked(groupCommand("frobnicate", "")), ""},
		{"in a channel", channelPost("frobnicate"), ""},
		{"not a command", func() *bot.Update { u := privateMessage("x", ""); u.Command = nil; return u }(), ""},
		{"not a message", stalePress(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if err := e.general().Unknown(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				wantCalls(t, e.tg)
				return
			}
			wantContains(t, reply(t, e.tg, tAdmin), tc.want)
		})
	}
}

func TestStaleButton(t *testing.T) {
	e := newEnv()
	if err := e.general().StaleButton(context.Background(), stalePress()); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.tg, line("AnswerButton", tQueryID, "alert=false"))
	if a := e.tg.pressAnswers(); len(a) != 1 || a[0].text != says("button.stale") || a[0].text != "This button no longer works." {
		t.Errorf("answered %+v", a)
	}

	e = newEnv()
	if err := e.general().StaleButton(context.Background(), unchecked(groupCommand("links", ""))); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.tg)
}

func TestApologise(t *testing.T) {
	sorry := "Sorry, something went wrong on my side"
	for _, tc := range []struct {
		name  string
		u     *bot.Update
		err   error
		calls []string
	}{
		{"a reply to the message", unchecked(groupCommand("links", "")), errDisk, []string{line("Send", tGroup, "reply=10 buttons=0")}},
		{"in a private chat", privateMessage("links", ""), errDisk, []string{line("Send", tAdmin, "reply=10 buttons=0")}},
		{"an alert for a press", stalePress(), errDisk, []string{line("AnswerButton", tQueryID, "alert=true")}},
		{"silent when a call may have gone through", unchecked(groupCommand("links", "")), errUnsure, nil},
		{"silent for a press too", stalePress(), fmt.Errorf("answer: %w", errUnsure), nil},
		{"nothing in a channel", channelPost("links"), errDisk, nil},
		{"nothing for a join request", &bot.Update{Kind: "chat_join_request", Chat: groupChat(), From: adminUser(),
			JoinRequest: &bot.JoinRequest{}}, errDisk, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			e.general().Apologise(context.Background(), tc.u, tc.err)
			wantCalls(t, e.tg, tc.calls...)
			for _, m := range e.tg.messages() {
				wantContains(t, plain(m.Text), sorry)
			}
			for _, a := range e.tg.pressAnswers() {
				wantContains(t, a.text, sorry)
			}
		})
	}
	t.Run("a failed apology does not panic", func(t *testing.T) {
		e := newEnv()
		e.tg.failNext("Send", errNetwork)
		e.general().Apologise(context.Background(), unchecked(groupCommand("links", "")), errDisk)
		wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=0"))
	})
}

func TestAnswer(t *testing.T) {
	mistake := text.Err(text.Invalid, "links.usage")
	usage := "Send /links for the active links"
	for _, tc := range []struct {
		name  string
		u     *bot.Update
		err   error // the handler's
		want  error // Answer's
		calls []string
		says  string // what the person reads; "": nothing
	}{
		{"a mistake is a reply in the command's chat", groupCommand("links", "x"), mistake, nil,
			[]string{line("Send", tGroup, "reply=10 buttons=0")}, usage},
		{"a wrapped mistake too", groupCommand("links", "x"), fmt.Errorf("check: %w", mistake), nil,
			[]string{line("Send", tGroup, "reply=10 buttons=0")}, usage},
		{"in a private chat, there", privateCommand("links", "x"), mistake, nil,
			[]string{line("Send", tAdmin, "reply=10 buttons=0")}, usage},
		{"a refusal of a press is an alert", press("lk:r:1:2", nil), text.Err(text.Invalid, "button.stale"), nil,
			[]string{line("AnswerButton", tQueryID, "alert=true")}, "This button no longer works."},
		{"with its values", groupCommand("editlink", "#9"), text.Err(text.NotFound, "link.no_number", "N", 9, "Chat", text.M("chat.this")), nil,
			[]string{line("Send", tGroup, "reply=10 buttons=0")}, "There is no link #9 of mine in this chat."},
		{"a channel gets nothing", channelPost("links"), mistake, nil, nil, ""},
		{"a failure passes through", groupCommand("links", ""), errDisk, errDisk, nil, ""},
		{"Telegram's error passes through", groupCommand("links", ""), errUnsure, errUnsure, nil, ""},
		{"no error, nothing to tell", groupCommand("links", ""), nil, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			ran := 0
			h := e.deps.Answer(func(_ context.Context, got *bot.Update) error {
				if got != tc.u {
					t.Errorf("the handler got another update")
				}
				ran++
				return tc.err
			})
			err := h(context.Background(), tc.u)
			if err != tc.want {
				t.Errorf("Answer returned %v, want %v", err, tc.want)
			}
			if ran != 1 {
				t.Errorf("the handler ran %d times", ran)
			}
			wantCalls(t, e.tg, tc.calls...)
			var read []string
			for _, m := range e.tg.messages() {
				if m.ReplyTo != tMsgID {
					t.Errorf("not a reply to the command: %+v", m)
				}
				read = append(read, plain(m.Text))
			}
			for _, a := range e.tg.pressAnswers() {
				read = append(read, a.text)
			}
			switch got := strings.Join(read, "\n"); {
			case tc.says == "" && got != "":
				t.Errorf("the person reads %q, want nothing", got)
			case len(read) > 1 || !strings.Contains(got, tc.says):
				t.Errorf("the person reads %q, want one message with %q", got, tc.says)
			}
		})
	}
	t.Run("a failure to tell is a failure", func(t *testing.T) {
		e := newEnv()
		e.tg.failNext("Send", errNetwork)
		err := e.deps.Answer(func(context.Context, *bot.Update) error { return mistake })(context.Background(), groupCommand("links", "x"))
		if !errors.Is(err, errNetwork) {
			t.Errorf("err = %v", err)
		}
	})
}
