package postgres_test

import (
	"testing"

	"github.com/invitebot/invitebot/store/storetest"
)

// BenchmarkStore: the store's benchmarks (those of store/sqlite too), on a
// new database of the test server each.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return testDB{newDB(b)} })
}
