package app

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/store/postgres"
)

// leadership decides which instance of the bot polls Telegram: with
// PostgreSQL, several may share the database, and the one that holds its
// lock leads (see postgres.Leadership); with SQLite there is one, which
// always leads.
type leadership interface {
	// acquire waits until this instance leads, or returns ctx's error.
	acquire(ctx context.Context) (lease, error)
}

// lease is the lead held.
type lease interface {
	// Lost is closed when the lead is lost; Err then says why.
	Lost() <-chan struct{}
	Err() error
	// Release gives the lead up, so that a standby may take it.
	Release()
}

// newLeadership is the leadership of the bot botID on db.
func newLeadership(db database, botID int64, opts postgres.LeaderOptions, log zerolog.Logger) leadership {
	if pg, ok := db.(*postgres.DB); ok {
		return &pgLeadership{l: pg.Leadership(botID, opts), log: log}
	}
	return sole{}
}

// sole is the leadership of the only instance: a SQLite file is one
// process's.
type sole struct{}

func (sole) acquire(ctx context.Context) (lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return soleLease{}, nil
}

type soleLease struct{}

func (soleLease) Lost() <-chan struct{} { return nil }
func (soleLease) Err() error            { return nil }
func (soleLease) Release()              {}

// pgLeadership waits on PostgreSQL's lock, saying so in the log.
type pgLeadership struct {
	l   *postgres.Leadership
	log zerolog.Logger
}

func (p *pgLeadership) acquire(ctx context.Context) (lease, error) {
	p.log.Info().Msg("standing by: waiting to lead (another instance may be polling)")
	last := ""
	lease, err := p.l.Acquire(ctx, func(err error) {
		// Said once for each new reason, not at every attempt.
		if msg := err.Error(); msg != last {
			last = msg
			p.log.Warn().Err(err).Msg("standing by: cannot wait on the lead's lock; trying again")
		}
	})
	if err != nil {
		return nil, err
	}
	p.log.Info().Uint32("lock_backend_pid", lease.PID()).Msg("took the lead's lock")
	return lease, nil
}
