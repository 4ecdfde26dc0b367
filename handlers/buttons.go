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
// button's data is PREFIX ACTION ":" ITEM, e.g. "rq:a:5000000002": what to
// do, to which of the things its message shows. It carries no authority:
// the message's record (store.ButtonMessage) says which chat the buttons
// act on and what the message shows, and the presser's rights are
// checked against that chat.
const (
	// RequestButtons: Approve ("a") and Decline ("d") of a join request;
	// ITEM is the requester.
	RequestButtons = "rq:"
	// LinkButtons: Revoke ("r") of a link, and "Yes, revoke" ("y") of
	// one, ITEM its number; "Yes, revoke all" ("ya"), ITEM 0.
	LinkButtons = "lk:"
)

func linkButton(action string, n int64) string {
	return LinkButtons + action + ":" + strconv.FormatInt(n, 10)
}

func requestButton(action string, userID int64) string {
	return RequestButtons + action + ":" + strconv.FormatInt(userID, 10)
}

// parseButton reads callback data the handlers made.
func parseButton(data string) (prefix, action string, item int64, ok bool) {
	parts := strings.Split(data, ":")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", 0, false
	}
	item, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", "", 0, false
	}
	return parts[0] + ":", parts[1], item, true
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
