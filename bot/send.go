package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Caller calls a Bot API method; *Client is one. Packages that send through
// the bot declare their dependency as this, not as *Client.
type Caller interface {
	Call(ctx context.Context, method string, params tgbotapi.Params, result any) error
}

// Message is an HTML message to send.
type Message struct {
	ChatID int64
	// Text is HTML: text that came from users must be escaped
	// (html.EscapeString).
	Text string
	// ReplyTo is the message to answer, 0 for none. If it is gone by the
	// time the reply is sent, the reply is sent on its own.
	ReplyTo int
	Buttons [][]Button
}

// Button is an inline keyboard button: with callback data (1-64 bytes),
// or a URL to open.
type Button struct {
	Text string
	Data string
	URL  string
}

// MaxMessageLength is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessageLength = 4096

// Send sends m with sendMessage in HTML parse mode, without link previews,
// and returns the new message's ID.
func Send(ctx context.Context, api Caller, m Message) (int, error) {
	params, err := messageParams(m)
	if err != nil {
		return 0, err
	}
	var sent struct {
		MessageID int `json:"message_id"`
	}
	if err := api.Call(ctx, "sendMessage", params, &sent); err != nil {
		return 0, err
	}
	return sent.MessageID, nil
}

// messageParams are sendMessage's parameters for m.
func messageParams(m Message) (tgbotapi.Params, error) {
	params := tgbotapi.Params{
		"chat_id":              strconv.FormatInt(m.ChatID, 10),
		"text":                 m.Text,
		"parse_mode":           "HTML",
		"link_preview_options": `{"is_disabled":true}`,
	}
	if m.ReplyTo != 0 {
		params["reply_parameters"] = `{"message_id":` + strconv.Itoa(m.ReplyTo) + `,"allow_sending_without_reply":true}`
	}
	if len(m.Buttons) > 0 {
		markup, err := keyboardJSON(m.Buttons)
		if err != nil {
			return nil, err
		}
		params["reply_markup"] = markup
	}
	return params, nil
}

// EditText replaces the text (and buttons: none if nil) of a message the bot sent.
func EditText(ctx context.Context, api Caller, chatID int64, messageID int, text string, buttons [][]Button) error {
	params := tgbotapi.Params{
		"chat_id":              strconv.FormatInt(chatID, 10),
		"message_id":           strconv.Itoa(messageID),
		"text":                 text,
		"parse_mode":           "HTML",
		"link_preview_options": `{"is_disabled":true}`,
	}
	if len(buttons) > 0 {
		markup, err := keyboardJSON(buttons)
		if err != nil {
			return err
		}
		params["reply_markup"] = markup
	}
	err := api.Call(ctx, "editMessageText", params, nil)
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && strings.Contains(apiErr.Message, "message is not modified") {
		return nil
	}
	return err
}

// AnswerCallback answers a callback query; text, if any, is shown to the
// presser (as an alert when alert is set).
func AnswerCallback(ctx context.Context, api Caller, queryID, text string, alert bool) error {
	params := tgbotapi.Params{"callback_query_id": queryID}
	if text != "" {
		params["text"] = text
	}
	if alert {
		params["show_alert"] = "true"
	}
	return api.Call(ctx, "answerCallbackQuery", params, nil)
}

func keyboardJSON(rows [][]Button) (string, error) {
	type button struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data,omitempty"`
		URL          string `json:"url,omitempty"`
	}
	kb := struct {
		InlineKeyboard [][]button `json:"inline_keyboard"`
	}{InlineKeyboard: make([][]button, 0, len(rows))}
	for _, row := range rows {
		var out []button
		for _, b := range row {
			switch {
			case b.URL != "" && b.Data == "":
			case b.URL == "" && b.Data != "" && len(b.Data) <= 64:
			default:
				return "", errors.New("bot: a button needs callback data of 1-64 bytes or a URL: " + strconv.Quote(b.Data+b.URL))
			}
			out = append(out, button{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
		if len(out) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, out)
		}
	}
	out, err := json.Marshal(kb)
	return string(out), err
}

// UTF16Len is the length of s in UTF-16 code units, as Telegram counts.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
