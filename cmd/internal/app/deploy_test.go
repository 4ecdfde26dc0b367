package app

import (
	"bufio"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestEnvExample: deploy/invitebot.env.example lists exactly the variables
// the configuration reads, and with its token filled in it is a valid
// configuration whose values are the defaults.
func TestEnvExample(t *testing.T) {
	f, err := os.Open("../../../deploy/invitebot.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	example := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("not VAR=value: %q", line)
		}
		example[k] = v
	}

	var read []string
	getenv := func(k string) string {
		read = append(read, k)
		if k == "TELEGRAM_BOT_TOKEN" {
			return "123456789:AAexample"
		}
		return example[k]
	}
	got, err := loadConfig(getenv)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	var listed []string
	for k := range example {
		listed = append(listed, k)
	}
	sort.Strings(listed)
	sort.Strings(read)
	read = slices.Compact(read)
	if !slices.Equal(listed, read) {
		t.Errorf("the example lists %v; the configuration reads %v", listed, read)
	}

	defaults, err := loadConfig(func(k string) string {
		if k == "TELEGRAM_BOT_TOKEN" {
			return "123456789:AAexample"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, defaults) {
		t.Errorf("the example's values are not the defaults:\n%+v\n%+v", got, defaults)
	}
}
