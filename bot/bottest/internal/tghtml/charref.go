package tghtml

// decodeCharRef decodes the character reference at s[i] ('&'): a decimal
// or hexadecimal one ("&#128512;", "&#x41;") or one of the four names
// TDLib knows (lt, gt, amp, quot); the ';' is optional, as in TDLib. It
// returns the character and the number of bytes used, or 0 bytes if there
// is no reference there.
func decodeCharRef(s string, i int) (rune, int) {
	end := i + 1
	var r rune
	if byteAt(s, end) == '#' {
		var ok bool
		r, end, ok = decodeNumericRef(s, i, end+1)
		if !ok {
			return 0, 0
		}
	} else {
		for isLetter(byteAt(s, end)) {
			end++
		}
		var ok bool
		if r, ok = namedRefs[s[i+1:end]]; !ok {
			return 0, 0
		}
	}
	if byteAt(s, end) == ';' {
		end++
	}
	return r, end - i
}

// namedRefs are the named references TDLib decodes.
var namedRefs = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "quot": '"'}

// decodeNumericRef reads the digits of "&#..." from s[start] on (i is the
// '&'). It refuses references of 10 bytes or more, zero, and characters
// beyond U+10FFFF, as TDLib does.
func decodeNumericRef(s string, i, start int) (r rune, end int, ok bool) {
	end = start
	digit, base := decimalDigit, rune(10)
	if byteAt(s, end) == 'x' {
		end++
		digit, base = hexDigit, 16
	}
	for {
		d, isDigit := digit(byteAt(s, end))
		if !isDigit {
			break
		}
		r = r*base + d
		end++
		if end-i >= 10 {
			return 0, 0, false
		}
	}
	if r == 0 || r >= 0x10ffff {
		return 0, 0, false
	}
	return r, end, true
}

func decimalDigit(c byte) (rune, bool) {
	if c >= '0' && c <= '9' {
		return rune(c - '0'), true
	}
	return 0, false
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
