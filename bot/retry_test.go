package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestClassify(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		err  error
		want Outcome
	}{
		{"429", &tgbotapi.Error{Code: 429, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 3}}, OutcomeTooMany},
		{"upgraded group", &tgbotapi.Error{Code: 400, ResponseParameters: tgbotapi.ResponseParameters{MigrateToChatID: -100}}, OutcomeMigrated},
		{"bad request", &tgbotapi.Error{Code: 400, Message: "Bad Request: chat not found"}, OutcomeRefused},
		{"forbidden", &tgbotapi.Error{Code: 403}, OutcomeRefused},
		{"json 502", &tgbotapi.Error{Code: 502, Message: "Bad Gateway"}, OutcomeNotSent},
		{"json 500", &tgbotapi.Error{Code: 500}, OutcomeUnsure},
		{"html 502", &HTTPError{StatusCode: 502}, OutcomeNotSent},
		{"html 503", &HTTPError{StatusCode: 503}, OutcomeNotSent},
		{"html 504", &HTTPError{StatusCode: 504}, OutcomeUnsure},
		{"connection refused", dial, OutcomeNotSent},
		{"dns", &net.DNSError{Err: "no such host", Name: "api.telegram.org"}, OutcomeNotSent},
		{"reset after sending", read, OutcomeUnsure},
		{"eof", io.ErrUnexpectedEOF, OutcomeUnsure},
		{"timeout", context.DeadlineExceeded, OutcomeUnsure},
		{"wrapped 429", fmt.Errorf("sendMessage: %w", &tgbotapi.Error{Code: 429}), OutcomeTooMany},
		{"wrapped dial", fmt.Errorf("getMe: %w", dial), OutcomeNotSent},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("%s: classify = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestIdempotent(t *testing.T) {
	for method, want := range map[string]bool{
		"sendMessage": false, "createChatInviteLink": false, "sendPhoto": false, "copyMessage": false,
		"editMessageText": true, "editChatInviteLink": true, "revokeChatInviteLink": true,
		"exportChatInviteLink": true, "getChatMember": true, "answerCallbackQuery": true,
		"approveChatJoinRequest": true, "sendChatAction": true,
	} {
		if got := idempotent(method); got != want {
			t.Errorf("idempotent(%s) = %v", method, got)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	for n := 1; n <= 30; n++ {
		d := retryDelay(n)
		if d <= 0 || d > maxRetryDelay {
			t.Fatalf("retryDelay(%d) = %v", n, d)
		}
	}
	if retryDelay(30) < maxRetryDelay*2/3 {
		t.Errorf("retryDelay does not reach its cap: %v", retryDelay(30))
	}
}

func TestUnsureError(t *testing.T) {
	cause := &net.OpError{Op: "read", Err: syscall.ECONNRESET}
	err := error(&unsureError{err: fmt.Errorf("sendMessage: %w", cause)})
	if !errors.Is(err, ErrUnsure) || !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("unsureError loses ErrUnsure or its cause: %v", err)
	}
}
