package bot

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/valyala/fastjson"
)

// A bot that must be an admin receives every message of every group it is
// in, and nearly all of them are not for it. Deciding that should cost as
// little as possible. The loop splits each batch into its updates' bytes,
// exactly as Telegram sent them (those bytes are what the journal keeps),
// and parses each once, with fastjson (no reflection, buffers reused from
// update to update). Routing reads only what it needs of the parse (peek:
// the kind of update, a command's text, the service fields); only the
// updates a handler will see are read in full (fill), from the same parse.

// batchReader reads batches of updates. It is not safe for concurrent use:
// the loop has one.
type batchReader struct {
	p fastjson.Parser
}

// read splits a getUpdates result and calls each for every update in it,
// with the update parsed (valid until each returns) or the reason it
// could not be.
func (r *batchReader) read(result []byte, each func(v *fastjson.Value, raw []byte, err error)) error {
	elements, err := splitArray(result)
	if err != nil {
		return fmt.Errorf("getUpdates: result: %w", err)
	}
	for _, raw := range elements {
		v, err := r.parse(raw)
		each(v, raw, err)
	}
	return nil
}

// parse parses one update's JSON.
func (r *batchReader) parse(raw []byte) (*fastjson.Value, error) {
	v, err := r.p.ParseBytes(raw)
	if err != nil {
		return nil, err
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("an update is a JSON object, not %s", v.Type())
	}
	return v, nil
}

// decode builds the whole Update of one update's JSON (a journaled one).
func (r *batchReader) decode(raw []byte) (*Update, error) {
	v, err := r.parse(raw)
	if err != nil {
		return nil, fmt.Errorf("decode update: %w", err)
	}
	u := peek(v, raw)
	fill(u, v)
	return u, nil
}

// idAndKind read the update_id and the kind of an update that fastjson
// could not parse (it has a nesting limit that encoding/json does not):
// 0 and "unknown" if even that fails.
func idAndKind(raw []byte) (int, string) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return 0, "unknown"
	}
	var id int
	_ = json.Unmarshal(fields["update_id"], &id)
	for _, k := range updateKinds {
		if _, ok := fields[k]; ok {
			return id, k
		}
	}
	return id, "unknown"
}

// errNotArray: a getUpdates result that is not a JSON array.
var errNotArray = errors.New("not a JSON array")

// splitArray returns the elements of the JSON array b as parts of b, without
// copying them. It only finds where each element begins and ends (strings,
// their escapes and the nesting of brackets); what an element holds is
// parsed later, on its own.
func splitArray(b []byte) ([][]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, errNotArray
	}
	var out [][]byte
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		if skipSpace(b, i+1) != len(b) {
			return nil, errors.New("data after the array")
		}
		return out, nil
	}
	for {
		start := i
		depth := 0
	element:
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, ok := stringEnd(b, i)
				if !ok {
					return nil, errors.New("unterminated string")
				}
				i = j
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					break element // the array's own ']'
				}
				depth--
			case ',':
				if depth == 0 {
					break element
				}
			}
		}
		if i >= len(b) {
			return nil, errors.New("unterminated array")
		}
		end := i
		for end > start && isSpace(b[end-1]) {
			end--
		}
		if end == start {
			return nil, errors.New("empty element")
		}
		out = append(out, b[start:end])
		if b[i] == ']' {
			if skipSpace(b, i+1) != len(b) {
				return nil, errors.New("data after the array")
			}
			return out, nil
		}
		i = skipSpace(b, i+1) // past the ','
	}
}

// stringEnd returns the index of the quote that closes the string opened at
// b[i], skipping escaped characters.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j, true
		}
	}
	return 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ParseUpdate reads one update's JSON as the loop does (for tools and
// tests that handle updates themselves; the loop reuses its parser).
func ParseUpdate(raw []byte) (*Update, error) {
	var r batchReader
	return r.decode(raw)
}
