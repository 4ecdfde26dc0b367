package tghtml

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// supported are the tags Telegram's HTML parse mode knows.
var supported = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true, "del": true,
	"u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "tg-time": true, "span": true,
	"pre": true, "code": true, "blockquote": true,
}

// element is a start tag waiting for its end tag.
type element struct {
	tag    string
	arg    string // what the tag's attributes say: an href, a language, a class...
	date   int64  // tg-time's unix attribute
	offset int    // where its content starts in the text, in UTF-16 code units
	start  int    // where its content starts in the text, in bytes
}

// checkSupported refuses a tag Telegram does not know, found at byte
// offset at.
func checkSupported(tag string, at int) error {
	if !supported[tag] {
		return fmt.Errorf("Unsupported start tag %q at byte offset %d", tag, at)
	}
	return nil
}

// openElement keeps what the attributes of a supported start tag found at
// byte offset at mean; the caller sets offset and start.
func openElement(tag string, attrs []attr, at int) (element, error) {
	el := element{tag: tag}
	for _, a := range attrs {
		el.apply(a)
	}
	if tag == "span" && el.arg != "spoiler" {
		return element{}, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", at)
	}
	return el, nil
}

// apply reads one attribute; those a tag does not know are ignored, as
// TDLib ignores them.
func (el *element) apply(a attr) {
	if el.tag == "blockquote" && a.name == "expandable" {
		el.arg = "1" // with or without a value
		return
	}
	if !a.valued {
		return
	}
	switch {
	case el.tag == "a" && a.name == "href":
		el.arg = a.value
	case el.tag == "code" && a.name == "class" && strings.HasPrefix(a.value, "language-"):
		el.arg = a.value[len("language-"):]
	case el.tag == "span" && a.name == "class" && strings.HasPrefix(a.value, "tg-"):
		el.arg = a.value[len("tg-"):]
	case el.tag == "tg-emoji" && a.name == "emoji-id":
		el.arg = a.value
	case el.tag == "tg-time" && a.name == "unix":
		el.date, _ = strconv.ParseInt(a.value, 10, 32)
	case el.tag == "tg-time" && a.name == "format":
		el.arg = a.value
	}
}

// closeElement adds the entity an element makes, now that its content
// ends at UTF-16 offset end; text is the text so far. Empty elements make
// none, nor do links Telegram drops and tg-time without a date.
func closeElement(ents []Entity, el element, end int, text string) ([]Entity, error) {
	if end <= el.offset {
		return ents, nil
	}
	e, ok, err := el.entity(text[el.start:])
	if err != nil || !ok {
		return ents, err
	}
	e.Offset, e.Length = el.offset, end-el.offset
	return appendMerged(ents, e), nil
}

// entity is the entity an element with that content makes, without its
// place; ok is false when it makes none.
func (el element) entity(content string) (e Entity, ok bool, err error) {
	switch el.tag {
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
	case "pre":
		e.Type = "pre"
	case "code":
		e.Type, e.Language = "code", el.arg
	case "blockquote":
		e.Type = "blockquote"
		if el.arg != "" {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		if id, err := strconv.ParseInt(el.arg, 10, 64); err != nil || id == 0 {
			return e, false, fmt.Errorf("Invalid custom emoji identifier specified")
		}
		e.Type, e.CustomEmojiID = "custom_emoji", el.arg
	case "tg-time":
		if el.date <= 0 {
			return e, false, nil
		}
		e.Type, e.UnixTime, e.DateTimeFormat = "date_time", el.date, el.arg
	case "a":
		return linkEntity(el.arg, content)
	}
	return e, true, nil
}

// linkEntity is what <a href="link">content</a> makes: a text_mention for
// tg://user?id=N, a text_link for a URL Telegram accepts, nothing for the
// rest. Without an href, the content is the link.
func linkEntity(link, content string) (Entity, bool, error) {
	if link == "" {
		link = content
	}
	if id, ok := mentionUserID(link); ok {
		return Entity{Type: "text_mention", UserID: id}, true, nil
	}
	if checked := checkedLink(link); checked != "" {
		return Entity{Type: "text_link", URL: checked}, true, nil
	}
	return Entity{}, false, nil
}

// appendMerged appends e, merging <pre><code class="language-x"> (in
// either nesting) into one pre entity with a language, as TDLib does.
func appendMerged(ents []Entity, e Entity) []Entity {
	if n := len(ents); n > 0 {
		last := &ents[n-1]
		sameSpan := last.Offset == e.Offset && last.Length == e.Length
		switch {
		case e.Type == "pre" && last.Type == "code" && sameSpan && last.Language != "":
			last.Type = "pre"
			return ents
		case e.Type == "code" && last.Type == "pre" && sameSpan && e.Language != "":
			last.Language = e.Language
			return ents
		}
	}
	return append(ents, e)
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
