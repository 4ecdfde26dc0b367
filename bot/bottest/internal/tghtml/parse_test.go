package tghtml

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		html  string
		plain string // "" when an error is expected
		err   string
	}{
		{html: `<b>bold</b> and <i>it</i> &amp; <a href="https://example.com/">link</a>`, plain: "bold and it & link"},
		{html: `&lt;3 &#128512; &#x41;&quot;`, plain: `<3 😀 A"`},
		{html: `&lt3 &#65&gt`, plain: `<3 A>`}, // the ';' is optional
		{html: `<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span><s>x</s><u>y</u><code>z</code>`, plain: "spxyz"},
		{html: "<pre><code class=\"language-go\">x := 1</code></pre>", plain: "x := 1"},
		{html: `<blockquote expandable>q</blockquote>`, plain: "q"},
		{html: `<a href="https://example.com/?a=1&b=2">amp in attribute</a>`, plain: "amp in attribute"},
		{html: `<B >x</B>`, plain: "x"},
		{html: `<b>x</>`, plain: "x"},
		{html: `<b unknown=attribute other>x</b>`, plain: "x"},
		{html: `1 < 2`, err: `Unsupported start tag "" at byte offset 2`},
		{html: `<foo>bar</foo>`, err: `Unsupported start tag "foo" at byte offset 0`},
		{html: `<foo href="unclosed`, err: `Unsupported start tag "foo" at byte offset 0`},
		{html: `ok <br/>`, err: `Unsupported start tag "br/" at byte offset 3`},
		{html: `<b>bold`, err: `Can't find end tag corresponding to start tag "b"`},
		{html: `<b><i>x</b></i>`, err: `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{html: `x</b>`, err: `Unexpected end tag at byte offset 1`},
		{html: `x</b`, err: `Unexpected end tag at byte offset 1`},
		{html: `<b>x</b`, err: `Unclosed end tag at byte offset 4`},
		{html: `<b`, err: `Unclosed start tag at byte offset 0`},
		{html: `<b x`, err: `Unclosed start tag "b" at byte offset 0`},
		{html: `<b `, err: `Empty attribute name in the tag "b" at byte offset 0`},
		{html: `<b ="x">`, err: `Empty attribute name in the tag "b" at byte offset 0`},
		{html: `<a href=x!>y</a>`, err: `Unexpected end of name token at byte offset 8`},
		{html: `<a href="x>y`, err: `Unclosed start tag at byte offset 0`},
		{html: `<span>x</span>`, err: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{html: `Tom & Jerry`, err: `Unescaped "&" at byte offset 4`},
		{html: `&nbsp;`, err: `Unescaped "&" at byte offset 0`},
		{html: `&#0;`, err: `Unescaped "&" at byte offset 0`},
		{html: `&#1234567890;`, err: `Unescaped "&" at byte offset 0`},
		{html: `&#xD800;`, err: `Text contains invalid Unicode characters after decoding HTML entities`},
		{html: `a > b`, err: `Unescaped ">" at byte offset 2`},
		{html: `<tg-emoji emoji-id="x">👍</tg-emoji>`, err: `Invalid custom emoji identifier specified`},
	} {
		plain, _, err := Parse(tc.html)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err && !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("Parse(%q) error = %v, want %q", tc.html, err, tc.err)
		case tc.err == "" && (err != nil || plain != tc.plain):
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.html, plain, err, tc.plain)
		}
	}
}

func TestParseEntities(t *testing.T) {
	for _, tc := range []struct {
		html string
		want []Entity
	}{
		{`😀 <b>bold <i>both</i></b> <pre><code class="language-go">x</code></pre> <a href="tg://user?id=5000000002">Bob</a>`, []Entity{
			{Type: "bold", Offset: 3, Length: 9},
			{Type: "italic", Offset: 8, Length: 4},
			{Type: "pre", Offset: 13, Length: 1, Language: "go"},
			{Type: "text_mention", Offset: 15, Length: 3, UserID: 5000000002},
		}},
		// the other nesting of pre and code, and an unquoted value in
		// lower case
		{`<code class=language-Go><pre>x</pre></code>`, []Entity{{Type: "pre", Offset: 0, Length: 1, Language: "go"}}},
		// a language belongs to pre blocks: plain code loses it
		{`<code class="language-go">x</code>`, []Entity{{Type: "code", Offset: 0, Length: 1}}},
		{`<pre>x</pre>`, []Entity{{Type: "pre", Offset: 0, Length: 1}}},
		{`<blockquote expandable>q</blockquote><blockquote>r</blockquote>`, []Entity{
			{Type: "expandable_blockquote", Offset: 0, Length: 1},
			{Type: "blockquote", Offset: 1, Length: 1},
		}},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, []Entity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{`<tg-time unix="1647531900" format="wDT">then</tg-time><tg-time unix="0">never</tg-time>`, []Entity{
			{Type: "date_time", Offset: 0, Length: 4, UnixTime: 1647531900, DateTimeFormat: "wDT"},
		}},
		// links: the href, the content without one, bare hosts, and
		// those Telegram drops
		{`<a href="example.com">a</a><a>https://t.me/x</a><a href="javascript:x">b</a><a href="nohost">c</a>`, []Entity{
			{Type: "text_link", Offset: 0, Length: 1, URL: "http://example.com/"},
			{Type: "text_link", Offset: 1, Length: 14, URL: "https://t.me/x"},
		}},
		// a bare attribute means nothing (but expandable)
		{`<a href="https://x.org" href>y</a>`, []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "https://x.org/"}}},
		// empty elements make nothing
		{`<b></b><i><u></u></i>x`, nil},
		// offsets count UTF-16 code units: an emoji is two
		{`😀<b>😀</b>`, []Entity{{Type: "bold", Offset: 2, Length: 2}}},
	} {
		_, ents, err := Parse(tc.html)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.html, err)
			continue
		}
		if !slices.Equal(ents, tc.want) {
			t.Errorf("Parse(%q) entities = %+v\nwant %+v", tc.html, ents, tc.want)
		}
	}
}

func TestTrim(t *testing.T) {
	text, ents := Trim("  \n😀 <b>x</b> \t", []Entity{
		{Type: "bold", Offset: 0, Length: 4},    // starts in the leading space
		{Type: "italic", Offset: 6, Length: 10}, // runs into the trailing space
		{Type: "code", Offset: 0, Length: 2},    // in the leading space only
		{Type: "pre", Offset: 0, Length: 3},     // all of the leading space, no more
	})
	want := []Entity{{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 3, Length: 8}}
	if text != "😀 <b>x</b>" || !slices.Equal(ents, want) {
		t.Errorf("Trim = %q %+v\nwant %+v", text, ents, want)
	}
}

func TestSort(t *testing.T) {
	ents := []Entity{{Type: "a", Offset: 2, Length: 1}, {Type: "b", Offset: 0, Length: 1}, {Type: "c", Offset: 0, Length: 3}, {Type: "d", Offset: 0, Length: 1}}
	Sort(ents)
	var got []string
	for _, e := range ents {
		got = append(got, e.Type)
	}
	if strings.Join(got, "") != "cbda" {
		t.Errorf("order %q, want c b d a (by offset, longer first, stable)", got)
	}
}

func TestUTF16Count(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "a😀b": 4} {
		if got := UTF16Count(s); got != want {
			t.Errorf("UTF16Count(%q) = %d, want %d", s, got, want)
		}
	}
}
