package handlers

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

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

// editButtons replaces the buttons of the message a button was pressed
// under with what change makes of each of its rows (nil drops the row).
// A message that is gone is not an error.
func (d *Deps) editButtons(ctx context.Context, u *bot.Update, change func(row []bot.Button) []bot.Button) error {
	q := u.Callback
	if q.Message == nil || u.Chat == nil {
		return nil
	}
	var rows [][]bot.Button
	for _, r := range q.Message.Buttons {
		row := change(slices.Clone(r))
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	err := d.TG.EditButtons(ctx, u.Chat.ID, q.Message.ID, rows)
	if errors.Is(err, bot.ErrMessageGone) {
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
