package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// HistoryStore is what the commands about links over time need of the
// store, beside what the link commands need.
type HistoryStore interface {
	LinkJoins(ctx context.Context, chatID, number int64) ([]store.LinkJoin, error)
	ChatJoins(ctx context.Context, chatID int64, since time.Time) ([]store.LinkJoin, error)
	LinkActions(ctx context.Context, chatID, number int64) ([]store.Action, error)
	ActionCounts(ctx context.Context, chatID int64, since time.Time) (map[store.ActionKind]int, error)
}

// Files sends files; *bot.Client does.
type Files interface {
	SendDocument(ctx context.Context, m bot.Outgoing, file bot.File) (int, error)
	SendPhoto(ctx context.Context, m bot.Outgoing, file bot.File) (int, error)
}

// History handles the commands that show links over time: /link, /export
// and /stats. It finds links as the link commands do.
type History struct {
	*Links
	history HistoryStore
	files   Files
}

// NewHistory makes the commands about links over time.
func NewHistory(links *Links, st HistoryStore, files Files) *History {
	return &History{Links: links, history: st, files: files}
}

// maxJoinEntries bounds the joins on one page of /link, for pages that
// stay readable on a phone.
const maxJoinEntries = 50

// Link (/link REF) shows one link in full: its fields and state, who made
// it and when, each edit and the revocation with who and when, and the
// people who joined through it, newest first, in pages.
func (h *History) Link(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	if strings.TrimSpace(args(u)) == "" {
		return text.Err(text.Invalid, "link_details.usage")
	}
	ref, err := ParseRef(args(u))
	if err != nil {
		return err
	}
	link, err := h.resolve(ctx, u, ref, "link")
	if err != nil {
		return err
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	actions, err := h.history.LinkActions(ctx, chat.ID, link.Number)
	if err != nil {
		return fmt.Errorf("link actions: %w", err)
	}
	joins, err := h.history.LinkJoins(ctx, chat.ID, link.Number)
	if err != nil {
		return fmt.Errorf("link joins: %w", err)
	}
	p := dst.p
	now := h.now()
	head := []string{describeLink(p, link, now)}
	made := false
	for _, a := range actions {
		switch a.Kind {
		case store.ActionLinkCreated, store.ActionLinkRotated:
			head = append(head, p.S("link_details.made", "At", a.At, "Who", actionWho(a)))
			made = true
		case store.ActionLinkEdited:
			head = append(head, p.S("link_details.edited", "At", a.At, "Who", actionWho(a), "Details", a.Details))
		case store.ActionLinkRevoked:
			head = append(head, p.S("link_details.revoked", "At", a.At, "Who", actionWho(a)))
		}
	}
	if !made { // made before the record was kept
		who := text.M("log.who_id", "ID", link.CreatedBy)
		head = append(head[:1], append([]string{p.S("link_details.made", "At", link.CreatedAt, "Who", who)}, head[1:]...)...)
	}
	if len(joins) == 0 {
		head = append(head, p.S("link_details.no_joins"))
	} else {
		head = append(head, p.S("link_details.joins", "Count", len(joins)))
	}
	entries := []string{strings.Join(head, "\n")}
	for i := 0; i < len(joins); i += maxJoinEntries {
		lines := make([]string, 0, maxJoinEntries)
		for _, j := range joins[i:min(i+maxJoinEntries, len(joins))] {
			lines = append(lines, describeJoin(p, j))
		}
		entries = append(entries, strings.Join(lines, "\n"))
	}
	pages := paginatePages(p, p.S("link_details.title", "N", link.Number, "Chat", chat.Title), entries, 0)
	if err := h.sendPages(ctx, dst.chatID, dst.replyTo, pages, nil); err != nil {
		return err
	}
	return h.noteMoved(ctx, u, dst)
}

// describeJoin is one join in HTML: who, when, approved by whom.
func describeJoin(p *text.Printer, j store.LinkJoin) string {
	name := strings.TrimSpace(j.FirstName + " " + j.LastName)
	if name == "" {
		name = strconv.FormatInt(j.UserID, 10)
	}
	m := text.M("link_details.join", "Name", name, "ID", j.UserID, "At", j.At)
	if j.Username != "" {
		m.Data["Username"] = j.Username
	}
	switch {
	case j.ApprovedByName != "":
		m.Data["By"] = j.ApprovedByName
	case j.ApprovedBy != 0:
		m.Data["By"] = text.M("log.who_id", "ID", j.ApprovedBy)
	case j.ApprovedVia != "":
		m.Data["By"] = text.M("log.via_mode", "Mode", j.ApprovedVia)
	}
	return p.Sprint(m)
}
