// Command invitebot runs the invite-link bot: it long-polls the Telegram Bot
// API and manages the invite links of the chats it administers. See
// README.md, and package app for the program itself.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/invitebot/invitebot/cmd/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
