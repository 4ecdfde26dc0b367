// Package tghtml parses text in Telegram's HTML parse mode the way TDLib
// does, into the plain text a user reads and its message entities, with
// offsets and lengths in UTF-16 code units as the Bot API gives them.
//
// It is bottest's reading of the parse mode, not a general HTML parser:
// its errors read like TDLib's ("Unsupported start tag \"foo\" at byte
// offset 12"), and it is stricter than TDLib in one respect: a bare '&'
// or '>' in text is refused (TDLib keeps it as a literal), as Telegram's
// documentation requires "&amp;" and "&gt;" and a bot that leaves them
// unescaped breaks on the next '<'. Attribute values stay lenient, as in
// TDLib (a bare '&' in an href is kept).
//
// The work is split by job: lex.go cuts the source into text and tags,
// charref.go decodes character references, tags.go knows Telegram's tags
// and turns a closed element into an entity, and parse.go drives them.
// text.go has what the Bot API's text rules need besides: UTF-16
// lengths, Telegram's trimming, and the order of entities.
package tghtml
