package bottest

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// entity is a MessageEntity produced by parsing a message's text.
type entity struct {
	Type     string
	Offset   int // in UTF-16 code units
	Length   int // in UTF-16 code units
	URL      string
	UserID   int64
	Language string
	EmojiID  string
	UnixTime int64
	Format   string
}

// supportedTags are the tags Telegram's HTML parse mode knows.
var supportedTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true, "del": true,
	"u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "tg-time": true, "span": true,
	"pre": true, "code": true, "blockquote": true,
}

// parseHTML parses text in Telegram's HTML parse mode the way TDLib does and
// returns the plain text and its entities. Errors read like TDLib's
// (`Unsupported start tag "foo" at byte offset 12`); the caller prefixes
// "can't parse entities: ".
//
// Unlike TDLib, which keeps a bare '&' or '>' as a literal character, the
// parser refuses them: Telegram's documentation requires "&amp;" and
// "&gt;", and a bot that leaves them unescaped will break on the next '<'.
// Attribute values stay lenient, as in TDLib (a bare '&' in an href is kept).
func parseHTML(s string) (string, []entity, error) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	type open struct {
		tag, arg string
		date     int64
		offset   int // UTF-16 offset in the output
		start    int // byte offset in the output
	}
	var (
		out   strings.Builder
		ents  []entity
		stack []open
		u16   int
	)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&':
			r, n := decodeHTMLEntity(s, i)
			if n == 0 {
				return "", nil, fmt.Errorf("Unescaped \"&\" at byte offset %d; write it as &amp;", i)
			}
			if r >= 0xd800 && r <= 0xdfff {
				return "", nil, fmt.Errorf("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
			}
			out.WriteRune(r)
			u16 += utf16Len(r)
			i += n
			continue
		case c == '>':
			return "", nil, fmt.Errorf("Unescaped \">\" at byte offset %d; write it as &gt;", i)
		case c != '<':
			if c&0xc0 != 0x80 {
				u16++
				if c >= 0xf0 {
					u16++
				}
			}
			out.WriteByte(c)
			i++
			continue
		}

		begin := i
		i++
		if at(i) != '/' {
			// a start tag
			for !isHTMLSpace(at(i)) && at(i) != '>' {
				i++
			}
			if i >= len(s) {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(s[begin+1 : i])
			if !supportedTags[tag] {
				return "", nil, fmt.Errorf("Unsupported start tag %q at byte offset %d", tag, begin)
			}
			var arg string
			var date int64
			for at(i) != '>' {
				for i < len(s) && isHTMLSpace(s[i]) {
					i++
				}
				if at(i) == '>' {
					break
				}
				nameStart := i
				for c := at(i); !isHTMLSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = at(i) {
					i++
				}
				name := s[nameStart:i]
				if name == "" {
					return "", nil, fmt.Errorf("Empty attribute name in the tag %q at byte offset %d", tag, begin)
				}
				for i < len(s) && isHTMLSpace(s[i]) {
					i++
				}
				if at(i) != '=' {
					if i >= len(s) {
						return "", nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
					}
					if tag == "blockquote" && name == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for i < len(s) && isHTMLSpace(s[i]) {
					i++
				}
				if i >= len(s) {
					return "", nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
				}
				var value string
				if q := s[i]; q != '"' && q != '\'' {
					tokenStart := i
					for c := at(i); isAlnum(c) || c == '.' || c == '-'; c = at(i) {
						i++
					}
					value = strings.ToLower(s[tokenStart:i])
					if c := at(i); !isHTMLSpace(c) && c != '>' {
						return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", tokenStart)
					}
				} else {
					i++
					var v strings.Builder
					for i < len(s) && s[i] != q {
						if s[i] == '&' {
							if r, n := decodeHTMLEntity(s, i); n > 0 {
								v.WriteRune(r)
								i += n
								continue
							}
						}
						v.WriteByte(s[i])
						i++
					}
					if i < len(s) {
						i++ // the closing quote
					}
					value = v.String()
				}
				if i >= len(s) {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				switch {
				case tag == "a" && name == "href":
					arg = value
				case tag == "code" && name == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && name == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && name == "emoji-id":
					arg = value
				case tag == "blockquote" && name == "expandable":
					arg = "1"
				case tag == "tg-time" && name == "unix":
					date, _ = strconv.ParseInt(value, 10, 32)
				case tag == "tg-time" && name == "format":
					arg = value
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, date: date, offset: u16, start: out.Len()})
			i++ // '>'
			continue
		}

		// an end tag
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
		}
		for !isHTMLSpace(at(i)) && at(i) != '>' {
			i++
		}
		endTag := strings.ToLower(s[begin+2 : i])
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
		}
		i++
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, endTag)
		}
		if u16 <= top.offset {
			continue // empty entities are dropped
		}
		e := entity{Offset: top.offset, Length: u16 - top.offset}
		switch top.tag {
		case "b", "strong":
			e.Type = "bold"
		case "i", "em":
			e.Type = "italic"
		case "u", "ins":
			e.Type = "underline"
		case "s", "strike", "del":
			e.Type = "strikethrough"
		case "tg-spoiler", "span":
			e.Type = "spoiler"
		case "tg-emoji":
			if id, err := strconv.ParseInt(top.arg, 10, 64); err != nil || id == 0 {
				return "", nil, fmt.Errorf("Invalid custom emoji identifier specified")
			}
			e.Type, e.EmojiID = "custom_emoji", top.arg
		case "tg-time":
			if top.date <= 0 {
				continue
			}
			e.Type, e.UnixTime, e.Format = "date_time", top.date, top.arg
		case "a":
			link := top.arg
			if link == "" {
				link = out.String()[top.start:]
			}
			if id, ok := mentionUserID(link); ok {
				e.Type, e.UserID = "text_mention", id
			} else if checked := checkedLink(link); checked != "" {
				e.Type, e.URL = "text_link", checked
			} else {
				continue
			}
		case "pre":
			if n := len(ents); n > 0 && ents[n-1].Type == "code" && ents[n-1].Offset == e.Offset && ents[n-1].Length == e.Length && ents[n-1].Language != "" {
				ents[n-1].Type = "pre"
				continue
			}
			e.Type = "pre"
		case "code":
			if n := len(ents); n > 0 && ents[n-1].Type == "pre" && ents[n-1].Offset == e.Offset && ents[n-1].Length == e.Length && top.arg != "" {
				ents[n-1].Language = top.arg
				continue
			}
			e.Type, e.Language = "code", top.arg
		case "blockquote":
			e.Type = "blockquote"
			if top.arg != "" {
				e.Type = "expandable_blockquote"
			}
		}
		ents = append(ents, e)
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].tag)
	}
	for i := range ents {
		if ents[i].Type == "code" {
			ents[i].Language = "" // a language belongs to pre blocks only
		}
	}
	sortEntities(ents)
	return out.String(), ents, nil
}

// decodeHTMLEntity decodes the character reference at s[i] ('&') and returns
// the character and the number of bytes used, or 0 bytes if there is none.
func decodeHTMLEntity(s string, i int) (rune, int) {
	at := func(j int) byte {
		if j < len(s) {
			return s[j]
		}
		return 0
	}
	end := i + 1
	var r rune
	if at(end) == '#' {
		end++
		if at(end) == 'x' {
			end++
			for isHexDigit(at(end)) {
				r = r*16 + rune(hexValue(at(end)))
				end++
				if end-i >= 10 {
					return 0, 0
				}
			}
		} else {
			for c := at(end); c >= '0' && c <= '9'; c = at(end) {
				r = r*10 + rune(c-'0')
				end++
				if end-i >= 10 {
					return 0, 0
				}
			}
		}
		if r == 0 || r >= 0x10ffff {
			return 0, 0
		}
	} else {
		for c := at(end); (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); c = at(end) {
			end++
		}
		switch s[i+1 : end] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, 0
		}
	}
	if at(end) == ';' {
		end++
	}
	return r, end - i
}

// mentionUserID recognises tg://user?id=123 links.
func mentionUserID(link string) (int64, bool) {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, "tg") || !strings.EqualFold(u.Host, "user") {
		return 0, false
	}
	id, err := strconv.ParseInt(u.Query().Get("id"), 10, 64)
	return id, err == nil && id > 0
}

// checkedLink returns the URL a text_link entity gets, or "" when Telegram
// would drop the link as invalid.
func checkedLink(link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	if !strings.Contains(link, "://") {
		if !strings.Contains(link, ".") || strings.ContainsAny(link, " <>\"") {
			return ""
		}
		link = "http://" + link
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		if u.Host == "" {
			return ""
		}
		if u.Path == "" && u.RawQuery == "" && u.Fragment == "" {
			link += "/"
		}
	case "tg", "ton":
	default:
		return ""
	}
	return link
}

// sortEntities orders entities as Telegram returns them: by offset, longer
// first.
func sortEntities(ents []entity) {
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
}

// trimText removes leading and trailing white space from text, as Telegram
// does before it stores a message, and moves the entities along.
func trimText(text string, ents []entity) (string, []entity) {
	trimmedLeft := strings.TrimLeftFunc(text, unicode.IsSpace)
	left := utf16Count(text[:len(text)-len(trimmedLeft)])
	trimmed := strings.TrimRightFunc(trimmedLeft, unicode.IsSpace)
	size := utf16Count(trimmed)
	out := ents[:0:0]
	for _, e := range ents {
		start, end := e.Offset-left, e.Offset+e.Length-left
		start, end = max(start, 0), min(end, size)
		if end <= start {
			continue
		}
		e.Offset, e.Length = start, end-start
		out = append(out, e)
	}
	return trimmed, out
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Count is the length of s in UTF-16 code units, the unit Telegram
// measures texts and entity offsets in.
func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == 0
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
