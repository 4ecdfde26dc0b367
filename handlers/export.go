package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// Export (/export) sends the chat's links and the joins counted for them
// as two CSV files (UTF-8, a header row, RFC 4180), where answers that
// show links go.
func (h *History) Export(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	if strings.TrimSpace(args(u)) != "" {
		return text.Err(text.Invalid, "export.no_args")
	}
	links, err := h.store.ListLinks(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	if len(links) == 0 {
		return text.Err(text.NotFound, "links.none_all", "Chat", chatName(u))
	}
	joins, err := h.history.ChatJoins(ctx, chat.ID, time.Time{})
	if err != nil {
		return fmt.Errorf("chat joins: %w", err)
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	now := h.now()
	day := now.Format("2006-01-02")
	linksFile, err := LinksCSV(links, now)
	if err != nil {
		return err
	}
	joinsFile, err := JoinsCSV(joins, links)
	if err != nil {
		return err
	}
	p := dst.p
	m := bot.Outgoing{ChatID: dst.chatID, ReplyTo: dst.replyTo, Text: p.S("export.links", "Count", len(links), "Chat", chat.Title)}
	if _, err := h.files.SendDocument(ctx, m, bot.File{Name: fileName(p.P("export.file_links"), chat, day), Data: linksFile}); err != nil {
		return err
	}
	m.ReplyTo, m.Text = 0, p.S("export.joins", "Count", len(joins), "Chat", chat.Title)
	if _, err := h.files.SendDocument(ctx, m, bot.File{Name: fileName(p.P("export.file_joins"), chat, day), Data: joinsFile}); err != nil {
		return err
	}
	return h.noteMoved(ctx, u, dst)
}

// fileName is a file's name: what it holds (a word of the reader's
// language: people see a document's name and save it under it), the chat
// and the day.
func fileName(what string, chat *bot.Chat, day string) string {
	return what + "-" + strings.TrimPrefix(strconv.FormatInt(chat.ID, 10), "-") + "-" + day + ".csv"
}

// csvTime is a time in a CSV file: RFC 3339 in UTC, "" for none.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Safe is a CSV cell that a spreadsheet will not run as a formula: one
// that starts with =, +, -, @, a tab or a carriage return (OWASP's list)
// gets a ' in front, which spreadsheets show as text.
func Safe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// writeCSV writes rows, a header first, as RFC 4180 CSV (CRLF line ends),
// every cell made Safe.
func writeCSV(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, row := range rows {
		for i := range row {
			row[i] = Safe(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return b.Bytes(), nil
}

// LinksCSV is the chat's links as CSV, one row each, with their state at now.
func LinksCSV(links []store.Link, now time.Time) ([]byte, error) {
	rows := [][]string{{"number", "url", "name", "primary", "state", "expires_at", "member_limit", "join_request",
		"price_stars", "joins", "created_at", "created_by", "edited_at", "edited_by", "revoked_at", "revoked_by"}}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	for _, l := range links {
		limit := ""
		if l.MemberLimit > 0 {
			limit = strconv.Itoa(l.MemberLimit)
		}
		price := ""
		if l.Price > 0 {
			price = strconv.Itoa(l.Price)
		}
		rows = append(rows, []string{strconv.FormatInt(l.Number, 10), l.URL, l.Name, strconv.FormatBool(l.Primary),
			string(shownState(l, now)), csvTime(l.ExpiresAt), limit, strconv.FormatBool(l.JoinRequest), price,
			strconv.FormatInt(l.Joins, 10), csvTime(l.CreatedAt), id(l.CreatedBy), csvTime(l.EditedAt), id(l.EditedBy),
			csvTime(l.RevokedAt), id(l.RevokedBy)})
	}
	return writeCSV(rows)
}

// JoinsCSV is the joins counted as CSV, one row each, oldest first, with
// the name of the link of each (from links).
func JoinsCSV(joins []store.LinkJoin, links []store.Link) ([]byte, error) {
	names := make(map[string]string, len(links))
	for _, l := range links {
		names[l.URL] = l.Name
	}
	rows := [][]string{{"link_number", "link_url", "link_name", "user_id", "first_name", "last_name", "username",
		"joined_at", "approved_by", "approved_by_name", "approved_via"}}
	for _, j := range joins {
		by := ""
		if j.ApprovedBy != 0 {
			by = strconv.FormatInt(j.ApprovedBy, 10)
		}
		rows = append(rows, []string{strconv.FormatInt(j.Link, 10), j.URL, names[j.URL], strconv.FormatInt(j.UserID, 10),
			j.FirstName, j.LastName, j.Username, csvTime(j.At), by, j.ApprovedByName, j.ApprovedVia})
	}
	return writeCSV(rows)
}
