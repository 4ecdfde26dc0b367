package handlers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The commands whose arguments this file parses. Error messages name them.
const (
	cmdCreate = "/createlink"
	cmdEdit   = "/editlink"
	cmdRevoke = "/revokelink"
)

const (
	maxNameLen     = 32                     // runes in a link's name
	maxMemberLimit = 99999                  // members a link may admit
	maxAhead       = 36525 * 24 * time.Hour // 100 years: the furthest expiry
)

// maxQuoted is how many characters of the user's input a message quotes.
const maxQuoted = 64

// argErr is a user's mistake in a command's arguments: an Invalid
// *text.Error whose message says what was wrong and how to do it right, on
// one line. The strings among its values, which may be the user's input,
// are cut to maxQuoted characters, so that the message fits in a Telegram
// message whatever was typed, and any white space in them becomes a plain
// space, so that the message stays on one line.
func argErr(id string, kv ...any) *text.Error {
	kv = slices.Clone(kv)
	for i := 1; i < len(kv); i += 2 {
		if s, ok := kv[i].(string); ok {
			kv[i] = oneLine(clip(s))
		}
	}
	return text.Err(text.Invalid, id, kv...)
}

// oneLine turns every white space of s into a plain space.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
}

// clip cuts s to maxQuoted characters, the last of them "…".
func clip(s string) string {
	n := 0
	for i := range s {
		if n == maxQuoted-1 {
			if utf8.RuneCountInString(s[i:]) > 1 {
				return s[:i] + "…"
			}
			break
		}
		n++
	}
	return s
}

// errLimitRequest refuses a member limit on a link that needs approval.
var errLimitRequest = argErr("args.limit_request")

// Ref names a link: exactly one of Number, URL, Name is set.
type Ref struct {
	Number int64
	URL    string
	Name   string
}

// String returns "#3", the URL, or the name in quotes, for replies.
func (r Ref) String() string {
	switch {
	case r.Number != 0:
		return "#" + strconv.FormatInt(r.Number, 10)
	case r.URL != "":
		return r.URL
	case r.Name != "":
		return "“" + r.Name + "”"
	}
	return ""
}

// CreateArgs are /createlink's arguments. Zero ExpiresAt: never; zero MemberLimit: none.
type CreateArgs struct {
	Name        string
	ExpiresAt   time.Time // UTC
	MemberLimit int
	JoinRequest bool
	// JoinMode (join=) is how requests through the link are handled, ""
	// for the chat's way; it implies JoinRequest.
	JoinMode store.JoinMode
	// Count is how many links to make (count=N, 2 to 50), named "NAME 1"
	// to "NAME N"; 0 for one.
	Count int
	// Price makes a subscription link (price=STARS, 1 to 10000); 0 for none.
	Price int
}

// EditArgs are /editlink's arguments: the link, and the fields to change (nil: unchanged;
// pointer to zero value: clear -- empty name, zero time = never expires, 0 = no limit, false = no approval).
type EditArgs struct {
	Ref         Ref
	Name        *string
	ExpiresAt   *time.Time
	MemberLimit *int
	JoinRequest *bool
	// JoinMode (join=): a mode implies JoinRequest; a pointer to ""
	// (join=none) removes the link's own mode.
	JoinMode *store.JoinMode
}

// argOption is one option of a command: key=value or a bare word such as request.
type argOption struct {
	text  string   // as typed, for messages
	key   string   // lower case, ending in "=" for key=value: "limit=", "request"
	value string   // after the "="
	after []string // the plain words that follow, up to the next option
}

// splitArgs splits args at white space into the plain words before the first
// option, and the options.
func splitArgs(args string) (lead []string, opts []argOption) {
	words := strings.Fields(args)
	for i := 0; i < len(words); i++ {
		w := words[i]
		key, value, isKV := strings.Cut(w, "=")
		key = strings.ToLower(key)
		switch {
		case isKV && key == "expire" && i+1 < len(words) && isBareDate(value) && isClock(words[i+1]):
			// expire=2026-12-31 18:00, a date and time as people write
			// them: the time is the expiry's, not a word of the name.
			opts = append(opts, argOption{text: w + " " + words[i+1], key: "expire=", value: value + " " + words[i+1]})
			i++
		case isKV:
			opts = append(opts, argOption{text: w, key: key + "=", value: value})
		case key == "request" || key == "norequest":
			opts = append(opts, argOption{text: w, key: key})
		case len(opts) == 0:
			lead = append(lead, w)
		default:
			o := &opts[len(opts)-1]
			o.after = append(o.after, w)
		}
	}
	return lead, opts
}

// argOptionKeys are the options each command takes.
var argOptionKeys = map[string][]string{
	cmdCreate: {"name=", "expire=", "limit=", "request", "join=", "count=", "price="},
	cmdEdit:   {"name=", "expire=", "limit=", "request", "norequest", "join="},
}

// argExample shows opt in a whole command line, e.g. "/createlink Partners limit=50".
func argExample(cmd, opt string) string {
	switch {
	case cmd == cmdEdit:
		return "/editlink #3 " + opt
	case strings.HasPrefix(opt, "name="):
		return "/createlink " + opt
	}
	return "/createlink Partners " + opt
}

// argOptionExample shows each option with a value.
var argOptionExample = map[string]string{
	"name=":     "name=Summer sale",
	"expire=":   "expire=7d",
	"limit=":    "limit=50",
	"request":   "request",
	"norequest": "norequest",
	"join=":     "join=verify",
	"count=":    "count=10",
	"price=":    "price=100",
}

// checkOptions refuses options that cmd doesn't know, options given twice and
// empty values.
func checkOptions(cmd string, opts []argOption) error {
	seen := make(map[string]bool)
	for _, o := range opts {
		if !slices.Contains(argOptionKeys[cmd], o.key) {
			if cmd == cmdEdit {
				return argErr("args.unknown_option_edit", "Option", o.text)
			}
			return argErr("args.unknown_option_create", "Option", o.text)
		}
		if seen[o.key] {
			return argErr("args.option_twice", "Option", strings.TrimSuffix(o.key, "="), "Example", argExample(cmd, argOptionExample[o.key]))
		}
		seen[o.key] = true
		if o.value == "" && strings.HasSuffix(o.key, "=") && o.key != "name=" {
			return argErr("args.option_value", "Option", o.key, "Example", argExample(cmd, argOptionExample[o.key]))
		}
	}
	return nil
}

// ParseCreateArgs parses /createlink [NAME] [expire=WHEN] [limit=N] [request].
// The plain words, wherever they are, form the name; name=NAME is another way
// to give it, followed like in /editlink by the plain words up to the next option.
func ParseCreateArgs(args string, now time.Time) (CreateArgs, error) {
	lead, opts := splitArgs(args)
	if err := checkOptions(cmdCreate, opts); err != nil {
		return CreateArgs{}, err
	}
	var (
		a          CreateArgs
		plain      = lead
		named      []string
		hasNameOpt bool // name= is given
		err        error
	)
	for _, o := range opts {
		switch o.key {
		case "name=":
			hasNameOpt = true
			if named, err = nameWords(cmdCreate, o); err != nil {
				return CreateArgs{}, err
			}
			continue
		case "expire=":
			a.ExpiresAt, err = parseExpire(o.value, now)
		case "limit=":
			a.MemberLimit, err = parseLimit(cmdCreate, o.value)
		case "request":
			a.JoinRequest = true
		case "join=":
			if a.JoinMode, err = parseJoinMode(cmdCreate, o.value); err == nil {
				a.JoinRequest = true
			}
		case "count=":
			a.Count, err = parseBounded(o.value, minCount, maxCount, "args.count")
		case "price=":
			a.Price, err = parseBounded(o.value, 1, maxPrice, "args.price")
		}
		if err != nil {
			return CreateArgs{}, err
		}
		plain = append(plain, o.after...)
	}
	if hasNameOpt && len(plain) > 0 {
		return CreateArgs{}, argErr("args.name_twice", "Words", strings.Join(plain, " "))
	}
	if !hasNameOpt {
		named = plain
	}
	if a.Name, err = joinName(named); err != nil {
		return CreateArgs{}, err
	}
	if a.MemberLimit > 0 && a.JoinRequest {
		return CreateArgs{}, errLimitRequest
	}
	return a, checkBatchAndPrice(a)
}

// The bounds of count= and price=.
const (
	minCount = 2
	maxCount = 50
	maxPrice = 10000 // Telegram Stars
)

// parseBounded parses a whole number from lo to hi; a mistake is the
// message id, which shows the bounds.
func parseBounded(s string, lo, hi int, id string) (int, error) {
	if n, ok := parseDigits(s); ok && int64(lo) <= n && n <= int64(hi) {
		return int(n), nil
	}
	return 0, argErr(id, "Min", lo, "Max", hi)
}

// checkBatchAndPrice refuses what count= and price= cannot come with: a
// batch's names must leave room for their number; a subscription link
// has no limit, approval, expiry or batch (Telegram's rules, and ours).
func checkBatchAndPrice(a CreateArgs) error {
	if a.Count > 0 {
		room := maxNameLen - len(" ") - len(strconv.Itoa(a.Count))
		if n := utf8.RuneCountInString(a.Name); n > room {
			return argErr("args.count_name_long", "Count", a.Count, "Max", room)
		}
	}
	if a.Price > 0 {
		switch {
		case a.MemberLimit > 0:
			return argErr("args.price_with", "Option", "limit=")
		case a.JoinMode != "":
			return argErr("args.price_with", "Option", "join=")
		case a.JoinRequest:
			return argErr("args.price_with", "Option", "request")
		case !a.ExpiresAt.IsZero():
			return argErr("args.price_with", "Option", "expire=")
		case a.Count > 0:
			return argErr("args.price_with", "Option", "count=")
		}
	}
	return nil
}

// ParseEditArgs parses
// /editlink REF [name=NAME] [expire=WHEN|never] [limit=N|none] [request|norequest].
// REF is the words before the first option; the plain words after name= belong
// to the new name.
func ParseEditArgs(args string, now time.Time) (EditArgs, error) {
	lead, opts := splitArgs(args)
	ref, err := parseRef(lead, cmdEdit)
	if err != nil {
		return EditArgs{}, err
	}
	if err := checkOptions(cmdEdit, opts); err != nil {
		return EditArgs{}, err
	}
	a := EditArgs{Ref: ref}
	for _, o := range opts {
		if o.key == "name=" {
			words, err := nameWords(cmdEdit, o)
			if err != nil {
				return EditArgs{}, err
			}
			name, err := joinName(words)
			if err != nil {
				return EditArgs{}, err
			}
			a.Name = &name
			continue
		}
		if len(o.after) > 0 {
			return EditArgs{}, argErr("args.words_after_option", "Words", strings.Join(o.after, " "), "Option", o.text)
		}
		switch o.key {
		case "expire=":
			t, err := parseExpire(o.value, now)
			if err != nil {
				return EditArgs{}, err
			}
			a.ExpiresAt = &t
		case "limit=":
			n, err := parseLimit(cmdEdit, o.value)
			if err != nil {
				return EditArgs{}, err
			}
			a.MemberLimit = &n
		case "request", "norequest":
			if a.JoinRequest != nil {
				return EditArgs{}, argErr("args.request_norequest")
			}
			a.JoinRequest = new(o.key == "request")
		case "join=":
			m, err := parseJoinMode(cmdEdit, o.value)
			if err != nil {
				return EditArgs{}, err
			}
			a.JoinMode = &m
		}
	}
	if a.JoinMode != nil && *a.JoinMode != "" {
		// A join mode needs requests.
		if a.JoinRequest != nil && !*a.JoinRequest {
			return EditArgs{}, argErr("args.join_norequest")
		}
		a.JoinRequest = new(true)
	}
	switch {
	case a.JoinRequest != nil && *a.JoinRequest && a.MemberLimit != nil && *a.MemberLimit > 0:
		return EditArgs{}, errLimitRequest
	case a.Name == nil && a.ExpiresAt == nil && a.MemberLimit == nil && a.JoinRequest == nil && a.JoinMode == nil:
		return EditArgs{}, argErr("args.nothing_to_change", "Ref", ref.String())
	}
	return a, nil
}

// ParseRevokeArgs parses /revokelink's REF (the whole argument string).
func ParseRevokeArgs(args string) (Ref, error) {
	return parseRef(strings.Fields(args), cmdRevoke)
}

// ParseRef parses a REF: #N, an invite link's URL, or a link's name (at most
// 32 characters, like every NAME).
func ParseRef(s string) (Ref, error) {
	return parseRef(strings.Fields(s), "")
}

// refExample shows, per command, a REF in a whole command line.
var refExample = map[string]string{
	cmdEdit:   "/editlink #3 limit=100",
	cmdRevoke: "/revokelink #3",
	"":        "#3",
}

// parseRef parses the words of a REF for cmd ("" if none).
func parseRef(words []string, cmd string) (Ref, error) {
	eg := refExample[cmd]
	if len(words) == 0 {
		switch cmd {
		case cmdEdit:
			return Ref{}, argErr("args.ref_missing_edit")
		case cmdRevoke:
			return Ref{}, argErr("args.ref_missing_revoke")
		}
		return Ref{}, argErr("args.ref_missing", "Example", eg)
	}
	var ref Ref
	switch first := words[0]; {
	case strings.HasPrefix(first, "#"):
		n, ok := parseDigits(first[1:])
		if !ok || n < 1 {
			return Ref{}, argErr("args.ref_number", "Ref", first, "Example", eg)
		}
		ref.Number = n
	case looksLikeURL(first):
		url, ok := normaliseURL(first)
		if !ok {
			return Ref{}, argErr("args.ref_url", "Ref", first, "Example", eg)
		}
		ref.URL = url
	default:
		name := strings.Join(words, " ")
		if n := utf8.RuneCountInString(name); n > maxNameLen {
			return Ref{}, argErr("args.ref_name_long", "Name", name, "Max", maxNameLen, "Example", eg)
		}
		return Ref{Name: name}, nil
	}
	if len(words) > 1 {
		rest := strings.Join(words[1:], " ")
		if cmd == cmdEdit {
			return Ref{}, argErr("args.ref_then_words_edit", "Words", rest, "Ref", words[0])
		}
		return Ref{}, argErr("args.ref_then_words", "Words", rest, "Ref", words[0], "Example", eg)
	}
	return ref, nil
}

// looksLikeURL tells whether s is meant as a URL.
func looksLikeURL(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "t.me/")
}

// normaliseURL returns the https://t.me/... form of an invite link's URL,
// ok false if s is not one.
func normaliseURL(s string) (url string, ok bool) {
	for _, scheme := range []string{"https://", "http://"} {
		if hasPrefixFold(s, scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if !hasPrefixFold(s, "t.me/") {
		return "", false
	}
	s = s[len("t.me/"):]
	var path string
	switch {
	case strings.HasPrefix(s, "+"):
		path = "+"
	case hasPrefixFold(s, "joinchat/"):
		path = "joinchat/"
	default:
		return "", false
	}
	hash := s[len(path):]
	if hash == "" || strings.ContainsFunc(hash, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-')
	}) {
		return "", false
	}
	return "https://t.me/" + path + hash, true
}

// hasPrefixFold is strings.HasPrefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseDigits parses a whole number written with digits only: no sign, no spaces.
func parseDigits(s string) (int64, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// nameWords returns the words of cmd's name= option o: its value and the plain
// words after it. A value that is an option itself (name=limit=5, name=request)
// is refused: a NAME's words are not options, and more likely a space is missing.
func nameWords(cmd string, o argOption) ([]string, error) {
	switch {
	case o.value == "":
		return o.after, nil
	case strings.Contains(o.value, "=") || strings.EqualFold(o.value, "request") || strings.EqualFold(o.value, "norequest"):
		return nil, argErr("args.name_is_option", "Option", o.text, "Name", o.value, "Example", argExample(cmd, "name=Summer sale limit=5"))
	}
	return append([]string{o.value}, o.after...), nil
}

// joinName joins a name's words with single spaces and checks its length.
func joinName(words []string) (string, error) {
	name := strings.Join(words, " ")
	if n := utf8.RuneCountInString(name); n > maxNameLen {
		return "", argErr("args.name_long", "Count", n, "Max", maxNameLen)
	}
	return name, nil
}

// parseLimit parses limit=N's N for cmd; /editlink also takes none (0: no limit).
func parseLimit(cmd, s string) (int, error) {
	if cmd == cmdEdit && strings.EqualFold(s, "none") {
		return 0, nil
	}
	if n, ok := parseDigits(s); ok && 1 <= n && n <= maxMemberLimit {
		return int(n), nil
	}
	if cmd == cmdEdit {
		return 0, argErr("args.limit_edit", "Max", maxMemberLimit)
	}
	return 0, argErr("args.limit", "Max", maxMemberLimit)
}

// parseJoinMode parses join='s value: manual, auto or verify, and for
// /editlink none (the chat's way, "").
func parseJoinMode(cmd, s string) (store.JoinMode, error) {
	switch m := store.JoinMode(strings.ToLower(s)); m {
	case store.JoinManual, store.JoinAuto, store.JoinVerify:
		return m, nil
	case "none":
		if cmd == cmdEdit {
			return "", nil
		}
	}
	if cmd == cmdEdit {
		return "", argErr("args.join_edit", "Value", clip(s))
	}
	return "", argErr("args.join", "Value", clip(s))
}

// parseExpire parses expire='s value: WHEN, or never (the zero time).
func parseExpire(s string, now time.Time) (time.Time, error) {
	if strings.EqualFold(s, "never") {
		return time.Time{}, nil
	}
	return ParseWhen(s, now)
}

// ParseWhen parses WHEN relative to now (UTC result). WHEN is a duration from
// now made of NUMBER+UNIT pairs, units m, h, d and w (30m, 12h, 7d, 2w, 1d12h),
// or a UTC date, YYYY-MM-DD or YYYY-MM-DDTHH:MM. It must lie in the future,
// at most 100 years ahead.
func ParseWhen(s string, now time.Time) (time.Time, error) {
	now = now.UTC()
	date := fmt.Sprintf("%d-12-31", now.Year()+1) // for examples
	if d, ok := parseDuration(s); ok {
		switch {
		case d == 0:
			return time.Time{}, argErr("args.when_not_future", "When", s, "Date", date)
		case d > maxAhead:
			return time.Time{}, argErr("args.when_too_far", "When", s, "Date", date)
		}
		return now.Add(d), nil
	}
	t, ok := parseDate(s)
	switch {
	case !ok:
		return time.Time{}, argErr("args.when_invalid", "When", s, "Date", date)
	case !t.After(now):
		return time.Time{}, argErr("args.when_past", "When", s, "Date", date)
	case t.Sub(now) > maxAhead:
		return time.Time{}, argErr("args.when_too_far", "When", s, "Date", date)
	}
	return t, nil
}

// durationUnits are WHEN's units.
var durationUnits = map[byte]time.Duration{
	'm': time.Minute,
	'h': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
}

// parseDuration parses one or more NUMBER+UNIT pairs such as 1d12h. A total
// beyond maxAhead comes back as maxAhead+1, so that it cannot overflow.
func parseDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	s = strings.ToLower(s)
	var total time.Duration
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, false // no number, or no unit after it
		}
		unit, ok := durationUnits[s[i]]
		if !ok {
			return 0, false
		}
		if n, err := strconv.ParseInt(s[:i], 10, 64); err != nil || n > int64(maxAhead/unit) {
			total = maxAhead + 1
		} else {
			total = min(total+time.Duration(n)*unit, maxAhead+1)
		}
		s = s[i+1:]
	}
	return total, true
}

// parseDate parses YYYY-MM-DD (00:00 UTC) or YYYY-MM-DDTHH:MM (UTC), or
// YYYY-MM-DD HH:MM.
func parseDate(s string) (time.Time, bool) {
	layout := "2006-01-02T15:04"
	if len(s) == len("2006-01-02") {
		layout = layout[:len(s)]
	} else if len(s) != len(layout) {
		return time.Time{}, false
	}
	if len(s) == len("2006-01-02T15:04") && s[len("2006-01-02")] == ' ' {
		layout = "2006-01-02 15:04" // expire=2026-12-31 18:00: splitArgs joins the two words so
	}
	s = strings.Replace(s, "t", "T", 1)
	// time.Parse would take a one-digit hour: insist on the layout's shape.
	for i := range len(s) {
		if isDigitByte(layout[i]) != isDigitByte(s[i]) || !isDigitByte(s[i]) && s[i] != layout[i] {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

// isBareDate tells whether s is a date without a time, YYYY-MM-DD.
func isBareDate(s string) bool {
	_, ok := parseDate(s)
	return ok && len(s) == len("2006-01-02")
}

// isClock tells whether s has the shape of a time of day, HH:MM.
func isClock(s string) bool {
	return len(s) == len("15:04") && s[2] == ':' && isDigitByte(s[0]) && isDigitByte(s[1]) && isDigitByte(s[3]) && isDigitByte(s[4])
}

// isDigitByte tells whether b is an ASCII digit.
func isDigitByte(b byte) bool { return '0' <= b && b <= '9' }
