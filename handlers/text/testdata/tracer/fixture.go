// Package fixture is code for the tests of the tracer (source_test.go):
// it is parsed, never built. Each literal that says "leak" must be found
// reaching a person; each other one must not.
package fixture

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

type port interface {
	Send(ctx context.Context, m bot.Outgoing) (int, error)
	SendDocument(ctx context.Context, m bot.Outgoing, f bot.File) (int, error)
	SendPhoto(ctx context.Context, m bot.Outgoing, f bot.File) (int, error)
	Remember(ctx context.Context, m store.ButtonMessage) error
	Title(ctx context.Context) (string, error)
}

type handler struct {
	tg port
	p  *text.Printer
}

// note is a local type with a field that is shown.
type note struct {
	body  string
	label string
}

// say sends html: a parameter followed to every call.
func (h *handler) say(ctx context.Context, html string) error {
	_, err := h.tg.Send(ctx, bot.Outgoing{Text: html})
	return err
}

func greeting() string { return "leak: a helper's result" }

func (h *handler) direct(ctx context.Context) error {
	if _, err := h.tg.Send(ctx, bot.Outgoing{Text: "leak: sent as it is"}); err != nil {
		return err
	}
	msg := "leak: through a variable"
	if err := h.say(ctx, msg); err != nil {
		return err
	}
	return h.say(ctx, greeting())
}

func (h *handler) fields(ctx context.Context) error {
	n := note{body: "leak: a field that is shown", label: "a field never shown"}
	_ = n.label
	return h.say(ctx, n.body)
}

func (h *handler) formatted(ctx context.Context, count int) error {
	return h.say(ctx, fmt.Sprintf("leak: %d formatted", count))
}

// refuse returns a *text.Error, which the person is told.
func refuse(value string) error {
	return text.Err(text.Invalid, "args.join", "Value", value)
}

func (h *handler) refusal() error {
	return refuse("leak: a refusal's value")
}

// The following reach no person.

// broken is an error for the log.
func (h *handler) broken(ctx context.Context) (string, error) {
	if h.tg == nil {
		return "", errors.New("no port, which the log says")
	}
	if _, err := h.tg.Send(ctx, bot.Outgoing{}); err != nil {
		return "", fmt.Errorf("send the greeting: %w", err)
	}
	return h.p.S("unknown_command", "Command", "editlink"), nil // a command's name is syntax
}

func (h *handler) shows(ctx context.Context) error {
	s, err := h.broken(ctx)
	if err != nil {
		return err
	}
	return h.say(ctx, s)
}

// wait writes a duration as commands take it.
func wait(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h == 0 {
		return strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
}

func when(s string) time.Time {
	t, _ := time.Parse("2006-01-02T15:04", s)
	return t
}

func (h *handler) quantities(ctx context.Context, a store.Action) error {
	if err := h.say(ctx, h.p.S("joinmode.wait", "Wait", wait(time.Minute), "At", when("x"))); err != nil {
		return err
	}
	// A record kind stored with a message is data; the action's kind
	// shown is the store's.
	if err := h.tg.Remember(ctx, store.ButtonMessage{Kind: "links page"}); err != nil {
		return err
	}
	return h.say(ctx, h.p.S("log.kind.other", "Kind", string(a.Kind), "Details", a.Details))
}

func (h *handler) files(ctx context.Context, day string) error {
	if _, err := h.tg.SendDocument(ctx, bot.Outgoing{}, bot.File{Name: h.p.P("export.file_links") + "-" + day + ".csv"}); err != nil {
		return err
	}
	if _, err := h.tg.SendDocument(ctx, bot.Outgoing{}, bot.File{Name: "leak: a document's name"}); err != nil {
		return err
	}
	_, err := h.tg.SendPhoto(ctx, bot.Outgoing{}, bot.File{Name: "chart picture.png"}) // a photo shows no name
	return err
}

// Title has the name of port's method, and is not what h.tg.Title is.
func (h *handler) Title(ctx context.Context) (string, error) {
	return "a title of another type", nil
}

func (h *handler) others(ctx context.Context, cmd *bot.Command) error {
	title, err := h.tg.Title(ctx)
	if err != nil {
		return err
	}
	if err := h.say(ctx, h.p.S("link.no_name", "Name", title)); err != nil {
		return err
	}
	// A bot.Command's name, not a bot.File's (chart picture.png).
	return h.say(ctx, h.p.S("link.no_name", "Name", cmd.Name))
}

// view is what assets/page.html shows.
type view struct {
	Heading, Class, Body string
}

func page(body string) view {
	return view{Heading: "leak: a page's heading", Class: "note box", Body: body}
}
