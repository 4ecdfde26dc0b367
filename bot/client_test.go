package bot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testToken = "6000000001:AAF-test-SECRET-token-0123456789abcd"

// closedURL returns the URL of a port on 127.0.0.1 that nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestNewClientRedactsTokenFromNetworkErrors(t *testing.T) {
	_, err := NewClient(context.Background(), ClientConfig{Token: testToken, APIURL: closedURL(t)})
	if err == nil {
		t.Fatal("NewClient against a closed port: no error")
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("error leaks the token: %v", err)
	}
	if !strings.Contains(err.Error(), "<token>") {
		t.Errorf("error %q does not show where the token was", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("redaction lost the cause: errors.Is(err, ECONNREFUSED) is false for %v", err)
	}
}

func TestRedactErrWrapped(t *testing.T) {
	d := &redactingDoer{token: testToken}
	inner := errors.New("weird failure at /bot" + testToken + "/getMe")
	err := d.redactErr(inner)
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("not redacted: %v", err)
	}
	if errors.Unwrap(err) != nil {
		t.Errorf("an error whose own text holds the token must not be reachable by Unwrap")
	}
}

// fakeAPI answers getMe, and every other method with handle.
func fakeAPI(t *testing.T, handle http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			w.Write([]byte(`{"ok":true,"result":{"id":6000000001,"is_bot":true,"first_name":"Invite Bot","username":"invite_test_bot"}}`))
			return
		}
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCallEndsWithContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	url := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c, err := NewClient(context.Background(), ClientConfig{Token: testToken, APIURL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "getUpdates", map[string]string{"timeout": "30"}, nil) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Call after cancel = %v, want context.Canceled", err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("error leaks the token: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Call did not return after its context was cancelled")
	}
}

func TestCallDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	url := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c, err := NewClient(context.Background(), ClientConfig{Token: testToken, APIURL: url, CallTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(context.Background(), "sendMessage", map[string]string{"chat_id": "1", "text": "x"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Call on a server that never answers = %v, want a deadline error", err)
	}
}

func TestNewClientRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "not a url"} {
		if _, err := NewClient(context.Background(), ClientConfig{Token: testToken, APIURL: u}); err == nil {
			t.Errorf("NewClient(%q): no error", u)
		}
	}
}
