package tghtml

import (
	"fmt"
	"strings"
)

// lexer cuts HTML source into text and tags. The parser drives it one
// step at a time (text, a start tag's name, its attributes, an end tag),
// so that errors come in the order TDLib reports them: an unsupported
// tag before its malformed attributes, an end tag with nothing open
// before its malformed end.
type lexer struct {
	src string
	pos int // the byte offset of what comes next
}

// next tells what comes next in the source.
type next int

const (
	atEnd next = iota
	atText
	atStartTag
	atEndTag
)

func (lx *lexer) peek() next {
	switch {
	case lx.pos >= len(lx.src):
		return atEnd
	case lx.src[lx.pos] != '<':
		return atText
	case lx.at(1) == '/':
		return atEndTag
	}
	return atStartTag
}

// at returns the byte n bytes ahead, or 0 past the end (which, as in
// TDLib, counts as white space).
func (lx *lexer) at(n int) byte { return byteAt(lx.src, lx.pos+n) }

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func (lx *lexer) eof() bool { return lx.pos >= len(lx.src) }

func (lx *lexer) skipSpace() {
	for !lx.eof() && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
}

// text reads text up to the next tag, with its character references
// decoded. A bare '&' or '>' is an error (TDLib would keep it).
func (lx *lexer) text() (string, error) {
	var b strings.Builder
	for !lx.eof() {
		switch c := lx.src[lx.pos]; c {
		case '<':
			return b.String(), nil
		case '>':
			return "", fmt.Errorf("Unescaped \">\" at byte offset %d; write it as &gt;", lx.pos)
		case '&':
			r, n := decodeCharRef(lx.src, lx.pos)
			if n == 0 {
				return "", fmt.Errorf("Unescaped \"&\" at byte offset %d; write it as &amp;", lx.pos)
			}
			if r >= 0xd800 && r <= 0xdfff {
				return "", fmt.Errorf("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
			}
			b.WriteRune(r)
			lx.pos += n
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
	return b.String(), nil
}

// startTag reads '<' and the tag's name, which it returns in lower case.
func (lx *lexer) startTag() (string, error) {
	begin := lx.pos
	lx.pos++
	for !isSpace(lx.at(0)) && lx.at(0) != '>' {
		lx.pos++
	}
	if lx.eof() {
		return "", fmt.Errorf("Unclosed start tag at byte offset %d", begin)
	}
	return strings.ToLower(lx.src[begin+1 : lx.pos]), nil
}

// attr is an attribute of a start tag.
type attr struct {
	name, value string
	valued      bool // name=value rather than a bare name
}

// attributes reads the attributes of the start tag at byte offset begin,
// and the closing '>'.
func (lx *lexer) attributes(tag string, begin int) ([]attr, error) {
	var attrs []attr
	for lx.at(0) != '>' {
		lx.skipSpace()
		if lx.at(0) == '>' {
			break
		}
		name := lx.attrName()
		if name == "" {
			return nil, fmt.Errorf("Empty attribute name in the tag %q at byte offset %d", tag, begin)
		}
		lx.skipSpace()
		if lx.at(0) != '=' {
			if lx.eof() {
				return nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
			}
			attrs = append(attrs, attr{name: name})
			continue
		}
		lx.pos++
		lx.skipSpace()
		if lx.eof() {
			return nil, fmt.Errorf("Unclosed start tag %q at byte offset %d", tag, begin)
		}
		value, err := lx.attrValue()
		if err != nil {
			return nil, err
		}
		if lx.eof() {
			return nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		attrs = append(attrs, attr{name: name, value: value, valued: true})
	}
	lx.pos++ // '>'
	return attrs, nil
}

func (lx *lexer) attrName() string {
	start := lx.pos
	for c := lx.at(0); !isSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = lx.at(0) {
		lx.pos++
	}
	return lx.src[start:lx.pos]
}

// attrValue reads a quoted value, decoding the character references it
// can (a bare '&' stays), or an unquoted name token, which TDLib takes in
// lower case.
func (lx *lexer) attrValue() (string, error) {
	q := lx.src[lx.pos]
	if q != '"' && q != '\'' {
		start := lx.pos
		for c := lx.at(0); isAlnum(c) || c == '.' || c == '-'; c = lx.at(0) {
			lx.pos++
		}
		if c := lx.at(0); !isSpace(c) && c != '>' {
			return "", fmt.Errorf("Unexpected end of name token at byte offset %d", start)
		}
		return strings.ToLower(lx.src[start:lx.pos]), nil
	}
	lx.pos++
	var v strings.Builder
	for !lx.eof() && lx.src[lx.pos] != q {
		if lx.src[lx.pos] == '&' {
			if r, n := decodeCharRef(lx.src, lx.pos); n > 0 {
				v.WriteRune(r)
				lx.pos += n
				continue
			}
		}
		v.WriteByte(lx.src[lx.pos])
		lx.pos++
	}
	if !lx.eof() {
		lx.pos++ // the closing quote
	}
	return v.String(), nil
}

// endTag reads "</name>" and returns the name in lower case ("" for
// "</>", which closes whatever is open).
func (lx *lexer) endTag() (string, error) {
	begin := lx.pos
	lx.pos += 2
	for !isSpace(lx.at(0)) && lx.at(0) != '>' {
		lx.pos++
	}
	name := strings.ToLower(lx.src[begin+2 : lx.pos])
	lx.skipSpace()
	if lx.at(0) != '>' {
		return "", fmt.Errorf("Unclosed end tag at byte offset %d", begin)
	}
	lx.pos++
	return name, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == 0
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
