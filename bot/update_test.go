package bot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestParseCommand(t *testing.T) {
	cmd := func(text string, length int) *tgbotapi.Message {
		return &tgbotapi.Message{Text: text, Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: length}}}
	}
	tests := []struct {
		name     string
		msg      *tgbotapi.Message
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
		{"no entity", &tgbotapi.Message{Text: "/links"}, false, "", ""},
		{"entity not at start", &tgbotapi.Message{Text: "hi /links", Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 3, Length: 6}}}, false, "", ""},
		{"other entity", &tgbotapi.Message{Text: "/links", Entities: []tgbotapi.MessageEntity{{Type: "bold", Length: 6}}}, false, "", ""},
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

// loadUpdates reads every update in the fixtures: single updates, getUpdates
// answers and lists.
func loadUpdates(t *testing.T) map[string]*tgbotapi.Update {
	t.Helper()
	files, err := filepath.Glob("../testdata/updates/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := make(map[string]*tgbotapi.Update)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		switch {
		case strings.HasSuffix(base, ".update.json"):
			var u tgbotapi.Update
			if err := json.Unmarshal(data, &u); err != nil {
				t.Fatalf("%s: %v", base, err)
			}
			out[base] = &u
		case strings.HasSuffix(base, ".updates.json"), strings.HasSuffix(base, ".getUpdates.json"):
			var list []tgbotapi.Update
			if err := json.Unmarshal(data, &list); err != nil {
				var env struct{ Result []tgbotapi.Update }
				if err := json.Unmarshal(data, &env); err != nil {
					t.Fatalf("%s: %v", base, err)
				}
				list = env.Result
			}
			for i := range list {
				out[base+"#"+string(rune('0'+i))] = &list[i]
			}
		}
	}
	return out
}

func TestHelpersOnEveryFixture(t *testing.T) {
	for name, u := range loadUpdates(t) {
		t.Run(name, func(t *testing.T) {
			kind := Kind(u)
			if kind == "unknown" {
				t.Fatalf("Kind: unknown for %s", name)
			}
			chat, sender := Chat(u), Sender(u)
			switch kind {
			case "channel_post":
				if chat == nil || sender != nil {
					t.Errorf("channel post: chat %v, sender %v; want a chat and no sender", chat, sender)
				}
			case "message", "my_chat_member", "chat_member", "chat_join_request":
				if chat == nil || sender == nil {
					t.Errorf("%s: chat %v, sender %v; want both", kind, chat, sender)
				}
			}
		})
	}
}

func TestHelpersNilSafe(t *testing.T) {
	for _, u := range []*tgbotapi.Update{
		nil,
		{},
		{CallbackQuery: &tgbotapi.CallbackQuery{ID: "1", InlineMessageID: "x"}},                // inline message: no Message, no From
		{CallbackQuery: &tgbotapi.CallbackQuery{ID: "1", From: &tgbotapi.User{ID: 1}}},         // no message
		{Message: &tgbotapi.Message{}},                                                         // no chat, no sender
		{ChannelPost: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: -100, Type: "channel"}}},      // no from
		{EditedMessage: &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: -100, Type: "supergroup"}}}, // no from
	} {
		Chat(u)
		Sender(u)
		Kind(u)
		ParseCommand(nil, "x")
	}
	u := &tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{ID: "1", From: &tgbotapi.User{ID: 7}}}
	if Chat(u) != nil || Sender(u).ID != 7 || Kind(u) != "callback_query" {
		t.Errorf("callback without message: chat %v, sender %v, kind %s", Chat(u), Sender(u), Kind(u))
	}
}
