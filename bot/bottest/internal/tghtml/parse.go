package tghtml

import (
	"fmt"
	"strings"
)

// Parse parses text in Telegram's HTML parse mode and returns the plain
// text and its entities, sorted as Telegram returns them. Errors read
// like TDLib's; Telegram prefixes them with "can't parse entities: ".
// The text is not trimmed: see Trim.
func Parse(src string) (string, []Entity, error) {
	p := parser{lx: lexer{src: src}}
	for {
		var err error
		switch p.lx.peek() {
		case atEnd:
			return p.finish()
		case atText:
			err = p.text()
		case atStartTag:
			err = p.startTag()
		case atEndTag:
			err = p.endTag()
		}
		if err != nil {
			return "", nil, err
		}
	}
}

// parser holds what Parse has built so far.
type parser struct {
	lx   lexer
	out  strings.Builder // the plain text
	u16  int             // its length in UTF-16 code units
	open []element       // the elements not yet closed, innermost last
	ents []Entity
}

func (p *parser) text() error {
	t, err := p.lx.text()
	if err != nil {
		return err
	}
	p.out.WriteString(t)
	p.u16 += UTF16Count(t)
	return nil
}

func (p *parser) startTag() error {
	begin := p.lx.pos
	tag, err := p.lx.startTag()
	if err != nil {
		return err
	}
	if err := checkSupported(tag, begin); err != nil { // before its attributes, as TDLib
		return err
	}
	attrs, err := p.lx.attributes(tag, begin)
	if err != nil {
		return err
	}
	el, err := openElement(tag, attrs, begin)
	if err != nil {
		return err
	}
	el.offset, el.start = p.u16, p.out.Len()
	p.open = append(p.open, el)
	return nil
}

func (p *parser) endTag() error {
	begin := p.lx.pos
	if len(p.open) == 0 {
		return fmt.Errorf("Unexpected end tag at byte offset %d", begin)
	}
	tag, err := p.lx.endTag()
	if err != nil {
		return err
	}
	top := p.open[len(p.open)-1]
	p.open = p.open[:len(p.open)-1]
	if tag != "" && tag != top.tag {
		return fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, tag)
	}
	p.ents, err = closeElement(p.ents, top, p.u16, p.out.String())
	return err
}

func (p *parser) finish() (string, []Entity, error) {
	if n := len(p.open); n > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag %q", p.open[n-1].tag)
	}
	for i := range p.ents {
		if p.ents[i].Type == "code" {
			p.ents[i].Language = "" // a language belongs to pre blocks only
		}
	}
	Sort(p.ents)
	return p.out.String(), p.ents, nil
}
