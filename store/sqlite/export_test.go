package sqlite

import "database/sql"

// SQL gives the black-box tests in package sqlite_test the connection pool,
// to check what the store's API does not show: pragmas and user_version.
func (db *DB) SQL() *sql.DB { return db.db }
