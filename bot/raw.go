package bot

import "context"

type rawKey struct{}

// RawUpdate returns the JSON of the update being handled, as Telegram sent
// it, for fields that tgbotapi v5.5.1 does not know (via_join_request,
// user_chat_id, ...). It is nil outside Run's handlers.
func RawUpdate(ctx context.Context) []byte {
	b, _ := ctx.Value(rawKey{}).([]byte)
	return b
}

// WithRawUpdate returns ctx carrying raw as the update's JSON; Run does this
// for every update, and tests may too.
func WithRawUpdate(ctx context.Context, raw []byte) context.Context {
	return context.WithValue(ctx, rawKey{}, raw)
}
