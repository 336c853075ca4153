package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// TestPostgresStore runs the store against a real PostgreSQL. It is skipped unless
// ORDERS_TEST_DATABASE=1, with PGHOST, PGUSER, PGPASSWORD and PGDATABASE naming a database
// whose orders table may be dropped (see ../README.md: the orders-db image on a docker network).
func TestPostgresStore(t *testing.T) {
	if os.Getenv("ORDERS_TEST_DATABASE") != "1" {
		t.Skip("set ORDERS_TEST_DATABASE=1 and PGHOST/PGUSER/PGPASSWORD/PGDATABASE to test against PostgreSQL")
	}
	db, err := sql.Open("postgres", dsnFromEnv(os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS orders"); err != nil {
		t.Fatal(err)
	}

	// Several replicas migrating at once: the advisory lock serialises them, none fails.
	stores := make([]*pgStore, 6)
	var wg sync.WaitGroup
	errs := make(chan error, len(stores))
	for i := range stores {
		stores[i] = newPGStore(db)
		wg.Add(1)
		go func(s *pgStore) { defer wg.Done(); errs <- s.Migrate(ctx) }(stores[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migration: %v", err)
		}
	}
	s := stores[0]
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready after migration: %v", err)
	}

	// Concurrent places of one ref: exactly one creates, all return the same order.
	var created sync.Map
	numbers := make(chan int64, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			o, isNew, err := s.Place(ctx, "same-ref", "widget", 2)
			if err != nil {
				t.Errorf("place: %v", err)
				return
			}
			if isNew {
				created.Store(i, true)
			}
			numbers <- o.Number
		}(i)
	}
	wg.Wait()
	close(numbers)
	first := int64(-1)
	for n := range numbers {
		if first == -1 {
			first = n
		} else if n != first {
			t.Errorf("places of one ref returned orders %d and %d", first, n)
		}
	}
	count := 0
	created.Range(func(_, _ interface{}) bool { count++; return true })
	if count != 1 {
		t.Errorf("%d places reported creating the order, want 1", count)
	}
	var rows int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM orders WHERE ref = $1", "same-ref").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("rows for same-ref: %d (%v)", rows, err)
	}

	for i := 0; i < 3; i++ {
		if _, _, err := s.Place(ctx, fmt.Sprintf("list-%d", i), "gear", i+1); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List(ctx, 2)
	if err != nil || len(list) != 2 || list[0].Ref != "list-2" || list[1].Ref != "list-1" {
		t.Fatalf("list newest first: %+v %v", list, err)
	}
	if _, err := s.Get(ctx, "missing"); err != ErrNotFound {
		t.Fatalf("get missing: %v", err)
	}
	if _, err := s.Ship(ctx, "missing"); err != ErrNotFound {
		t.Fatalf("ship missing: %v", err)
	}
	o, err := s.Ship(ctx, "list-0")
	if err != nil || o.State != StateShipped || o.Quantity != 1 {
		t.Fatalf("ship: %+v %v", o, err)
	}
	// The check constraint is the last line of defence behind the handler's validation.
	if _, _, err := s.Place(ctx, "bad", "gear", 0); err == nil {
		t.Fatal("quantity 0 was stored")
	}
}
