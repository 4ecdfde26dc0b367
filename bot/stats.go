package bot

import (
	"sync/atomic"
	"time"
)

// Stats counts what the client did to keep its calls going.
type Stats struct {
	// Retries: calls tried again after a failure.
	Retries int64
	// TooManyRequests: 429 answers met.
	TooManyRequests int64
	// RetryAfterWaited: time waited because of 429s.
	RetryAfterWaited time.Duration
	// PacingWaited: time messages waited for the pacing limits.
	PacingWaited time.Duration
}

type stats struct {
	retries, tooManyRequests, retryAfterNanos, pacingNanos atomic.Int64
}

func (s *stats) retry()                           { s.retries.Add(1) }
func (s *stats) paced(d time.Duration)            { s.pacingNanos.Add(int64(d)) }
func (s *stats) tooMany()                         { s.tooManyRequests.Add(1) }
func (s *stats) waitedRetryAfter(d time.Duration) { s.retryAfterNanos.Add(int64(d)) }

// Stats returns the client's counts so far.
func (c *Client) Stats() Stats {
	return Stats{
		Retries:          c.stats.retries.Load(),
		TooManyRequests:  c.stats.tooManyRequests.Load(),
		RetryAfterWaited: time.Duration(c.stats.retryAfterNanos.Load()),
		PacingWaited:     time.Duration(c.stats.pacingNanos.Load()),
	}
}
