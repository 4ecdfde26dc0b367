package bot

import (
	"encoding/json"
	"errors"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Outgoing is an HTML message to send.
type Outgoing struct {
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

// messageParams are sendMessage's parameters for m.
func messageParams(m Outgoing) (tgbotapi.Params, error) {
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
