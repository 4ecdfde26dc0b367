package sqlite_test

import (
	"testing"

	"github.com/invitebot/invitebot/store/storetest"
)

// BenchmarkStore: the store's benchmarks (those of store/postgres too), on
// a new database file each.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return testDB{newDB(b)} })
}
