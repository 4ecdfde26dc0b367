package handlers

// Small fakes for the handlers' unit tests: the port to Telegram (fakeTG)
// and the store interfaces the handlers declare (fakeStore), both in
// memory, and helpers that build updates as the router and the access
// checks hand them to a handler. The end-to-end tests (cmd/internal/app)
// run the same handlers against bot/bottest and SQLite; these run each
// handler alone, so that a table row can name one behaviour.
//
// Both fakes embed the interface they stand for (nil): when the interface
// grows a method, these tests still compile, and a test that reaches the
// new method panics until the fake learns it.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The chats and people of the tests.
const (
	tGroup   int64 = -1001234567890 // the supergroup the commands act on
	tOther   int64 = -1009876543210 // another chat
	tAdmin   int64 = 5000000001     // an admin with can_invite_users
	tBob     int64 = 5000000002     // a requester, @bob
	tCarol   int64 = 5000000003     // a requester without a username
	tDave    int64 = 5000000004     // a requester, @dave
	tEve     int64 = 5000000005     // a requester, @eve
	tMsgID         = 10             // the command's message
	tListID        = 20             // the bot's message a button is under
	tQueryID       = "q-1"          // the button press
	tBotName       = "invitebot"
)

// tNow is the fakes' clock.
var tNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// catalog is the English catalog the handlers speak in the tests.
var catalog = func() *text.Catalog {
	c, err := text.New("en")
	if err != nil {
		panic(err)
	}
	return c
}()

// The errors Telegram's refusals arrive as, wrapped as the client wraps
// them.
var (
	errNoRights     = fmt.Errorf("createChatInviteLink: Bad Request: not enough rights to manage chat invite link: %w", bot.ErrNoRights)
	errChatNotFound = fmt.Errorf("call: Bad Request: chat not found: %w", bot.ErrChatNotFound)
	errUnsure       = fmt.Errorf("call: context deadline exceeded (%w)", bot.ErrUnsure)
	errRefused      = fmt.Errorf("call: Bad Request: SOMETHING_ODD: %w", bot.ErrRefused)
	errLinkGone     = fmt.Errorf("call: Bad Request: INVITE_HASH_EXPIRED: %w", bot.ErrLinkGone)
	errRequestGone  = fmt.Errorf("call: Bad Request: HIDE_REQUESTER_MISSING: %w", bot.ErrRequestGone)
	errMessageGone  = fmt.Errorf("editMessageReplyMarkup: Bad Request: message to edit not found: %w", bot.ErrMessageGone)
	errNetwork      = errors.New("call: connection reset by peer")
	errDisk         = errors.New("store: disk I/O error")
)

// fakeTG is Telegram in memory. It records every call in order (log) with
// its arguments, keeps the invite links it made so that edits and
// revocations behave as Telegram's do (a link it does not know, or that is
// revoked, is gone), and returns the errors a test sets with failNext.
type fakeTG struct {
	Telegram // nil: a method the fake lacks panics

	mu      sync.Mutex
	calls   []string               // one line a call: see the methods
	fails   map[string][]error     // method → the results of its next calls (nil: do it)
	links   map[string]*fakeLink   // URL → link
	made    int                    // links made, for their URLs
	sent    []bot.Outgoing         // Send
	answers []fakeAnswer           // AnswerButton
	edits   []fakeButtonEdit       // EditButtons
	texts   map[int]string         // Send and Edit: message ID → text
	buttons map[int][][]bot.Button // Send, Edit and EditButtons: message ID → buttons
	nextMsg int                    // the next message ID Send gives
}

type fakeLink struct {
	chat int64
	link bot.InviteLink
}

type fakeAnswer struct {
	query, text string
	alert       bool
}

type fakeButtonEdit struct {
	chat    int64
	message int
	rows    [][]bot.Button
}

func newFakeTG() *fakeTG {
	return &fakeTG{fails: map[string][]error{}, links: map[string]*fakeLink{}, texts: map[int]string{},
		buttons: map[int][][]bot.Button{}, nextMsg: 100}
}

// failNext makes the next calls of method return errs, one each, in order;
// a nil in errs lets that call through.
func (f *fakeTG) failNext(method string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[method] = append(f.fails[method], errs...)
}

// begin records a call and tells the error it is to return. Call with f.mu held.
func (f *fakeTG) begin(method, format string, a ...any) error {
	line := method
	if format != "" {
		line += " " + fmt.Sprintf(format, a...)
	}
	f.calls = append(f.calls, line)
	q := f.fails[method]
	if len(q) == 0 {
		return nil
	}
	f.fails[method] = q[1:]
	return q[0]
}

// log is the calls made so far, one line each.
func (f *fakeTG) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// messages is what Send sent so far.
func (f *fakeTG) messages() []bot.Outgoing {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// pressAnswers is what AnswerButton answered so far.
func (f *fakeTG) pressAnswers() []fakeAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.answers)
}

// buttonEdits is what EditButtons did so far.
func (f *fakeTG) buttonEdits() []fakeButtonEdit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.edits)
}

// link is the link url as Telegram has it, and whether it knows it.
func (f *fakeTG) link(url string) (bot.InviteLink, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.links[url]
	if !ok {
		return bot.InviteLink{}, false
	}
	return l.link, true
}

// know makes Telegram know l as a link of chat that the bot made.
func (f *fakeTG) know(chat int64, l bot.InviteLink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[l.URL] = &fakeLink{chat: chat, link: l}
}

// specText is a LinkSpec on one line, for the log.
func specText(s bot.LinkSpec) string {
	expire := "never"
	if !s.ExpiresAt.IsZero() {
		expire = s.ExpiresAt.UTC().Format("2006-01-02T15:04")
	}
	return fmt.Sprintf("name=%q expire=%s limit=%d request=%t", s.Name, expire, s.MemberLimit, s.JoinRequest)
}

// ExportLink logs "ExportLink CHAT"; the chat's previous primary link of
// the bot stops working.
func (f *fakeTG) ExportLink(_ context.Context, chatID int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ExportLink", "%d", chatID); err != nil {
		return "", err
	}
	for _, l := range f.links {
		if l.chat == chatID && l.link.Primary {
			l.link.Revoked = true
		}
	}
	f.made++
	url := fmt.Sprintf("https://t.me/+Primary%04d", f.made)
	f.links[url] = &fakeLink{chat: chatID, link: bot.InviteLink{URL: url, Primary: true}}
	return url, nil
}

// CreateLink logs "CreateLink CHAT SPEC". As Telegram, it refuses a member
// limit on a link that needs approval.
func (f *fakeTG) CreateLink(_ context.Context, chatID int64, spec bot.LinkSpec) (bot.InviteLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("CreateLink", "%d %s", chatID, specText(spec)); err != nil {
		return bot.InviteLink{}, err
	}
	if spec.MemberLimit > 0 && spec.JoinRequest {
		return bot.InviteLink{}, fmt.Errorf("createChatInviteLink: Bad Request: member_limit with creates_join_request: %w", bot.ErrRefused)
	}
	f.made++
	l := bot.InviteLink{URL: fmt.Sprintf("https://t.me/+Link%04d", f.made), Name: spec.Name,
		ExpiresAt: spec.ExpiresAt, MemberLimit: spec.MemberLimit, JoinRequest: spec.JoinRequest}
	f.links[l.URL] = &fakeLink{chat: chatID, link: l}
	return l, nil
}

// EditLink logs "EditLink CHAT URL SPEC" and gives the link spec, all of
// it: Telegram resets what an edit leaves out.
func (f *fakeTG) EditLink(_ context.Context, chatID int64, url string, spec bot.LinkSpec) (bot.InviteLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("EditLink", "%d %s %s", chatID, url, specText(spec)); err != nil {
		return bot.InviteLink{}, err
	}
	l, ok := f.links[url]
	switch {
	case !ok || l.chat != chatID || l.link.Revoked:
		return bot.InviteLink{}, fmt.Errorf("editChatInviteLink: Bad Request: INVITE_HASH_EXPIRED: %w", bot.ErrLinkGone)
	case spec.MemberLimit > 0 && spec.JoinRequest:
		return bot.InviteLink{}, fmt.Errorf("editChatInviteLink: Bad Request: member_limit with creates_join_request: %w", bot.ErrRefused)
	}
	l.link.Name, l.link.ExpiresAt, l.link.MemberLimit, l.link.JoinRequest = spec.Name, spec.ExpiresAt, spec.MemberLimit, spec.JoinRequest
	return l.link, nil
}

// RevokeLink logs "RevokeLink CHAT URL".
func (f *fakeTG) RevokeLink(_ context.Context, chatID int64, url string) (bot.InviteLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("RevokeLink", "%d %s", chatID, url); err != nil {
		return bot.InviteLink{}, err
	}
	l, ok := f.links[url]
	if !ok || l.chat != chatID {
		return bot.InviteLink{}, fmt.Errorf("revokeChatInviteLink: Bad Request: INVITE_HASH_EXPIRED: %w", bot.ErrLinkGone)
	}
	l.link.Revoked = true
	return l.link, nil
}

// ApproveRequest logs "ApproveRequest CHAT USER".
func (f *fakeTG) ApproveRequest(_ context.Context, chatID, userID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.begin("ApproveRequest", "%d %d", chatID, userID)
}

// DeclineRequest logs "DeclineRequest CHAT USER".
func (f *fakeTG) DeclineRequest(_ context.Context, chatID, userID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.begin("DeclineRequest", "%d %d", chatID, userID)
}

// Send logs "Send CHAT reply=ID buttons=N" (N: the buttons in all).
func (f *fakeTG) Send(_ context.Context, m bot.Outgoing) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range m.Buttons {
		n += len(r)
	}
	if err := f.begin("Send", "%d reply=%d buttons=%d", m.ChatID, m.ReplyTo, n); err != nil {
		return 0, err
	}
	f.sent = append(f.sent, m)
	f.nextMsg++
	f.texts[f.nextMsg] = m.Text
	f.buttons[f.nextMsg] = m.Buttons
	return f.nextMsg, nil
}

// Edit logs "Edit CHAT MESSAGE".
func (f *fakeTG) Edit(_ context.Context, chatID int64, messageID int, html string, buttons [][]bot.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Edit", "%d %d", chatID, messageID); err != nil {
		return err
	}
	f.texts[messageID] = html
	f.buttons[messageID] = buttons
	return nil
}

// EditButtons logs "EditButtons CHAT MESSAGE".
func (f *fakeTG) EditButtons(_ context.Context, chatID int64, messageID int, buttons [][]bot.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("EditButtons", "%d %d", chatID, messageID); err != nil {
		return err
	}
	f.edits = append(f.edits, fakeButtonEdit{chat: chatID, message: messageID, rows: buttons})
	f.buttons[messageID] = buttons
	return nil
}

// AnswerButton logs "AnswerButton QUERY alert=BOOL".
func (f *fakeTG) AnswerButton(_ context.Context, queryID, text string, alert bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("AnswerButton", "%s alert=%t", queryID, alert); err != nil {
		return err
	}
	f.answers = append(f.answers, fakeAnswer{query: queryID, text: text, alert: alert})
	return nil
}

// storePort is every store interface the handlers declare.
type storePort interface {
	LinkStore
	RequestStore
	ChatStore
}

var _ storePort = (*fakeStore)(nil)

// fakeStore is the store in memory: links numbered #N per chat from 1,
// join requests one per user and chat, chats and the users' choice of one.
// failNext makes a method fail; calls records the methods called.
type fakeStore struct {
	//lint:ignore U1000 it lets the fake stand for the interfaces when they grow
	storePort // nil: a method the fake lacks panics

	mu       sync.Mutex
	links    []store.Link
	requests map[[2]int64]store.JoinRequest
	joins    []store.Join // RecordJoin, every call
	counted  map[string]bool
	chats    map[int64]store.Chat
	chosen   map[int64]int64
	fails    map[string][]error
	calls    []string
}

func newFakeStore() *fakeStore {
	return &fakeStore{requests: map[[2]int64]store.JoinRequest{}, counted: map[string]bool{},
		chats: map[int64]store.Chat{}, chosen: map[int64]int64{}, fails: map[string][]error{}}
}

// failNext makes the next calls of method return errs, one each; a nil
// lets that call through.
func (s *fakeStore) failNext(method string, errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[method] = append(s.fails[method], errs...)
}

// begin records a call of method and tells the error it is to return.
// Call with s.mu held.
func (s *fakeStore) begin(method string) error {
	s.calls = append(s.calls, method)
	q := s.fails[method]
	if len(q) == 0 {
		return nil
	}
	s.fails[method] = q[1:]
	return q[0]
}

// writes is the calls that change something, in order.
func (s *fakeStore) writes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		switch c {
		case "AddLink", "EditLink", "RevokeLink", "AddJoinRequest", "AnswerJoinRequest", "RecordJoin",
			"SaveChat", "ChooseChat", "MoveChat":
			out = append(out, c)
		}
	}
	return out
}

// allLinks is every link stored, in order of chat and number.
func (s *fakeStore) allLinks() []store.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.links)
}

// get is the chat's link #n as stored; it fails t if there is none.
func (s *fakeStore) get(t *testing.T, chat, n int64) store.Link {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.links {
		if l.ChatID == chat && l.Number == n {
			return l
		}
	}
	t.Fatalf("no link #%d in chat %d", n, chat)
	return store.Link{}
}

func (s *fakeStore) request(chat, user int64) (store.JoinRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[[2]int64{chat, user}]
	return r, ok
}

func (s *fakeStore) recordedJoins() []store.Join {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.joins)
}

func (s *fakeStore) chat(id int64) (store.Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[id]
	return c, ok
}

func (s *fakeStore) choice(user int64) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.chosen[user]
	return id, ok
}

func (s *fakeStore) AddLink(_ context.Context, l store.NewLink) (store.Link, []store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("AddLink"); err != nil {
		return store.Link{}, nil, err
	}
	var number int64
	for _, x := range s.links {
		if x.URL == l.URL || (l.Request != "" && x.Request == l.Request) {
			return store.Link{}, nil, fmt.Errorf("add link: %w", store.ErrConflict)
		}
		if x.ChatID == l.ChatID {
			number = max(number, x.Number)
		}
	}
	var replaced []store.Link
	if l.Primary {
		for i, x := range s.links {
			if x.ChatID == l.ChatID && x.Primary && x.RevokedAt.IsZero() {
				s.links[i].RevokedBy, s.links[i].RevokedAt = l.CreatedBy, l.CreatedAt
				replaced = append(replaced, s.links[i])
			}
		}
	}
	added := store.Link{ChatID: l.ChatID, Number: number + 1, URL: l.URL, Name: l.Name, ExpiresAt: l.ExpiresAt,
		MemberLimit: l.MemberLimit, JoinRequest: l.JoinRequest, Primary: l.Primary, CreatedBy: l.CreatedBy,
		CreatedAt: l.CreatedAt, Request: l.Request}
	s.links = append(s.links, added)
	slices.SortFunc(s.links, func(a, b store.Link) int {
		return cmp.Or(cmp.Compare(a.ChatID, b.ChatID), cmp.Compare(a.Number, b.Number))
	})
	return added, replaced, nil
}

// find is the index of the first link that match accepts, or -1. Call
// with s.mu held.
func (s *fakeStore) find(match func(store.Link) bool) int {
	return slices.IndexFunc(s.links, match)
}

func (s *fakeStore) Link(_ context.Context, chatID, number int64) (store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("Link"); err != nil {
		return store.Link{}, err
	}
	i := s.find(func(l store.Link) bool { return l.ChatID == chatID && l.Number == number })
	if i < 0 {
		return store.Link{}, fmt.Errorf("link #%d: %w", number, store.ErrNotFound)
	}
	return s.links[i], nil
}

func (s *fakeStore) LinkByURL(_ context.Context, chatID int64, url string) (store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("LinkByURL"); err != nil {
		return store.Link{}, err
	}
	i := s.find(func(l store.Link) bool { return l.ChatID == chatID && l.URL == url })
	if i < 0 {
		return store.Link{}, fmt.Errorf("link by URL: %w", store.ErrNotFound)
	}
	return s.links[i], nil
}

func (s *fakeStore) LinkByRequest(_ context.Context, request string) (store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("LinkByRequest"); err != nil {
		return store.Link{}, err
	}
	i := s.find(func(l store.Link) bool { return request != "" && l.Request == request })
	if i < 0 {
		return store.Link{}, fmt.Errorf("link by request: %w", store.ErrNotFound)
	}
	return s.links[i], nil
}

func (s *fakeStore) LinksByName(_ context.Context, chatID int64, name string) ([]store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("LinksByName"); err != nil {
		return nil, err
	}
	var out []store.Link
	for _, l := range s.links {
		if l.ChatID == chatID && strings.EqualFold(l.Name, name) {
			out = append(out, l)
		}
	}
	return out, nil
}

func (s *fakeStore) ListLinks(_ context.Context, chatID int64) ([]store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ListLinks"); err != nil {
		return nil, err
	}
	var out []store.Link
	for _, l := range s.links {
		if l.ChatID == chatID {
			out = append(out, l)
		}
	}
	return out, nil
}

func (s *fakeStore) EditLink(_ context.Context, chatID, number int64, c store.LinkChange) (store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("EditLink"); err != nil {
		return store.Link{}, err
	}
	i := s.find(func(l store.Link) bool { return l.ChatID == chatID && l.Number == number })
	if i < 0 {
		return store.Link{}, fmt.Errorf("edit link #%d: %w", number, store.ErrNotFound)
	}
	l := &s.links[i]
	if c.Name != nil {
		l.Name = *c.Name
	}
	if c.ExpiresAt != nil {
		l.ExpiresAt = *c.ExpiresAt
	}
	if c.MemberLimit != nil {
		l.MemberLimit = *c.MemberLimit
	}
	if c.JoinRequest != nil {
		l.JoinRequest = *c.JoinRequest
	}
	l.EditedBy, l.EditedAt = c.EditedBy, c.EditedAt
	return *l, nil
}

func (s *fakeStore) RevokeLink(_ context.Context, chatID, number, by int64, at time.Time) (store.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("RevokeLink"); err != nil {
		return store.Link{}, err
	}
	i := s.find(func(l store.Link) bool { return l.ChatID == chatID && l.Number == number })
	if i < 0 {
		return store.Link{}, fmt.Errorf("revoke link #%d: %w", number, store.ErrNotFound)
	}
	if s.links[i].RevokedAt.IsZero() {
		s.links[i].RevokedBy, s.links[i].RevokedAt = by, at
	}
	return s.links[i], nil
}

func (s *fakeStore) AddJoinRequest(_ context.Context, r store.JoinRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("AddJoinRequest"); err != nil {
		return err
	}
	key := [2]int64{r.ChatID, r.UserID}
	if old, ok := s.requests[key]; ok && old.RequestedAt.After(r.RequestedAt) {
		return nil
	}
	r.State, r.AnsweredBy, r.AnsweredAt, r.Counted, r.Joined = store.RequestPending, 0, time.Time{}, false, false
	s.requests[key] = r
	return nil
}

func (s *fakeStore) JoinRequest(_ context.Context, chatID, userID int64) (store.JoinRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("JoinRequest"); err != nil {
		return store.JoinRequest{}, err
	}
	r, ok := s.requests[[2]int64{chatID, userID}]
	if !ok {
		return store.JoinRequest{}, fmt.Errorf("join request: %w", store.ErrNotFound)
	}
	return r, nil
}

func (s *fakeStore) PendingJoinRequests(_ context.Context, chatID int64) ([]store.JoinRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("PendingJoinRequests"); err != nil {
		return nil, err
	}
	var out []store.JoinRequest
	for _, r := range s.requests {
		if r.ChatID == chatID && r.State == store.RequestPending {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b store.JoinRequest) int {
		return cmp.Or(a.RequestedAt.Compare(b.RequestedAt), cmp.Compare(a.UserID, b.UserID))
	})
	return out, nil
}

func (s *fakeStore) AnswerJoinRequest(_ context.Context, chatID, userID int64, state store.RequestState, by int64, at time.Time) (store.JoinRequest, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("AnswerJoinRequest"); err != nil {
		return store.JoinRequest{}, false, err
	}
	key := [2]int64{chatID, userID}
	r, ok := s.requests[key]
	if !ok {
		return store.JoinRequest{}, false, fmt.Errorf("answer join request: %w", store.ErrNotFound)
	}
	if r.State != store.RequestPending {
		return r, false, nil
	}
	r.State, r.AnsweredBy, r.AnsweredAt = state, by, at
	if state == store.RequestApproved {
		if i := s.find(func(l store.Link) bool { return l.ChatID == chatID && l.URL == r.InviteLink }); i >= 0 {
			s.links[i].Joins++
			r.Counted = true
		}
	}
	s.requests[key] = r
	return r, true, nil
}

func (s *fakeStore) RecordJoin(_ context.Context, j store.Join) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("RecordJoin"); err != nil {
		return false, err
	}
	s.joins = append(s.joins, j)
	key := [2]int64{j.ChatID, j.UserID}
	r, hasRequest := s.requests[key]
	if hasRequest && r.State == store.RequestPending && r.RequestedAt.Before(j.At) {
		r.State, r.AnsweredAt = store.RequestGone, j.At
		if j.ViaRequest {
			r.State, r.AnsweredBy = store.RequestApproved, j.By
		}
		r.Joined = true
		s.requests[key] = r
	}
	i := s.find(func(l store.Link) bool { return j.InviteLink != "" && l.ChatID == j.ChatID && l.URL == j.InviteLink })
	once := fmt.Sprint(j.ChatID, j.UserID, j.InviteLink, j.At.Unix())
	if i < 0 || s.counted[once] || (hasRequest && r.Counted && r.InviteLink == j.InviteLink) {
		return false, nil
	}
	s.counted[once] = true
	s.links[i].Joins++
	return true, nil
}

func (s *fakeStore) SaveChat(_ context.Context, c store.Chat) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("SaveChat"); err != nil {
		return err
	}
	if old, ok := s.chats[c.ID]; ok && old.UpdatedAt.After(c.UpdatedAt) {
		return nil
	}
	s.chats[c.ID] = c
	return nil
}

func (s *fakeStore) Chat(_ context.Context, id int64) (store.Chat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("Chat"); err != nil {
		return store.Chat{}, err
	}
	c, ok := s.chats[id]
	if !ok {
		return store.Chat{}, fmt.Errorf("chat %d: %w", id, store.ErrNotFound)
	}
	return c, nil
}

func (s *fakeStore) ChooseChat(_ context.Context, userID, chatID int64, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ChooseChat"); err != nil {
		return err
	}
	s.chosen[userID] = chatID
	return nil
}

func (s *fakeStore) ChosenChat(_ context.Context, userID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ChosenChat"); err != nil {
		return 0, err
	}
	id, ok := s.chosen[userID]
	if !ok {
		return 0, fmt.Errorf("chosen chat: %w", store.ErrNotFound)
	}
	return id, nil
}

// MoveChat moves the links (numbered after the new chat's own), the join
// requests (the new chat's own win), the chat's record and the choices.
func (s *fakeStore) MoveChat(_ context.Context, from, to int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("MoveChat"); err != nil {
		return err
	}
	var last int64
	for _, l := range s.links {
		if l.ChatID == to {
			last = max(last, l.Number)
		}
	}
	for i := range s.links {
		if s.links[i].ChatID == from {
			s.links[i].ChatID = to
			s.links[i].Number += last
		}
	}
	for key, r := range s.requests {
		if key[0] != from {
			continue
		}
		delete(s.requests, key)
		if _, ok := s.requests[[2]int64{to, key[1]}]; !ok {
			r.ChatID = to
			s.requests[[2]int64{to, key[1]}] = r
		}
	}
	if c, ok := s.chats[from]; ok {
		delete(s.chats, from)
		if _, ok := s.chats[to]; !ok {
			c.ID = to
			s.chats[to] = c
		}
	}
	for user, id := range s.chosen {
		if id == from {
			s.chosen[user] = to
		}
	}
	return nil
}

// fakeAccess is ChatAccess: who may act on which chat from a private chat.
type fakeAccess struct {
	ChatAccess // nil: a method the fake lacks panics

	mu         sync.Mutex
	chats      map[string]*bot.Chat // ref as typed → the chat it names
	refusal    error                // what Resolve returns for any other ref
	manageable []store.Chat
	more       bool
	err        error // what Manageable returns
	resolved   []string
}

func (a *fakeAccess) Resolve(_ context.Context, _ int64, ref string) (*bot.Chat, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resolved = append(a.resolved, ref)
	if c, ok := a.chats[ref]; ok {
		return c, nil
	}
	if a.refusal != nil {
		return nil, a.refusal
	}
	return nil, text.Err(text.Forbidden, "access.stranger")
}

func (a *fakeAccess) Manageable(context.Context, int64) ([]store.Chat, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, false, a.err
	}
	return slices.Clone(a.manageable), a.more, nil
}

// env is one test's handlers over fresh fakes.
type env struct {
	tg      *fakeTG
	st      *fakeStore
	acc     *fakeAccess
	deps    *Deps
	repeats []string // what Links told CountRepeats
}

func newEnv() *env {
	e := &env{tg: newFakeTG(), st: newFakeStore(), acc: &fakeAccess{}}
	e.deps = &Deps{TG: e.tg, Text: catalog, Username: tBotName, Now: func() time.Time { return tNow }}
	return e
}

func (e *env) links() *Links {
	h := NewLinks(e.deps, e.st)
	h.CountRepeats(func(method string) { e.repeats = append(e.repeats, method) })
	return h
}

func (e *env) requests() *Requests { return NewRequests(e.deps, e.st) }
func (e *env) chats() *Chats       { return NewChats(e.deps, e.st, e.acc) }
func (e *env) general() *General   { return NewGeneral(e.deps, nil) }

// seed stores l (its chat, number and creation filled in if unset) and
// makes Telegram know it as the bot's; a revoked l is revoked in both.
func (e *env) seed(l store.Link) store.Link {
	if l.ChatID == 0 {
		l.ChatID = tGroup
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = tNow.Add(-48 * time.Hour)
	}
	if l.CreatedBy == 0 {
		l.CreatedBy = tAdmin
	}
	e.st.mu.Lock()
	if l.Number == 0 {
		for _, x := range e.st.links {
			if x.ChatID == l.ChatID {
				l.Number = max(l.Number, x.Number)
			}
		}
		l.Number++
	}
	e.st.links = append(e.st.links, l)
	slices.SortFunc(e.st.links, func(a, b store.Link) int {
		return cmp.Or(cmp.Compare(a.ChatID, b.ChatID), cmp.Compare(a.Number, b.Number))
	})
	e.st.mu.Unlock()
	e.tg.know(l.ChatID, bot.InviteLink{URL: l.URL, Name: l.Name, ExpiresAt: l.ExpiresAt, MemberLimit: l.MemberLimit,
		JoinRequest: l.JoinRequest, Primary: l.Primary, Revoked: !l.RevokedAt.IsZero()})
	return l
}

// seedRequest stores a pending join request of user in chat, asked at.
func (e *env) seedRequest(r store.JoinRequest) {
	if r.ChatID == 0 {
		r.ChatID = tGroup
	}
	if r.State == "" {
		r.State = store.RequestPending
	}
	if r.RequestedAt.IsZero() {
		r.RequestedAt = tNow.Add(-time.Hour)
	}
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	e.st.requests[[2]int64{r.ChatID, r.UserID}] = r
}

// The updates, as the router and the access checks hand them over.

func groupChat() *bot.Chat { return &bot.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends"} }
func adminUser() *bot.User {
	return &bot.User{ID: tAdmin, FirstName: "Ada", LastName: "Admin", Username: "ada", LanguageCode: "en"}
}

// groupCommand is /name args sent in the group by an admin, let through
// by the admin check: Target is the group, Actor the sender.
func groupCommand(name, args string) *bot.Update {
	msg := "/" + name
	if args != "" {
		msg += " " + args
	}
	u := &bot.Update{ID: 1, Kind: "message", Chat: groupChat(), From: adminUser(),
		Message: &bot.Message{ID: tMsgID, Date: tNow, Text: msg, Entities: []bot.Entity{{Type: "bot_command", Length: len(name) + 1}}},
		Command: &bot.Command{Name: name, Args: args}, Route: name}
	u.Target, u.Actor = u.Chat, u.From
	return u
}

// privateCommand is /name args sent by the admin in their private chat
// with the bot, acting on the group (chosen with /use, or named first and
// taken off args by the check).
func privateCommand(name, args string) *bot.Update {
	u := groupCommand(name, args)
	u.Chat = &bot.Chat{ID: tAdmin, Type: "private", FirstName: "Ada", Username: "ada"}
	u.Target = groupChat()
	return u
}

// unchecked is a command before any access check: no Target, no Actor.
func unchecked(u *bot.Update) *bot.Update {
	u.Target, u.Actor = nil, nil
	return u
}

// replayed is u handed back by the journal after a restart.
func replayed(u *bot.Update) *bot.Update {
	u.Replayed = true
	return u
}

// press is a press, in the group, of the button with data under the bot's
// message that has rows, let through by the button check.
func press(data string, rows [][]bot.Button) *bot.Update {
	u := &bot.Update{ID: 2, Kind: "callback_query", Chat: groupChat(), From: adminUser(),
		Callback: &bot.Callback{ID: tQueryID, Data: data, Message: &bot.Message{ID: tListID, Date: tNow, Buttons: rows}}}
	u.Target, u.Actor = u.Chat, u.From
	return u
}

// Reading what a person sees.

var htmlTags = regexp.MustCompile(`<[^>]*>`)

// plain is HTML as the person reads it.
func plain(s string) string { return html.UnescapeString(htmlTags.ReplaceAllString(s, "")) }

// says is the English text of m with its values.
func says(id string, kv ...any) string { return catalog.Default().P(id, kv...) }

// textErr is err as a *text.Error, failing t if it is none.
func textErr(t *testing.T, err error) *text.Error {
	t.Helper()
	var e *text.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *text.Error", err, err)
	}
	return e
}

// wantTextErr fails t unless err is a *text.Error of code with message id
// whose English text contains each of words.
func wantTextErr(t *testing.T, err error, code text.Code, id string, words ...string) *text.Error {
	t.Helper()
	e := textErr(t, err)
	if e.Code != code || e.Msg.ID != id {
		t.Fatalf("err = %v; want %s %s", e, code, id)
	}
	msg := catalog.Default().Plain(e.Msg)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("the person reads %q; missing %q", msg, w)
		}
	}
	return e
}

// wantFailure fails t unless err is a failure: an error that is no
// *text.Error (the loop logs it, and the person gets an apology).
func wantFailure(t *testing.T, err error) {
	t.Helper()
	var e *text.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("err = %v; want a failure", err)
	}
}

// wantCalls fails t unless Telegram got exactly calls, in order.
func wantCalls(t *testing.T, tg *fakeTG, calls ...string) {
	t.Helper()
	if got := tg.log(); !slices.Equal(got, calls) {
		t.Errorf("Telegram calls:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(calls, "\n\t"))
	}
}

// wantContains fails t unless s contains each of words.
func wantContains(t *testing.T, s string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(s, w) {
			t.Errorf("%q lacks %q", s, w)
		}
	}
}

// wantLacks fails t if s contains any of words.
func wantLacks(t *testing.T, s string, words ...string) {
	t.Helper()
	for _, w := range words {
		if strings.Contains(s, w) {
			t.Errorf("%q holds %q", s, w)
		}
	}
}

// reply is the one message sent, as the person reads it; it fails t
// unless exactly one was sent, to chat, as a reply to the command.
func reply(t *testing.T, tg *fakeTG, chat int64) string {
	t.Helper()
	m := tg.messages()
	if len(m) != 1 {
		t.Fatalf("%d messages sent, want 1: %+v", len(m), m)
	}
	if m[0].ChatID != chat || m[0].ReplyTo != tMsgID {
		t.Errorf("sent to chat %d as a reply to %d; want chat %d, reply to %d", m[0].ChatID, m[0].ReplyTo, chat, tMsgID)
	}
	return plain(m[0].Text)
}

// line is a line of fakeTG's log: its words joined by spaces.
func line(words ...any) string {
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, " ")
}

// callbackData is a button's data as the handlers write it: PREFIX ACTION
// ":" CHAT ":" ID.
func callbackData(prefix, action string, chat, id int64) string {
	return fmt.Sprintf("%s%s:%d:%d", prefix, action, chat, id)
}
