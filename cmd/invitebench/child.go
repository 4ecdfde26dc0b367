package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store/sqlite"
)

// child runs a yardstick and returns its exit status.
func child(role string) int {
	var err error
	switch role {
	case "bare":
		err = bareLoop()
	case "sequential":
		err = sequentialLoop()
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "invitebench:", role+":", err)
		return 1
	}
	return 0
}

// bareLoop is the library's own way: GetUpdates decoding into
// []tgbotapi.Update and dropping them, until it has confirmed update
// INVITEBENCH_LAST.
func bareLoop() error {
	last, err := strconv.Atoi(os.Getenv("INVITEBENCH_LAST"))
	if err != nil {
		return fmt.Errorf("INVITEBENCH_LAST: %w", err)
	}
	api, err := tgbotapi.NewBotAPIWithClient(os.Getenv("TELEGRAM_BOT_TOKEN"), os.Getenv("TELEGRAM_API_URL")+"/bot%s/%s", &http.Client{})
	if err != nil {
		return err
	}
	cfg := tgbotapi.UpdateConfig{Limit: 100, Timeout: 30, AllowedUpdates: []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"}}
	for cfg.Offset <= last {
		updates, err := api.GetUpdates(cfg)
		if err != nil {
			return err
		}
		for _, u := range updates {
			cfg.Offset = u.UpdateID + 1
		}
	}
	cfg.Timeout = 0 // confirm the last batch
	if _, err := api.GetUpdates(cfg); err != nil {
		return err
	}
	waitForStop()
	return nil
}

// waitForStop stays until SIGTERM, as the bot does, so that the parent can
// read this process's peak memory.
func waitForStop() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}

// sequentialLoop is invitebot's own handlers for /createlink, with its
// client (pacing and retries included), run one update at a time: no
// concurrency at all. It stops after INVITEBENCH_COMMANDS updates.
func sequentialLoop() error {
	want, err := strconv.Atoi(os.Getenv("INVITEBENCH_COMMANDS"))
	if err != nil {
		return fmt.Errorf("INVITEBENCH_COMMANDS: %w", err)
	}
	ctx := context.Background()
	c, err := bot.NewClient(ctx, bot.ClientConfig{Token: os.Getenv("TELEGRAM_BOT_TOKEN"), APIURL: os.Getenv("TELEGRAM_API_URL")})
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, os.Getenv("INVITEBOT_DB"))
	if err != nil {
		return err
	}
	defer db.Close()
	catalog, err := text.New(text.DefaultLanguage)
	if err != nil {
		return err
	}
	me := c.Self()
	// Settings: the chats' /replies chat (the scenario's), so that the
	// answers go in the groups, as invitebot's do.
	d := &handlers.Deps{TG: c, Text: catalog, Username: me.Username, Settings: db}
	admins := middleware.NewAdmins(c, catalog, middleware.DefaultMemberTTL, nil)
	links := handlers.NewLinks(d, db)
	r := bot.NewRouter(me.Username)
	r.Command("createlink", d.Answer(links.CreateLink), d.Answer, admins.Require())

	handled, offset := 0, 0
	for handled < want {
		var updates []json.RawMessage
		params := tgbotapi.Params{"timeout": "30", "offset": strconv.Itoa(offset), "allowed_updates": `["message"]`}
		if err := c.Call(ctx, "getUpdates", params, &updates); err != nil {
			return err
		}
		for _, raw := range updates {
			u, err := bot.ParseUpdate(raw)
			if err != nil {
				return err
			}
			offset = u.ID + 1
			if err := r.Route(ctx, u); err != nil {
				return err
			}
			handled++
		}
	}
	waitForStop()
	return nil
}
