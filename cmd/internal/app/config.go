package app

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/handlers/text"
)

// config is invitebot's configuration, read from the environment.
type config struct {
	Token       string
	APIURL      string
	DB          string
	Owners      []int64
	LogLevel    zerolog.Level
	LogFormat   string // "json", "console" or "auto"
	PollTimeout time.Duration
	HTTPAddr    string
	// PublicURL is the https:// address at which people reach HTTPAddr
	// (INVITEBOT_PUBLIC_URL), without a trailing slash; "" for none: no
	// verification page.
	PublicURL string
	// Language is the language of replies when a person's own is not one
	// invitebot speaks (INVITEBOT_LANGUAGE); checked against the catalogs
	// when they are loaded.
	Language string
}

// ConfigError is bad configuration: it names the variable and the fix, and
// ends the process with exit status 2.
type ConfigError struct {
	Var string
	Msg string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Msg }

// defaultDB is INVITEBOT_DB when it is not set.
const defaultDB = "invitebot.db"

// tokenPattern is the shape of a token from @BotFather: the bot's ID, a
// colon, and a secret.
var tokenPattern = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)

// loadConfig reads and checks the configuration. Its errors never contain
// the token.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		APIURL:      "https://api.telegram.org",
		DB:          defaultDB,
		LogLevel:    zerolog.InfoLevel,
		LogFormat:   "auto",
		PollTimeout: 30 * time.Second,
		Language:    text.DefaultLanguage,
	}
	c.Token = strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN"))
	switch {
	case c.Token == "":
		return c, &ConfigError{"TELEGRAM_BOT_TOKEN", "not set; create a bot with @BotFather and set TELEGRAM_BOT_TOKEN to the token it gives (123456789:AA...)"}
	case !tokenPattern.MatchString(c.Token):
		return c, &ConfigError{"TELEGRAM_BOT_TOKEN", "does not look like a bot token (digits, a colon, then letters, digits, _ and -); copy it again from @BotFather"}
	}

	if v := strings.TrimSpace(getenv("TELEGRAM_API_URL")); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, &ConfigError{"TELEGRAM_API_URL", fmt.Sprintf("%q is not an http(s) base URL; use e.g. https://api.telegram.org or http://127.0.0.1:8081 for a self-hosted Bot API server", v)}
		}
		c.APIURL = strings.TrimRight(v, "/")
	}

	if v := getenv("INVITEBOT_DB"); v != "" {
		c.DB = v
	}

	for _, field := range strings.Split(getenv("INVITEBOT_OWNERS"), ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		id, err := strconv.ParseInt(field, 10, 64)
		if err != nil || id <= 0 {
			return c, &ConfigError{"INVITEBOT_OWNERS", fmt.Sprintf("%q is not a Telegram user ID; give numeric user IDs separated by commas, e.g. INVITEBOT_OWNERS=123456789,987654321", field)}
		}
		c.Owners = append(c.Owners, id)
	}

	if v := strings.TrimSpace(getenv("INVITEBOT_LOG_LEVEL")); v != "" {
		levels := map[string]zerolog.Level{"debug": zerolog.DebugLevel, "info": zerolog.InfoLevel, "warn": zerolog.WarnLevel, "error": zerolog.ErrorLevel}
		lvl, ok := levels[strings.ToLower(v)]
		if !ok {
			return c, &ConfigError{"INVITEBOT_LOG_LEVEL", fmt.Sprintf("%q is not a log level; use debug, info, warn or error", v)}
		}
		c.LogLevel = lvl
	}

	if v := strings.TrimSpace(getenv("INVITEBOT_LOG_FORMAT")); v != "" {
		v = strings.ToLower(v)
		if v != "json" && v != "console" && v != "auto" {
			return c, &ConfigError{"INVITEBOT_LOG_FORMAT", fmt.Sprintf("%q is not a log format; use json, console or auto", v)}
		}
		c.LogFormat = v
	}

	if v := strings.TrimSpace(getenv("INVITEBOT_POLL_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			return c, &ConfigError{"INVITEBOT_POLL_TIMEOUT", fmt.Sprintf("%q is not a duration; use e.g. 30s or 1m", v)}
		case d < time.Second || d > 10*time.Minute || d%time.Second != 0:
			return c, &ConfigError{"INVITEBOT_POLL_TIMEOUT", fmt.Sprintf("%s is out of range; use whole seconds from 1s to 10m, e.g. 30s (0 would mean short polling)", v)}
		}
		c.PollTimeout = d
	}

	if v := strings.TrimSpace(getenv("INVITEBOT_LANGUAGE")); v != "" {
		catalog, err := text.New(text.DefaultLanguage)
		if err != nil {
			return c, err
		}
		code, ok := catalog.Speaks(v)
		if !ok {
			return c, &ConfigError{"INVITEBOT_LANGUAGE", fmt.Sprintf("%q is not a language invitebot speaks; use one of %s", v, strings.Join(catalog.Codes(), ", "))}
		}
		c.Language = code
	}

	if v := strings.TrimSpace(getenv("INVITEBOT_HTTP_ADDR")); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return c, &ConfigError{"INVITEBOT_HTTP_ADDR", fmt.Sprintf("%q is not a listen address; use host:port, e.g. 127.0.0.1:8080 or :8080", v)}
		}
		c.HTTPAddr = v
	}
	if v := strings.TrimSpace(getenv("INVITEBOT_PUBLIC_URL")); v != "" {
		u, err := url.Parse(v)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			return c, &ConfigError{"INVITEBOT_PUBLIC_URL", fmt.Sprintf("%q is not an https:// address; use the address at which people reach INVITEBOT_HTTP_ADDR through your TLS proxy, e.g. https://bot.example.com", v)}
		case c.HTTPAddr == "":
			return c, &ConfigError{"INVITEBOT_PUBLIC_URL", "the verification page is served on INVITEBOT_HTTP_ADDR, which is not set; set both, or neither"}
		}
		c.PublicURL = strings.TrimSuffix(u.String(), "/")
	}
	return c, nil
}
