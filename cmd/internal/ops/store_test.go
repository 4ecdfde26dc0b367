package ops

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/invitebot/invitebot/store/sqlite"
)

// TestInstrumentStoreTimesEveryMethod calls every method of Store through
// InstrumentStore, with zero arguments, and finds each one timed once
// under its own name.
func TestInstrumentStoreTimesEveryMethod(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := NewMetrics(Build{}, testRoutes)
	s := reflect.ValueOf(InstrumentStore(db, m))
	ctxType := reflect.TypeFor[context.Context]()
	for method := range reflect.TypeFor[Store]().Methods() {
		f := s.MethodByName(method.Name)
		args := make([]reflect.Value, f.Type().NumIn())
		for i := range args {
			if in := f.Type().In(i); in == ctxType {
				args[i] = reflect.ValueOf(ctx)
			} else {
				args[i] = reflect.Zero(in)
			}
		}
		f.Call(args) // errors or not: each call is timed
		mustValue(t, m, "invitebot_store_operation_seconds", l{"operation": method.Name}, 1)
	}
}
