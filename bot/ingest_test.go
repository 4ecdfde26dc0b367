package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"
)

func TestSplitArray(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil with wantErr
		err  bool
	}{
		{in: `[]`, want: []string{}},
		{in: " [ \n] \n", want: []string{}},
		{in: `[1]`, want: []string{`1`}},
		{in: ` [ {"a":"x,]}"} , {"b":[1,[2,{}]]},"\"]",null ] `, want: []string{`{"a":"x,]}"}`, `{"b":[1,[2,{}]]}`, `"\"]"`, `null`}},
		{in: `["\\",{"k":"\\\""}]`, want: []string{`"\\"`, `{"k":"\\\""}`}},
		{in: `{}`, err: true},
		{in: ``, err: true},
		{in: `[`, err: true},
		{in: `[1,`, err: true},
		{in: `["abc`, err: true},
		{in: `[1]x`, err: true},
		{in: `[,]`, err: true},
		{in: `[1,,2]`, err: true},
	}
	for _, tt := range tests {
		got, err := splitArray([]byte(tt.in))
		if tt.err {
			if err == nil {
				t.Errorf("splitArray(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("splitArray(%q): %v", tt.in, err)
			continue
		}
		gotS := make([]string, len(got))
		for i, g := range got {
			gotS[i] = string(g)
		}
		if !slices.Equal(gotS, tt.want) {
			t.Errorf("splitArray(%q) = %q, want %q", tt.in, gotS, tt.want)
		}
	}
}

// hostile are characters that must survive ingest in any string: every C0
// control character, DEL, the bidi controls and zero-width characters.
func hostile() string {
	var b strings.Builder
	for r := rune(0); r < 0x20; r++ {
		b.WriteRune(r)
	}
	b.WriteString("\x7f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\ufeff\u061c\u200e\u200f")
	return b.String()
}

func TestIngestKeepsHostileText(t *testing.T) {
	text := "/createlink ctrl" + hostile() + "\x1b[31m"
	name, _ := json.Marshal(text)
	// Telegram escapes control characters as \u00XX; DEL and the rest are
	// written as they are.
	raw := `{"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":` + string(name) +
		`},"chat":{"id":-100,"type":"supergroup","title":"t"},"date":1,"text":` + string(name) +
		`,"entities":[{"offset":0,"length":11,"type":"bot_command"}]}}`
	batch := []byte(`[` + raw + `, {"update_id":8,"chat_join_request":{"chat":{"id":-100,"type":"supergroup","title":"t"},"from":{"id":6,"is_bot":false,"first_name":` + string(name) + `},"user_chat_id":6,"date":1,"bio":` + string(name) + `}}]`)

	r := NewRouter("invite_test_bot")
	r.Command("createlink", func(context.Context, *Update) error { return nil })
	r.On("chat_join_request", func(context.Context, *Update) error { return nil })
	var reader batchReader
	got, last, _, err := takeBatch(&reader, zerolog.New(io.Discard), batch, 0, r.Match, nopObserver{})
	if err != nil || last != 8 || len(got) != 2 {
		t.Fatalf("takeBatch = %d updates, last %d, %v", len(got), last, err)
	}
	if string(got[0].raw) != raw {
		t.Errorf("the journal would keep\n%s\nnot the bytes Telegram sent\n%s", got[0].raw, raw)
	}
	if got[0].u == nil || got[0].u.Message.Text != text || got[0].u.From.FirstName != text {
		t.Fatalf("the command lost its text: %+v", got[0].u)
	}
	if got[1].u == nil || got[1].u.JoinRequest.Bio != text || got[1].u.From.FirstName != text || got[1].u.JoinRequest.UserChatID != 6 {
		t.Errorf("the join request lost its bio: %+v", got[1].u)
	}
	if cmd := got[0].u.Command; cmd == nil || cmd.Name != "createlink" || got[0].u.Route != "createlink" {
		t.Errorf("the router noted %+v, route %q", cmd, got[0].u.Route)
	}
}

func TestIngestUndecodableKeepsItsID(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 400) + `1` + strings.Repeat(`}`, 400)
	batch := []byte(`[{"update_id":41,"message":` + deep + `},{"update_id":42,"message":{"message_id":"x"}},[43]]`)
	r := NewRouter("invite_test_bot")
	r.On("message", func(context.Context, *Update) error { return nil })
	var reader batchReader
	got, last, _, err := takeBatch(&reader, zerolog.New(io.Discard), batch, 0, r.Match, nopObserver{})
	if err != nil || last != 42 || len(got) != 3 {
		t.Fatalf("takeBatch = %d updates, last %d, %v", len(got), last, err)
	}
	if got[0].id != 41 || got[0].u != nil || len(got[0].raw) == 0 {
		t.Errorf("update 41 (nested deeper than the parser goes): id %d, decoded %v, %d bytes; want it kept undecoded", got[0].id, got[0].u != nil, len(got[0].raw))
	}
	// A field of an unexpected type is read as absent, not a reason to drop
	// the update.
	if got[1].id != 42 || got[1].u == nil || got[1].u.Kind != "message" || got[1].u.Message.ID != 0 {
		t.Errorf("update 42: %+v", got[1].u)
	}
	if got[2].u != nil || string(got[2].raw) != "[43]" {
		t.Errorf("an update that is no object: %+v", got[2])
	}
}

// fixtureUpdates reads every update in testdata/updates as the bytes it
// has there, with the kind it is.
func fixtureUpdates(tb testing.TB) (raws [][]byte, kinds []string) {
	tb.Helper()
	files, err := filepath.Glob("../testdata/updates/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		base := filepath.Base(f)
		var list []json.RawMessage
		switch {
		case strings.HasSuffix(base, ".update.json"):
			list = []json.RawMessage{data}
		case strings.HasSuffix(base, ".updates.json"):
			if err := json.Unmarshal(data, &list); err != nil {
				tb.Fatalf("%s: %v", base, err)
			}
		case strings.HasSuffix(base, ".getUpdates.json"):
			var env struct{ Result []json.RawMessage }
			if err := json.Unmarshal(data, &env); err != nil {
				tb.Fatalf("%s: %v", base, err)
			}
			list = env.Result
		}
		for _, raw := range list {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				tb.Fatalf("%s: %v", base, err)
			}
			kind := ""
			for k := range fields {
				if k != "update_id" {
					kind = k
				}
			}
			raws = append(raws, raw)
			kinds = append(kinds, kind)
		}
	}
	return raws, kinds
}

// replaceStrings puts s in place of every string value of v (not keys).
func replaceStrings(v any, s string) any {
	switch x := v.(type) {
	case string:
		return s
	case map[string]any:
		for k, e := range x {
			x[k] = replaceStrings(e, s)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceStrings(e, s)
		}
	}
	return v
}

// FuzzIngest puts a random string into every string field of a fixture
// update (its text, names, bio, title, ...) and checks that the update
// reaches routing with its ID, its kind and its bytes, and is decoded.
func FuzzIngest(f *testing.F) {
	raws, kinds := fixtureUpdates(f)
	for i := range raws {
		f.Add(uint8(i), "")
		f.Add(uint8(i), "/createlink x"+hostile())
	}
	f.Add(uint8(0), "\xff\xfe invalid UTF-8 \xc3")
	f.Fuzz(func(t *testing.T, which uint8, s string) {
		i := int(which) % len(raws)
		var v any
		if err := json.Unmarshal(raws[i], &v); err != nil {
			t.Fatal(err)
		}
		m := v.(map[string]any)
		id := m["update_id"]
		el, err := json.Marshal(replaceStrings(v, s))
		if err != nil {
			t.Fatal(err)
		}
		batch := []byte("[" + string(el) + "]")
		r := NewRouter("invite_test_bot")
		h := func(context.Context, *Update) error { return nil }
		r.Command("createlink", h)
		r.UnknownCommand(h)
		r.Callback("lk:", h)
		for _, k := range []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"} {
			r.On(k, h)
		}
		var reader batchReader
		var seen []*Update
		var raws [][]byte
		err = reader.read(batch, func(v *fastjson.Value, raw []byte, err error) {
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			u := peek(v, raw)
			r.Match(u)
			fill(u, v)
			seen = append(seen, u)
			raws = append(raws, raw)
		})
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(seen) != 1 {
			t.Fatalf("%d updates read, want 1", len(seen))
		}
		u := seen[0]
		if float64(u.ID) != id.(float64) || u.Kind != kinds[i] {
			t.Fatalf("update: id %d kind %s; want id %v kind %s", u.ID, u.Kind, id, kinds[i])
		}
		if !bytes.Equal(raws[0], el) || !bytes.Equal(u.Raw, el) {
			t.Fatalf("the update's bytes changed:\n%s\n%s", raws[0], el)
		}
		// Every kind of the fixtures has a chat and, but for channel posts,
		// a sender: routing and the handlers can rely on them.
		if u.Chat == nil || (u.From == nil && u.Kind != "channel_post" && u.Kind != "edited_channel_post") {
			t.Fatalf("%s: chat %v, from %v", u.Kind, u.Chat, u.From)
		}
		if err := r.Route(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSplitArray checks splitArray against encoding/json on any input: on
// a valid JSON array both find the same elements; on anything else
// splitArray may fail but never panics.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, `[1,2]`, `[{"a":"]"},"\\\""]`, `[`, `x`, `["\u0001"]`} {
		f.Add([]byte(s))
	}
	raws, _ := fixtureUpdates(f)
	f.Add([]byte("[" + string(bytes.Join(raws, []byte(","))) + "]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := splitArray(b)
		var want []json.RawMessage
		if json.Unmarshal(b, &want) != nil || !utf8.Valid(b) {
			return // not an array (splitArray may still split it: what it holds is parsed later)
		}
		if err != nil {
			t.Fatalf("splitArray(%q): %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("splitArray(%q) = %d elements, want %d", b, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(bytes.TrimSpace(got[i]), bytes.TrimSpace(want[i])) {
				t.Fatalf("element %d = %q, want %q", i, got[i], want[i])
			}
		}
	})
}
