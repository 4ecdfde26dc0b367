// Command invitebot runs the invite-link bot: it long-polls the Telegram Bot
// API and manages the invite links of the chats it administers. See README.md.
//
//	invitebot              run the bot (configuration from the environment)
//	invitebot -check       check the configuration, the database and the token, then exit
//	invitebot -version     print the version and build information
//	invitebot -healthcheck ask the running bot's /readyz, exit 0 if ready (for HEALTHCHECK)
//	invitebot sandbox      try the bot against a simulated Telegram, no token needed
//	invitebot backup FILE  copy the database to the new file FILE (mode 0600), while the bot runs or not
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain is the program with its surroundings passed in; it returns the
// exit status.
func realMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "sandbox" {
		return exitCode(sandbox(ctx, args[1:], getenv, stdin, stdout, stderr), stderr)
	}
	if len(args) > 0 && args[0] == "backup" {
		return exitCode(backup(ctx, args[1:], getenv, stdout, stderr), stderr)
	}
	fs := flag.NewFlagSet("invitebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.Bool("version", false, "print the version and build information, then exit")
	check := fs.Bool("check", false, "check the configuration, open the database and call getMe, then exit 0 (or 2 with the reason)")
	healthcheck := fs.Bool("healthcheck", false, "ask the running bot's /readyz at INVITEBOT_HTTP_ADDR, then exit 0 if it is ready, 1 if not (for a container's HEALTHCHECK)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: invitebot [-check | -version | -healthcheck] | invitebot sandbox [-script FILE] [-db PATH] [-log FILE] | invitebot backup FILE")
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
		return exitCode(checkConfig(ctx, getenv, stdout, stderr), stderr)
	case *healthcheck:
		return healthCheck(ctx, getenv, stdout, stderr)
	}
	return exitCode(run(ctx, getenv, stdout, stderr), stderr)
}

// exitCode reports err on stderr in one line and maps it to the exit status:
// 0 for none, 2 for bad configuration, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "invitebot: %v\n", err)
	var ce *configError
	if errors.As(err, &ce) {
		return 2
	}
	return 1
}
