package handlers

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The languages of the handlers' answers: /help and /links in every
// language against golden files, the layout of /links in right-to-left
// languages, and the paging of long lists in every language.

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*.txt from what the handlers answer now")

// recorder is a Telegram that records what is sent; nothing else is asked
// of it here.
type recorder struct {
	mu   sync.Mutex
	sent []bot.Outgoing
}

var errNotHere = errors.New("not asked for in these tests")

func (r *recorder) ExportLink(context.Context, int64) (string, error) { return "", errNotHere }
func (r *recorder) CreateLink(context.Context, int64, bot.LinkSpec) (bot.InviteLink, error) {
	return bot.InviteLink{}, errNotHere
}
func (r *recorder) EditLink(context.Context, int64, string, bot.LinkSpec) (bot.InviteLink, error) {
	return bot.InviteLink{}, errNotHere
}
func (r *recorder) RevokeLink(context.Context, int64, string) (bot.InviteLink, error) {
	return bot.InviteLink{}, errNotHere
}
func (r *recorder) ApproveRequest(context.Context, int64, int64) error { return errNotHere }
func (r *recorder) DeclineRequest(context.Context, int64, int64) error { return errNotHere }
func (r *recorder) Edit(context.Context, int64, int, string, [][]bot.Button) error {
	return errNotHere
}
func (r *recorder) EditButtons(context.Context, int64, int, [][]bot.Button) error { return errNotHere }
func (r *recorder) AnswerButton(context.Context, string, string, bool) error      { return errNotHere }
func (r *recorder) Typing(context.Context, int64) error                           { return errNotHere }
func (r *recorder) Send(_ context.Context, m bot.Outgoing) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return len(r.sent), nil
}

// fixedLinks is a LinkStore that holds the links given.
type fixedLinks struct {
	LinkStore // nil: any other method is not asked for here
	links     []store.Link
}

func (f fixedLinks) ListLinks(context.Context, int64) ([]store.Link, error) { return f.links, nil }

// chatLanguage is the settings of every chat: the language given, and
// answers that show links in the group itself (/replies chat), so that
// /links is said there, in the group's language.
type chatLanguage string

func (l chatLanguage) ChatSettings(_ context.Context, chatID int64) (store.ChatSettings, error) {
	return store.ChatSettings{ChatID: chatID, Language: string(l), Replies: store.RepliesChat}, nil
}

// The world of these tests, as the end-to-end tests have it.
const (
	i18nGroup int64 = -1001234567890
	i18nAdmin int64 = 5000000001
)

var (
	i18nNow       = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	i18nGroupChat = &bot.Chat{ID: i18nGroup, Type: "supergroup", Title: "Invite Test Group"}
)

// goldenLinks are the links of /links all: every state, every field, user
// text in three scripts and one to escape.
var goldenLinks = []store.Link{
	{ChatID: i18nGroup, Number: 1, URL: "https://t.me/+PrimaryAbCdEf0123", Primary: true, Joins: 12},
	{ChatID: i18nGroup, Number: 2, URL: "https://t.me/+PartnersXyZ9876", Name: "Partners", ExpiresAt: time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), MemberLimit: 50, Joins: 7},
	{ChatID: i18nGroup, Number: 3, URL: "https://t.me/+SummerSale4567", Name: "Summer <sale> & more", JoinRequest: true, Joins: 3},
	{ChatID: i18nGroup, Number: 4, URL: "https://t.me/+LetniyAkciya1234", Name: "Летняя акция", Joins: 1, RevokedAt: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)},
	{ChatID: i18nGroup, Number: 5, URL: "https://t.me/+ArdKhass5678", Name: "عرض خاص", ExpiresAt: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
	{ChatID: i18nGroup, Number: 6, URL: "https://t.me/+OneSeat0001", MemberLimit: 1},
}

func i18nCatalog(t testing.TB) *text.Catalog {
	t.Helper()
	c, err := text.New(text.DefaultLanguage)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// render writes what was sent as the golden files have it: each message's
// text as sent (HTML), then its buttons.
func render(sent []bot.Outgoing) string {
	var b strings.Builder
	for i, m := range sent {
		fmt.Fprintf(&b, "--- message %d/%d\n%s\n", i+1, len(sent), m.Text)
		for _, row := range m.Buttons {
			var labels []string
			for _, btn := range row {
				labels = append(labels, "["+btn.Text+"]")
			}
			b.WriteString(strings.Join(labels, " ") + "\n")
		}
	}
	return b.String()
}

// golden compares got with testdata/golden/name, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./handlers -run TestGolden -update writes it; review it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what the handler sends now (go test ./handlers -run TestGolden -update rewrites it; review the diff):\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, wl, gl)
		}
	}
	return ""
}

// TestGoldenHelpAndLinks: /help in a private chat with a person whose
// Telegram speaks each language, and /links all in a group set to each
// language, as the files in testdata/golden have them. Neither shows a
// message's ID, and the page and buttons are in the language too.
func TestGoldenHelpAndLinks(t *testing.T) {
	c := i18nCatalog(t)
	for _, code := range c.Codes() {
		t.Run(code, func(t *testing.T) {
			tg := &recorder{}
			d := &Deps{TG: tg, Text: c, Settings: chatLanguage(code), Username: "invite_test_bot", Now: func() time.Time { return i18nNow }}

			admin := &bot.User{ID: i18nAdmin, FirstName: "Alice", Username: "alice_admin", LanguageCode: code}
			private := &bot.Chat{ID: i18nAdmin, Type: "private", FirstName: "Alice"}
			help := &bot.Update{Kind: "message", Chat: private, From: admin, Message: &bot.Message{ID: 10, Text: "/help"}, Command: &bot.Command{Name: "help"}}
			if err := NewGeneral(d, nil).Help(context.Background(), help); err != nil {
				t.Fatal(err)
			}
			if len(tg.sent) != 1 {
				t.Fatalf("/help sent %d messages", len(tg.sent))
			}
			helpText := render(tg.sent)
			golden(t, "help."+code+".txt", helpText)

			tg.sent = nil
			member := &bot.User{ID: i18nAdmin, FirstName: "Alice", Username: "alice_admin"} // no language: the group's
			links := &bot.Update{Kind: "message", Chat: i18nGroupChat, From: member, Message: &bot.Message{ID: 11, Text: "/links all"},
				Command: &bot.Command{Name: "links", Args: "all"}, Target: i18nGroupChat, Actor: member}
			if err := NewLinks(d, fixedLinks{links: goldenLinks}).List(context.Background(), links); err != nil {
				t.Fatal(err)
			}
			linksText := render(tg.sent)
			golden(t, "links."+code+".txt", linksText)

			for _, out := range []string{helpText, linksText} {
				for _, id := range []string{"help", "links.title_all", "link.state.", "links.revoke_button"} {
					if strings.Contains(out, id) {
						t.Errorf("%s shows the message ID %q", code, id)
					}
				}
			}
			p := c.For(code)
			mustHave(t, helpText, "invite_test_bot", "/createlink", "2026-12-31T18:00",
				// The lines of gatekeeping and of links over time.
				"[join=MODE]", "[join=MODE|none]", "count=N", "price=STARS", "/joinmode [manual|auto|verify [WAIT]|closed]",
				"/rules [TEXT|off]", "/link REF", "/export", "/stats [REF] [PERIOD]", "<code>/stats 4w</code>",
				"/autorotate [EVERY|off]", "<code>/autorotate 1d</code>", "/log [N]", "/logchat CHAT|off")
			mustHave(t, linksText, p.S("links.title_all", "Chat", "Invite Test Group"), p.S("link.state.revoked"), p.S("link.state.expired"),
				p.S("link.primary"), "2026-12-31 18:00 UTC", p.P("links.revoke_button", "N", 2), string(p.Escape("Summer <sale> & more")))
		})
	}
}

func mustHave(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%q is not in:\n%s", w, got)
		}
	}
}

const (
	fsi = "\u2068"
	pdi = "\u2069"
)

// TestLinksRightToLeft: in Persian and Arabic, each entry of /links keeps
// its lines readable: the URL on the first line and the name on the
// second are each in their own isolate, whatever script the name is in;
// the isolates are balanced on every line; numbers, dates and the labels
// are not isolated. In left-to-right languages there are no isolates.
func TestLinksRightToLeft(t *testing.T) {
	c := i18nCatalog(t)
	for _, code := range c.Codes() {
		p := c.For(code)
		for _, l := range goldenLinks {
			entry := describeLink(p, l, i18nNow)
			lines := strings.Split(entry, "\n")
			if len(lines) != 2 {
				t.Fatalf("%s: #%d is %d lines: %q", code, l.Number, len(lines), entry)
			}
			if !p.RTL() {
				if strings.ContainsAny(entry, fsi+pdi) {
					t.Errorf("%s: isolates in a left-to-right language: %q", code, entry)
				}
				continue
			}
			url := fmt.Sprintf("<b>#%d</b> %s%s%s", l.Number, fsi, l.URL, pdi)
			if !strings.HasPrefix(lines[0], url) {
				t.Errorf("%s: the first line of #%d is %q, want it to start with %q", code, l.Number, lines[0], url)
			}
			if l.Name != "" {
				name := "“" + fsi + html.EscapeString(l.Name) + pdi + "”"
				if !strings.Contains(lines[1], name) {
					t.Errorf("%s: the second line of #%d is %q, want the name isolated: %q", code, l.Number, lines[1], name)
				}
			}
			for i, line := range lines {
				if n, m := strings.Count(line, fsi), strings.Count(line, pdi); n != m || strings.Index(line, pdi) < strings.Index(line, fsi) {
					t.Errorf("%s: line %d of #%d has unbalanced isolates: %q", code, i+1, l.Number, line)
				}
			}
			if !l.ExpiresAt.IsZero() && !strings.Contains(lines[1], l.ExpiresAt.Format(text.TimeLayout)) {
				t.Errorf("%s: #%d does not show its expiry as is: %q", code, l.Number, lines[1])
			}
			if strings.Contains(lines[1], fsi+"2026") || strings.Contains(lines[0], fsi+"#") {
				t.Errorf("%s: a date or a number is isolated: %q", code, entry)
			}
		}
	}
}

// TestPagingEveryLanguage: /links of 2000 long entries fits Telegram's
// limit on every page in every language, with the page header in the
// language, and loses no entry; the longest language is noted.
func TestPagingEveryLanguage(t *testing.T) {
	c := i18nCatalog(t)
	longest, most := "", 0
	for _, code := range c.Codes() {
		p := c.For(code)
		entries := make([]string, 2000)
		for i := range entries {
			l := store.Link{
				ChatID: i18nGroup, Number: int64(i + 1),
				URL:         fmt.Sprintf("https://t.me/+%s%06d", strings.Repeat("W", 16), i),
				Name:        strings.Repeat("😀", 16) + strings.Repeat("<&", 8), // 32 characters, the longest once escaped
				ExpiresAt:   time.Date(2027, 1, 31, 18, 0, 0, 0, time.UTC),
				MemberLimit: 99999, JoinRequest: i%2 == 0, Primary: i == 0, Joins: 123456789, RevokedAt: i18nNow,
			}
			entries[i] = describeLink(p, l, i18nNow)
		}
		total := 0
		for _, e := range entries {
			total += bot.UTF16Len(e)
		}
		if total > most {
			longest, most = code, total
		}
		title := p.S("links.title_all", "Chat", strings.Repeat("Группа ", 18)) // a title of 126 characters
		for _, perPage := range []int{0, maxButtonEntries} {
			pages := paginatePages(p, title, entries, perPage)
			if len(pages) < 2 {
				t.Fatalf("%s: %d page for 2000 entries", code, len(pages))
			}
			next := 0
			for i, pg := range pages {
				if n := bot.UTF16Len(pg.text); n > bot.MaxMessageLength {
					t.Errorf("%s: page %d/%d is %d UTF-16 units long", code, i+1, len(pages), n)
				}
				header := p.S("list.page", "Title", text.HTML(title), "Page", i+1, "Pages", len(pages)) + "\n\n"
				if !strings.HasPrefix(pg.text, header) {
					t.Errorf("%s: page %d starts %q, want %q", code, i+1, pg.text[:min(len(pg.text), 80)], header)
				}
				if pg.first != next {
					t.Errorf("%s: page %d starts at entry %d, want %d", code, i+1, pg.first, next)
				}
				body := strings.TrimPrefix(pg.text, header)
				if got := strings.Split(body, "\n\n"); strings.Join(got, "\x00") != strings.Join(entries[pg.first:pg.end], "\x00") {
					t.Errorf("%s: page %d does not hold entries %d to %d as they are", code, i+1, pg.first, pg.end)
				}
				next = pg.end
			}
			if next != len(entries) {
				t.Errorf("%s: the pages hold %d entries of %d", code, next, len(entries))
			}
		}
	}
	t.Logf("the longest language for /links is %s: %d UTF-16 units for 2000 entries", longest, most)
}

// sentFiles records the documents sent.
type sentFiles struct {
	mu    sync.Mutex
	msgs  []bot.Outgoing
	files []bot.File
}

func (f *sentFiles) SendDocument(_ context.Context, m bot.Outgoing, file bot.File) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs, f.files = append(f.msgs, m), append(f.files, file)
	return len(f.msgs), nil
}

func (f *sentFiles) SendPhoto(context.Context, bot.Outgoing, bot.File) (int, error) {
	return 0, errNotHere
}

// noJoins is a HistoryStore that has counted no joins.
type noJoins struct {
	HistoryStore // nil: any other method is not asked for here
}

func (noJoins) ChatJoins(context.Context, int64, time.Time) ([]store.LinkJoin, error) {
	return nil, nil
}

// TestExportInEveryLanguage: /export's two files come with the reader's
// words: their captions, and the first word of their names (a person sees
// a document's name, and saves it under it); the rest of a name, the
// chat's ID and the day, is the same in every language.
func TestExportInEveryLanguage(t *testing.T) {
	c := i18nCatalog(t)
	for _, code := range c.Codes() {
		files := &sentFiles{}
		d := &Deps{TG: &recorder{}, Text: c, Settings: chatLanguage(code), Username: "invite_test_bot", Now: func() time.Time { return i18nNow }}
		h := NewHistory(NewLinks(d, fixedLinks{links: goldenLinks}), noJoins{}, files)
		admin := &bot.User{ID: i18nAdmin, FirstName: "Alice", Username: "alice_admin"}
		u := &bot.Update{Kind: "message", Chat: i18nGroupChat, From: admin, Message: &bot.Message{ID: 12, Text: "/export"},
			Command: &bot.Command{Name: "export"}, Target: i18nGroupChat, Actor: admin}
		if err := h.Export(context.Background(), u); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		p := c.For(code)
		want := []struct{ name, caption string }{
			{p.P("export.file_links") + "-1001234567890-2026-11-22.csv", p.S("export.links", "Count", len(goldenLinks), "Chat", "Invite Test Group")},
			{p.P("export.file_joins") + "-1001234567890-2026-11-22.csv", p.S("export.joins", "Count", 0, "Chat", "Invite Test Group")},
		}
		if len(files.files) != len(want) {
			t.Fatalf("%s: %d files sent, want %d", code, len(files.files), len(want))
		}
		for i, w := range want {
			if got := files.files[i].Name; got != w.name {
				t.Errorf("%s: file %d is named %q, want %q", code, i+1, got, w.name)
			}
			if got := files.msgs[i].Text; got != w.caption {
				t.Errorf("%s: the caption of file %d is %q, want %q", code, i+1, got, w.caption)
			}
		}
	}
}

// checkStore is what sending a check asks of the store: the chat's title
// and rules, and the record of the message sent.
type checkStore struct {
	GateStore // nil: any other method is not asked for here
	chat      store.Chat
	settings  store.ChatSettings
}

func (c checkStore) Chat(context.Context, int64) (store.Chat, error) { return c.chat, nil }
func (c checkStore) ChatSettings(context.Context, int64) (store.ChatSettings, error) {
	return c.settings, nil
}
func (c checkStore) VerificationSent(context.Context, store.Verification, int) error { return nil }

// TestCheckInEveryLanguage: the check a requester gets is in their
// language: the item to press named in it, with its four buttons; in
// Persian and Arabic the chat's title, the item's name and the rules each
// keep their own direction in an isolate (U+2068 … U+2069), balanced,
// whatever script they are in; left-to-right languages have no isolates.
func TestCheckInEveryLanguage(t *testing.T) {
	c := i18nCatalog(t)
	for _, code := range c.Codes() {
		for _, title := range []string{"Invite Test Group", "مجموعة الاختبار"} {
			tg := &recorder{}
			rules := "Be kind.\nלא ספאם."
			st := checkStore{chat: store.Chat{ID: i18nGroup, Title: title}, settings: store.ChatSettings{ChatID: i18nGroup, Rules: rules}}
			g := NewGate(&Deps{TG: tg, Text: c, Now: func() time.Time { return i18nNow }}, st, nil, nil, "", nil)
			v := store.Verification{ChatID: i18nGroup, UserID: 5000000007, RequestedAt: i18nNow, UserChatID: 5000000007,
				Language: code, Answer: 2, Deadline: i18nNow.Add(10 * time.Minute), Via: store.ViaMessage}
			if err := g.sendCheck(context.Background(), v); err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if len(tg.sent) != 1 {
				t.Fatalf("%s: %d messages sent", code, len(tg.sent))
			}
			m, p := tg.sent[0], c.For(code)
			item := p.S(checkItems[itemsOf(v)[v.Answer]].id)
			if len(m.Buttons) != 1 || len(m.Buttons[0]) != 4 {
				t.Fatalf("%s: buttons %+v", code, m.Buttons)
			}
			escaped := html.EscapeString(title)
			if p.RTL() {
				// The rules' lines each in an isolate: a line break ends an isolate.
				mustHave(t, m.Text, "<b>"+fsi+escaped+pdi+"</b>", fsi+item+pdi, fsi+"Be kind."+pdi+"\n"+fsi+"לא ספאם."+pdi, fsi+"10m"+pdi)
				for i, line := range strings.Split(m.Text, "\n") {
					if n, o := strings.Count(line, fsi), strings.Count(line, pdi); n != o {
						t.Errorf("%s: line %d of the check has %d isolates and %d pops: %q", code, i+1, n, o, line)
					}
				}
				continue
			}
			mustHave(t, m.Text, "<b>"+escaped+"</b>", item, html.EscapeString(rules), "10m")
			if strings.ContainsAny(m.Text, fsi+pdi) {
				t.Errorf("%s: isolates in a left-to-right language: %q", code, m.Text)
			}
			if code != text.DefaultLanguage && strings.Contains(m.Text, c.Default().S(checkItems[itemsOf(v)[v.Answer]].id)) {
				t.Errorf("%s: the check names the item in English: %q", code, m.Text)
			}
		}
	}
}
