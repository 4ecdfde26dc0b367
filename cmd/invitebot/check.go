package main

import (
	"context"
	"errors"
	"io"
)

// checkConfig validates the configuration, opens the database and calls
// getMe. Bad configuration is a *configError.
func checkConfig(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("-check is not implemented yet")
}
