package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeStore keeps orders in memory; err, when set, is returned by every call.
type fakeStore struct {
	mu       sync.Mutex
	orders   map[string]Order
	next     int64
	err      error
	migrated bool
}

func newFakeStore() *fakeStore { return &fakeStore{orders: map[string]Order{}, migrated: true} }

func (f *fakeStore) Place(_ context.Context, ref, item string, quantity int) (Order, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Order{}, false, f.err
	}
	if o, ok := f.orders[ref]; ok {
		return o, false, nil
	}
	f.next++
	o := Order{Ref: ref, Number: f.next, Item: item, Quantity: quantity, State: StateOpen}
	f.orders[ref] = o
	return o, true, nil
}

func (f *fakeStore) Get(_ context.Context, ref string) (Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Order{}, f.err
	}
	o, ok := f.orders[ref]
	if !ok {
		return Order{}, ErrNotFound
	}
	return o, nil
}

func (f *fakeStore) List(_ context.Context, limit int) ([]Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := []Order{}
	for _, o := range f.orders {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeStore) Ship(_ context.Context, ref string) (Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Order{}, f.err
	}
	o, ok := f.orders[ref]
	if !ok {
		return Order{}, ErrNotFound
	}
	o.State = StateShipped
	f.orders[ref] = o
	return o, nil
}

func (f *fakeStore) Ready(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.migrated {
		return errNotMigrated
	}
	return f.err
}

func newTestAPI(store Store) *api {
	return &api{store: store, log: newLogger(io.Discard, "orders-api-test"), pod: "orders-api-0", build: "v7", dbTimeout: time.Second}
}

type result struct {
	status int
	header http.Header
	body   map[string]interface{}
}

func do(t *testing.T, a *api, method, path, body string) result {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, reader)
	rec := httptest.NewRecorder()
	a.handler().ServeHTTP(rec, req)
	out := result{status: rec.Code, header: rec.Header()}
	if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, path, rec.Body.String())
	}
	return out
}

func orderOf(t *testing.T, r result) map[string]interface{} {
	t.Helper()
	order, ok := r.body["order"].(map[string]interface{})
	if !ok {
		t.Fatalf("no order in %v", r.body)
	}
	return order
}

func TestPlaceCreatesThenReplays(t *testing.T) {
	a := newTestAPI(newFakeStore())
	first := do(t, a, "PUT", "/v1/orders/ref-1", `{"item": "widget", "quantity": 2}`)
	if first.status != http.StatusCreated {
		t.Fatalf("first PUT: status %d, want 201 (%v)", first.status, first.body)
	}
	if got := first.header.Get("Location"); got != "/v1/orders/ref-1" {
		t.Errorf("Location = %q", got)
	}
	o := orderOf(t, first)
	want := map[string]interface{}{"ref": "ref-1", "number": 1.0, "item": "widget", "quantity": 2.0, "state": "open"}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("order.%s = %v, want %v", k, o[k], v)
		}
	}
	again := do(t, a, "PUT", "/v1/orders/ref-1", `{"item": "widget", "quantity": 2}`)
	if again.status != http.StatusOK {
		t.Fatalf("repeat PUT: status %d, want 200", again.status)
	}
	if orderOf(t, again)["number"] != 1.0 {
		t.Errorf("repeat PUT returned another order: %v", again.body)
	}
}

func TestPlaceSameRefOtherOrderConflicts(t *testing.T) {
	a := newTestAPI(newFakeStore())
	do(t, a, "PUT", "/v1/orders/r", `{"item": "widget", "quantity": 2}`)
	r := do(t, a, "PUT", "/v1/orders/r", `{"item": "widget", "quantity": 3}`)
	if r.status != http.StatusConflict {
		t.Fatalf("status %d, want 409", r.status)
	}
	if orderOf(t, r)["quantity"] != 2.0 {
		t.Errorf("409 should carry the stored order: %v", r.body)
	}
}

func TestPlaceRejectsBadBodies(t *testing.T) {
	cases := map[string]string{
		"empty":          ``,
		"not json":       `item=widget`,
		"array":          `[1]`,
		"missing item":   `{"quantity": 1}`,
		"blank item":     `{"item": "  ", "quantity": 1}`,
		"item not text":  `{"item": 5, "quantity": 1}`,
		"long item":      `{"item": "` + strings.Repeat("x", 201) + `", "quantity": 1}`,
		"missing qty":    `{"item": "widget"}`,
		"zero qty":       `{"item": "widget", "quantity": 0}`,
		"negative qty":   `{"item": "widget", "quantity": -3}`,
		"fraction qty":   `{"item": "widget", "quantity": 1.5}`,
		"string qty":     `{"item": "widget", "quantity": "2"}`,
		"huge qty":       `{"item": "widget", "quantity": 99999999999999999999}`,
		"unknown field":  `{"item": "widget", "quantity": 1, "price": 3}`,
		"two values":     `{"item": "widget", "quantity": 1} {}`,
		"truncated json": `{"item": "widget", "quantity": 1`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			store := newFakeStore()
			r := do(t, newTestAPI(store), "PUT", "/v1/orders/r", body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400 (%v)", r.status, r.body)
			}
			if len(store.orders) != 0 {
				t.Errorf("a rejected order was stored")
			}
		})
	}
}

func TestPlaceRejectsLargeBody(t *testing.T) {
	body := `{"item": "` + strings.Repeat("x", maxBodyBytes) + `", "quantity": 1}`
	r := do(t, newTestAPI(newFakeStore()), "PUT", "/v1/orders/r", body)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", r.status)
	}
}

func TestRefIsValidated(t *testing.T) {
	a := newTestAPI(newFakeStore())
	for _, path := range []string{"/v1/orders/" + strings.Repeat("a", 129), "/v1/orders/a%20b", "/v1/orders/%27--"} {
		if r := do(t, a, "GET", path, ""); r.status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", path, r.status)
		}
	}
	if r := do(t, a, "GET", "/v1/orders/a/b/c", ""); r.status != http.StatusNotFound {
		t.Errorf("GET /v1/orders/a/b/c: status %d, want 404", r.status)
	}
}

func TestGetAndShip(t *testing.T) {
	a := newTestAPI(newFakeStore())
	if r := do(t, a, "GET", "/v1/orders/nope", ""); r.status != http.StatusNotFound {
		t.Fatalf("unknown ref: status %d, want 404", r.status)
	}
	if r := do(t, a, "POST", "/v1/orders/nope/ship", ""); r.status != http.StatusNotFound {
		t.Fatalf("ship unknown ref: status %d, want 404", r.status)
	}
	do(t, a, "PUT", "/v1/orders/x", `{"item": "gear", "quantity": 1}`)
	for i := 0; i < 2; i++ { // shipping twice is fine
		r := do(t, a, "POST", "/v1/orders/x/ship", "")
		if r.status != http.StatusOK || orderOf(t, r)["state"] != "shipped" {
			t.Fatalf("ship #%d: %d %v", i+1, r.status, r.body)
		}
	}
	r := do(t, a, "GET", "/v1/orders/x", "")
	if r.status != http.StatusOK || orderOf(t, r)["state"] != "shipped" {
		t.Fatalf("get after ship: %d %v", r.status, r.body)
	}
}

func TestListNewestFirstWithLimit(t *testing.T) {
	a := newTestAPI(newFakeStore())
	for _, ref := range []string{"a", "b", "c"} {
		do(t, a, "PUT", "/v1/orders/"+ref, `{"item": "w", "quantity": 1}`)
	}
	r := do(t, a, "GET", "/v1/orders?limit=2", "")
	orders, _ := r.body["orders"].([]interface{})
	if r.status != http.StatusOK || len(orders) != 2 {
		t.Fatalf("list: %d %v", r.status, r.body)
	}
	if ref := orders[0].(map[string]interface{})["ref"]; ref != "c" {
		t.Errorf("newest first: got %v first", ref)
	}
	for _, bad := range []string{"0", "101", "x", "-1"} {
		if r := do(t, a, "GET", "/v1/orders?limit="+bad, ""); r.status != http.StatusBadRequest {
			t.Errorf("limit=%s: status %d, want 400", bad, r.status)
		}
	}
	empty := do(t, newTestAPI(newFakeStore()), "GET", "/v1/orders", "")
	if orders, ok := empty.body["orders"].([]interface{}); !ok || len(orders) != 0 {
		t.Errorf("an empty list must be [], got %v", empty.body)
	}
}

func TestEveryResponseNamesPodAndBuild(t *testing.T) {
	a := newTestAPI(newFakeStore())
	for _, req := range [][2]string{{"GET", "/live"}, {"GET", "/nowhere"}, {"DELETE", "/v1/orders/x"}, {"GET", "/v1/orders/x"}, {"GET", "/build"}} {
		r := do(t, a, req[0], req[1], "")
		if r.header.Get(headerPod) != "orders-api-0" || r.header.Get(headerBuild) != "v7" {
			t.Errorf("%s %s: headers %v", req[0], req[1], r.header)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	a := newTestAPI(newFakeStore())
	r := do(t, a, "DELETE", "/v1/orders/x", "")
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, PUT" {
		t.Fatalf("DELETE: %d Allow=%q", r.status, r.header.Get("Allow"))
	}
	if r := do(t, a, "GET", "/v1/orders/x/ship", ""); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET ship: %d", r.status)
	}
}

func TestBuild(t *testing.T) {
	r := do(t, newTestAPI(newFakeStore()), "GET", "/build", "")
	if r.status != http.StatusOK || r.body["build"] != "v7" {
		t.Fatalf("build: %d %v", r.status, r.body)
	}
}

func TestReadiness(t *testing.T) {
	store := newFakeStore()
	a := newTestAPI(store)
	if r := do(t, a, "GET", "/ready", ""); r.status != http.StatusOK {
		t.Fatalf("ready: %d", r.status)
	}
	store.migrated = false
	if r := do(t, a, "GET", "/ready", ""); r.status != http.StatusServiceUnavailable || r.body["reason"] != "migration not done" {
		t.Fatalf("before migration: %d %v", r.status, r.body)
	}
	store.migrated = true
	store.err = errors.New("dial tcp 10.0.0.9:5432: connect: connection refused")
	r := do(t, a, "GET", "/ready", "")
	if r.status != http.StatusServiceUnavailable || strings.Contains(r.body["reason"].(string), "10.0.0.9") {
		t.Fatalf("database down: %d %v", r.status, r.body)
	}
	if r := do(t, a, "GET", "/live", ""); r.status != http.StatusOK {
		t.Fatalf("live must not need the database: %d", r.status)
	}
	store.err = nil
	a.shuttingDown.Store(true)
	r = do(t, a, "GET", "/ready", "")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("shutting down: %d", r.status)
	}
	if r.header.Get("Connection") != "close" {
		t.Errorf("responses while shutting down should close the connection")
	}
}

func TestDatabaseErrorsAre503WithoutDetails(t *testing.T) {
	store := newFakeStore()
	store.err = errors.New("pq: password authentication failed for user orders")
	var logged bytes.Buffer
	a := newTestAPI(store)
	a.log = newLogger(&logged, "p")
	r := do(t, a, "PUT", "/v1/orders/r", `{"item": "w", "quantity": 1}`)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, want 503 with Retry-After", r.status)
	}
	if strings.Contains(r.body["error"].(map[string]interface{})["message"].(string), "password") {
		t.Errorf("the database's error leaked to the client: %v", r.body)
	}
	if !strings.Contains(logged.String(), "password authentication failed") {
		t.Errorf("the cause should be logged: %s", logged.String())
	}
}

func TestLogsAreJSONLines(t *testing.T) {
	var out bytes.Buffer
	a := newTestAPI(newFakeStore())
	a.log = newLogger(&out, "p")
	do(t, a, "GET", "/build", "")
	do(t, a, "GET", "/live", "") // probes are not logged
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %q", out.String())
	}
	var entry map[string]interface{}
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil || entry["path"] != "/build" || entry["status"] != 200.0 {
		t.Fatalf("log line %q (%v)", lines[0], err)
	}
}

func TestDSNFromEnv(t *testing.T) {
	env := map[string]string{"PGHOST": "orders-db", "PGUSER": "orders", "PGPASSWORD": `it's a \ secret`, "PGDATABASE": "orders"}
	dsn := dsnFromEnv(func(k string) string { return env[k] })
	for _, want := range []string{`host='orders-db'`, `port='5432'`, `password='it\'s a \\ secret'`, `sslmode='disable'`} {
		if !strings.Contains(dsn, want) {
			t.Errorf("dsn %q lacks %s", dsn, want)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(func(k string) string { return map[string]string{"DRAIN_SECONDS": "0", "POD_NAME": "p"}[k] })
	if err != nil || cfg.drain != 0 || cfg.build != "dev" || cfg.addr != ":8080" || cfg.pod != "p" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	if _, err := loadConfig(func(k string) string { return map[string]string{"DRAIN_SECONDS": "soon"}[k] }); err == nil {
		t.Fatal("DRAIN_SECONDS=soon should be an error")
	}
}
