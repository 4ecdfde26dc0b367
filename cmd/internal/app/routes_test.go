package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/cmd/internal/ops"
	"github.com/invitebot/invitebot/handlers/text"
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
	catalog, err := text.New("en")
	if err != nil {
		t.Fatal(err)
	}
	r := wire(client.Self(), client, catalog, ops.InstrumentStore(db, ops.NewMetrics(ops.Build{}, ops.Routes{})), []int64{dave}, nil, "", nil).router

	files, err := filepath.Glob("../../../testdata/updates/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var raws []json.RawMessage
		var env struct{ Result []json.RawMessage }
		var one struct {
			UpdateID *int `json:"update_id"`
		}
		switch {
		case json.Unmarshal(data, &raws) == nil:
		case json.Unmarshal(data, &env) == nil && env.Result != nil:
			raws = env.Result
		case json.Unmarshal(data, &one) == nil && one.UpdateID != nil:
			raws = []json.RawMessage{data}
		default:
			continue // not an update (a message or a link alone)
		}
		for _, raw := range raws {
			t.Run(filepath.Base(f), func(t *testing.T) {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				u, err := bot.ParseUpdate(raw)
				if err != nil {
					t.Fatal(err)
				}
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
