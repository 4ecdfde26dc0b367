package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool gives the black-box tests in package postgres_test the connection
// pool, to run the contract suite's SQL and to look at the schema.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
