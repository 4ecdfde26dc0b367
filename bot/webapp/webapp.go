// Package webapp checks the init data that Telegram gives a Mini App (a
// web page that a Telegram client opens for a bot), so that a server can
// tell who opened its page: Telegram signs the data with a key made from
// the bot's token, and only Telegram and the bot know the token.
//
// The scheme is Telegram's ("Validating data received via the Mini App",
// core.telegram.org/bots/webapps): the init data is a URL query string;
// its pairs except hash, decoded, written key=value, sorted by key and
// joined with "\n", are the data-check-string; the secret key is
// HMAC-SHA256 of the token keyed with "WebAppData"; the data is genuine
// when hash is the hex HMAC-SHA256 of the data-check-string keyed with the
// secret key. A signature pair (an Ed25519 signature for third parties,
// in newer clients) stays in the data-check-string like any other.
//
// The signature only says that Telegram made the data, not when it was
// shown: Validate also wants auth_date, the moment the Mini App was
// opened, no older than a maximum age, so that data that leaked (a log, a
// shared screen) soon stops being of use.
//
// Never trust what the page's script read on the client (Telegram's
// initDataUnsafe): send the init data as it came to the server, and check
// it there.
package webapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The errors of Validate, to test with errors.Is. Their texts say what
// was wrong, never the token nor the data's hash.
var (
	// ErrMalformed: not a query string of unique, well-formed pairs, or a
	// signed field (auth_date, user) that cannot be read.
	ErrMalformed = errors.New("webapp: malformed init data")
	// ErrNoHash: the data carries no hash: it was not made by Telegram.
	ErrNoHash = errors.New("webapp: init data without hash")
	// ErrBadSignature: the hash does not match: the data was changed, or
	// signed for another bot.
	ErrBadSignature = errors.New("webapp: init data signature does not match")
	// ErrStale: the data was signed longer ago than the maximum age.
	ErrStale = errors.New("webapp: init data too old")
	// ErrFuture: auth_date lies in the future beyond MaxSkew.
	ErrFuture = errors.New("webapp: init data from the future")
	// ErrNoUser: genuine data that names no user (a Mini App opened from
	// an inline query or an attachment menu in some chats may carry none).
	ErrNoUser = errors.New("webapp: init data without user")
)

// MaxSkew is how far auth_date may lie ahead of the clock: the server's
// clock and Telegram's differ a little.
const MaxSkew = time.Minute

// MaxLen bounds the init data Validate reads. Telegram's is well under a
// kilobyte; the bound keeps a hostile client from making the server
// parse and hash megabytes.
const MaxLen = 8 << 10

// InitData is what Telegram signed about the opening of a Mini App.
type InitData struct {
	User     User      // who opened it
	AuthDate time.Time // when, on Telegram's clock (UTC)
	// QueryID names the Mini App's session, for answerWebAppQuery (not
	// every launch has one).
	QueryID string
	// ChatType is where it was opened from: "sender" (the private chat
	// with the bot), "private", "group", "supergroup" or "channel"; ""
	// when not from a chat.
	ChatType string
	// ChatInstance is a stable identifier of that chat, not its ID.
	ChatInstance string
	// StartParam is the startapp parameter of the link that opened it.
	StartParam string
}

// User is the user of the init data (Telegram's WebAppUser).
type User struct {
	ID              int64  `json:"id"`
	IsBot           bool   `json:"is_bot"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Username        string `json:"username"`
	LanguageCode    string `json:"language_code"`
	IsPremium       bool   `json:"is_premium"`
	AllowsWriteToPM bool   `json:"allows_write_to_pm"`
	PhotoURL        string `json:"photo_url"`
}

// Validate checks init data (the tgWebAppData of the Mini App's launch, as
// it came, still URL-encoded) with the bot's token, and returns what it
// says. It is genuine when its hash matches, and fresh when auth_date
// lies at most maxAge before now and at most MaxSkew after it; maxAge ≤ 0
// accepts no data. Genuine, fresh data without a user is ErrNoUser.
//
// Every pair must be key=value, keys unique and made of ASCII letters,
// digits and '_' (Telegram's are), values without a line break: a value
// holding "\nkey=..." could otherwise pass for two pairs of the
// data-check-string, and a repeated key could mean one thing to the
// signature and another to the reader.
func Validate(initData, botToken string, maxAge time.Duration, now time.Time) (InitData, error) {
	pairs, err := parse(initData)
	if err != nil {
		return InitData{}, err
	}
	i := slices.IndexFunc(pairs, func(p pair) bool { return p.key == "hash" })
	if i < 0 {
		return InitData{}, ErrNoHash
	}
	hash := pairs[i].value
	pairs = slices.Delete(pairs, i, i+1)
	got, err := hex.DecodeString(hash)
	if err != nil || len(got) != sha256.Size {
		return InitData{}, fmt.Errorf("%w: hash is not %d hex digits", ErrBadSignature, 2*sha256.Size)
	}
	if !hmac.Equal(got, sign(pairs, botToken)) {
		return InitData{}, ErrBadSignature
	}

	fields := make(map[string]string, len(pairs))
	for _, p := range pairs {
		fields[p.key] = p.value
	}
	d := InitData{
		QueryID:      fields["query_id"],
		ChatType:     fields["chat_type"],
		ChatInstance: fields["chat_instance"],
		StartParam:   fields["start_param"],
	}
	authDate, ok := fields["auth_date"]
	if !ok {
		return InitData{}, fmt.Errorf("%w: no auth_date", ErrMalformed)
	}
	secs, err := strconv.ParseInt(authDate, 10, 64)
	if err != nil || secs <= 0 {
		return InitData{}, fmt.Errorf("%w: auth_date is not a Unix time", ErrMalformed)
	}
	d.AuthDate = time.Unix(secs, 0).UTC()
	switch age := now.Sub(d.AuthDate); {
	case age < -MaxSkew:
		return InitData{}, fmt.Errorf("%w: auth_date is %s ahead", ErrFuture, (-age).Round(time.Second))
	case maxAge <= 0 || age > maxAge:
		return InitData{}, fmt.Errorf("%w: signed %s ago, at most %s allowed", ErrStale, age.Round(time.Second), maxAge)
	}

	user, ok := fields["user"]
	if !ok {
		return InitData{}, ErrNoUser
	}
	if err := json.Unmarshal([]byte(user), &d.User); err != nil {
		return InitData{}, fmt.Errorf("%w: user is not a WebAppUser in JSON", ErrMalformed)
	}
	if d.User.ID <= 0 {
		return InitData{}, fmt.Errorf("%w: user has no id", ErrMalformed)
	}
	return d, nil
}

// pair is one key=value of the init data, decoded.
type pair struct{ key, value string }

// parse splits the query string into its decoded pairs, in order, and
// refuses what could be read in two ways (see Validate).
func parse(s string) ([]pair, error) {
	if len(s) > MaxLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLen)
	}
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	var pairs []pair
	seen := make(map[string]bool)
	for n, part := range strings.Split(s, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%w: pair %d is not key=value", ErrMalformed, n+1)
		}
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("%w: bad percent-encoding in pair %d", ErrMalformed, n+1)
		case !validKey(key):
			return nil, fmt.Errorf("%w: pair %d has a key other than letters, digits and _", ErrMalformed, n+1)
		case strings.ContainsAny(value, "\r\n"):
			return nil, fmt.Errorf("%w: the value of %s holds a line break", ErrMalformed, key)
		case seen[key]:
			return nil, fmt.Errorf("%w: %s given twice", ErrMalformed, key)
		}
		seen[key] = true
		pairs = append(pairs, pair{key, value})
	}
	return pairs, nil
}

func validKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, c := range []byte(k) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// sign is the HMAC of the pairs' data-check-string with the key that the
// token makes.
func sign(pairs []pair, botToken string) []byte {
	sorted := slices.Clone(pairs)
	slices.SortFunc(sorted, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	lines := make([]string, len(sorted))
	for i, p := range sorted {
		lines[i] = p.key + "=" + p.value
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(botToken))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(strings.Join(lines, "\n")))
	return mac.Sum(nil)
}
