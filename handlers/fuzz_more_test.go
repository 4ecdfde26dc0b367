package handlers

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The parsers of outside input that args_fuzz_test.go does not cover:
// /stats' arguments, /joinmode's WAIT, and the callback data of buttons
// (which anyone can forge: a client may send any data with a press).

func FuzzParseStatsArgs(f *testing.F) {
	argsSeed(f, []string{"", "7d", "4w", "#3 90d", "Summer sale 2w", "365d", "366d", "0d", "1h", "3mo", "#1 7d 8d", "https://t.me/+AbC 7d", "53w", "9999w"},
		"% 7d", "#3 %", "%d", "1%", "%w")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseStatsArgs(in)
		argsCheckError(t, err)
		if b, err2 := ParseStatsArgs(in); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("two parses differ: %+v, %v and %+v, %v", a, err, b, err2)
		}
		if b, err2 := ParseStatsArgs(argsSpaced(in)); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("with single spaces: %+v, %v; as typed: %+v, %v", b, err2, a, err)
		}
		if err != nil {
			return
		}
		if a.Days < 1 || a.Days > maxStatsDays {
			t.Fatalf("%d days", a.Days)
		}
		words := strings.Fields(in)
		if len(words) > 0 && otherDuration.MatchString(words[len(words)-1]) {
			t.Fatalf("%s taken although it ends in a duration /stats does not chart by", short(in))
		}
		if a.Ref != nil {
			argsCheckRef(t, *a.Ref, true)
		}
		// Written back as typed, the arguments parse the same.
		text := strconv.Itoa(a.Days) + "d"
		if a.Ref != nil {
			text = argsRefText(*a.Ref) + " " + text
		}
		if b, err := ParseStatsArgs(text); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%+v written as %s parses as %+v, %v", a, short(text), b, err)
		}
	})
}

func FuzzParseWait(f *testing.F) {
	argsSeed(f, []string{"10m", "1m", "24h", "1h30m", "90s", "0m", "25h", "1440m", "1441m", "1d", "2h0m", "-5m", "1H"}, "%m", "1%h")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseWait(in)
		argsCheckError(t, err)
		if err != nil {
			return
		}
		if d < minVerifyWait || d > maxVerifyWait || d%time.Minute != 0 {
			t.Fatalf("%s parsed as %v", short(in), d)
		}
		if back, err := ParseWait(FormatWait(d)); err != nil || back != d {
			t.Fatalf("%v written as %s parses as %v, %v", d, FormatWait(d), back, err)
		}
	})
}

// FuzzParseButtons covers the readers of the buttons' callback data.
func FuzzParseButtons(f *testing.F) {
	for _, s := range []string{
		linkButton("r", 3), linkButton("y", 12), linkButton("ya", 0), requestButton("a", 5000000001), requestButton("d", 1),
		VerifyButtons + "-1001234567890:2", VerifyButtons + "-1:0", VerifyButtons + "-1:4", VerifyButtons + "0:1", VerifyButtons + ":", VerifyButtons,
		"lk:r:", "lk::1", ":r:1", "lk:r:1:2", "lk:r:+1", "lk:r:01", "lk:r:-9223372036854775808", "lk:r:9223372036854775808", "", ":", "::",
	} {
		f.Add(s)
	}
	for _, h := range argsHostile() {
		f.Add("lk:" + h + ":1")
		f.Add(VerifyButtons + "-1:" + h)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if prefix, action, item, ok := parseButton(data); ok {
			switch {
			case !strings.HasSuffix(prefix, ":") || strings.Count(prefix, ":") != 1 || len(prefix) < 2:
				t.Fatalf("%q: prefix %q", data, prefix)
			case action == "" || strings.Contains(action, ":"):
				t.Fatalf("%q: action %q", data, action)
			}
			again := prefix + action + ":" + strconv.FormatInt(item, 10)
			if p2, a2, i2, ok := parseButton(again); !ok || p2 != prefix || a2 != action || i2 != item {
				t.Fatalf("%q read as %q %q %d; written back as %q it reads %q %q %d %v", data, prefix, action, item, again, p2, a2, i2, ok)
			}
		}
		if chatID, choice, ok := parseVerifyButton(data); ok {
			if chatID == 0 || choice < 0 || choice > 3 {
				t.Fatalf("%q read as chat %d, choice %d", data, chatID, choice)
			}
			again := VerifyButtons + strconv.FormatInt(chatID, 10) + ":" + strconv.Itoa(choice)
			if c2, ch2, ok := parseVerifyButton(again); !ok || c2 != chatID || ch2 != choice {
				t.Fatalf("%q written back as %q reads %d %d %v", data, again, c2, ch2, ok)
			}
		}
	})
}
