package bottest_test

import (
	"context"
	"net/http"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot/bottest"
)

// greeter is a bot of someone else's: it answers /start with a greeting.
func greeter(ctx context.Context, api *tgbotapi.BotAPI) {
	next := tgbotapi.NewUpdate(0)
	next.Timeout = 1
	for ctx.Err() == nil {
		updates, err := api.GetUpdates(next)
		if err != nil {
			continue
		}
		for _, u := range updates {
			next.Offset = u.UpdateID + 1
			if m := u.Message; m != nil && m.IsCommand() && m.Command() == "start" {
				api.Send(tgbotapi.NewMessage(m.Chat.ID, "Hello, "+m.From.FirstName+"!"))
			}
		}
	}
}

// TestGreeter is the example of the package's documentation: keep them
// alike.
func TestGreeter(t *testing.T) {
	srv := bottest.NewServer(t, bottest.WithBot(bottest.User{ID: 7000000001, FirstName: "Greeter", UserName: "greeter_bot"}))
	const ann = 5000000001
	srv.AddUser(bottest.User{ID: ann, FirstName: "Ann", LanguageCode: "en"})

	api, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); greeter(ctx, api) }()
	t.Cleanup(func() { cancel(); <-done })

	srv.PushMessage(ann, ann, "/start") // Ann opens the chat with the bot
	msgs := srv.WaitMessages(t, ann, 1)
	if msgs[0].PlainText != "Hello, Ann!" {
		t.Errorf("the bot said %q", msgs[0].PlainText)
	}
	if n := len(srv.CallsTo("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls, want 1", n)
	}
}
