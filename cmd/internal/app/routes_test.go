package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/cmd/internal/ops"
	"github.com/invitebot/invitebot/store/sqlite"
)

// TestRoutesTakeEveryFixture hands every fixture payload straight to the
// router, including kinds that allowed_updates keeps away (channel posts,
// edited messages): none may panic or fail, change a link, or make the bot
// speak in the channel.
func TestRoutesTakeEveryFixture(t *testing.T) {
	srv := newWorld(t)
	srv.AddChat(tgChat(groupID))
	client, err := bot.NewClient(context.Background(), bot.ClientConfig{Token: srv.Token(), APIURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, _ := routes(client.Self(), client, db, []int64{dave}, ops.Observer(ops.NewMetrics(ops.Build{}, ops.Routes{}), nil), nil)

	files, err := filepath.Glob("../../../testdata/updates/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var updates []tgbotapi.Update
		var one tgbotapi.Update
		var env struct{ Result []tgbotapi.Update }
		switch {
		case json.Unmarshal(data, &updates) == nil:
		case json.Unmarshal(data, &env) == nil && env.Result != nil:
			updates = env.Result
		case json.Unmarshal(data, &one) == nil && one.UpdateID != 0:
			updates = []tgbotapi.Update{one}
		default:
			continue // not an update (a message or a link alone)
		}
		for i := range updates {
			u := &updates[i]
			t.Run(filepath.Base(f), func(t *testing.T) {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				if err := r.Route(context.Background(), u); err != nil {
					t.Errorf("Route: %v", err)
				}
			})
		}
	}
	for _, m := range []string{"createChatInviteLink", "editChatInviteLink", "revokeChatInviteLink", "exportChatInviteLink"} {
		if n := len(srv.CallsTo(m)); n != 0 {
			t.Errorf("fixtures made %d %s calls", n, m)
		}
	}
	if n := len(srv.Messages(channelID)); n != 0 {
		t.Errorf("the bot spoke %d times in the channel", n)
	}
}

func tgChat(id int64) bottest.Chat {
	return bottest.Chat{ID: id, Type: "supergroup", Title: "Invite Test Group"}
}

func tgChannel() bottest.Chat {
	return bottest.Chat{ID: channelID, Type: "channel", Title: "Test Channel"}
}
