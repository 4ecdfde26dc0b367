package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/invitebot/invitebot/cmd/internal/ops"
)

// healthCheck asks the bot running beside it (in the same container) for
// /readyz at INVITEBOT_HTTP_ADDR, and returns the exit status a container
// HEALTHCHECK expects: 0 ready, 1 not (Docker reserves 2). distroless
// images have no curl; the binary checks itself. Only INVITEBOT_HTTP_ADDR
// is read: the probe does not need the token.
func healthCheck(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	addr := strings.TrimSpace(getenv("INVITEBOT_HTTP_ADDR"))
	if addr == "" {
		fmt.Fprintln(stderr, "invitebot: -healthcheck: INVITEBOT_HTTP_ADDR is not set; set it (e.g. :8080) so that the bot serves /readyz")
		return 1
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(stderr, "invitebot: -healthcheck: INVITEBOT_HTTP_ADDR %q is not host:port\n", addr)
		return 1
	}
	if err := ops.Probe(ctx, addr, "/readyz"); err != nil {
		fmt.Fprintf(stderr, "invitebot: -healthcheck: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "ready")
	return 0
}
