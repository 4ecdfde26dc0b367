package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot"
)

// Prefixes of the callback data of the buttons the handlers make. A
// button's data is PREFIX ACTION ":" CHAT ":" ID, e.g. "rq:a:-1001234567890:5000000002"
// (at most 3+2+20+1+20 = 46 bytes, under Telegram's 64).
const (
	// RequestButtons: Approve ("a") and Decline ("d") of a join request; ID is the user.
	RequestButtons = "rq:"
	// LinkButtons: Revoke ("r") of a link; ID is the link's number.
	LinkButtons = "lk:"
)

// buttonData makes a button's callback data.
func buttonData(prefix, action string, chatID, id int64) string {
	return prefix + action + ":" + strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(id, 10)
}

// parseButton reads callback data that buttonData made.
func parseButton(data string) (prefix, action string, chatID, id int64, ok bool) {
	parts := strings.Split(data, ":")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" {
		return "", "", 0, 0, false
	}
	chatID, err1 := strconv.ParseInt(parts[2], 10, 64)
	id, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return "", "", 0, 0, false
	}
	return parts[0] + ":", parts[1], chatID, id, true
}

// ButtonChat returns the chat that the data of a handler's button acts on,
// for the access check in front of the button's handler.
func ButtonChat(data string) (int64, bool) {
	_, _, chatID, _, ok := parseButton(data)
	return chatID, ok
}

// editButtons replaces the keyboard of the message a button was pressed
// under with what change makes of each of its rows (nil drops the row).
// A message that is gone or unchanged is not an error.
func editButtons(ctx context.Context, api bot.Caller, q *tgbotapi.CallbackQuery, change func(row []bot.Button) []bot.Button) error {
	m := q.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	type button struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
	}
	rows := [][]button{}
	if m.ReplyMarkup != nil {
		for _, r := range m.ReplyMarkup.InlineKeyboard {
			var row []bot.Button
			for _, b := range r {
				if b.CallbackData != nil {
					row = append(row, bot.Button{Text: b.Text, Data: *b.CallbackData})
				}
			}
			var out []button
			for _, b := range change(row) {
				out = append(out, button{Text: b.Text, CallbackData: b.Data})
			}
			if len(out) > 0 {
				rows = append(rows, out)
			}
		}
	}
	markup, err := json.Marshal(struct {
		InlineKeyboard [][]button `json:"inline_keyboard"`
	}{rows})
	if err != nil {
		return err
	}
	err = api.Call(ctx, "editMessageReplyMarkup", tgbotapi.Params{
		"chat_id":      strconv.FormatInt(m.Chat.ID, 10),
		"message_id":   strconv.Itoa(m.MessageID),
		"reply_markup": string(markup),
	}, nil)
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == 400 &&
		(strings.Contains(apiErr.Message, "message is not modified") || strings.Contains(apiErr.Message, "message to edit not found")) {
		return nil
	}
	return err
}

// cut shortens s to at most n UTF-16 code units (as Telegram counts the
// 200 of a callback answer), ending it with "…" when it is cut.
func cut(s string, n int) string {
	if bot.UTF16Len(s) <= n {
		return s
	}
	used := 1 // the "…"
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n {
			return s[:i] + "…"
		}
		used += w
	}
	return s
}

// hasData tells whether a row holds a button with data.
func hasData(row []bot.Button, data string) bool {
	for _, b := range row {
		if b.Data == data {
			return true
		}
	}
	return false
}

// extras are the fields of the update being handled that tgbotapi v5.5.1
// does not know, read from its raw JSON (bot.RawUpdate). They are zero when
// the raw update is not there.
type extras struct {
	ChatMember *struct {
		ViaJoinRequest bool `json:"via_join_request"`
	} `json:"chat_member"`
	ChatJoinRequest *struct {
		UserChatID int64 `json:"user_chat_id"`
	} `json:"chat_join_request"`
}

func updateExtras(ctx context.Context) extras {
	var x extras
	if raw := bot.RawUpdate(ctx); len(raw) > 0 {
		_ = json.Unmarshal(raw, &x) // what cannot be read stays zero
	}
	return x
}
