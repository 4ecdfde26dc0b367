package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// t0 is the tests' "now"; whole seconds, as the store keeps them.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newLink is a plain link of chatID, made by user 7 at t0.
func newLink(chatID int64, url string) store.NewLink {
	return store.NewLink{ChatID: chatID, URL: url, CreatedBy: 7, CreatedAt: t0}
}

// primaryLink is newLink as the chat's primary link.
func primaryLink(chatID int64, url string) store.NewLink {
	l := newLink(chatID, url)
	l.Primary = true
	return l
}

// add stores l and fails the test on error.
func add(t *testing.T, db Store, l store.NewLink) (store.Link, []store.Link) {
	t.Helper()
	added, replaced, err := db.AddLink(t.Context(), l)
	if err != nil {
		t.Fatalf("AddLink(%s): %v", l.URL, err)
	}
	return added, replaced
}

// get returns the chat's link #number and fails the test on error.
func get(t *testing.T, db Store, chatID, number int64) store.Link {
	t.Helper()
	l, err := db.Link(t.Context(), chatID, number)
	if err != nil {
		t.Fatalf("Link(%d, %d): %v", chatID, number, err)
	}
	return l
}

// list returns all of the chat's links and fails the test on error.
func list(t *testing.T, db Store, chatID int64) []store.Link {
	t.Helper()
	links, err := db.ListLinks(t.Context(), chatID)
	if err != nil {
		t.Fatalf("ListLinks(%d): %v", chatID, err)
	}
	return links
}

func numbers(links []store.Link) []int64 {
	var n []int64
	for _, l := range links {
		n = append(n, l.Number)
	}
	return n
}

func testAddLinkNumbersPerChat(t *testing.T, open Opener) {
	db := open(t)
	steps := []struct {
		chatID int64
		want   int64
	}{
		{1, 1}, {1, 2}, {2, 1}, {1, 3}, {-100123, 1}, {2, 2},
	}
	for i, s := range steps {
		added, _ := add(t, db, newLink(s.chatID, fmt.Sprintf("https://t.me/+%d", i)))
		if added.Number != s.want || added.ChatID != s.chatID {
			t.Errorf("step %d: added link #%d of chat %d, want #%d of chat %d", i, added.Number, added.ChatID, s.want, s.chatID)
		}
	}
	if got := numbers(list(t, db, 1)); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("chat 1 has links %v, want [1 2 3]", got)
	}
}

func testAddLinkNeverReusesNumbers(t *testing.T, open Opener) {
	db := open(t)
	for i := range 3 {
		add(t, db, newLink(1, fmt.Sprintf("https://t.me/+%d", i)))
	}
	if _, err := db.RevokeLink(t.Context(), 1, 3, 7, t0); err != nil {
		t.Fatal(err)
	}
	added, _ := add(t, db, newLink(1, "https://t.me/+next"))
	if added.Number != 4 {
		t.Errorf("link added after revoking #3 is #%d, want #4", added.Number)
	}
	for n := int64(1); n <= 4; n++ {
		if l := get(t, db, 1, n); l.Number != n {
			t.Errorf("Link(1, %d) is #%d", n, l.Number)
		}
	}
	if l := get(t, db, 1, 3); l.URL != "https://t.me/+2" || l.State(t0) != store.StateRevoked {
		t.Errorf("#3 = %s (%s), want https://t.me/+2, revoked", l.URL, l.State(t0))
	}
}

func testAddLinkConcurrent(t *testing.T, open Opener) {
	db := open(t)
	const n = 20
	var (
		wg    sync.WaitGroup
		added [n]store.Link
		errs  [n]error
	)
	for i := range n {
		wg.Go(func() {
			added[i], _, errs[i] = db.AddLink(t.Context(), newLink(1, fmt.Sprintf("https://t.me/+%d", i)))
		})
	}
	wg.Wait()
	var got []int64
	for i := range n {
		if errs[i] != nil {
			t.Errorf("AddLink %d: %v", i, errs[i])
			continue
		}
		got = append(got, added[i].Number)
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	var want []int64
	for i := range n {
		want = append(want, int64(i+1))
	}
	if !slices.Equal(got, want) {
		t.Errorf("numbers = %v, want %v", got, want)
	}
}

func testAddLinkStoresAllFields(t *testing.T, open Opener) {
	db := open(t)
	berlin := time.FixedZone("CET", 3600)
	in := store.NewLink{
		ChatID:      -100123,
		URL:         "https://t.me/+abc",
		Name:        "Sommerfest",
		ExpiresAt:   time.Date(2025, 4, 1, 13, 0, 0, 0, berlin),
		MemberLimit: 50,
		JoinRequest: true,
		CreatedBy:   42,
		CreatedAt:   t0.Add(999 * time.Millisecond), // the store keeps seconds
	}
	added, replaced := add(t, db, in)
	want := store.Link{
		ChatID:      -100123,
		Number:      1,
		URL:         "https://t.me/+abc",
		Name:        "Sommerfest",
		ExpiresAt:   time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC),
		MemberLimit: 50,
		JoinRequest: true,
		CreatedBy:   42,
		CreatedAt:   t0,
	}
	if added != want {
		t.Errorf("AddLink =\n%+v, want\n%+v", added, want)
	}
	if replaced != nil {
		t.Errorf("AddLink of a link that is not primary replaced %v", replaced)
	}
	if got := get(t, db, -100123, 1); got != want {
		t.Errorf("Link =\n%+v, want\n%+v", got, want)
	}
	if got := added.ExpiresAt.Location(); got != time.UTC {
		t.Errorf("ExpiresAt is in %v, want UTC", got)
	}
}

func testAddLinkReplacesPrimary(t *testing.T, open Opener) {
	db := open(t)
	p1, replaced := add(t, db, primaryLink(1, "https://t.me/+p1"))
	if len(replaced) != 0 {
		t.Errorf("first primary link replaced %v", replaced)
	}
	other, _ := add(t, db, newLink(1, "https://t.me/+other"))
	q1, _ := add(t, db, primaryLink(2, "https://t.me/+q1"))

	t1 := t0.Add(time.Hour)
	l := primaryLink(1, "https://t.me/+p2")
	l.CreatedBy, l.CreatedAt = 42, t1
	p2, replaced := add(t, db, l)

	wantP1 := p1
	wantP1.RevokedBy, wantP1.RevokedAt = 42, t1
	if !slices.Equal(replaced, []store.Link{wantP1}) {
		t.Errorf("replaced =\n%+v, want\n%+v", replaced, []store.Link{wantP1})
	}
	if got := get(t, db, 1, p1.Number); got != wantP1 {
		t.Errorf("old primary link =\n%+v, want\n%+v", got, wantP1)
	}
	if p2.Number != 3 || !p2.Primary || p2.State(t1) != store.StateActive {
		t.Errorf("new primary link = %+v, want #3, primary, active", p2)
	}
	if got := get(t, db, 1, other.Number); got != other {
		t.Errorf("link that is not primary changed:\n%+v, was\n%+v", got, other)
	}
	if got := get(t, db, 2, q1.Number); got != q1 {
		t.Errorf("other chat's primary link changed:\n%+v, was\n%+v", got, q1)
	}

	// Only links that are not revoked yet are replaced.
	_, replaced = add(t, db, primaryLink(1, "https://t.me/+p3"))
	if got := numbers(replaced); !slices.Equal(got, []int64{p2.Number}) {
		t.Errorf("third primary link replaced %v, want [%d]", got, p2.Number)
	}
	if got := get(t, db, 1, p1.Number); got != wantP1 {
		t.Errorf("first primary link changed again:\n%+v, want\n%+v", got, wantP1)
	}
}

func testAddLinkReplacesEveryActivePrimary(t *testing.T, open Opener) {
	// Data from elsewhere (an older version, a restored backup) may have more
	// than one active primary link.
	db := open(t)
	for i := range 3 {
		add(t, db, primaryLink(1, fmt.Sprintf("https://t.me/+p%d", i)))
	}
	execSQL(t, db, "UPDATE links SET revoked_at = 0, revoked_by = 0")
	_, replaced := add(t, db, primaryLink(1, "https://t.me/+new"))
	if got := numbers(replaced); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("replaced %v, want [1 2 3]", got)
	}
	for _, l := range replaced {
		if l.State(t0) != store.StateRevoked {
			t.Errorf("replaced #%d is %s", l.Number, l.State(t0))
		}
	}
}

func testAddLinkConflict(t *testing.T, open Opener) {
	tests := []struct {
		name string
		link store.NewLink
	}{
		{"same chat", newLink(1, "https://t.me/+n")},
		{"other chat", newLink(2, "https://t.me/+n")},
		{"primary with the URL of another link", primaryLink(1, "https://t.me/+n")},
		{"primary with the URL of the primary link", primaryLink(1, "https://t.me/+p")},
		{"primary in other chat", primaryLink(2, "https://t.me/+p")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			add(t, db, primaryLink(1, "https://t.me/+p"))
			add(t, db, newLink(1, "https://t.me/+n"))
			add(t, db, primaryLink(2, "https://t.me/+q"))
			before1, before2 := list(t, db, 1), list(t, db, 2)

			_, replaced, err := db.AddLink(t.Context(), tt.link)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("AddLink = %v, want %v", err, store.ErrConflict)
			}
			if replaced != nil {
				t.Errorf("failed AddLink replaced %v", replaced)
			}
			// Nothing changed: the primary links are still active.
			if after := list(t, db, 1); !slices.Equal(after, before1) {
				t.Errorf("chat 1 after failed AddLink:\n%+v\nwas:\n%+v", after, before1)
			}
			if after := list(t, db, 2); !slices.Equal(after, before2) {
				t.Errorf("chat 2 after failed AddLink:\n%+v\nwas:\n%+v", after, before2)
			}
		})
	}
}

func testAddLinkInvalid(t *testing.T, open Opener) {
	db := open(t)
	noURL := newLink(1, "")
	noTime := primaryLink(1, "https://t.me/+x")
	noTime.CreatedAt = time.Time{}
	for _, l := range []store.NewLink{noURL, noTime} {
		if _, _, err := db.AddLink(t.Context(), l); err == nil {
			t.Errorf("AddLink(%+v) succeeded, want an error", l)
		}
	}
	if links := list(t, db, 1); len(links) != 0 {
		t.Errorf("invalid links were stored: %+v", links)
	}
}

func testNotFound(t *testing.T, open Opener) {
	db := open(t)
	add(t, db, newLink(1, "https://t.me/+a"))
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"Link: no such number", func() error { _, err := db.Link(ctx, 1, 2); return err }},
		{"Link: other chat", func() error { _, err := db.Link(ctx, 2, 1); return err }},
		{"LinkByURL: no such URL", func() error { _, err := db.LinkByURL(ctx, 1, "https://t.me/+b"); return err }},
		{"LinkByURL: other chat", func() error { _, err := db.LinkByURL(ctx, 2, "https://t.me/+a"); return err }},
		{"EditLink", func() error {
			_, err := db.EditLink(ctx, 1, 2, store.LinkChange{Name: new("x"), EditedBy: 7, EditedAt: t0})
			return err
		}},
		{"RevokeLink", func() error { _, err := db.RevokeLink(ctx, 1, 2, 7, t0); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("error = %v, want %v", err, store.ErrNotFound)
			}
		})
	}
}

func testLinkByURL(t *testing.T, open Opener) {
	db := open(t)
	add(t, db, newLink(1, "https://t.me/+a"))
	b, _ := add(t, db, newLink(1, "https://t.me/+b"))
	got, err := db.LinkByURL(t.Context(), 1, "https://t.me/+b")
	if err != nil {
		t.Fatal(err)
	}
	if got != b {
		t.Errorf("LinkByURL =\n%+v, want\n%+v", got, b)
	}
}

func testLinksByName(t *testing.T, open Opener) {
	db := open(t)
	for i, name := range []string{"Ärger", "other", "ärger", "ÄRGER", "Ärger und mehr", "Привет", ""} {
		l := newLink(1, fmt.Sprintf("https://t.me/+%d", i))
		l.Name = name
		add(t, db, l)
	}
	l := newLink(2, "https://t.me/+chat2")
	l.Name = "ärger"
	add(t, db, l)

	tests := []struct {
		name string
		want []int64
	}{
		{"ÄRGER", []int64{1, 3, 4}},
		{"ärger", []int64{1, 3, 4}},
		{"äRgEr", []int64{1, 3, 4}},
		{"OTHER", []int64{2}},
		{"привет", []int64{6}},
		{"Ärger und mehr", []int64{5}},
		{"ärg", nil},
		{"nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links, err := db.LinksByName(t.Context(), 1, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(links); !slices.Equal(got, tt.want) {
				t.Errorf("LinksByName(1, %q) = %v, want %v", tt.name, got, tt.want)
			}
			for _, l := range links {
				if l.ChatID != 1 {
					t.Errorf("LinksByName(1, %q) returned a link of chat %d", tt.name, l.ChatID)
				}
			}
		})
	}
}

func testListLinks(t *testing.T, open Opener) {
	db := open(t)
	var want []store.Link
	for i := range 3 {
		l, _ := add(t, db, newLink(1, fmt.Sprintf("https://t.me/+%d", i)))
		want = append(want, l)
		add(t, db, newLink(2, fmt.Sprintf("https://t.me/+chat2-%d", i)))
	}
	if got := list(t, db, 1); !slices.Equal(got, want) {
		t.Errorf("ListLinks(1) =\n%+v, want\n%+v", got, want)
	}
	if got := list(t, db, 3); len(got) != 0 {
		t.Errorf("ListLinks of a chat without links = %+v", got)
	}
}

func testEditLink(t *testing.T, open Opener) {
	t1 := t0.Add(time.Hour)
	tests := []struct {
		name   string
		change store.LinkChange
		// edit changes the link as it was before to the link as wanted
		// after, apart from EditedBy and EditedAt.
		edit func(*store.Link)
	}{
		{"nothing", store.LinkChange{}, func(*store.Link) {}},
		{"set name", store.LinkChange{Name: new("Neu")}, func(l *store.Link) { l.Name = "Neu" }},
		{"clear name", store.LinkChange{Name: new("")}, func(l *store.Link) { l.Name = "" }},
		{"set expiry", store.LinkChange{ExpiresAt: new(t0.Add(48 * time.Hour))}, func(l *store.Link) { l.ExpiresAt = t0.Add(48 * time.Hour) }},
		{"clear expiry", store.LinkChange{ExpiresAt: new(time.Time{})}, func(l *store.Link) { l.ExpiresAt = time.Time{} }},
		{"set member limit", store.LinkChange{MemberLimit: new(99)}, func(l *store.Link) { l.MemberLimit = 99 }},
		{"clear member limit", store.LinkChange{MemberLimit: new(0)}, func(l *store.Link) { l.MemberLimit = 0 }},
		{"clear join request", store.LinkChange{JoinRequest: new(false)}, func(l *store.Link) { l.JoinRequest = false }},
		{
			"everything",
			store.LinkChange{Name: new("Alles"), ExpiresAt: new(time.Time{}), MemberLimit: new(1), JoinRequest: new(false)},
			func(l *store.Link) {
				l.Name, l.ExpiresAt, l.MemberLimit, l.JoinRequest = "Alles", time.Time{}, 1, false
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			l := newLink(1, "https://t.me/+a")
			l.Name, l.ExpiresAt, l.MemberLimit, l.JoinRequest = "Alt", t0.Add(24*time.Hour), 10, true
			before, _ := add(t, db, l)
			other, _ := add(t, db, newLink(1, "https://t.me/+b"))

			tt.change.EditedBy, tt.change.EditedAt = 42, t1
			got, err := db.EditLink(t.Context(), 1, before.Number, tt.change)
			if err != nil {
				t.Fatal(err)
			}
			want := before
			tt.edit(&want)
			want.EditedBy, want.EditedAt = 42, t1
			if got != want {
				t.Errorf("EditLink =\n%+v, want\n%+v", got, want)
			}
			if stored := get(t, db, 1, before.Number); stored != want {
				t.Errorf("Link after EditLink =\n%+v, want\n%+v", stored, want)
			}
			if stored := get(t, db, 1, other.Number); stored != other {
				t.Errorf("other link changed:\n%+v, was\n%+v", stored, other)
			}
		})
	}
}

func testEditLinkSetsJoinRequest(t *testing.T, open Opener) {
	db := open(t)
	before, _ := add(t, db, newLink(1, "https://t.me/+a"))
	got, err := db.EditLink(t.Context(), 1, 1, store.LinkChange{JoinRequest: new(true), EditedBy: 42, EditedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.JoinRequest, want.EditedBy, want.EditedAt = true, 42, t0
	if got != want {
		t.Errorf("EditLink =\n%+v, want\n%+v", got, want)
	}
}

func testEditLinkRenameFindsNewName(t *testing.T, open Opener) {
	db := open(t)
	l := newLink(1, "https://t.me/+a")
	l.Name = "Alt"
	add(t, db, l)
	if _, err := db.EditLink(t.Context(), 1, 1, store.LinkChange{Name: new("Über"), EditedBy: 7, EditedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"alt": 0, "ÜBER": 1} {
		links, err := db.LinksByName(t.Context(), 1, name)
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != want {
			t.Errorf("LinksByName(%q) found %d links, want %d", name, len(links), want)
		}
	}
}

func testRevokeLink(t *testing.T, open Opener) {
	db := open(t)
	a, _ := add(t, db, primaryLink(1, "https://t.me/+a"))
	b, _ := add(t, db, newLink(1, "https://t.me/+b"))
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)

	want := b
	want.RevokedBy, want.RevokedAt = 42, t1
	got, err := db.RevokeLink(t.Context(), 1, b.Number, 42, t1)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("RevokeLink =\n%+v, want\n%+v", got, want)
	}
	// Again, by someone else, later: nothing changes.
	got, err = db.RevokeLink(t.Context(), 1, b.Number, 43, t2)
	if err != nil {
		t.Fatalf("second RevokeLink: %v", err)
	}
	if got != want {
		t.Errorf("second RevokeLink =\n%+v, want\n%+v", got, want)
	}
	if stored := get(t, db, 1, b.Number); stored != want {
		t.Errorf("Link after RevokeLink =\n%+v, want\n%+v", stored, want)
	}
	if stored := get(t, db, 1, a.Number); stored != a {
		t.Errorf("other link changed:\n%+v, was\n%+v", stored, a)
	}
	if _, err := db.RevokeLink(t.Context(), 1, a.Number, 42, time.Time{}); err == nil {
		t.Error("RevokeLink without a time succeeded, want an error")
	}
}

func testLinkState(t *testing.T, open Opener) {
	now := t0.Add(24 * time.Hour)
	tests := []struct {
		name      string
		expiresAt time.Time
		revoke    bool
		want      store.LinkState
	}{
		{"never expires", time.Time{}, false, store.StateActive},
		{"expires later", now.Add(time.Second), false, store.StateActive},
		{"expires now", now, false, store.StateExpired},
		{"expired", now.Add(-time.Hour), false, store.StateExpired},
		{"revoked", time.Time{}, true, store.StateRevoked},
		{"revoked and expired", now.Add(-time.Hour), true, store.StateRevoked},
	}
	db := open(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLink(1, fmt.Sprintf("https://t.me/+%d", i))
			l.ExpiresAt = tt.expiresAt
			added, _ := add(t, db, l)
			if tt.revoke {
				if _, err := db.RevokeLink(t.Context(), 1, added.Number, 7, t0.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			if got := get(t, db, 1, added.Number).State(now); got != tt.want {
				t.Errorf("State = %s, want %s", got, tt.want)
			}
		})
	}
}

func testLinkByRequest(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	l := newLink(-100, "https://t.me/+req1")
	l.Request = "-100:42"
	added, _ := add(t, db, l)
	got, err := db.LinkByRequest(ctx, "-100:42")
	if err != nil || got.URL != added.URL || got.Request != "-100:42" {
		t.Fatalf("LinkByRequest = %+v, %v", got, err)
	}
	for _, key := range []string{"-100:43", ""} {
		if _, err := db.LinkByRequest(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LinkByRequest(%q) = %v, want ErrNotFound", key, err)
		}
	}
	// One link per command: a second one with the same request is refused.
	again := newLink(-100, "https://t.me/+req2")
	again.Request = "-100:42"
	if _, _, err := db.AddLink(ctx, again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second link for one request: %v, want ErrConflict", err)
	}
	// Links without a request do not collide.
	add(t, db, newLink(-100, "https://t.me/+noreq1"))
	add(t, db, newLink(-100, "https://t.me/+noreq2"))
	if links, _ := db.ListLinks(ctx, -100); len(links) != 3 {
		t.Errorf("%d links, want 3", len(links))
	}
}
