package webapp_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/bot/webapp"
)

// The init data in these tests is signed by bottest, which follows
// Telegram's description of the scheme and not this package's code.
const token = "7000000001:AAFakeTokenOfTheTestBot-0123456789ab"

var (
	now    = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	maxAge = time.Hour
)

const userJSON = `{"id":5000000002,"first_name":"Bob","last_name":"B\u00e9","username":"bob","language_code":"de","is_premium":true,"allows_write_to_pm":true,"photo_url":"https:\/\/t.me\/i\/userpic\/320\/bob.svg"}`

// fields is the init data of a Mini App Bob opened a minute ago.
func fields() url.Values {
	return url.Values{
		"query_id":      {"AAHdF6IQAAAAAN0XohDhrOrc"},
		"user":          {userJSON},
		"chat_type":     {"sender"},
		"chat_instance": {"-8431917420598376071"},
		"start_param":   {"req_42"},
		"auth_date":     {strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)},
		"signature":     {"5Jm2qW3IkRZsh9bLqOQ7lz3-TwcQ1X4Nm3zyEWpWVJH9DArF2PGYvNkjA1M4J5lUyVJrTuG6TX0WdKO5L-lOAw"},
	}
}

func with(change func(url.Values)) url.Values {
	f := fields()
	change(f)
	return f
}

func TestValidateAcceptsGenuineData(t *testing.T) {
	d, err := webapp.Validate(bottest.SignInitData(token, fields()), token, maxAge, now)
	if err != nil {
		t.Fatal(err)
	}
	want := webapp.InitData{
		User: webapp.User{ID: 5000000002, FirstName: "Bob", LastName: "Bé", Username: "bob", LanguageCode: "de",
			IsPremium: true, AllowsWriteToPM: true, PhotoURL: "https://t.me/i/userpic/320/bob.svg"},
		AuthDate:     now.Add(-time.Minute),
		QueryID:      "AAHdF6IQAAAAAN0XohDhrOrc",
		ChatType:     "sender",
		ChatInstance: "-8431917420598376071",
		StartParam:   "req_42",
	}
	if d != want {
		t.Errorf("Validate =\n%+v\nwant\n%+v", d, want)
	}
}

// TestValidateFreshness: auth_date within maxAge back and MaxSkew ahead,
// the bounds included.
func TestValidateFreshness(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signed  time.Time
		maxAge  time.Duration
		wantErr error
	}{
		{"just now", now, maxAge, nil},
		{"maxAge ago", now.Add(-maxAge), maxAge, nil},
		{"a second older", now.Add(-maxAge - time.Second), maxAge, webapp.ErrStale},
		{"a day old", now.Add(-24 * time.Hour), maxAge, webapp.ErrStale},
		{"MaxSkew ahead", now.Add(webapp.MaxSkew), maxAge, nil},
		{"a second further", now.Add(webapp.MaxSkew + time.Second), maxAge, webapp.ErrFuture},
		{"no maxAge", now, 0, webapp.ErrStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bottest.SignInitData(token, with(func(f url.Values) { f.Set("auth_date", strconv.FormatInt(tc.signed.Unix(), 10)) }))
			d, err := webapp.Validate(data, token, tc.maxAge, now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Validate: %v, want %v", err, tc.wantErr)
			}
			if err == nil && !d.AuthDate.Equal(tc.signed) {
				t.Errorf("AuthDate = %v, want %v", d.AuthDate, tc.signed)
			}
		})
	}
}

// TestValidateRefuses: each way init data can be bad, and what Validate
// says of it, never with the token or the hash in the error.
func TestValidateRefuses(t *testing.T) {
	genuine := bottest.SignInitData(token, fields())
	hash := genuine[strings.LastIndex(genuine, "hash=")+len("hash="):]
	for _, tc := range []struct {
		name string
		data string
		want error
	}{
		{"empty", "", webapp.ErrMalformed},
		{"tampered user", strings.Replace(genuine, "5000000002", "5000000003", 1), webapp.ErrBadSignature},
		{"tampered auth_date", strings.Replace(genuine, "auth_date=17", "auth_date=18", 1), webapp.ErrBadSignature},
		{"a field added", "can_send_after=10&" + genuine, webapp.ErrBadSignature},
		{"signature removed", removePair(genuine, "signature"), webapp.ErrBadSignature},
		{"hash removed", removePair(genuine, "hash"), webapp.ErrNoHash},
		{"hash of another bot", bottest.SignInitData("7000000002:AAOtherBotsToken", fields()), webapp.ErrBadSignature},
		{"hash cut short", genuine[:len(genuine)-2], webapp.ErrBadSignature},
		{"hash not hex", genuine[:len(genuine)-1] + "g", webapp.ErrBadSignature},
		{"hash empty", removePair(genuine, "hash") + "&hash=", webapp.ErrBadSignature},
		{"hash twice", genuine + "&hash=" + hash, webapp.ErrMalformed},
		{"user twice, signed", bottest.SignInitData(token, with(func(f url.Values) {
			f.Add("user", `{"id":5000000003,"first_name":"Carol"}`)
		})), webapp.ErrMalformed},
		{"no user", bottest.SignInitData(token, with(func(f url.Values) { f.Del("user") })), webapp.ErrNoUser},
		{"user not JSON", bottest.SignInitData(token, with(func(f url.Values) { f.Set("user", `{"id":5000000002,`) })), webapp.ErrMalformed},
		{"user id a string", bottest.SignInitData(token, with(func(f url.Values) { f.Set("user", `{"id":"5000000002"}`) })), webapp.ErrMalformed},
		{"user without id", bottest.SignInitData(token, with(func(f url.Values) { f.Set("user", `{"first_name":"Bob"}`) })), webapp.ErrMalformed},
		{"user null", bottest.SignInitData(token, with(func(f url.Values) { f.Set("user", `null`) })), webapp.ErrMalformed},
		{"no auth_date", bottest.SignInitData(token, with(func(f url.Values) { f.Del("auth_date") })), webapp.ErrMalformed},
		{"auth_date not a number", bottest.SignInitData(token, with(func(f url.Values) { f.Set("auth_date", "yesterday") })), webapp.ErrMalformed},
		{"auth_date negative", bottest.SignInitData(token, with(func(f url.Values) { f.Set("auth_date", "-1") })), webapp.ErrMalformed},
		{"auth_date huge", bottest.SignInitData(token, with(func(f url.Values) { f.Set("auth_date", "999999999999999999") })), webapp.ErrFuture},
		{"auth_date beyond int64", bottest.SignInitData(token, with(func(f url.Values) { f.Set("auth_date", "9999999999999999999") })), webapp.ErrMalformed},
		// Telegram signed chat_instance and query_id apart; sent as one
		// value, they make the same data-check-string, and the signature
		// matches: the line break gives it away.
		{"pairs hidden in a value", mergedPairs(), webapp.ErrMalformed},
		{"line break in a value", bottest.SignInitData(token, with(func(f url.Values) { f.Set("start_param", "a\rb") })), webapp.ErrMalformed},
		{"bad percent-encoding in a value", strings.Replace(genuine, "query_id=AAH", "query_id=%zzAAH", 1), webapp.ErrMalformed},
		{"truncated percent-encoding", strings.Replace(genuine, "start_param=req_42", "start_param=req_42%2", 1), webapp.ErrMalformed},
		{"bad percent-encoding in a key", "%x=1&" + genuine, webapp.ErrMalformed},
		{"a key of other characters", "a.b=1&" + genuine, webapp.ErrMalformed},
		{"an empty key", "=1&" + genuine, webapp.ErrMalformed},
		{"a pair without =", "start&" + genuine, webapp.ErrMalformed},
		{"an empty pair", strings.Replace(genuine, "&", "&&", 1), webapp.ErrMalformed},
		{"longer than MaxLen", bottest.SignInitData(token, with(func(f url.Values) { f.Set("start_param", strings.Repeat("x", webapp.MaxLen)) })), webapp.ErrMalformed},
		{"not a query string", "{\"user\":{\"id\":5000000002}}", webapp.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := webapp.Validate(tc.data, token, maxAge, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate(%q) = %+v, %v; want %v", tc.data, d, err, tc.want)
			}
			if d != (webapp.InitData{}) {
				t.Errorf("refused, yet returned %+v", d)
			}
			if msg := err.Error(); strings.Contains(msg, token) || strings.Contains(msg, hash) || strings.Contains(msg, "AAFakeToken") {
				t.Errorf("error %q tells the token or the hash", msg)
			}
		})
	}
}

// removePair drops the pair of key from a query string.
func removePair(data, key string) string {
	var kept []string
	for _, p := range strings.Split(data, "&") {
		if !strings.HasPrefix(p, key+"=") {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

// mergedPairs is genuine init data whose chat_instance and query_id,
// signed apart, come as one chat_instance with a line break.
func mergedPairs() string {
	f := url.Values{"auth_date": {strconv.FormatInt(now.Unix(), 10)}, "chat_instance": {"C"}, "query_id": {"Q"}, "user": {`{"id":5000000002}`}}
	signed := bottest.SignInitData(token, f)
	hash := signed[strings.LastIndex(signed, "&hash="):]
	return "chat_instance=" + url.QueryEscape("C\nquery_id=Q") + "&user=" + url.QueryEscape(f.Get("user")) +
		"&auth_date=" + f.Get("auth_date") + hash
}
