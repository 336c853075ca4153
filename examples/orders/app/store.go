package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// Order is one row of the orders table, as the API returns it.
type Order struct {
	Ref      string `json:"ref"`
	Number   int64  `json:"number"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
	State    string `json:"state"`
}

// Order states.
const (
	StateOpen    = "open"
	StateShipped = "shipped"
)

// ErrNotFound is returned for a ref that names no order.
var ErrNotFound = errors.New("order not found")

// errNotMigrated is what Ready returns until the schema is in place.
var errNotMigrated = errors.New("migration not done")

// Store is what the handlers need from the database; tests use a fake.
type Store interface {
	// Place creates the order `ref` unless it exists; created says which happened. An existing
	// order is returned as stored, whatever item and quantity were asked for.
	Place(ctx context.Context, ref, item string, quantity int) (order Order, created bool, err error)
	Get(ctx context.Context, ref string) (Order, error)
	// List returns up to limit orders, newest (highest number) first.
	List(ctx context.Context, limit int) ([]Order, error)
	// Ship marks the order shipped; shipping a shipped order changes nothing.
	Ship(ctx context.Context, ref string) (Order, error)
	// Ready fails until the schema is migrated, and while the database does not answer.
	Ready(ctx context.Context) error
}

// migrationLockKey is the pg_advisory_xact_lock key every replica takes before migrating
// ("orders" in ASCII), so replicas starting together do not race on CREATE TABLE.
const migrationLockKey int64 = 0x6f7264657273

// schema is idempotent: every replica runs it on start, one at a time.
const schema = `CREATE TABLE IF NOT EXISTS orders (
	number     bigserial PRIMARY KEY,
	ref        text UNIQUE NOT NULL,
	item       text NOT NULL,
	quantity   int NOT NULL CHECK (quantity > 0),
	state      text NOT NULL DEFAULT 'open',
	created_at timestamptz DEFAULT now()
)`

const orderColumns = "ref, number, item, quantity, state"

// pgStore is the Store on PostgreSQL (lib/pq). Every statement is parameterised.
type pgStore struct {
	db       *sql.DB
	migrated atomic.Bool
}

func newPGStore(db *sql.DB) *pgStore { return &pgStore{db: db} }

// Migrate creates the schema under a transaction-scoped advisory lock: the lock goes with the
// transaction, so a replica that dies mid-migration cannot leave it held on a pooled connection.
func (s *pgStore) Migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create table orders: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	s.migrated.Store(true)
	return nil
}

func (s *pgStore) Place(ctx context.Context, ref, item string, quantity int) (Order, bool, error) {
	// ON CONFLICT DO NOTHING waits for a concurrent insert of the same ref to commit and then
	// inserts nothing; the SELECT below then sees that row. Exactly one row per ref either way.
	row := s.db.QueryRowContext(ctx,
		"INSERT INTO orders (ref, item, quantity) VALUES ($1, $2, $3) ON CONFLICT (ref) DO NOTHING RETURNING "+orderColumns,
		ref, item, quantity)
	order, err := scanOrder(row)
	if err == nil {
		return order, true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Order{}, false, err
	}
	order, err = s.Get(ctx, ref)
	return order, false, err
}

func (s *pgStore) Get(ctx context.Context, ref string) (Order, error) {
	return scanOrder(s.db.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders WHERE ref = $1", ref))
}

func (s *pgStore) List(ctx context.Context, limit int) ([]Order, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+orderColumns+" FROM orders ORDER BY number DESC LIMIT $1", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	orders := []Order{}
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.Ref, &o.Number, &o.Item, &o.Quantity, &o.State); err != nil {
			return nil, err
		}
		orders = append(orders, o)
	}
	return orders, rows.Err()
}

func (s *pgStore) Ship(ctx context.Context, ref string) (Order, error) {
	return scanOrder(s.db.QueryRowContext(ctx,
		"UPDATE orders SET state = $2 WHERE ref = $1 RETURNING "+orderColumns, ref, StateShipped))
}

func (s *pgStore) Ready(ctx context.Context) error {
	if !s.migrated.Load() {
		return errNotMigrated
	}
	return s.db.PingContext(ctx)
}

func scanOrder(row *sql.Row) (Order, error) {
	var o Order
	err := row.Scan(&o.Ref, &o.Number, &o.Item, &o.Quantity, &o.State)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, ErrNotFound
	}
	return o, err
}

// dsnFromEnv builds a lib/pq connection string from the libpq variables. lib/pq reads them too,
// but defaults to sslmode=require; the lab's PostgreSQL has no TLS, so PGSSLMODE defaults to
// disable here. Values are quoted, so a password may hold spaces, quotes and backslashes.
func dsnFromEnv(getenv func(string) string) string {
	pairs := []struct{ key, env, fallback string }{
		{"host", "PGHOST", "localhost"},
		{"port", "PGPORT", "5432"},
		{"user", "PGUSER", "orders"},
		{"password", "PGPASSWORD", ""},
		{"dbname", "PGDATABASE", "orders"},
		{"sslmode", "PGSSLMODE", "disable"},
		{"connect_timeout", "PGCONNECT_TIMEOUT", "5"},
		{"application_name", "PGAPPNAME", "orders-api"},
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		value := getenv(p.env)
		if value == "" {
			value = p.fallback
		}
		if value == "" {
			continue
		}
		quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value)
		parts = append(parts, p.key+"='"+quoted+"'")
	}
	return strings.Join(parts, " ")
}
