package main

import (
	"context"
	"errors"
	"io"
)

// sandbox runs the real bot against a simulated Telegram with a console.
func sandbox(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("the sandbox is not implemented yet")
}
