package bot

import (
	"fmt"
	"testing"
)

func TestParseCommand(t *testing.T) {
	cmd := func(text string, length int) *Message {
		return &Message{Text: text, Entities: []Entity{{Type: "bot_command", Offset: 0, Length: length}}}
	}
	tests := []struct {
		name     string
		msg      *Message
		wantOK   bool
		wantName string
		wantArgs string
	}{
		{"plain", cmd("/links", 6), true, "links", ""},
		{"args", cmd("/createlink Partners  limit=5 ", 11), true, "createlink", "Partners  limit=5"},
		{"our name", cmd("/links@invite_test_bot all", 22), true, "links", "all"},
		{"our name other case", cmd("/LINKS@Invite_Test_Bot", 22), true, "links", ""},
		{"other bot", cmd("/links@other_bot", 16), false, "", ""},
		{"newline after command", cmd("/createlink\nPartners", 11), true, "createlink", "Partners"},
		{"no entity", &Message{Text: "/links"}, false, "", ""},
		{"entity not at start", &Message{Text: "hi /links", Entities: []Entity{{Type: "bot_command", Offset: 3, Length: 6}}}, false, "", ""},
		{"other entity", &Message{Text: "/links", Entities: []Entity{{Type: "bold", Length: 6}}}, false, "", ""},
		{"lone slash", cmd("/", 1), false, "", ""},
		{"entity longer than text", cmd("/x", 400), true, "x", ""},
		{"empty text with entity", cmd("", 5), false, "", ""},
		{"nil message", nil, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseCommand(tt.msg, "invite_test_bot")
			if ok != tt.wantOK || got.Name != tt.wantName || got.Args != tt.wantArgs {
				t.Errorf("ParseCommand = %+v, %v; want {%s %s}, %v", got, ok, tt.wantName, tt.wantArgs, tt.wantOK)
			}
		})
	}
}

// loadUpdates reads every update in the fixtures (single updates,
// getUpdates answers and lists) as the loop does.
func loadUpdates(t *testing.T) map[string]*Update {
	t.Helper()
	raws, _ := fixtureUpdates(t)
	out := make(map[string]*Update)
	var r batchReader
	for i, raw := range raws {
		u, err := r.decode(raw)
		if err != nil {
			t.Fatalf("fixture %d: %v", i, err)
		}
		out[fmt.Sprintf("%d %s", i, u.Kind)] = u
	}
	return out
}

func TestEveryFixtureRead(t *testing.T) {
	for name, u := range loadUpdates(t) {
		t.Run(name, func(t *testing.T) {
			if u.Kind == "unknown" { // (one verbatim fixture has update_id 0)
				t.Fatalf("ID %d, kind %s", u.ID, u.Kind)
			}
			switch u.Kind {
			case "channel_post", "edited_channel_post":
				if u.Chat == nil || u.From != nil || u.Message == nil {
					t.Errorf("channel post: chat %v, sender %v, message %v; want a chat and no sender", u.Chat, u.From, u.Message)
				}
			case "message", "edited_message":
				if u.Chat == nil || u.From == nil || u.Message == nil || u.Message.ID == 0 {
					t.Errorf("%s: chat %v, sender %v, message %+v", u.Kind, u.Chat, u.From, u.Message)
				}
			case "my_chat_member", "chat_member":
				if u.Chat == nil || u.From == nil || u.Member == nil || u.Member.New.Status == "" || u.Member.New.User.ID == 0 {
					t.Errorf("%s: chat %v, sender %v, member %+v", u.Kind, u.Chat, u.From, u.Member)
				}
			case "chat_join_request":
				if u.Chat == nil || u.From == nil || u.JoinRequest == nil || u.JoinRequest.UserChatID == 0 || u.JoinRequest.Date.IsZero() {
					t.Errorf("join request: chat %v, sender %v, request %+v", u.Chat, u.From, u.JoinRequest)
				}
			}
		})
	}
}

// TestReadsWhatTheLibraryLacks: the fields of Bot API 10.1 that tgbotapi
// v5.5.1 does not know are read.
func TestReadsWhatTheLibraryLacks(t *testing.T) {
	var r batchReader
	u, err := r.decode([]byte(`{"update_id":5,"chat_join_request":{"chat":{"id":-100,"type":"supergroup","title":"G"},"from":{"id":7,"is_bot":false,"first_name":"A","language_code":"pt-br"},"user_chat_id":7,"date":1700000000,"query_id":"q-1","invite_link":{"invite_link":"https://t.me/+abc","creator":{"id":1,"is_bot":true,"first_name":"B"},"creates_join_request":true,"is_primary":false,"is_revoked":false}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if j := u.JoinRequest; j.UserChatID != 7 || j.QueryID != "q-1" || j.InviteLink != "https://t.me/+abc" || u.From.LanguageCode != "pt-br" {
		t.Errorf("join request %+v, from %+v", j, u.From)
	}
	u, err = r.decode([]byte(`{"update_id":6,"chat_member":{"chat":{"id":-100,"type":"supergroup","title":"G"},"from":{"id":1,"is_bot":false,"first_name":"Admin"},"date":1700000000,"old_chat_member":{"user":{"id":7,"is_bot":false,"first_name":"A"},"status":"left"},"new_chat_member":{"user":{"id":7,"is_bot":false,"first_name":"A"},"status":"member"},"via_join_request":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m := u.Member; !m.ViaJoinRequest || m.Old.Status != "left" || m.New.Status != "member" || m.New.User.ID != 7 {
		t.Errorf("member update %+v", m)
	}
}

// TestOddUpdatesRead: updates without a sender, without a chat, or of
// kinds the bot does not ask for are read without a panic, their missing
// parts nil.
func TestOddUpdatesRead(t *testing.T) {
	var r batchReader
	for _, tc := range []struct {
		raw        string
		kind       string
		chat, from bool
	}{
		{`{"update_id":1,"callback_query":{"id":"1","from":{"id":7,"is_bot":false,"first_name":"A"},"inline_message_id":"x","chat_instance":"1","data":"d"}}`, "callback_query", false, true},
		{`{"update_id":2,"callback_query":{"id":"1","from":{"id":7,"is_bot":false,"first_name":"A"},"chat_instance":"1"}}`, "callback_query", false, true},
		{`{"update_id":3,"message":{"message_id":1,"date":1}}`, "message", false, false},
		{`{"update_id":4,"channel_post":{"message_id":1,"date":1,"chat":{"id":-100,"type":"channel","title":"C"}}}`, "channel_post", true, false},
		{`{"update_id":5,"poll":{"id":"p"}}`, "poll", false, false},
		{`{"update_id":6,"message_reaction":{"chat":{"id":-100,"type":"supergroup"},"user":{"id":7,"is_bot":false,"first_name":"A"},"message_id":1,"date":1}}`, "message_reaction", true, true},
		{`{"update_id":7}`, "unknown", false, false},
		{`{"update_id":8,"message":null}`, "message", false, false},
		{`{"update_id":9,"callback_query":{"id":"1","from":"not an object","message":7}}`, "callback_query", false, false},
	} {
		u, err := r.decode([]byte(tc.raw))
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		if u.Kind != tc.kind || (u.Chat != nil) != tc.chat || (u.From != nil) != tc.from {
			t.Errorf("%s: kind %s, chat %v, from %v", tc.raw, u.Kind, u.Chat, u.From)
		}
	}
}
