package webapp_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/bot/webapp"
)

// FuzzValidate: Validate never panics, accepts nothing unsigned, and a
// genuine init data made of the fuzzer's values comes back as it was
// signed, or is refused for the reason its values give.
func FuzzValidate(f *testing.F) {
	f.Add(bottest.SignInitData(token, fields()), int64(5000000002), "Bob", "req_42", int64(60))
	f.Add("query_id=Q&user=%7B%22id%22%3A1%7D&auth_date=1796126400&hash=00", int64(1), "Ann", "", int64(0))
	f.Add("user=%7B%7D&user=%7B%7D&hash=", int64(-1), "Ann\nB", "a\nb", int64(-61))
	f.Add("a=%zz&&=", int64(0), "\xff\xfe", "\u2066", int64(3601))
	f.Add(strings.Repeat("k=v&", 3000), int64(1<<53), strings.Repeat("é", 3000), "x", int64(1<<40))
	f.Fuzz(func(t *testing.T, raw string, id int64, firstName, startParam string, age int64) {
		// Anything at all: no panic, and what passes is signed, fresh and
		// names a user.
		if d, err := webapp.Validate(raw, token, maxAge, now); err == nil {
			vals, _ := url.ParseQuery(raw)
			hash := vals.Get("hash")
			vals.Del("hash")
			if !strings.HasSuffix(bottest.SignInitData(token, vals), "&hash="+strings.ToLower(hash)) {
				t.Errorf("Validate accepted unsigned data %q: %+v", raw, d)
			}
			if d.User.ID <= 0 || now.Sub(d.AuthDate) > maxAge || d.AuthDate.Sub(now) > webapp.MaxSkew {
				t.Errorf("Validate accepted %+v", d)
			}
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("error %q tells the token", err)
		}

		// Genuine data of the fuzzer's values.
		user, _ := json.Marshal(map[string]any{"id": id, "first_name": firstName})
		authDate := now.Unix() - age
		data := bottest.SignInitData(token, url.Values{
			"user":        {string(user)},
			"start_param": {startParam},
			"auth_date":   {strconv.FormatInt(authDate, 10)},
		})
		d, err := webapp.Validate(data, token, maxAge, now)
		var want error
		switch {
		case len(data) > webapp.MaxLen, strings.ContainsAny(startParam, "\r\n"), authDate <= 0:
			want = webapp.ErrMalformed
		case age > int64(maxAge/time.Second):
			want = webapp.ErrStale
		case -age > int64(webapp.MaxSkew/time.Second):
			want = webapp.ErrFuture
		case id <= 0:
			want = webapp.ErrMalformed
		}
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Fatalf("Validate(%q) = %v, want %v", data, err, want)
		}
		if err != nil {
			return
		}
		var sent struct {
			FirstName string `json:"first_name"`
		}
		json.Unmarshal(user, &sent) // invalid UTF-8 became U+FFFD in Marshal
		if d.User.ID != id || d.User.FirstName != sent.FirstName || d.StartParam != startParam || d.AuthDate.Unix() != authDate {
			t.Errorf("Validate = %+v, want user %d %q, start_param %q, auth_date %d", d, id, sent.FirstName, startParam, authDate)
		}
	})
}
