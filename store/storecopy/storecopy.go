// Package storecopy copies an invitebot store into another, empty one,
// whatever each is kept in (store/sqlite, store/postgres), and checks the
// copy: `invitebot migrate-store` is built on it.
//
// Both stores keep the same tables and columns (their migrations are kept
// in step); Tables lists them, with the kind of each column, and a test of
// this package holds the list to both schemas. A store gives a consistent
// read of itself as a Reader and an open write transaction as a Writer;
// Copy moves every row of every table from one to the other, then reads
// the target back inside the same transaction and compares, table by
// table, the number of rows and a checksum of their values. The caller
// commits only when Copy returns nil, so a copy that fails anywhere leaves
// the target as it was.
package storecopy

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Kind is the kind of a column's values, as Rows gives them: Int an int64,
// Text a string, Bool a bool (an INTEGER 0 or 1 in SQLite, a boolean in
// PostgreSQL), Bytes a []byte. No column holds NULL.
type Kind int

// The kinds of columns.
const (
	Int Kind = iota
	Text
	Bool
	Bytes
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Text:
		return "text"
	case Bool:
		return "bool"
	case Bytes:
		return "bytes"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Column is a column of a table.
type Column struct {
	Name string
	Kind Kind
}

// Table is a table that both stores keep.
type Table struct {
	Name    string
	Columns []Column
	// Key is the table's primary key, the order in which rows are read.
	Key []string
	// Serial is the column whose values the store gives itself (an
	// identity column in PostgreSQL, INTEGER PRIMARY KEY in SQLite), ""
	// if none: a writer sets its counter past the highest value copied.
	Serial string
	// Seed is the rows a new store may have in the table (PostgreSQL's
	// migration puts last_update_id in state). A store without such a row
	// means the same as one with it: a target that holds only seed rows is
	// empty, the copy adds to the source's rows the seed rows it lacks
	// (by key), and a writer clears them before the copy's rows go in.
	Seed [][]any
}

// Names is the table's column names, in order.
func (t Table) Names() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Reader reads a store: every call sees the same state of it (one
// transaction).
type Reader interface {
	// Rows calls fn with each row of t, in the order of t.Key, its
	// values in the order of t.Columns and of the kinds they name. fn may
	// not keep row. An error of fn ends Rows, which returns it.
	Rows(ctx context.Context, t Table, fn func(row []any) error) error
}

// Writer is an open write transaction of the target store, which the
// caller commits once Copy returns nil, and rolls back otherwise.
type Writer interface {
	Reader
	// Clear deletes every row of t.
	Clear(ctx context.Context, t Table) error
	// Insert adds rows to t, as Rows gives them.
	Insert(ctx context.Context, t Table, rows [][]any) error
	// Finish is called once every table is filled: the writer brings
	// what the store keeps besides the tables' rows up to date (the
	// counters of Serial columns; PostgreSQL's link_numbers, each chat's
	// last #N).
	Finish(ctx context.Context) error
}

// ErrNotEmpty: the target holds rows already. Copy's error wraps it with
// the first table that has some.
var ErrNotEmpty = errors.New("the target store is not empty")

// ErrMismatch: the rows read back from the target are not those read from
// the source. Copy's error wraps it with the table and the figures.
var ErrMismatch = errors.New("the copy differs from the source")

// ErrSchemaVersion: a store's schema is not this program's version (a
// copy would miss columns, or carry some it does not know). Readers and
// writers wrap it.
var ErrSchemaVersion = errors.New("schema version differs from this program's")

// TableReport is what Copy copied into a table.
type TableReport struct {
	Table string
	Rows  int64
	// Sum is the table's checksum (see Checksum), the same on both sides.
	Sum string
}

// Report is what Copy copied.
type Report struct {
	Tables []TableReport
}

// Rows is the number of rows copied into all tables.
func (r Report) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// batchSize is how many rows Copy hands to Insert at once.
const batchSize = 500

// Copy copies every table of Tables from src to dst, which must be empty
// (else an error wrapping ErrNotEmpty, and nothing written), calls
// dst.Finish, then reads every table of dst back and compares its count
// and checksum with what was read from src (else an error wrapping
// ErrMismatch). The caller commits dst only when Copy returns nil.
func Copy(ctx context.Context, src Reader, dst Writer) (Report, error) {
	for _, t := range Tables {
		if err := checkEmpty(ctx, dst, t); err != nil {
			return Report{}, err
		}
	}
	var want []TableReport
	for _, t := range Tables {
		r, err := copyTable(ctx, src, dst, t)
		if err != nil {
			return Report{}, fmt.Errorf("copy %s: %w", t.Name, err)
		}
		want = append(want, r)
	}
	if err := dst.Finish(ctx); err != nil {
		return Report{}, fmt.Errorf("copy: %w", err)
	}
	for i, t := range Tables {
		got, err := Checksum(ctx, dst, t)
		if err != nil {
			return Report{}, fmt.Errorf("read back %s: %w", t.Name, err)
		}
		if got != want[i] {
			return Report{}, fmt.Errorf("table %s: %w: %d rows read with checksum %s, %d read back with %s",
				t.Name, ErrMismatch, want[i].Rows, want[i].Sum, got.Rows, got.Sum)
		}
	}
	return Report{Tables: want}, nil
}

// errFound ends a read that has seen what it looked for.
var errFound = errors.New("found")

// checkEmpty fails with ErrNotEmpty if t in w holds a row other than its
// seed rows.
func checkEmpty(ctx context.Context, w Reader, t Table) error {
	err := w.Rows(ctx, t, func(row []any) error {
		if !slices.ContainsFunc(t.Seed, func(s []any) bool { return equalRows(s, row) }) {
			return errFound
		}
		return nil
	})
	switch {
	case errors.Is(err, errFound):
		return fmt.Errorf("%w: table %s has rows", ErrNotEmpty, t.Name)
	case err != nil:
		return fmt.Errorf("look into %s: %w", t.Name, err)
	}
	return nil
}

// copyTable copies t's rows, with the seed rows the source lacks, and
// returns their count and checksum.
func copyTable(ctx context.Context, src Reader, dst Writer, t Table) (TableReport, error) {
	if len(t.Seed) > 0 {
		if err := dst.Clear(ctx, t); err != nil {
			return TableReport{}, err
		}
	}
	var (
		sum    checksum
		batch  [][]any
		seeded = make([]bool, len(t.Seed))
		key    = keyIndexes(t)
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := dst.Insert(ctx, t, batch)
		batch = batch[:0]
		return err
	}
	add := func(row []any) error {
		sum.add(row)
		batch = append(batch, row)
		if len(batch) >= batchSize {
			return flush()
		}
		return nil
	}
	err := src.Rows(ctx, t, func(row []any) error {
		for i, s := range t.Seed {
			seeded[i] = seeded[i] || sameKey(key, s, row)
		}
		return add(slices.Clone(row))
	})
	if err != nil {
		return TableReport{}, err
	}
	for i, s := range t.Seed {
		if !seeded[i] {
			if err := add(slices.Clone(s)); err != nil {
				return TableReport{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return TableReport{}, err
	}
	return sum.report(t.Name), nil
}

// Checksum reads t in r and returns its number of rows and its checksum:
// the sum (modulo 2^64, in each of four lanes) of the SHA-256 of every
// row's values, each value tagged with its kind and text and bytes with
// their length. It does not depend on the order of the rows, so that the
// two stores, which may sort text differently, give the same sum.
func Checksum(ctx context.Context, r Reader, t Table) (TableReport, error) {
	var sum checksum
	err := r.Rows(ctx, t, func(row []any) error {
		sum.add(row)
		return nil
	})
	if err != nil {
		return TableReport{}, err
	}
	return sum.report(t.Name), nil
}

type checksum struct {
	rows  int64
	lanes [4]uint64
	buf   []byte
}

func (c *checksum) add(row []any) {
	b := c.buf[:0]
	for _, v := range row {
		switch v := v.(type) {
		case int64:
			b = append(b, 'i')
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		case bool:
			b = append(b, 'b')
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case string:
			b = append(b, 's')
			b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, 'x')
			b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
			b = append(b, v...)
		default:
			// Rows gives only the four kinds; anything else must not pass
			// for one of them.
			b = fmt.Appendf(b, "?%T:%v", v, v)
		}
	}
	c.buf = b
	h := sha256.Sum256(b)
	for i := range c.lanes {
		c.lanes[i] += binary.BigEndian.Uint64(h[8*i:])
	}
	c.rows++
}

func (c *checksum) report(table string) TableReport {
	return TableReport{Table: table, Rows: c.rows, Sum: fmt.Sprintf("%016x%016x%016x%016x", c.lanes[0], c.lanes[1], c.lanes[2], c.lanes[3])}
}

// keyIndexes is the positions of t's key columns among its columns.
func keyIndexes(t Table) []int {
	var idx []int
	for _, k := range t.Key {
		idx = append(idx, slices.Index(t.Names(), k))
	}
	return idx
}

func sameKey(key []int, a, b []any) bool {
	for _, i := range key {
		if !equalValues(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalRows(a, b []any) bool {
	return slices.EqualFunc(a, b, equalValues)
}

func equalValues(a, b any) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	}
	return a == b
}
