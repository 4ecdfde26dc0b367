package handlers

import (
	"context"
	"testing"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// channelTarget is /name args in Ada's private chat acting on a channel.
func channelTarget(name, args string) *bot.Update {
	u := privateCommand(name, args)
	u.Target = &bot.Chat{ID: tOther, Type: "channel", Title: "News"}
	return u
}

func TestLanguage(t *testing.T) {
	set := store.ChatSettings{ChatID: tGroup, Language: "en", Replies: store.RepliesChat, UpdatedBy: tAdmin, UpdatedAt: tNow}
	for _, tc := range []struct {
		name   string
		before *store.ChatSettings // nil: nothing set
		u      *bot.Update
		words  []string            // in the reply
		after  *store.ChatSettings // nil: nothing stored
	}{
		{"shows the default and the codes", nil, groupCommand("language", ""),
			[]string{"The language of my messages in this chat is English (en).", "/language CODE", "en English"}, nil},
		{"shows the chat's own", &store.ChatSettings{ChatID: tGroup, Language: "en"}, groupCommand("language", ""),
			[]string{"in this chat is English (en)"}, nil},
		{"sets it, keeping the other settings", &store.ChatSettings{ChatID: tGroup, Replies: store.RepliesChat},
			groupCommand("language", "EN"), []string{"From now on my messages in this chat are in English (en)."}, &set},
		{"from a private chat, names the chat", nil, privateCommand("language", "en"),
			[]string{"From now on my messages in Fans & Friends are in English (en)."},
			&store.ChatSettings{ChatID: tGroup, Language: "en", UpdatedBy: tAdmin, UpdatedAt: tNow}},
		{"a channel's too", nil, channelTarget("language", "en"), []string{"in News are in English"},
			&store.ChatSettings{ChatID: tOther, Language: "en", UpdatedBy: tAdmin, UpdatedAt: tNow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.before != nil {
				e.st.settings[tc.before.ChatID] = *tc.before
			}
			if err := e.settings().Language(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantContains(t, reply(t, e.tg, tc.u.Chat.ID), tc.words...)
			if tc.after == nil {
				if w := e.st.writes(); len(w) > 0 {
					t.Errorf("store writes %v", w)
				}
				return
			}
			if got, _ := e.st.chatSettings(tc.after.ChatID); got != *tc.after {
				t.Errorf("stored %+v, want %+v", got, *tc.after)
			}
		})
	}
	for _, tc := range []struct{ name, args string }{
		{"a language it does not speak", "zz"},
		{"no language code", "!!"},
		{"two codes", "en de"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			err := e.settings().Language(context.Background(), groupCommand("language", tc.args))
			wantTextErr(t, err, text.Invalid, "language.unknown", "I don't speak", "ar, de, en, es, fa, id, pt-BR, ru, tr, uk.")
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	for _, method := range []string{"ChatSettings", "SaveChatSettings"} {
		t.Run("a failure of "+method, func(t *testing.T) {
			e := newEnv()
			e.st.failNext(method, errDisk)
			wantFailure(t, e.settings().Language(context.Background(), groupCommand("language", "en")))
			wantCalls(t, e.tg)
		})
	}
	t.Run("no access check is a failure", func(t *testing.T) {
		e := newEnv()
		wantFailure(t, e.settings().Language(context.Background(), unchecked(groupCommand("language", "en"))))
		wantCalls(t, e.tg)
	})
}

func TestReplies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before store.Replies
		u      *bot.Update
		says   string
		after  store.Replies // "": nothing stored
	}{
		{"private by default", "", groupCommand("replies", ""),
			"My answers that show invite links in this chat go to the asking admin in a private chat. /replies chat puts them in the group.", ""},
		{"shows chat", store.RepliesChat, groupCommand("replies", ""),
			"My answers that show invite links in this chat go to the group itself.", ""},
		{"chat", "", groupCommand("replies", "chat"),
			"From now on my answers that show invite links in this chat go to the group itself, where every member sees them.", store.RepliesChat},
		{"PRIVATE again", store.RepliesChat, groupCommand("replies", "PRIVATE"),
			"From now on my answers that show invite links in this chat go to the asking admin in a private chat.", store.RepliesPrivate},
		{"from a private chat, names the group", "", privateCommand("replies", "chat"),
			"in Fans & Friends go to the group itself", store.RepliesChat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.before != "" {
				e.st.settings[tGroup] = store.ChatSettings{ChatID: tGroup, Language: "en", Replies: tc.before}
			}
			if err := e.settings().Replies(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantContains(t, reply(t, e.tg, tc.u.Chat.ID), tc.says)
			got, _ := e.st.chatSettings(tGroup)
			if tc.after == "" {
				if got.Replies != tc.before || len(e.st.writes()) > 0 {
					t.Errorf("stored %+v", got)
				}
				return
			}
			want := store.ChatSettings{ChatID: tGroup, Replies: tc.after, UpdatedBy: tAdmin, UpdatedAt: tNow}
			if tc.before != "" {
				want.Language = "en" // kept
			}
			if got != want {
				t.Errorf("stored %+v, want %+v", got, want)
			}
		})
	}
	t.Run("a mistake", func(t *testing.T) {
		e := newEnv()
		wantTextErr(t, e.settings().Replies(context.Background(), groupCommand("replies", "both")), text.Invalid, "replies.usage",
			"/replies private", "/replies chat")
		if w := e.st.writes(); len(w) > 0 {
			t.Errorf("store writes %v", w)
		}
	})
	t.Run("groups only", func(t *testing.T) {
		e := newEnv()
		wantTextErr(t, e.settings().Replies(context.Background(), channelTarget("replies", "chat")), text.Invalid, "replies.groups_only")
		if w := e.st.writes(); len(w) > 0 {
			t.Errorf("store writes %v", w)
		}
	})
	for _, method := range []string{"ChatSettings", "SaveChatSettings"} {
		t.Run("a failure of "+method, func(t *testing.T) {
			e := newEnv()
			e.st.failNext(method, errDisk)
			wantFailure(t, e.settings().Replies(context.Background(), groupCommand("replies", "chat")))
			wantCalls(t, e.tg)
		})
	}
	t.Run("the setting is where answers go", func(t *testing.T) {
		e := newEnv()
		if err := e.settings().Replies(context.Background(), groupCommand("replies", "chat")); err != nil {
			t.Fatal(err)
		}
		if err := e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners")); err != nil {
			t.Fatal(err)
		}
		if err := e.settings().Replies(context.Background(), groupCommand("replies", "private")); err != nil {
			t.Fatal(err)
		}
		second := groupCommand("createlink", "Press")
		second.Message.ID = tMsgID + 1
		if err := e.links().CreateLink(context.Background(), second); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, groupLine,
			line("CreateLink", tGroup, `name="Partners" expire=never limit=0 request=false`), groupLine,
			groupLine,
			probe, line("CreateLink", tGroup, `name="Press" expire=never limit=0 request=false`), toAdmin,
			line("Send", tGroup, "reply=11 buttons=0"))
	})
}
