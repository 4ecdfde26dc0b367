package bottest

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultToken is the token a server accepts when no option says
// otherwise. Its secret part is the one every derived token shares (see
// WithBot).
const DefaultToken = "6000000001:" + defaultSecret

// defaultSecret is the secret part of the tokens the server makes up. It
// says SECRET, so that a test can look for it where a token must not be.
const defaultSecret = "AAF-test-SECRET-token-0123456789abcd"

// defaultBot is the bot a server plays unless WithBot says otherwise.
var defaultBot = User{
	ID:            6000000001,
	IsBot:         true,
	FirstName:     "Invite Bot",
	UserName:      "invite_test_bot",
	CanJoinGroups: true,
}

// An Option configures a server made by NewServer or Start.
type Option func(*config)

// config is what the options set.
type config struct {
	bot      User
	token    string
	botSet   bool
	tokenSet bool
}

// WithBot sets the bot the server plays: its ID, names and getMe
// capabilities (IsBot is taken as true). The default is @invite_test_bot,
// ID 6000000001, "Invite Bot", which can join groups. As on Telegram, the
// username must be 5 to 32 letters, digits and underscores and end in
// "bot". Without WithToken, the token becomes the bot's ID, a colon and
// DefaultToken's secret part.
func WithBot(u User) Option {
	return func(c *config) {
		c.bot, c.botSet = u, true
		c.bot.IsBot = true
	}
}

// WithToken sets the only token the server accepts. As Telegram's, it is
// the bot's ID, a colon and a secret of letters, digits, '_' and '-';
// without WithBot, the bot takes the token's ID.
func WithToken(token string) Option {
	return func(c *config) { c.token, c.tokenSet = token, true }
}

// newConfig applies the options and checks that they agree.
func newConfig(opts []Option) (config, error) {
	c := config{bot: defaultBot, token: DefaultToken}
	for _, o := range opts {
		o(&c)
	}
	if c.tokenSet {
		id, err := tokenBotID(c.token)
		if err != nil {
			return c, err
		}
		if c.botSet && id != c.bot.ID {
			return c, fmt.Errorf("WithToken: the token belongs to bot %d, not to WithBot's %d", id, c.bot.ID)
		}
		c.bot.ID = id
	} else if c.botSet {
		c.token = strconv.FormatInt(c.bot.ID, 10) + ":" + defaultSecret
	}
	if err := checkBot(c.bot); err != nil {
		return c, fmt.Errorf("WithBot: %v", err)
	}
	return c, nil
}

// tokenBotID checks a token's form and returns the bot ID it starts with.
// The error does not quote the token.
func tokenBotID(token string) (int64, error) {
	idPart, secret, _ := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 || secret == "" || strings.Trim(secret, tokenChars) != "" {
		return 0, fmt.Errorf("WithToken: a token is the bot's ID, ':' and a secret of letters, digits, '_' and '-'")
	}
	return id, nil
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// checkBot checks what Telegram requires of a bot.
func checkBot(u User) error {
	switch {
	case u.ID <= 0:
		return fmt.Errorf("the bot needs a positive ID, got %d", u.ID)
	case u.FirstName == "":
		return fmt.Errorf("the bot needs a FirstName")
	case len(u.UserName) < 5 || len(u.UserName) > 32 || strings.Trim(u.UserName, usernameChars) != "" ||
		!strings.HasSuffix(strings.ToLower(u.UserName), "bot"):
		return fmt.Errorf("a bot's username is 5-32 letters, digits and underscores ending in \"bot\", got %q", u.UserName)
	}
	return nil
}

const usernameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
