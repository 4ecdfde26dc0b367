package bottest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Mini Apps: Telegram gives the page it opens for a bot (here, the one of
// sendChatJoinRequestWebApp) init data that says who opened it, signed
// with a key made from the bot's token ("Validating data received via
// the Mini App", core.telegram.org/bots/webapps). The signing below is
// written from that description alone, so that a bot's validation can be
// tested against it.

// initDataOrder is the order in which Telegram's clients write the fields
// of init data; the data-check-string sorts them, this order does not.
var initDataOrder = []string{"query_id", "user", "receiver", "chat", "chat_type", "chat_instance",
	"start_param", "can_send_after", "auth_date", "signature"}

// SignInitData returns init data made of fields and signed with token as
// Telegram signs it: the hash pair appended to the fields, which are
// URL-encoded in the order Telegram writes them (query_id, user, ...,
// auth_date, signature, then any others by name), values of a key in the
// order given. The hash is the hex HMAC-SHA256, keyed with
// HMAC-SHA256("WebAppData", token), of the data-check-string: every
// key=value except hash, sorted by key (stably, so a repeated key keeps
// its order) and joined with "\n". A hash in fields is left out.
//
// Anything can be signed: a repeated key, a value with a line break, a
// user that is no JSON, an auth_date long past. That is the point: tests
// of a validator make the bad cases with it.
func SignInitData(token string, fields url.Values) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var lines []string
	for _, k := range keys {
		for _, v := range fields[k] {
			lines = append(lines, k+"="+v)
		}
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(strings.Join(lines, "\n")))

	rank := func(k string) int {
		if i := slices.Index(initDataOrder, k); i >= 0 {
			return i
		}
		return len(initDataOrder)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return rank(a) - rank(b) })
	var b strings.Builder
	for _, k := range keys {
		for _, v := range fields[k] {
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&")
		}
	}
	b.WriteString("hash=" + hex.EncodeToString(mac.Sum(nil)))
	return b.String()
}

// SignInitData is SignInitData with the server's token.
func (s *Server) SignInitData(fields url.Values) string { return SignInitData(s.token, fields) }

// WebAppUserJSON is the user field of init data about u, as Telegram
// writes it (a WebAppUser: no is_bot, allows_write_to_pm; non-ASCII
// escaped).
func WebAppUserJSON(u User) string {
	o := object{{"id", u.ID}}
	o.add("first_name", u.FirstName)
	if u.LastName != "" {
		o.add("last_name", u.LastName)
	}
	if u.UserName != "" {
		o.add("username", u.UserName)
	}
	if u.LanguageCode != "" {
		o.add("language_code", u.LanguageCode)
	}
	o.add("allows_write_to_pm", true)
	return string(mustEncode(o))
}

// WebAppInitData returns the init data that Telegram gives the Mini App
// the bot showed with sendChatJoinRequestWebApp for the join request
// query queryID: the requesting user, auth_date the server's clock now,
// a query_id naming the Mini App's session (not the join request query's
// ID: Telegram documents no link between the two), a signature and the
// hash, signed with the bot's token. It fails the test if no Mini App was
// shown for that query.
//
// The signature field stands where newer clients put an Ed25519
// signature for third parties; it is no valid one, and a bot checks the
// hash, in which it counts like any field.
func (s *Server) WebAppInitData(queryID string) string {
	s.t.Helper()
	s.mu.Lock()
	i := slices.IndexFunc(s.joinQueries, func(q *JoinRequestQuery) bool { return q.ID == queryID })
	if i < 0 || s.joinQueries[i].WebAppURL == "" {
		s.mu.Unlock()
		s.t.Fatalf("bottest: WebAppInitData: the bot showed no Mini App (sendChatJoinRequestWebApp) for join request query %q", queryID)
		return ""
	}
	q := *s.joinQueries[i]
	user := s.users[q.UserID]
	authDate := s.now().Unix()
	s.mu.Unlock()

	session := sha256.Sum256([]byte("bottest web app session " + q.ID))
	fields := url.Values{
		"query_id":  {"AAH" + base64.RawURLEncoding.EncodeToString(session[:15])},
		"user":      {WebAppUserJSON(user)},
		"auth_date": {strconv.FormatInt(authDate, 10)},
	}
	sig := sha512.Sum512([]byte(fields.Encode()))
	fields.Set("signature", base64.RawURLEncoding.EncodeToString(sig[:]))
	return SignInitData(s.token, fields)
}
