package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/invitebot/invitebot/bot"
)

// checkTimeout bounds -check's one getMe: a pre-flight does not wait for
// Telegram to come back.
const checkTimeout = 10 * time.Second

// checkConfig validates the configuration, opens the database (creating
// and migrating it if it is new, as the bot would) and calls getMe once.
// It prints one line on stdout when all is well. Bad configuration, an
// unusable database, a token that Telegram rejects and a Bot API that
// cannot be reached are each a *ConfigError naming the variable to look
// at: the bot could not start as configured.
func checkConfig(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Ping(ctx); err != nil {
		return &ConfigError{"INVITEBOT_DB", fmt.Sprintf("%s does not answer (%v)", describeDB(cfg.DB), err)}
	}

	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	client, err := bot.NewClient(ctx, bot.ClientConfig{Token: cfg.Token, APIURL: cfg.APIURL, CallTimeout: checkTimeout})
	if err != nil {
		if errors.Is(err, bot.ErrUnauthorized) {
			return errTokenRejected
		}
		return &ConfigError{"TELEGRAM_API_URL", fmt.Sprintf("cannot reach the Bot API at %s within %s (%v); check the network, a proxy or firewall, and the URL", cfg.APIURL, checkTimeout, err)}
	}
	me := client.Self()
	fmt.Fprintf(stdout, "ok: configuration valid, database %s open, Bot API at %s answers as @%s (id %d)\n", describeDB(cfg.DB), cfg.APIURL, me.Username, me.ID)
	return nil
}
