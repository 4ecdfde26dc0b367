package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

const goodToken = "6000000001:AAF-test-SECRET-token-0123456789abcd"

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(env("TELEGRAM_BOT_TOKEN", goodToken))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Token: goodToken, APIURL: "https://api.telegram.org", DB: "invitebot.db",
		LogLevel: zerolog.InfoLevel, LogFormat: "auto", PollTimeout: 30 * time.Second,
	}
	if c.Token != want.Token || c.APIURL != want.APIURL || c.DB != want.DB || c.LogLevel != want.LogLevel ||
		c.LogFormat != want.LogFormat || c.PollTimeout != want.PollTimeout || c.HTTPAddr != "" || len(c.Owners) != 0 {
		t.Errorf("defaults = %+v, want %+v", c, want)
	}
}

func TestLoadConfigValues(t *testing.T) {
	c, err := loadConfig(env(
		"TELEGRAM_BOT_TOKEN", " "+goodToken+" ",
		"TELEGRAM_API_URL", "http://127.0.0.1:8081/",
		"INVITEBOT_DB", "/var/lib/invitebot/bot.db",
		"INVITEBOT_OWNERS", " 123456789, 987654321,",
		"INVITEBOT_LOG_LEVEL", "DEBUG",
		"INVITEBOT_LOG_FORMAT", "json",
		"INVITEBOT_POLL_TIMEOUT", "1m",
		"INVITEBOT_HTTP_ADDR", ":8080",
		"INVITEBOT_PUBLIC_URL", "https://bot.example.com/",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://bot.example.com" {
		t.Errorf("PublicURL = %q", c.PublicURL)
	}
	if c.Token != goodToken || c.APIURL != "http://127.0.0.1:8081" || c.DB != "/var/lib/invitebot/bot.db" ||
		len(c.Owners) != 2 || c.Owners[0] != 123456789 || c.Owners[1] != 987654321 ||
		c.LogLevel != zerolog.DebugLevel || c.LogFormat != "json" || c.PollTimeout != time.Minute || c.HTTPAddr != ":8080" {
		t.Errorf("config = %+v", c)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		kv      []string
		wantVar string
	}{
		{"no token", nil, "TELEGRAM_BOT_TOKEN"},
		{"blank token", []string{"TELEGRAM_BOT_TOKEN", "  "}, "TELEGRAM_BOT_TOKEN"},
		{"malformed token", []string{"TELEGRAM_BOT_TOKEN", "not a token SECRET"}, "TELEGRAM_BOT_TOKEN"},
		{"token with path", []string{"TELEGRAM_BOT_TOKEN", "123:abc/../x"}, "TELEGRAM_BOT_TOKEN"},
		{"api url scheme", []string{"TELEGRAM_API_URL", "ftp://x"}, "TELEGRAM_API_URL"},
		{"api url no host", []string{"TELEGRAM_API_URL", "http://"}, "TELEGRAM_API_URL"},
		{"owner not a number", []string{"INVITEBOT_OWNERS", "123,alice"}, "INVITEBOT_OWNERS"},
		{"owner negative", []string{"INVITEBOT_OWNERS", "-5"}, "INVITEBOT_OWNERS"},
		{"owner overflow", []string{"INVITEBOT_OWNERS", "99999999999999999999"}, "INVITEBOT_OWNERS"},
		{"log level", []string{"INVITEBOT_LOG_LEVEL", "verbose"}, "INVITEBOT_LOG_LEVEL"},
		{"log format", []string{"INVITEBOT_LOG_FORMAT", "xml"}, "INVITEBOT_LOG_FORMAT"},
		{"poll timeout unit", []string{"INVITEBOT_POLL_TIMEOUT", "30"}, "INVITEBOT_POLL_TIMEOUT"},
		{"poll timeout zero", []string{"INVITEBOT_POLL_TIMEOUT", "0s"}, "INVITEBOT_POLL_TIMEOUT"},
		{"poll timeout fraction", []string{"INVITEBOT_POLL_TIMEOUT", "1500ms"}, "INVITEBOT_POLL_TIMEOUT"},
		{"poll timeout too long", []string{"INVITEBOT_POLL_TIMEOUT", "1h"}, "INVITEBOT_POLL_TIMEOUT"},
		{"http addr", []string{"INVITEBOT_HTTP_ADDR", "8080"}, "INVITEBOT_HTTP_ADDR"},
		{"public url http", []string{"INVITEBOT_HTTP_ADDR", ":8080", "INVITEBOT_PUBLIC_URL", "http://bot.example.com"}, "INVITEBOT_PUBLIC_URL"},
		{"public url no host", []string{"INVITEBOT_HTTP_ADDR", ":8080", "INVITEBOT_PUBLIC_URL", "https://"}, "INVITEBOT_PUBLIC_URL"},
		{"public url query", []string{"INVITEBOT_HTTP_ADDR", ":8080", "INVITEBOT_PUBLIC_URL", "https://x.example/?a=1"}, "INVITEBOT_PUBLIC_URL"},
		{"public url without http addr", []string{"INVITEBOT_PUBLIC_URL", "https://bot.example.com"}, "INVITEBOT_PUBLIC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := tt.kv
			if tt.wantVar != "TELEGRAM_BOT_TOKEN" {
				kv = append([]string{"TELEGRAM_BOT_TOKEN", goodToken}, kv...)
			}
			_, err := loadConfig(env(kv...))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("loadConfig = %v, want a *ConfigError", err)
			}
			if ce.Var != tt.wantVar {
				t.Errorf("error names %s, want %s: %v", ce.Var, tt.wantVar, err)
			}
			var stderr bytes.Buffer
			if code := ExitCode(err, &stderr); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "invitebot: "+tt.wantVar+": ") {
				t.Errorf("stderr = %q, want one line naming %s", out, tt.wantVar)
			}
			if strings.Contains(out, "SECRET") {
				t.Errorf("stderr shows the token: %q", out)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	var buf bytes.Buffer
	if ExitCode(nil, &buf) != 0 || buf.Len() != 0 {
		t.Errorf("nil error: code or output")
	}
	if ExitCode(errors.New("boom"), &buf) != 1 {
		t.Errorf("other error: want 1")
	}
}
