package tghtml

import (
	"sort"
	"strings"
	"unicode"
)

// Entity is a MessageEntity: a span of a message's text with a meaning.
// Offset and Length are in UTF-16 code units, as in the Bot API.
type Entity struct {
	Type           string // "bold", "text_link", "pre", "bot_command"...
	Offset         int
	Length         int
	URL            string // text_link
	UserID         int64  // text_mention
	Language       string // pre
	CustomEmojiID  string // custom_emoji
	UnixTime       int64  // date_time
	DateTimeFormat string // date_time
}

// Sort orders entities as Telegram returns them: by offset, longer
// first, in a stable way.
func Sort(ents []Entity) {
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
}

// Trim removes leading and trailing white space from text, as Telegram
// does before it stores a message, and moves the entities along: cut to
// what is left of their span, and dropped when nothing is.
func Trim(text string, ents []Entity) (string, []Entity) {
	trimmedLeft := strings.TrimLeftFunc(text, unicode.IsSpace)
	left := UTF16Count(text[:len(text)-len(trimmedLeft)])
	trimmed := strings.TrimRightFunc(trimmedLeft, unicode.IsSpace)
	size := UTF16Count(trimmed)
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

// UTF16Len is the length of r in UTF-16 code units.
func UTF16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// UTF16Count is the length of s in UTF-16 code units, the unit Telegram
// measures texts and entity offsets in.
func UTF16Count(s string) int {
	n := 0
	for _, r := range s {
		n += UTF16Len(r)
	}
	return n
}
