package bot_test

import (
	"testing"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// TestTelegramPaceKeepsUnderTelegramsLimits: every window of the bot's
// pacing lets through no more than Telegram's limit of the same kind (as
// the fake Bot API enforces them) in a span at least as long.
func TestTelegramPaceKeepsUnderTelegramsLimits(t *testing.T) {
	for _, c := range []struct {
		name string
		pace bot.Window
		tg   bottest.Limit
	}{
		{"global", bot.TelegramPace.Global, bottest.TelegramLimits.Global},
		{"group", bot.TelegramPace.Group, bottest.TelegramLimits.PerGroup},
		{"chat", bot.TelegramPace.Chat, bottest.TelegramLimits.PerChat},
	} {
		// N in Per never exceeds Max in Window when N <= Max and Per >= Window
		// (for one window span: the pace's rate over the limit's span).
		if c.pace.N > c.tg.Max || c.pace.Per < c.tg.Window {
			t.Errorf("%s: pacing allows %d in %v, Telegram %d in %v", c.name, c.pace.N, c.pace.Per, c.tg.Max, c.tg.Window)
		}
	}
}
