// Package app is the invitebot program: its configuration, the wiring of
// the bot's parts, the start-up calls, and the subcommands. cmd/invitebot
// is its main; cmd/sandbox runs it against a simulated Telegram.
//
//	invitebot              run the bot (configuration from the environment)
//	invitebot -check       check the configuration, the database and the token, then exit
//	invitebot -version     print the version and build information
//	invitebot -healthcheck ask the running bot's /readyz, exit 0 if ready (for HEALTHCHECK)
//	invitebot backup FILE  copy the database to the new file FILE (mode 0600), while the bot runs or not
//	invitebot migrate-store FROM TO
//	                       copy the store FROM (SQLite or PostgreSQL) into the empty store TO, and check the copy
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/invitebot/invitebot/bot"
)

// Main is the program with its surroundings passed in: the arguments
// after the program's name, the environment, the output streams. It returns
// the exit status.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "backup" {
		return ExitCode(backup(ctx, args[1:], getenv, stdout, stderr), stderr)
	}
	if len(args) > 0 && args[0] == "migrate-store" {
		return ExitCode(migrateStore(ctx, args[1:], stdout, stderr), stderr)
	}
	fs := flag.NewFlagSet("invitebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.Bool("version", false, "print the version and build information, then exit")
	check := fs.Bool("check", false, "check the configuration, open the database and call getMe, then exit 0 (or 2 with the reason)")
	healthcheck := fs.Bool("healthcheck", false, "ask the running bot's /readyz at INVITEBOT_HTTP_ADDR, then exit 0 if it is ready, 1 if not (for a container's HEALTHCHECK)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: invitebot [-check | -version | -healthcheck] | invitebot backup FILE | invitebot migrate-store FROM TO")
		fmt.Fprintln(stderr, "The configuration is read from the environment: see README.md.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "invitebot: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	switch {
	case *version:
		printVersion(stdout)
		return 0
	case *check:
		return ExitCode(checkConfig(ctx, getenv, stdout, stderr), stderr)
	case *healthcheck:
		return healthCheck(ctx, getenv, stdout, stderr)
	}
	return ExitCode(Run(ctx, getenv, stdout, stderr, Options{Pace: bot.TelegramPace}), stderr)
}

// ExitCode reports err on stderr in one line and maps it to the exit status:
// 0 for none, 2 for bad configuration, 1 for anything else.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "invitebot: %s\n", singleLine(err.Error()))
	var ce *ConfigError
	if errors.As(err, &ce) {
		return 2
	}
	return 1
}

// singleLine joins the lines of an error's text (some libraries, pgx among
// them, put each address they tried on a line of its own) with spaces, so
// that the reason stays one line on stderr.
func singleLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var parts []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
