// Package sqlrow is the rows of invitebot's store as both of its SQL
// implementations read them: store/sqlite and store/postgres keep the same
// tables and columns (a test of store/storecopy holds them to it), so the
// lists of columns, the reading of a row into a record, and the times as
// Unix seconds are written once, here.
package sqlrow

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/store"
)

// Scanner is a row to read: *sql.Row, *sql.Rows, pgx.Row, pgx.Rows.
type Scanner interface{ Scan(dest ...any) error }

// ChatColumns are the columns that Chat reads, in its order.
const ChatColumns = `id, type, title, username, bot_status, bot_can_invite, updated_at`

// LinkColumns are the columns that Link reads, in its order.
const LinkColumns = `request, chat_id, number, url, name, expires_at, member_limit, join_request,
	is_primary, created_by, created_at, edited_by, edited_at, revoked_by, revoked_at, joins, join_mode, price`

// ActionColumns are the columns that Action reads, in its order.
const ActionColumns = `id, chat_id, at, by_id, by_name, via, kind, link, subject, details`

// RequestColumns are the columns that Request reads, in its order.
const RequestColumns = `chat_id, user_id, first_name, last_name, username, bio, invite_link,
	user_chat_id, requested_at, state, answered_by, answered_at, counted, joined, query_id, mode, unreachable`

// ScheduleColumns are the columns that Schedule reads, in its order.
const ScheduleColumns = `chat_id, every, next_at, set_by, set_at`

// VerifyColumns are the columns that Verification reads, in its order.
const VerifyColumns = `chat_id, user_id, requested_at, user_chat_id, language, answer, token, via,
	message_id, deadline, state, ended_at`

// NotificationColumns are the columns of a notification, in the order
// each store reads them.
const NotificationColumns = `id, chat_id, requester_id, requested_at, admin_id, language, state, message_id, sent_at, outcome`

// Chat reads a row of ChatColumns.
func Chat(row Scanner) (store.Chat, error) {
	var (
		c       store.Chat
		updated int64
	)
	if err := row.Scan(&c.ID, &c.Type, &c.Title, &c.Username, &c.BotStatus, &c.BotCanInvite, &updated); err != nil {
		return store.Chat{}, err
	}
	c.UpdatedAt = FromUnix(updated)
	return c, nil
}

// Link reads a row of LinkColumns.
func Link(row Scanner) (store.Link, error) {
	var (
		l                                 store.Link
		expires, created, edited, revoked int64
		mode                              string
	)
	if err := row.Scan(&l.Request, &l.ChatID, &l.Number, &l.URL, &l.Name, &expires, &l.MemberLimit,
		&l.JoinRequest, &l.Primary, &l.CreatedBy, &created, &l.EditedBy, &edited,
		&l.RevokedBy, &revoked, &l.Joins, &mode, &l.Price); err != nil {
		return store.Link{}, err
	}
	l.JoinMode = store.JoinMode(mode)
	l.ExpiresAt = FromUnix(expires)
	l.CreatedAt = FromUnix(created)
	l.EditedAt = FromUnix(edited)
	l.RevokedAt = FromUnix(revoked)
	return l, nil
}

// Action reads a row of ActionColumns.
func Action(row Scanner) (store.Action, error) {
	var (
		a    store.Action
		at   int64
		kind string
	)
	if err := row.Scan(&a.ID, &a.ChatID, &at, &a.By, &a.ByName, &a.Via, &kind, &a.Link, &a.Subject, &a.Details); err != nil {
		return store.Action{}, err
	}
	a.At, a.Kind = FromUnix(at), store.ActionKind(kind)
	return a, nil
}

// Request reads a row of RequestColumns.
func Request(row Scanner) (store.JoinRequest, error) {
	var (
		r                   store.JoinRequest
		requested, answered int64
		state, mode         string
	)
	if err := row.Scan(&r.ChatID, &r.UserID, &r.FirstName, &r.LastName, &r.Username, &r.Bio, &r.InviteLink,
		&r.UserChatID, &requested, &state, &r.AnsweredBy, &answered, &r.Counted, &r.Joined,
		&r.QueryID, &mode, &r.Unreachable); err != nil {
		return store.JoinRequest{}, err
	}
	r.Mode = store.JoinMode(mode)
	r.State = store.RequestState(state)
	r.RequestedAt = FromUnix(requested)
	r.AnsweredAt = FromUnix(answered)
	return r, nil
}

// Schedule reads a row of ScheduleColumns.
func Schedule(row Scanner) (store.Schedule, error) {
	var (
		s                  store.Schedule
		every, next, setAt int64
	)
	if err := row.Scan(&s.ChatID, &every, &next, &s.SetBy, &setAt); err != nil {
		return store.Schedule{}, err
	}
	s.Every, s.Next, s.SetAt = time.Duration(every)*time.Second, FromUnix(next), FromUnix(setAt)
	return s, nil
}

// Verification reads a row of VerifyColumns.
func Verification(row Scanner) (store.Verification, error) {
	var (
		v                        store.Verification
		requested, deadline, end int64
		via, state               string
	)
	if err := row.Scan(&v.ChatID, &v.UserID, &requested, &v.UserChatID, &v.Language, &v.Answer, &v.Token, &via,
		&v.MessageID, &deadline, &state, &end); err != nil {
		return store.Verification{}, err
	}
	v.RequestedAt, v.Deadline, v.EndedAt = FromUnix(requested), FromUnix(deadline), FromUnix(end)
	v.Via, v.State = store.VerifyVia(via), store.VerifyState(state)
	return v, nil
}

// Prefixed is a list of columns with each column prefixed by p (a table's
// alias and a dot).
func Prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// NameKey is the form of a link name that LinksByName compares: Unicode
// lower case, whatever the database's locale (SQLite's lower() knows only
// ASCII).
func NameKey(name string) string {
	return strings.ToLower(name)
}

// UnixTime is t as stored: Unix seconds, 0 for the zero time.
func UnixTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// FromUnix is the time stored as s, in UTC; the zero time for 0.
func FromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// ItemsText is the items of a message with buttons as stored: the IDs,
// separated by spaces.
func ItemsText(items []int64) string {
	fields := make([]string, len(items))
	for i, it := range items {
		fields[i] = strconv.FormatInt(it, 10)
	}
	return strings.Join(fields, " ")
}

// ParseItems reads what ItemsText wrote.
func ParseItems(s string) ([]int64, error) {
	var items []int64
	for _, f := range strings.Fields(s) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("item %q: %w", f, err)
		}
		items = append(items, n)
	}
	return items, nil
}
