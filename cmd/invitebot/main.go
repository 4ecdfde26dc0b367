// Command invitebot runs the invite-link bot: it long-polls the Telegram Bot
// API and manages the invite links of the chats it administers. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr in one line and maps it to the exit status:
// 0 for none, 2 for bad configuration, 1 for anything else.
func exitCode(err error, stderr interface{ Write([]byte) (int, error) }) int {
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
