package bot

import (
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/valyala/fastjson"
)

// A bot that must be an admin receives every message of every group it is
// in, and nearly all of them are not for it. Deciding that should cost as
// little as possible. The loop parses each batch once with fastjson (no
// reflection, buffers reused from batch to batch), reads only what routing
// needs (the kind of update, a message's first entity, a command's text,
// the service fields), and re-serializes and decodes into tgbotapi.Update
// only the updates a handler will see.

// batchReader reads batches of updates. It is not safe for concurrent use:
// the loop has one.
type batchReader struct {
	p fastjson.Parser
}

// update is one update of a batch as routing sees it.
type update struct {
	view *tgbotapi.Update // routing view: see Options.Wants
	el   *fastjson.Value  // the parsed update, valid until the next batch
}

// read parses a getUpdates result and calls each for every update in it.
func (r *batchReader) read(result []byte, each func(update)) error {
	v, err := r.p.ParseBytes(result)
	if err != nil {
		return fmt.Errorf("getUpdates: result: %w", err)
	}
	list, err := v.Array()
	if err != nil {
		return fmt.Errorf("getUpdates: result: %w", err)
	}
	for _, el := range list {
		each(update{view: routingView(el), el: el})
	}
	return nil
}

// raw returns the update's JSON.
func (u update) raw() []byte { return u.el.MarshalTo(nil) }

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
		var id struct {
			UpdateID int `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &id)
		return &tgbotapi.Update{UpdateID: id.UpdateID}, fmt.Errorf("decode update: %w", err)
	}
	return u, nil
}
