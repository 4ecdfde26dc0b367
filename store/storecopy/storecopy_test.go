package storecopy_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
	"github.com/invitebot/invitebot/store/sqlite"
	"github.com/invitebot/invitebot/store/storecopy"
)

// column is a column as a schema declares it: its name, and the kind its
// type stores.
type column struct {
	name string
	kind storecopy.Kind
}

type schema struct {
	columns map[string][]column // by table, in order
	keys    map[string][]string // primary keys, in order
	serials map[string]string   // identity columns (PostgreSQL)
}

// want is the schema that storecopy.Tables describes. SQLite says nothing
// of booleans (INTEGER with a CHECK): its Bool columns are Int there.
func want(sqliteBools bool) schema {
	s := schema{columns: map[string][]column{}, keys: map[string][]string{}, serials: map[string]string{}}
	for _, t := range storecopy.Tables {
		for _, c := range t.Columns {
			k := c.Kind
			if sqliteBools && k == storecopy.Bool {
				k = storecopy.Int
			}
			s.columns[t.Name] = append(s.columns[t.Name], column{c.Name, k})
		}
		s.keys[t.Name] = t.Key
		if t.Serial != "" {
			s.serials[t.Name] = t.Serial
		}
	}
	return s
}

// TestTablesMatchSchemas: storecopy.Tables is every table of both stores'
// migrations, with their columns in order, their kinds and primary keys,
// and PostgreSQL's identity columns; nothing else is left out but the
// stores' own bookkeeping. A migration that adds a table or a column to
// one store and not to the list (or the other store) fails here.
func TestTablesMatchSchemas(t *testing.T) {
	ctx := t.Context()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "s.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		got := schema{columns: map[string][]column{}, keys: map[string][]string{}, serials: map[string]string{}}
		rows, err := raw.QueryContext(ctx, `SELECT m.name, c.name, c.type, c.pk FROM sqlite_master m, pragma_table_info(m.name) c
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		pks := map[string]map[int]string{}
		for rows.Next() {
			var table, name, typ string
			var pk int
			if err := rows.Scan(&table, &name, &typ, &pk); err != nil {
				t.Fatal(err)
			}
			kinds := map[string]storecopy.Kind{"INTEGER": storecopy.Int, "TEXT": storecopy.Text, "BLOB": storecopy.Bytes}
			k, ok := kinds[typ]
			if !ok {
				t.Errorf("%s.%s: type %s has no kind", table, name, typ)
			}
			got.columns[table] = append(got.columns[table], column{name, k})
			if pk > 0 {
				if pks[table] == nil {
					pks[table] = map[int]string{}
				}
				pks[table][pk] = name
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for table, byPos := range pks {
			for _, pos := range slices.Sorted(maps.Keys(byPos)) {
				got.keys[table] = append(got.keys[table], byPos[pos])
			}
		}
		// SQLite's INTEGER PRIMARY KEY numbers rows itself: the serials.
		w := want(true)
		for table, key := range got.keys {
			if len(key) == 1 && slices.Contains(got.columns[table], column{key[0], storecopy.Int}) && w.serials[table] != "" {
				got.serials[table] = key[0]
			}
		}
		compare(t, got, w)
	})
	t.Run("postgres", func(t *testing.T) {
		u := pgtest.NewDatabase(t)
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		got := schema{columns: map[string][]column{}, keys: map[string][]string{}, serials: map[string]string{}}
		rows, err := conn.Query(ctx, `SELECT table_name, column_name, data_type, is_identity, is_nullable
			FROM information_schema.columns WHERE table_schema = 'public'
			AND table_name NOT IN ('schema_migrations', 'link_numbers') ORDER BY table_name, ordinal_position`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var table, name, typ, identity, nullable string
			if err := rows.Scan(&table, &name, &typ, &identity, &nullable); err != nil {
				t.Fatal(err)
			}
			kinds := map[string]storecopy.Kind{"bigint": storecopy.Int, "integer": storecopy.Int, "text": storecopy.Text,
				"boolean": storecopy.Bool, "bytea": storecopy.Bytes}
			k, ok := kinds[typ]
			if !ok {
				t.Errorf("%s.%s: type %s has no kind", table, name, typ)
			}
			if nullable != "NO" {
				t.Errorf("%s.%s may be NULL; the copy knows no NULL", table, name)
			}
			got.columns[table] = append(got.columns[table], column{name, k})
			if identity == "YES" {
				got.serials[table] = name
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows, err = conn.Query(ctx, `SELECT c.relname, a.attname FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos)
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE i.indisprimary AND n.nspname = 'public' AND c.relname NOT IN ('schema_migrations', 'link_numbers')
			ORDER BY c.relname, k.pos`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var table, name string
			if err := rows.Scan(&table, &name); err != nil {
				t.Fatal(err)
			}
			got.keys[table] = append(got.keys[table], name)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		compare(t, got, want(false))
	})
}

func compare(t *testing.T, got, want schema) {
	t.Helper()
	for _, table := range slices.Sorted(maps.Keys(got.columns)) {
		if _, ok := want.columns[table]; !ok {
			t.Errorf("table %s is in the schema but not in storecopy.Tables: it would not be copied", table)
		}
	}
	for _, table := range slices.Sorted(maps.Keys(want.columns)) {
		if !slices.Equal(got.columns[table], want.columns[table]) {
			t.Errorf("table %s: the schema's columns are\n%v\nstorecopy.Tables says\n%v", table, got.columns[table], want.columns[table])
		}
		if !slices.Equal(got.keys[table], want.keys[table]) {
			t.Errorf("table %s: primary key %v in the schema, %v in storecopy.Tables", table, got.keys[table], want.keys[table])
		}
		if got.serials[table] != want.serials[table] {
			t.Errorf("table %s: serial column %q in the schema, %q in storecopy.Tables", table, got.serials[table], want.serials[table])
		}
	}
}

// fill puts a few records in db: links of two chats, a chat, actions.
func fill(t *testing.T, db interface {
	store.Links
	store.Chats
}) {
	t.Helper()
	at := time.Unix(1_700_000_000, 0).UTC()
	for i := range 3 {
		for _, chat := range []int64{-100, -200} {
			if _, _, err := db.AddLink(t.Context(), store.NewLink{ChatID: chat, URL: fmt.Sprintf("https://t.me/+%d_%d", -chat, i),
				Name: fmt.Sprintf("L%d", i), CreatedBy: 7, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.SaveChat(t.Context(), store.Chat{ID: -100, Type: "supergroup", Title: "T", BotStatus: "administrator", UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
}

// faulty is a Writer that fails (or cancels the copy, or drops a row) when
// it comes to a table.
type faulty struct {
	storecopy.Writer
	table  string
	cancel context.CancelFunc // cancel the copy's context there, if set
	drop   bool               // insert all but the table's last row
}

var errBroken = errors.New("broken on purpose")

func (f faulty) Insert(ctx context.Context, t storecopy.Table, rows [][]any) error {
	if t.Name != f.table {
		return f.Writer.Insert(ctx, t, rows)
	}
	switch {
	case f.drop:
		return f.Writer.Insert(ctx, t, rows[:len(rows)-1])
	case f.cancel != nil:
		f.cancel()
		return f.Writer.Insert(ctx, t, rows)
	default:
		return errBroken
	}
}

// counts is the rows of each table of r.
func counts(t *testing.T, r interface {
	Read(context.Context, func(storecopy.Reader) error) error
}) map[string]int64 {
	t.Helper()
	n := map[string]int64{}
	err := r.Read(t.Context(), func(r storecopy.Reader) error {
		for _, tbl := range storecopy.Tables {
			rep, err := storecopy.Checksum(t.Context(), r, tbl)
			if err != nil {
				return err
			}
			n[tbl.Name] = rep.Rows
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopyThatFailsWritesNothing: a copy into PostgreSQL that fails after
// links are in (a write that fails, a context cancelled, a row lost on the
// way, which the check finds) leaves the target empty, and a copy
// afterwards goes through.
func TestCopyThatFailsWritesNothing(t *testing.T) {
	ctx := t.Context()
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fill(t, src)
	dst, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	empty := counts(t, dst)

	for _, tc := range []struct {
		name  string
		fault func(cancel context.CancelFunc) faulty
		want  error
	}{
		{"write fails", func(context.CancelFunc) faulty { return faulty{table: "chats"} }, errBroken},
		{"cancelled", func(cancel context.CancelFunc) faulty { return faulty{table: "chats", cancel: cancel} }, context.Canceled},
		{"row lost", func(context.CancelFunc) faulty { return faulty{table: "links", drop: true} }, storecopy.ErrMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var links int64
			err := src.Read(ctx, func(r storecopy.Reader) error {
				return dst.Load(ctx, func(w storecopy.Writer) error {
					f := tc.fault(cancel)
					f.Writer = w
					_, err := storecopy.Copy(ctx, r, f)
					// The links went in before the failure.
					rep, cerr := storecopy.Checksum(context.Background(), w, storecopy.Tables[0])
					if cerr == nil {
						links = rep.Rows
					}
					return err
				})
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("copy: %v, want %v", err, tc.want)
			}
			if tc.want != context.Canceled && links < 5 {
				t.Errorf("%d links in the target when the copy failed, want 5 or 6: the failure came too early to test anything", links)
			}
			if got := counts(t, dst); !maps.Equal(got, empty) {
				t.Errorf("after a failed copy the target holds %v, want %v", got, empty)
			}
		})
	}

	var rep storecopy.Report
	err = src.Read(ctx, func(r storecopy.Reader) error {
		return dst.Load(ctx, func(w storecopy.Writer) error {
			rep, err = storecopy.Copy(ctx, r, w)
			return err
		})
	})
	if err != nil {
		t.Fatalf("copy after the failures: %v", err)
	}
	// The source's rows, and the last_update_id that a store without one
	// means.
	want := counts(t, src)
	if want["links"] != 6 || want["chats"] != 1 || want["actions"] != 6 || want["state"] != 0 {
		t.Fatalf("the source holds %v, want 6 links, 1 chat, 6 actions, no state", want)
	}
	want["state"] = 1
	if got := counts(t, dst); !maps.Equal(got, want) {
		t.Errorf("after the copy the target holds %v, want %v", got, want)
	}
	var total int64
	for _, n := range want {
		total += n
	}
	if rep.Rows() != total || len(rep.Tables) != len(storecopy.Tables) {
		t.Errorf("report: %d rows in %d tables, want %d in %d", rep.Rows(), len(rep.Tables), total, len(storecopy.Tables))
	}
	// Once full, the target is refused, and stays as it is.
	before := counts(t, dst)
	err = src.Read(ctx, func(r storecopy.Reader) error {
		return dst.Load(ctx, func(w storecopy.Writer) error {
			_, err := storecopy.Copy(ctx, r, w)
			return err
		})
	})
	if !errors.Is(err, storecopy.ErrNotEmpty) || !strings.Contains(err.Error(), "links") {
		t.Errorf("second copy: %v, want ErrNotEmpty naming links", err)
	}
	if got := counts(t, dst); !maps.Equal(got, before) {
		t.Errorf("a refused copy changed the target: %v, was %v", got, before)
	}
}

// TestChecksum: the checksum depends on every value and its kind, not on
// the order of the rows.
func TestChecksum(t *testing.T) {
	tbl := storecopy.Table{Name: "x", Key: []string{"a"}, Columns: []storecopy.Column{{"a", storecopy.Int}, {"b", storecopy.Text}}}
	sum := func(rows ...[]any) storecopy.TableReport {
		rep, err := storecopy.Checksum(t.Context(), fixed(rows), tbl)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	base := sum([]any{int64(1), "a"}, []any{int64(2), "b"})
	if got := sum([]any{int64(2), "b"}, []any{int64(1), "a"}); got != base {
		t.Errorf("the order of rows changed the checksum: %v, %v", got, base)
	}
	for _, rows := range [][][]any{
		{{int64(1), "a"}, {int64(2), "c"}},         // a value
		{{int64(1), "a"}, {int64(3), "b"}},         // another
		{{int64(1), "a"}},                          // a row fewer
		{{int64(1), "a"}, {int64(2), []byte("b")}}, // a kind
		{{int64(1), "ab"}, {int64(2), ""}},         // where a text ends
	} {
		if got := sum(rows...); got.Sum == base.Sum {
			t.Errorf("rows %v have the checksum of other rows", rows)
		}
	}
}

// fixed is a Reader of one table's rows.
type fixed [][]any

func (f fixed) Rows(_ context.Context, _ storecopy.Table, fn func([]any) error) error {
	for _, r := range f {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
