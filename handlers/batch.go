package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// UseFiles gives the link commands a way to attach files (a batch's CSV).
func (h *Links) UseFiles(f Files) { h.files = f }

// batchName is the name of link i of a batch named name.
func batchName(name string, i int) string {
	if name == "" {
		return strconv.Itoa(i)
	}
	return name + " " + strconv.Itoa(i)
}

// createBatch (/createlink NAME count=N ...) makes N links named "NAME 1"
// to "NAME N", one call each (paced and retried as every call), each
// stored with a request key of its own (the command's and its index), so
// that a command handed back after a crash makes only those still
// missing. The answer lists them, in pages, with a CSV file of them; if
// some could not be made, it says how many were, and lists those.
func (h *Links) createBatch(ctx context.Context, u *bot.Update, dst dest, a CreateArgs) error {
	chat, actor := u.Target, u.Actor
	base := requestKey(u)
	var (
		made    []store.Link
		failure error
	)
	for i := 1; i <= a.Count; i++ {
		key := ""
		if base != "" {
			key = base + "#" + strconv.Itoa(i)
		}
		if u.Replayed && key != "" {
			l, err := h.store.LinkByRequest(ctx, key)
			switch {
			case err == nil:
				made = append(made, l)
				continue
			case !errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("look for link %d of the batch: %w", i, err)
			}
		}
		if ctx.Err() != nil {
			failure = ctx.Err()
			break
		}
		link, err := h.TG.CreateLink(ctx, chat.ID, bot.LinkSpec{Name: batchName(a.Name, i), ExpiresAt: a.ExpiresAt,
			MemberLimit: a.MemberLimit, JoinRequest: a.JoinRequest})
		if err != nil {
			failure = err
			break
		}
		added, _, err := h.store.AddLink(ctx, store.NewLink{
			ChatID: chat.ID, URL: link.URL, Name: link.Name, ExpiresAt: link.ExpiresAt, MemberLimit: link.MemberLimit,
			JoinRequest: link.JoinRequest, CreatedBy: actor.ID, CreatedAt: h.now(), Request: key,
		})
		if err != nil {
			// A link nobody knows of must not stay valid: take it back.
			if _, rerr := h.TG.RevokeLink(ctx, chat.ID, link.URL); rerr != nil {
				zerolog.Ctx(ctx).Error().Err(rerr).Msg("a link of a batch could not be stored nor revoked")
			}
			failure = fmt.Errorf("store link %d of the batch: %w", i, err)
			break
		}
		made = append(made, added)
	}
	if failure != nil {
		zerolog.Ctx(ctx).Warn().Err(failure).Int("made", len(made)).Int("asked", a.Count).Msg("a batch of links stopped short")
		if len(made) == 0 {
			if e := h.refusal(ctx, u, failure); !errors.Is(e, failure) {
				return e
			}
			return failure
		}
	}
	p := dst.p
	now := h.now()
	title := p.S("batch.done", "Count", len(made), "Chat", chat.Title)
	if len(made) < a.Count {
		title = p.S("batch.partial", "Count", a.Count, "Made", len(made), "Chat", chat.Title, "Why", h.why(ctx, u, failure))
	}
	entries := make([]string, len(made))
	for i, l := range made {
		entries[i] = describeLink(p, l, now)
	}
	if err := h.sendPages(ctx, dst.chatID, dst.replyTo, paginatePages(p, title, entries, 0), nil); err != nil {
		return err
	}
	if h.files != nil {
		data, err := LinksCSV(made, now)
		if err != nil {
			return err
		}
		name := strings.Trim(strings.Map(fileRune, a.Name), "-")
		if name == "" {
			name = p.P("export.file_links")
		}
		if _, err := h.files.SendDocument(ctx, bot.Outgoing{ChatID: dst.chatID, Text: p.S("batch.csv", "Count", len(made))},
			bot.File{Name: name + ".csv", Data: data}); err != nil {
			return err
		}
	}
	return h.noteMoved(ctx, u, dst)
}

// why says in a few words why a batch stopped.
func (h *Links) why(ctx context.Context, u *bot.Update, err error) text.Msg {
	var e *text.Error
	if errors.As(h.refusal(ctx, u, err), &e) {
		return e.Msg
	}
	return text.M("batch.why_failed")
}

// fileRune keeps letters and digits of a file's name, and turns the rest
// into '-'.
func fileRune(r rune) rune {
	if r == '_' || r == '-' || r < 128 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
		return r
	}
	return '-'
}
