package bottest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The expected hashes below were computed apart from this package, with
// Python's hmac and hashlib:
//
//	secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
//	hmac.new(secret, "\n".join(sorted(pairs)).encode(), hashlib.sha256).hexdigest()
const signToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// TestSignInitDataMatchesTelegramsScheme: the hash is Telegram's HMAC of
// the sorted pairs, and the fields come URL-encoded in Telegram's order,
// which is not the sorted one.
func TestSignInitDataMatchesTelegramsScheme(t *testing.T) {
	user := `{"id":279058397,"first_name":"Vladislav","last_name":"Kibenko","username":"vdkfrost","language_code":"ru","is_premium":true,"allows_write_to_pm":true}`
	got := SignInitData(signToken, url.Values{
		"auth_date":   {"1662771648"},
		"start_param": {"a b&c=d"},
		"user":        {user},
		"query_id":    {"AAHdF6IQAAAAAN0XohDhrOrc"},
		"hash":        {"0000"}, // left out
	})
	want := "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=" + url.QueryEscape(user) +
		"&start_param=a+b%26c%3Dd&auth_date=1662771648" +
		"&hash=bbcb13b3d8a13a518d9a0c4e7a95cea39ecb8aa983a8dfafefb50df35afa34ed"
	if got != want {
		t.Errorf("SignInitData =\n%s\nwant\n%s", got, want)
	}

	// A repeated key: both pairs, in the order given, in the hash too.
	got = SignInitData(signToken, url.Values{"user": {"one", "two"}, "auth_date": {"1662771648"}})
	want = "user=one&user=two&auth_date=1662771648&hash=0bcce768b16ce44389c0b002fb6a02ae6a517d203e8868e2ecda24e006fa0e34"
	if got != want {
		t.Errorf("SignInitData with a repeated key =\n%s\nwant\n%s", got, want)
	}
}

// TestWebAppInitData: the init data of a Mini App the bot showed names
// the requester, carries the clock's time and a session of its own, and
// is signed with the bot's token.
func TestWebAppInitData(t *testing.T) {
	srv, clock := guardWorld(t)
	srv.AddUser(User{ID: 5000000009, FirstName: "Дарья", LastName: "Ng", UserName: "darya", LanguageCode: "uk"})
	q := pushQuery(t, srv, 5000000009)
	clock.Advance(3 * time.Second)
	mustPost(t, srv, "sendChatJoinRequestWebApp", map[string]string{"chat_join_request_query_id": q, "web_app_url": "https://example.com/verify/x"})
	clock.Advance(time.Minute)

	data := srv.WebAppInitData(q)
	fields, err := url.ParseQuery(data)
	if err != nil {
		t.Fatalf("init data %q: %v", data, err)
	}
	if !strings.HasPrefix(data, "query_id=") || !strings.Contains(data, "&auth_date=") {
		t.Errorf("init data not in Telegram's order: %s", data)
	}
	var user map[string]any
	if err := json.Unmarshal([]byte(fields.Get("user")), &user); err != nil {
		t.Fatalf("user %q: %v", fields.Get("user"), err)
	}
	wantUser := map[string]any{"id": 5000000009.0, "first_name": "Дарья", "last_name": "Ng", "username": "darya",
		"language_code": "uk", "allows_write_to_pm": true}
	if len(user) != len(wantUser) {
		t.Errorf("user = %v, want %v", user, wantUser)
	}
	for k, v := range wantUser {
		if user[k] != v {
			t.Errorf("user[%s] = %v, want %v", k, user[k], v)
		}
	}
	if !strings.Contains(fields.Get("user"), `\u0414`) {
		t.Errorf("user %s: non-ASCII not escaped as Telegram does", fields.Get("user"))
	}
	if got := fields.Get("auth_date"); got != strconv.FormatInt(clock.Now().Unix(), 10) {
		t.Errorf("auth_date = %s, want the clock's %d", got, clock.Now().Unix())
	}
	if s := fields.Get("query_id"); s == "" || s == q {
		t.Errorf("query_id = %q (the join request query is %q)", s, q)
	}
	if fields.Get("signature") == "" {
		t.Errorf("no signature field: %s", data)
	}
	hash := fields.Get("hash")
	fields.Del("hash")
	if again := SignInitData(srv.Token(), fields); !strings.HasSuffix(again, "&hash="+hash) {
		t.Errorf("init data not signed with the bot's token:\n%s\nsigned again:\n%s", data, again)
	}
	if other := SignInitData("42:other", fields); strings.HasSuffix(other, "&hash="+hash) {
		t.Errorf("another token gives the same hash")
	}
	if got, want := srv.SignInitData(fields), SignInitData(srv.Token(), fields); got != want {
		t.Errorf("srv.SignInitData = %s, want it signed with the server's token: %s", got, want)
	}

	// Another request, another session.
	q2 := pushQuery(t, srv, carol)
	mustPost(t, srv, "sendChatJoinRequestWebApp", map[string]string{"chat_join_request_query_id": q2, "web_app_url": "https://example.com/verify/y"})
	f2, _ := url.ParseQuery(srv.WebAppInitData(q2))
	if f2.Get("query_id") == fields.Get("query_id") || !strings.Contains(f2.Get("user"), `"first_name":"Carol"`) {
		t.Errorf("second init data = %v", f2)
	}
}

// TestWebAppInitDataWithoutMiniApp: no Mini App shown, no init data.
func TestWebAppInitDataWithoutMiniApp(t *testing.T) {
	rec := newRecorder(t)
	b := defaultBot
	b.SupportsJoinRequestQueries = true
	srv := newWorld(rec, WithBot(b))
	srv.SetGuardBot(group, true)
	q := pushQuery(t, srv, bob)
	if data := srv.WebAppInitData(q); data != "" {
		t.Errorf("WebAppInitData = %q", data)
	}
	srv.WebAppInitData("no such query")
	if f := rec.Fatals(); len(f) != 2 || !strings.Contains(f[0], "sendChatJoinRequestWebApp") || !strings.Contains(f[1], `"no such query"`) {
		t.Errorf("reported %q", f)
	}
}
