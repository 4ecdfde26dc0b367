package bot

import "time"

// Observer is told what the client and the loop do, for metrics. Its
// methods are called from many goroutines and must be quick. Every string
// it gets comes from a small fixed set (method names, update kinds, the
// router's commands, the outcomes below), never from users or chat IDs.
type Observer interface {
	// APICall: one try of a Bot API method, its outcome and duration.
	APICall(method string, outcome Outcome, d time.Duration)
	// Retry: a call is tried again after a failure of the given outcome.
	Retry(method string, outcome Outcome)
	// RetryAfter: a 429 is waited out.
	RetryAfter(method string, wait time.Duration)
	// Paced: a message waited for the pacing limits (wait may be 0).
	Paced(wait time.Duration)
	// Poll: a getUpdates finished, with err nil on success.
	Poll(err error)
	// UpdateReceived: an update of kind arrived (handled or not).
	UpdateReceived(kind string)
	// UpdateHandled: a handler finished with an update, for command ("" for
	// updates that are not commands), outcome "ok", "error" or "panic".
	UpdateHandled(kind, command, outcome string, d time.Duration)
	// UpdateUndecodable: an update of kind ("unknown" if even that could
	// not be read) could not be decoded; it is kept in the journal.
	UpdateUndecodable(kind string)
	// UnsureRepeat: a call that is not safe to repeat (a message, a new
	// link) lost its answer and is made again: a duplicate may exist.
	UnsureRepeat(method string)
}

// Outcome is how a Bot API call ended.
type Outcome string

// The outcomes of a call.
const (
	OutcomeOK       Outcome = "ok"
	OutcomeRefused  Outcome = "refused"   // Telegram's 4xx
	OutcomeNotSent  Outcome = "not_sent"  // no connection, 502, 503
	OutcomeUnsure   Outcome = "unsure"    // timeout, lost answer, 500, 504
	OutcomeTooMany  Outcome = "429"       // Too Many Requests
	OutcomeMigrated Outcome = "migrated"  // group upgraded to a supergroup
	OutcomeCanceled Outcome = "cancelled" // the caller gave up
)

// Outcomes are all the outcomes above, for metrics that show each of them
// from the start.
func Outcomes() []Outcome {
	return []Outcome{OutcomeOK, OutcomeRefused, OutcomeNotSent, OutcomeUnsure, OutcomeTooMany, OutcomeMigrated, OutcomeCanceled}
}

// outcomeOf tells how a try ended.
func outcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeOK
	}
	return classify(err)
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) APICall(string, Outcome, time.Duration)              {}
func (nopObserver) Retry(string, Outcome)                               {}
func (nopObserver) RetryAfter(string, time.Duration)                    {}
func (nopObserver) Paced(time.Duration)                                 {}
func (nopObserver) Poll(error)                                          {}
func (nopObserver) UpdateReceived(string)                               {}
func (nopObserver) UpdateHandled(string, string, string, time.Duration) {}
func (nopObserver) UpdateUndecodable(string)                            {}
func (nopObserver) UnsureRepeat(string)                                 {}
