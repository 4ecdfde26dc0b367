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
	"github.com/invitebot/invitebot/middleware"
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
	tMember  int64 = 5000000006     // Mia, a member of the group, no admin
	tMsgID         = 10             // the command's message
	tListID        = 20             // the bot's message a button is under
	tQueryID       = "q-1"          // the button press
	tBotName       = "invitebot"
)

// tNow is the fakes' clock.
var tNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// tCatalog is what the handlers speak in the tests, English by default.
var tCatalog = func() *text.Catalog {
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
	errQueryGone    = fmt.Errorf("answerChatJoinRequestQuery: Bad Request: QUERY_ID_INVALID: %w", bot.ErrQueryGone)
	errNetwork      = errors.New("call: connection reset by peer")
	errDisk         = errors.New("store: disk I/O error")
)

// fakeTG is Telegram in memory. It records every call in order (log) with
// its arguments, keeps the invite links it made so that edits and
// revocations behave as Telegram's do (a link it does not know, or that is
// revoked, is gone), and returns the errors a test sets with failNext. It
// is the guard bot's Telegram too (GuardTelegram).
type fakeTG struct {
	Telegram // nil: a method the fake lacks panics

	mu      sync.Mutex
	calls   []string               // one line a call: see the methods
	fails   map[string][]error     // method → the results of its next calls (nil: do it)
	links   map[string]*fakeLink   // URL → link
	made    int                    // links made, for their URLs
	sent    []bot.Outgoing         // Send
	answers []fakeAnswer           // AnswerButton
	texts   map[int]string         // Send and Edit: message ID → text
	buttons map[int][][]bot.Button // Send, Edit and EditButtons: message ID → buttons
	nextMsg int                    // the next message ID Send gives
	blocked map[int64]bool         // people the bot may not write to (block)
	onSend  func(m bot.Outgoing)   // called after each Send that went out, without the lock
}

type fakeLink struct {
	chat int64
	link bot.InviteLink
}

type fakeAnswer struct {
	query, text string
	alert       bool
}

func newFakeTG() *fakeTG {
	return &fakeTG{fails: map[string][]error{}, links: map[string]*fakeLink{}, texts: map[int]string{},
		buttons: map[int][][]bot.Button{}, nextMsg: 100, blocked: map[int64]bool{}}
}

// block makes the bot unable to write to user, as Telegram is when the
// user never started it or blocked it: Typing and Send to them fail with
// bot.ErrBlocked. Everyone else may be written to.
func (f *fakeTG) block(user int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[user] = true
}

// errBlocked is Telegram's 403 as the client wraps it.
func errBlocked(method string) error {
	return fmt.Errorf("%s: Forbidden: bot can't initiate conversation with a user: %w", method, bot.ErrBlocked)
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

// message is the text and buttons of message id as Telegram shows it now.
func (f *fakeTG) message(id int) (string, [][]bot.Button) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.texts[id], f.buttons[id]
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

// clear forgets the calls made and the messages sent so far (not what
// the messages show), for a test that looks at what comes next.
func (f *fakeTG) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls, f.sent, f.answers = nil, nil, nil
}

// forget makes Telegram no longer know the link url (revoked and gone).
func (f *fakeTG) forget(url string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.links, url)
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

// Send logs "Send CHAT reply=ID buttons=N" (N: the buttons in all). To a
// person the bot may not write to, it fails with bot.ErrBlocked.
func (f *fakeTG) Send(_ context.Context, m bot.Outgoing) (int, error) {
	f.mu.Lock()
	n := 0
	for _, r := range m.Buttons {
		n += len(r)
	}
	err := f.begin("Send", "%d reply=%d buttons=%d", m.ChatID, m.ReplyTo, n)
	if err == nil && f.blocked[m.ChatID] {
		err = errBlocked("sendMessage")
	}
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	f.sent = append(f.sent, m)
	f.nextMsg++
	id := f.nextMsg
	f.texts[id] = m.Text
	f.buttons[id] = m.Buttons
	hook := f.onSend
	f.mu.Unlock()
	if hook != nil {
		hook(m)
	}
	return id, nil
}

// Edit logs "Edit CHAT MESSAGE buttons=N".
func (f *fakeTG) Edit(_ context.Context, chatID int64, messageID int, html string, buttons [][]bot.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range buttons {
		n += len(r)
	}
	if err := f.begin("Edit", "%d %d buttons=%d", chatID, messageID, n); err != nil {
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
	f.buttons[messageID] = buttons
	return nil
}

// Typing logs "Typing CHAT". To a person the bot may not write to (block),
// it fails with bot.ErrBlocked, as sendChatAction does.
func (f *fakeTG) Typing(_ context.Context, chatID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Typing", "%d", chatID); err != nil {
		return err
	}
	if f.blocked[chatID] {
		return errBlocked("sendChatAction")
	}
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

var _ GuardTelegram = (*fakeTG)(nil)

// AnswerJoinQuery logs "AnswerJoinQuery QUERY RESULT".
func (f *fakeTG) AnswerJoinQuery(_ context.Context, queryID string, result bot.JoinQueryResult) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.begin("AnswerJoinQuery", "%s %s", queryID, result)
}

// ShowJoinWebApp logs "ShowJoinWebApp QUERY URL".
func (f *fakeTG) ShowJoinWebApp(_ context.Context, queryID, url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.begin("ShowJoinWebApp", "%s %s", queryID, url)
}

// storePort is every store interface the handlers declare.
type storePort interface {
	LinkStore
	RequestStore
	ChatStore
	ChatSettingsStore
	MessageStore
	NotifyStore
	GateStore
}

var _ storePort = (*fakeStore)(nil)

// fakeStore is the store in memory: links numbered #N per chat from 1,
// join requests one per user and chat, chats and the users' choice of one,
// chats' settings, the bot's messages with buttons, the commands waiting
// for a private chat, and the outbox of notifications, which join requests
// fill and answers settle as the SQLite store's do, and the verifications
// of verify mode, which answers, joins and EndVerification settle as the
// SQLite store's do. failNext makes a method fail; calls records the
// methods called.
type fakeStore struct {
	//lint:ignore U1000 it lets the fake stand for the interfaces when they grow
	storePort // nil: a method the fake lacks panics

	mu        sync.Mutex
	links     []store.Link
	requests  map[[2]int64]store.JoinRequest
	joins     []store.Join // RecordJoin, every call
	counted   map[string]bool
	chats     map[int64]store.Chat
	chosen    map[int64]int64
	settings  map[int64]store.ChatSettings
	records   map[[2]int64]store.ButtonMessage // chat, message → record
	commands  map[string]store.PendingCommand  // token → command
	subs      map[[2]int64]store.Subscriber    // chat, admin
	notes     []fakeNote                       // the outbox, in order of ID
	summaries map[[2]int64]fakeSummary         // admin, chat
	verifs    []store.Verification             // in order of addition
	fails     map[string][]error
	calls     []string
	// afterPending, if set, runs once PendingNotifications has read the
	// outbox, outside the fake's lock: what happens in the world meanwhile.
	afterPending func()
}

// fakeNote is a notification and whether its message shows its outcome.
type fakeNote struct {
	store.Notification
	edited bool
}

// fakeSummary is when the last summary to an admin about a chat went out
// and since when notifications wait for the next.
type fakeSummary struct{ sentAt, backlogSince time.Time }

func newFakeStore() *fakeStore {
	return &fakeStore{requests: map[[2]int64]store.JoinRequest{}, counted: map[string]bool{},
		chats: map[int64]store.Chat{}, chosen: map[int64]int64{}, settings: map[int64]store.ChatSettings{},
		records: map[[2]int64]store.ButtonMessage{}, commands: map[string]store.PendingCommand{},
		subs: map[[2]int64]store.Subscriber{}, summaries: map[[2]int64]fakeSummary{}, fails: map[string][]error{}}
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
			"SaveChat", "NoteChat", "ChooseChat", "MoveChat", "SaveChatSettings", "SaveButtonMessage",
			"SavePendingCommand", "TakePendingCommand", "SetNotify", "NotificationSent", "NotificationsSummarized",
			"WaitForSummary", "NotificationEdited", "AddVerification", "VerificationSent", "VerifyByMessage",
			"EndVerification":
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
		CreatedAt: l.CreatedAt, Request: l.Request, JoinMode: l.JoinMode}
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
	if c.JoinMode != nil {
		l.JoinMode = *c.JoinMode
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
	r.State, r.AnsweredBy, r.AnsweredAt, r.Counted, r.Joined, r.Unreachable = store.RequestPending, 0, time.Time{}, false, false, false
	s.requests[key] = r
	if r.Mode == "" || r.Mode == store.JoinManual {
		s.enqueue(r) // the others wait for the admins only once unreachable
	}
	return nil
}

// enqueue puts a notification of r in the outbox for each subscriber of
// its chat but the requester; a request seen again makes none. Call with
// s.mu held.
func (s *fakeStore) enqueue(r store.JoinRequest) {
	admins := make([]int64, 0, len(s.subs))
	for key := range s.subs {
		if key[0] == r.ChatID && key[1] != r.UserID {
			admins = append(admins, key[1])
		}
	}
	slices.Sort(admins)
	for _, admin := range admins {
		if slices.ContainsFunc(s.notes, func(n fakeNote) bool {
			return n.ChatID == r.ChatID && n.RequesterID == r.UserID && n.RequestedAt.Equal(r.RequestedAt) && n.AdminID == admin
		}) {
			continue
		}
		s.notes = append(s.notes, fakeNote{Notification: store.Notification{ID: int64(len(s.notes) + 1), ChatID: r.ChatID,
			RequesterID: r.UserID, RequestedAt: r.RequestedAt, AdminID: admin, Language: s.subs[[2]int64{r.ChatID, admin}].Language,
			State: store.NotificationPending}})
	}
}

// settle gives the notifications of a request its outcome and drops those
// not yet sent. Call with s.mu held.
func (s *fakeStore) settle(chatID, requesterID int64, outcome store.RequestState) {
	for i := range s.notes {
		n := &s.notes[i]
		if n.ChatID != chatID || n.RequesterID != requesterID || n.Outcome != "" {
			continue
		}
		n.Outcome = outcome
		if n.State == store.NotificationPending {
			n.State = store.NotificationDropped
		}
	}
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
	s.settle(chatID, userID, state)
	s.settleVerification(chatID, userID, r.RequestedAt, at)
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
		s.settle(j.ChatID, j.UserID, r.State)
		s.settleVerification(j.ChatID, j.UserID, r.RequestedAt, j.At)
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

// NoteChat records a chat's type, title and username, keeping what is
// known of the bot's status there.
func (s *fakeStore) NoteChat(_ context.Context, id int64, typ, title, username string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NoteChat"); err != nil {
		return err
	}
	c := s.chats[id]
	c.ID, c.Type, c.Title, c.Username = id, typ, title, username
	s.chats[id] = c
	return nil
}

func (s *fakeStore) ChatSettings(_ context.Context, chatID int64) (store.ChatSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ChatSettings"); err != nil {
		return store.ChatSettings{}, err
	}
	c, ok := s.settings[chatID]
	if !ok {
		c.ChatID = chatID
	}
	return c, nil
}

func (s *fakeStore) SaveChatSettings(_ context.Context, c store.ChatSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("SaveChatSettings"); err != nil {
		return err
	}
	s.settings[c.ChatID] = c
	return nil
}

// chatSettings is what the chat set, as stored.
func (s *fakeStore) chatSettings(chatID int64) (store.ChatSettings, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.settings[chatID]
	return c, ok
}

func (s *fakeStore) SaveButtonMessage(_ context.Context, m store.ButtonMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("SaveButtonMessage"); err != nil {
		return err
	}
	m.Items = slices.Clone(m.Items)
	s.records[[2]int64{m.ChatID, int64(m.MessageID)}] = m
	return nil
}

func (s *fakeStore) ButtonMessage(_ context.Context, chatID int64, messageID int) (store.ButtonMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("ButtonMessage"); err != nil {
		return store.ButtonMessage{}, err
	}
	m, ok := s.records[[2]int64{chatID, int64(messageID)}]
	if !ok {
		return store.ButtonMessage{}, fmt.Errorf("button message: %w", store.ErrNotFound)
	}
	m.Items = slices.Clone(m.Items)
	return m, nil
}

// record is the record of the bot's message messageID in chatID.
func (s *fakeStore) record(chatID int64, messageID int) (store.ButtonMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.records[[2]int64{chatID, int64(messageID)}]
	return m, ok
}

func (s *fakeStore) SavePendingCommand(_ context.Context, c store.PendingCommand) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("SavePendingCommand"); err != nil {
		return err
	}
	s.commands[c.Token] = c
	return nil
}

func (s *fakeStore) TakePendingCommand(_ context.Context, token string) (store.PendingCommand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("TakePendingCommand"); err != nil {
		return store.PendingCommand{}, err
	}
	c, ok := s.commands[token]
	if !ok {
		return store.PendingCommand{}, fmt.Errorf("take pending command: %w", store.ErrNotFound)
	}
	delete(s.commands, token)
	return c, nil
}

// pendingCommands are the commands waiting for a private chat.
func (s *fakeStore) pendingCommands() []store.PendingCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.PendingCommand, 0, len(s.commands))
	for _, c := range s.commands {
		out = append(out, c)
	}
	return out
}

func (s *fakeStore) SetNotify(_ context.Context, sub store.Subscriber, on bool, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("SetNotify"); err != nil {
		return err
	}
	key := [2]int64{sub.ChatID, sub.UserID}
	if on {
		s.subs[key] = sub
	} else {
		delete(s.subs, key)
	}
	return nil
}

func (s *fakeStore) Notifying(_ context.Context, chatID, userID int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("Notifying"); err != nil {
		return false, err
	}
	_, ok := s.subs[[2]int64{chatID, userID}]
	return ok, nil
}

// subscriber is chatID's subscriber userID, if they are one.
func (s *fakeStore) subscriber(chatID, userID int64) (store.Subscriber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[[2]int64{chatID, userID}]
	return sub, ok
}

// notesWhere are the notifications that keep accepts, in order.
func (s *fakeStore) notesWhere(keep func(n fakeNote) bool) []store.Notification {
	var out []store.Notification
	for _, n := range s.notes {
		if keep(n) {
			out = append(out, n.Notification)
		}
	}
	return out
}

func (s *fakeStore) PendingNotifications(context.Context) ([]store.Notification, error) {
	s.mu.Lock()
	if err := s.begin("PendingNotifications"); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	pending := s.notesWhere(func(n fakeNote) bool { return n.State == store.NotificationPending })
	after := s.afterPending
	s.mu.Unlock()
	if after != nil {
		after()
	}
	return pending, nil
}

func (s *fakeStore) NotificationsToEdit(context.Context) ([]store.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NotificationsToEdit"); err != nil {
		return nil, err
	}
	return s.notesWhere(func(n fakeNote) bool {
		return n.State == store.NotificationSent && n.Outcome != "" && !n.edited
	}), nil
}

// note is notification id; call with s.mu held.
func (s *fakeStore) note(id int64) *fakeNote {
	for i := range s.notes {
		if s.notes[i].ID == id {
			return &s.notes[i]
		}
	}
	return nil
}

// NotificationSent marks a pending notification, or one dropped while it
// was being sent, sent as messageID.
func (s *fakeStore) NotificationSent(_ context.Context, id int64, messageID int, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NotificationSent"); err != nil {
		return err
	}
	if n := s.note(id); n != nil && (n.State == store.NotificationPending || n.State == store.NotificationDropped) {
		n.State, n.MessageID, n.SentAt = store.NotificationSent, messageID, at
	}
	return nil
}

func (s *fakeStore) NotificationsSummarized(_ context.Context, adminID, chatID int64, ids []int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NotificationsSummarized"); err != nil {
		return err
	}
	for _, id := range ids {
		if n := s.note(id); n != nil && n.State == store.NotificationPending {
			n.State, n.SentAt = store.NotificationSummarized, at
		}
	}
	s.summaries[[2]int64{adminID, chatID}] = fakeSummary{sentAt: at}
	return nil
}

func (s *fakeStore) NotifyWindow(_ context.Context, adminID, chatID int64, since time.Time) (store.NotifyWindow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NotifyWindow"); err != nil {
		return store.NotifyWindow{}, err
	}
	var w store.NotifyWindow
	for _, n := range s.notes {
		if n.AdminID == adminID && n.ChatID == chatID && n.State == store.NotificationSent && !n.SentAt.Before(since) {
			w.Singles++
		}
	}
	sum := s.summaries[[2]int64{adminID, chatID}]
	w.LastSummary, w.BacklogSince = sum.sentAt, sum.backlogSince
	return w, nil
}

func (s *fakeStore) WaitForSummary(_ context.Context, adminID, chatID int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("WaitForSummary"); err != nil {
		return err
	}
	key := [2]int64{adminID, chatID}
	if sum := s.summaries[key]; sum.backlogSince.IsZero() {
		sum.backlogSince = at
		s.summaries[key] = sum
	}
	return nil
}

func (s *fakeStore) NotificationEdited(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NotificationEdited"); err != nil {
		return err
	}
	if n := s.note(id); n != nil {
		n.edited = true
	}
	return nil
}

// outbox is every notification, in order.
func (s *fakeStore) outbox() []fakeNote {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes)
}

// The verifications, as store/sqlite keeps them: keyed by the request
// (chat, user, time of the request); the user's current one is that of
// their stored request.

// verifIndex is the index of the verification of the request (chat, user,
// at), or -1. Call with s.mu held.
func (s *fakeStore) verifIndex(chatID, userID int64, at time.Time) int {
	return slices.IndexFunc(s.verifs, func(v store.Verification) bool {
		return v.ChatID == chatID && v.UserID == userID && v.RequestedAt.Equal(at)
	})
}

// verifsWhere are the verifications keep accepts, sorted by by. Call with
// s.mu held.
func (s *fakeStore) verifsWhere(keep func(v store.Verification) bool, by func(a, b store.Verification) int, limit int) []store.Verification {
	var out []store.Verification
	for _, v := range s.verifs {
		if keep(v) {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b store.Verification) int {
		return cmp.Or(by(a, b), cmp.Compare(a.ChatID, b.ChatID), cmp.Compare(a.UserID, b.UserID))
	})
	return out[:min(len(out), limit)]
}

// settleVerification ends the pending verification of the request
// (chat, user, requestedAt) as handled. Call with s.mu held.
func (s *fakeStore) settleVerification(chatID, userID int64, requestedAt, at time.Time) {
	if i := s.verifIndex(chatID, userID, requestedAt); i >= 0 && s.verifs[i].State == store.VerifyPending {
		s.verifs[i].State, s.verifs[i].EndedAt = store.VerifyHandled, at
	}
}

func (s *fakeStore) AddVerification(_ context.Context, v store.Verification) (store.Verification, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("AddVerification"); err != nil {
		return store.Verification{}, false, err
	}
	if err := v.Complete(); err != nil {
		return store.Verification{}, false, fmt.Errorf("add verification: %w", err)
	}
	if i := s.verifIndex(v.ChatID, v.UserID, v.RequestedAt); i >= 0 {
		return s.verifs[i], false, nil
	}
	v.State, v.MessageID, v.EndedAt = store.VerifyPending, 0, time.Time{}
	s.verifs = append(s.verifs, v)
	return v, true, nil
}

func (s *fakeStore) Verification(_ context.Context, chatID, userID int64) (store.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("Verification"); err != nil {
		return store.Verification{}, err
	}
	if r, ok := s.requests[[2]int64{chatID, userID}]; ok {
		if i := s.verifIndex(chatID, userID, r.RequestedAt); i >= 0 {
			return s.verifs[i], nil
		}
	}
	return store.Verification{}, fmt.Errorf("verification: %w", store.ErrNotFound)
}

func (s *fakeStore) VerificationByToken(_ context.Context, token string) (store.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("VerificationByToken"); err != nil {
		return store.Verification{}, err
	}
	if i := slices.IndexFunc(s.verifs, func(v store.Verification) bool { return token != "" && v.Token == token }); i >= 0 {
		return s.verifs[i], nil
	}
	return store.Verification{}, fmt.Errorf("verification by token: %w", store.ErrNotFound)
}

func (s *fakeStore) UnsentVerifications(_ context.Context, limit int) ([]store.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("UnsentVerifications"); err != nil {
		return nil, err
	}
	return s.verifsWhere(func(v store.Verification) bool {
		return v.State == store.VerifyPending && v.Via == store.ViaMessage && v.MessageID == 0
	}, func(a, b store.Verification) int { return a.RequestedAt.Compare(b.RequestedAt) }, limit), nil
}

func (s *fakeStore) VerificationSent(_ context.Context, v store.Verification, messageID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("VerificationSent"); err != nil {
		return err
	}
	if i := s.verifIndex(v.ChatID, v.UserID, v.RequestedAt); i >= 0 {
		s.verifs[i].MessageID = messageID
	}
	return nil
}

func (s *fakeStore) VerifyByMessage(_ context.Context, v store.Verification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("VerifyByMessage"); err != nil {
		return err
	}
	if i := s.verifIndex(v.ChatID, v.UserID, v.RequestedAt); i >= 0 {
		s.verifs[i].Via, s.verifs[i].MessageID = store.ViaMessage, 0
	}
	return nil
}

// DueVerifications compares in whole seconds, as SQLite keeps the times.
func (s *fakeStore) DueVerifications(_ context.Context, now time.Time, limit int) ([]store.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("DueVerifications"); err != nil {
		return nil, err
	}
	return s.verifsWhere(func(v store.Verification) bool {
		return v.State == store.VerifyPending && v.Deadline.Unix() <= now.Unix()
	}, func(a, b store.Verification) int { return a.Deadline.Compare(b.Deadline) }, limit), nil
}

func (s *fakeStore) UnsettledVerifications(_ context.Context, limit int) ([]store.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("UnsettledVerifications"); err != nil {
		return nil, err
	}
	return s.verifsWhere(func(v store.Verification) bool {
		r, ok := s.requests[[2]int64{v.ChatID, v.UserID}]
		return ok && r.RequestedAt.Equal(v.RequestedAt) && r.State == store.RequestPending &&
			(v.State == store.VerifyPassed || v.State == store.VerifyFailed || v.State == store.VerifyTimedOut)
	}, func(a, b store.Verification) int { return a.EndedAt.Compare(b.EndedAt) }, limit), nil
}

func (s *fakeStore) NextVerificationDeadline(context.Context) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("NextVerificationDeadline"); err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, v := range s.verifs {
		if v.State == store.VerifyPending && (next.IsZero() || v.Deadline.Before(next)) {
			next = v.Deadline
		}
	}
	return next, nil
}

// EndVerification ends a pending verification; VerifyUnreachable marks
// its request, if pending, unreachable and puts it in the outbox.
func (s *fakeStore) EndVerification(_ context.Context, v store.Verification, state store.VerifyState, at time.Time) (store.Verification, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin("EndVerification"); err != nil {
		return store.Verification{}, false, err
	}
	switch {
	case state == store.VerifyPending || state == "":
		return store.Verification{}, false, fmt.Errorf("end verification: %q is no end", state)
	case at.Unix() <= 0:
		return store.Verification{}, false, errors.New("end verification: no end time")
	}
	i := s.verifIndex(v.ChatID, v.UserID, v.RequestedAt)
	if i < 0 {
		return store.Verification{}, false, fmt.Errorf("end verification: %w", store.ErrNotFound)
	}
	if s.verifs[i].State != store.VerifyPending {
		return s.verifs[i], false, nil
	}
	s.verifs[i].State, s.verifs[i].EndedAt = state, at
	key := [2]int64{v.ChatID, v.UserID}
	if r, ok := s.requests[key]; ok && state == store.VerifyUnreachable && r.State == store.RequestPending && r.RequestedAt.Equal(v.RequestedAt) {
		r.Unreachable = true
		s.requests[key] = r
		s.enqueue(r)
	}
	return s.verifs[i], true, nil
}

// verification is the verification of chat's user's request made at,
// as stored.
func (s *fakeStore) verification(chatID, userID int64, at time.Time) (store.Verification, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.verifIndex(chatID, userID, at); i >= 0 {
		return s.verifs[i], true
	}
	return store.Verification{}, false
}

// allVerifications is every verification stored, in order of addition.
func (s *fakeStore) allVerifications() []store.Verification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.verifs)
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

func (a *fakeAccess) MaxChecked() int { return middleware.MaxChatsChecked }

func (a *fakeAccess) Manageable(context.Context, int64) ([]store.Chat, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, false, a.err
	}
	return slices.Clone(a.manageable), a.more, nil
}

// fakeClock is the handlers' clock: tNow until a test moves it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeChecker is Checker: what each person may do in the group.
type fakeChecker struct {
	mu      sync.Mutex
	verdict map[int64]middleware.Verdict // user → verdict; NotAdmin if absent
	err     error
	asked   []string // "CHAT USER" per call
}

func (c *fakeChecker) MayInvite(_ context.Context, chatID, userID int64) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, line(chatID, userID))
	if c.err != nil {
		return false, c.err
	}
	return c.verdict[userID] == middleware.CanInvite, nil
}

// env is one test's handlers over fresh fakes. The handlers are wired as
// cmd/internal/app wires them: the chats' settings, the records of the
// messages with buttons and the waiting commands in the store; Replay
// records what it is handed (replays).
type env struct {
	tg      *fakeTG
	st      *fakeStore
	acc     *fakeAccess
	admins  *fakeChecker
	clock   *fakeClock
	deps    *Deps
	repeats []string // what Links told CountRepeats

	mu      sync.Mutex
	replays []bot.Update // what Replay was handed
}

func newEnv() *env {
	e := &env{tg: newFakeTG(), st: newFakeStore(), acc: &fakeAccess{}, clock: &fakeClock{now: tNow},
		admins: &fakeChecker{verdict: map[int64]middleware.Verdict{tAdmin: middleware.CanInvite}}}
	e.deps = &Deps{TG: e.tg, Text: tCatalog, Settings: e.st, Messages: e.st, Username: tBotName, Now: e.clock.Now,
		Replay: func(_ context.Context, u *bot.Update) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.replays = append(e.replays, *u)
			return nil
		}}
	return e
}

// replayed is what Replay was handed so far.
func (e *env) replayed() []bot.Update {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.replays)
}

func (e *env) links() *Links {
	h := NewLinks(e.deps, e.st)
	h.CountRepeats(func(method string) { e.repeats = append(e.repeats, method) })
	return h
}

func (e *env) requests() *Requests { return NewRequests(e.deps, e.st) }
func (e *env) chats() *Chats       { return NewChats(e.deps, e.st, e.acc) }
func (e *env) general() *General   { return NewGeneral(e.deps, e.admins) }
func (e *env) settings() *Settings { return NewSettings(e.deps, e.st) }
func (e *env) notifier() *Notifier { return NewNotifier(e.deps, e.st, e.requests()) }

// chatMode makes the group's answers that show links go to the group
// (/replies chat).
func (e *env) chatMode() {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	e.st.settings[tGroup] = store.ChatSettings{ChatID: tGroup, Replies: store.RepliesChat}
}

// remember stores the record of the bot's message m.MessageID in m.ChatID
// (tListID in the group if unset), as the handler that sent it would have.
func (e *env) remember(m store.ButtonMessage) store.ButtonMessage {
	if m.ChatID == 0 {
		m.ChatID = tGroup
	}
	if m.MessageID == 0 {
		m.MessageID = tListID
	}
	if m.TargetID == 0 {
		m.TargetID = tGroup
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = tNow.Add(-time.Minute)
	}
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	e.st.records[[2]int64{m.ChatID, int64(m.MessageID)}] = m
	return m
}

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

// anonymousCommand is /name args sent in the group by an anonymous admin
// (sender_chat the group, from GroupAnonymousBot), run after Ada confirmed
// it: Target is the group, Actor Ada.
func anonymousCommand(name, args string) *bot.Update {
	u := groupCommand(name, args)
	u.From = &bot.User{ID: 1087968824, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
	u.Message.SenderChat = groupChat()
	return u
}

// memberCommand is /name args sent in the group by Mia, a member who may
// not manage links, before any check.
func memberCommand(name, args string) *bot.Update {
	u := unchecked(groupCommand(name, args))
	u.From = memberUser()
	return u
}

func memberUser() *bot.User {
	return &bot.User{ID: tMember, FirstName: "Mia", Username: "mia", LanguageCode: "en"}
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
// message tListID that has rows, let through by the button check.
func press(data string, rows [][]bot.Button) *bot.Update {
	u := &bot.Update{ID: 2, Kind: "callback_query", Chat: groupChat(), From: adminUser(),
		Callback: &bot.Callback{ID: tQueryID, Data: data, Message: &bot.Message{ID: tListID, Date: tNow, Buttons: rows}}}
	u.Target, u.Actor = u.Chat, u.From
	return u
}

// privatePress is a press in Ada's private chat of the button with data
// under the bot's message messageID, let through by the button check,
// which found the group as the record's target.
func privatePress(data string, messageID int) *bot.Update {
	u := press(data, nil)
	u.Chat = &bot.Chat{ID: tAdmin, Type: "private", FirstName: "Ada", Username: "ada"}
	u.Callback.Message.ID = messageID
	u.Target = groupChat()
	return u
}

// Reading what a person sees.

var htmlTags = regexp.MustCompile(`<[^>]*>`)

// plain is HTML as the person reads it.
func plain(s string) string { return html.UnescapeString(htmlTags.ReplaceAllString(s, "")) }

// says is the English text of m with its values.
func says(id string, kv ...any) string { return tCatalog.Default().P(id, kv...) }

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
	msg := tCatalog.Default().Plain(e.Msg)
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

// The calls around an answer that shows links, to Ada's command in the
// group in private mode (the default): the probe of her private chat
// before anything is done, then the answer there and one line in the
// group.
var (
	probe     = line("Typing", tAdmin)
	toAdmin   = line("Send", tAdmin, "reply=0 buttons=0")
	groupLine = line("Send", tGroup, "reply=10 buttons=0")
)

// privateAnswer is the answer to Ada's command in the group that went to
// her private chat, as she reads it. It fails t unless exactly two
// messages were sent: the answer to Ada, not as a reply (the command is in
// another chat), then the group's one line, a reply to the command without
// a URL or a button, that says where the answer went.
func privateAnswer(t *testing.T, tg *fakeTG) string {
	t.Helper()
	m := tg.messages()
	if len(m) != 2 {
		t.Fatalf("%d messages sent, want the answer and the group's line: %+v", len(m), m)
	}
	if m[0].ChatID != tAdmin || m[0].ReplyTo != 0 {
		t.Errorf("the answer went to chat %d as a reply to %d; want Ada's private chat, no reply", m[0].ChatID, m[0].ReplyTo)
	}
	wantGroupLine(t, m[1], says("private.sent", "Name", "@ada"))
	return plain(m[0].Text)
}

// wantGroupLine fails t unless m is the one line the group gets, as a
// reply to the command, saying want, without any URL or button.
func wantGroupLine(t *testing.T, m bot.Outgoing, want string) {
	t.Helper()
	if m.ChatID != tGroup || m.ReplyTo != tMsgID || len(m.Buttons) != 0 {
		t.Errorf("the group's line went to chat %d as a reply to %d with %d button rows", m.ChatID, m.ReplyTo, len(m.Buttons))
	}
	if got := plain(m.Text); got != want {
		t.Errorf("the group reads %q, want %q", got, want)
	}
	wantNoURL(t, m.Text)
}

// wantNoURL fails t if html shows an invite link.
func wantNoURL(t *testing.T, html string) {
	t.Helper()
	if strings.Contains(html, "https://t.me/+") {
		t.Errorf("an invite link's URL in %q", html)
	}
}

// wantOpenButton fails t unless m is the group's one line, a reply to the
// command, that asks Ada to open a private chat, with one button that
// opens it with the start parameter token; it returns token.
func wantOpenButton(t *testing.T, m bot.Outgoing) string {
	t.Helper()
	if m.ChatID != tGroup || m.ReplyTo != tMsgID {
		t.Errorf("sent to chat %d as a reply to %d; want the group, a reply to the command", m.ChatID, m.ReplyTo)
	}
	if got, want := plain(m.Text), says("private.open", "Name", "@ada"); got != want {
		t.Errorf("the group reads %q, want %q", got, want)
	}
	wantNoURL(t, m.Text)
	if len(m.Buttons) != 1 || len(m.Buttons[0]) != 1 {
		t.Fatalf("buttons %+v, want one", m.Buttons)
	}
	b := m.Buttons[0][0]
	token, ok := strings.CutPrefix(b.URL, "https://t.me/"+tBotName+"?start=")
	if !ok || token == "" || b.Data != "" || b.Text != says("private.open_button") {
		t.Errorf("the button is %+v, want %q opening the private chat with a start parameter", b, says("private.open_button"))
	}
	return token
}
