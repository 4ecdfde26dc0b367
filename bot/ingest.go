package bot

import (
	"encoding/json"
	"errors"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/valyala/fastjson"
)

// A bot that must be an admin receives every message of every group it is
// in, and nearly all of them are not for it. Deciding that should cost as
// little as possible. The loop splits each batch into its updates' bytes,
// exactly as Telegram sent them (those bytes are what the journal keeps),
// parses each with fastjson (no reflection, buffers reused from update to
// update) and reads only what routing needs (the kind of update, a
// message's first entity, a command's text, the service fields). Only the
// updates a handler will see are decoded in full, from their own bytes.

// batchReader reads batches of updates. It is not safe for concurrent use:
// the loop has one.
type batchReader struct {
	p fastjson.Parser
}

// update is one update of a batch as routing sees it.
type update struct {
	view *tgbotapi.Update // routing view: see Options.Wants
	raw  []byte           // the update's JSON as Telegram sent it (a part of the batch)
	err  error            // why the routing view could not be read; view then has only the ID
}

// read splits a getUpdates result and calls each for every update in it.
func (r *batchReader) read(result []byte, each func(update)) error {
	elements, err := splitArray(result)
	if err != nil {
		return fmt.Errorf("getUpdates: result: %w", err)
	}
	for _, raw := range elements {
		v, err := r.p.ParseBytes(raw)
		if err != nil {
			each(update{view: &tgbotapi.Update{UpdateID: updateID(raw)}, raw: raw, err: err})
			continue
		}
		each(update{view: routingView(v), raw: raw})
	}
	return nil
}

// updateID reads the update_id of an update that fastjson could not parse
// (it has a nesting limit that encoding/json does not), 0 if none.
func updateID(raw []byte) int {
	var id struct {
		UpdateID int `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &id)
	return id.UpdateID
}

// errNotArray: a getUpdates result that is not a JSON array.
var errNotArray = errors.New("not a JSON array")

// splitArray returns the elements of the JSON array b as parts of b, without
// copying them. It only finds where each element begins and ends (strings,
// their escapes and the nesting of brackets); what an element holds is
// parsed later, on its own.
func splitArray(b []byte) ([][]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, errNotArray
	}
	var out [][]byte
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		if skipSpace(b, i+1) != len(b) {
			return nil, errors.New("data after the array")
		}
		return out, nil
	}
	for {
		start := i
		depth := 0
	element:
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, ok := stringEnd(b, i)
				if !ok {
					return nil, errors.New("unterminated string")
				}
				i = j
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					break element // the array's own ']'
				}
				depth--
			case ',':
				if depth == 0 {
					break element
				}
			}
		}
		if i >= len(b) {
			return nil, errors.New("unterminated array")
		}
		end := i
		for end > start && isSpace(b[end-1]) {
			end--
		}
		if end == start {
			return nil, errors.New("empty element")
		}
		out = append(out, b[start:end])
		if b[i] == ']' {
			if skipSpace(b, i+1) != len(b) {
				return nil, errors.New("data after the array")
			}
			return out, nil
		}
		i = skipSpace(b, i+1) // past the ','
	}
}

// stringEnd returns the index of the quote that closes the string opened at
// b[i], skipping escaped characters.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j, true
		}
	}
	return 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// kinds are the update kinds a routing view tells apart, with the field of
// tgbotapi.Update each sets.
var kinds = []struct {
	key string
	set func(u *tgbotapi.Update)
}{
	{"edited_message", func(u *tgbotapi.Update) { u.EditedMessage = &tgbotapi.Message{} }},
	{"channel_post", func(u *tgbotapi.Update) { u.ChannelPost = &tgbotapi.Message{} }},
	{"edited_channel_post", func(u *tgbotapi.Update) { u.EditedChannelPost = &tgbotapi.Message{} }},
	{"callback_query", func(u *tgbotapi.Update) { u.CallbackQuery = &tgbotapi.CallbackQuery{} }},
	{"my_chat_member", func(u *tgbotapi.Update) { u.MyChatMember = &tgbotapi.ChatMemberUpdated{} }},
	{"chat_member", func(u *tgbotapi.Update) { u.ChatMember = &tgbotapi.ChatMemberUpdated{} }},
	{"chat_join_request", func(u *tgbotapi.Update) { u.ChatJoinRequest = &tgbotapi.ChatJoinRequest{} }},
	{"inline_query", func(u *tgbotapi.Update) { u.InlineQuery = &tgbotapi.InlineQuery{} }},
	{"chosen_inline_result", func(u *tgbotapi.Update) { u.ChosenInlineResult = &tgbotapi.ChosenInlineResult{} }},
	{"shipping_query", func(u *tgbotapi.Update) { u.ShippingQuery = &tgbotapi.ShippingQuery{} }},
	{"pre_checkout_query", func(u *tgbotapi.Update) { u.PreCheckoutQuery = &tgbotapi.PreCheckoutQuery{} }},
	{"poll", func(u *tgbotapi.Update) { u.Poll = &tgbotapi.Poll{} }},
	{"poll_answer", func(u *tgbotapi.Update) { u.PollAnswer = &tgbotapi.PollAnswer{} }},
}

// routingView is the update as far as routing needs it: its ID, its kind,
// and for messages the text and entities of a command and the service
// fields (migrate_to_chat_id, migrate_from_chat_id, new_chat_members,
// left_chat_member); nothing else.
func routingView(el *fastjson.Value) *tgbotapi.Update {
	u := &tgbotapi.Update{UpdateID: el.GetInt("update_id")}
	if msg := el.Get("message"); msg != nil {
		m := &tgbotapi.Message{
			MigrateToChatID:   msg.GetInt64("migrate_to_chat_id"),
			MigrateFromChatID: msg.GetInt64("migrate_from_chat_id"),
		}
		if n := len(msg.GetArray("new_chat_members")); n > 0 {
			m.NewChatMembers = make([]tgbotapi.User, n)
		}
		if msg.Exists("left_chat_member") {
			m.LeftChatMember = &tgbotapi.User{}
		}
		if entities := msg.GetArray("entities"); len(entities) > 0 &&
			string(entities[0].GetStringBytes("type")) == "bot_command" && entities[0].GetInt("offset") == 0 {
			m.Text = string(msg.GetStringBytes("text"))
			m.Entities = make([]tgbotapi.MessageEntity, len(entities))
			for i, e := range entities {
				m.Entities[i] = tgbotapi.MessageEntity{
					Type:   string(e.GetStringBytes("type")),
					Offset: e.GetInt("offset"),
					Length: e.GetInt("length"),
				}
			}
		}
		u.Message = m
		return u
	}
	for _, k := range kinds {
		if el.Exists(k.key) {
			k.set(u)
			break
		}
	}
	return u
}

// decodeUpdate decodes one update fully. On failure it still returns what it
// could read, at least the update ID.
func decodeUpdate(raw []byte) (*tgbotapi.Update, error) {
	u := new(tgbotapi.Update)
	if err := json.Unmarshal(raw, u); err != nil {
		return &tgbotapi.Update{UpdateID: updateID(raw)}, fmt.Errorf("decode update: %w", err)
	}
	return u, nil
}
