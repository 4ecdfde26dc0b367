package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"
)

// chatterBatch is a getUpdates result of n updates of ordinary group chatter
// and commands addressed to other bots, as Telegram writes them.
func chatterBatch(n int) []byte {
	var raws []json.RawMessage
	for i := range n {
		var text, entities string
		switch i % 4 {
		case 0:
			text = "/start@other_bot"
			entities = `,"entities":[{"offset":0,"length":16,"type":"bot_command"}]`
		case 1:
			text = "Did anyone see the match yesterday? That last goal was unbelievable \u26bd"
		case 2:
			text = "ok"
		default:
			text = "https://example.com/some/article and a longer message with some words in it"
			entities = `,"entities":[{"offset":0,"length":32,"type":"url"}]`
		}
		raws = append(raws, json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"User","last_name":"Name","username":"user%d","language_code":"en"},"chat":{"id":-100123456%04d,"title":"Some Group","username":"somegroup","type":"supergroup"},"date":1760000000,"text":%q%s}}`,
			1000+i, 5000+i, 7000000+i%50, i%50, i%40, text, entities)))
	}
	b, _ := json.Marshal(raws)
	return b
}

func BenchmarkIngestBareLibrary(b *testing.B) {
	batch := chatterBatch(100)
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		var updates []tgbotapi.Update
		if err := json.Unmarshal(batch, &updates); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIngestTakeBatch(b *testing.B) {
	batch := chatterBatch(100)
	r := NewRouter("invite_test_bot")
	r.Command("links", func(context.Context, *Update) error { return nil })
	log := zerolog.New(io.Discard)
	b.SetBytes(int64(len(batch)))
	var reader batchReader
	for b.Loop() {
		got, _, _, err := takeBatch(&reader, log, batch, 0, r.Match, nopObserver{})
		if err != nil || len(got) != 0 {
			b.Fatal("chatter was wanted", err)
		}
	}
}
