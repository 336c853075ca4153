package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Response headers every answer carries: which pod served it, and which build.
const (
	headerPod   = "X-Orders-Pod"
	headerBuild = "X-Orders-Build"
)

// Limits of the API.
const (
	maxBodyBytes  = 16 << 10
	maxItemLength = 200
	maxQuantity   = 1_000_000
	defaultLimit  = 20
	maxLimit      = 100
)

// refPattern: the client's order reference, a URL path segment that needs no escaping.
var refPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// api serves the HTTP API over a Store.
type api struct {
	store Store
	log   *logger
	pod   string
	build string
	// dbTimeout bounds each request's database work, so a stalled database answers 503, not a hang.
	dbTimeout time.Duration
	// shuttingDown fails /ready from SIGTERM on, so the pod leaves its Service before it stops.
	shuttingDown atomic.Bool
}

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/live", a.live)
	mux.HandleFunc("/ready", a.ready)
	mux.HandleFunc("/build", a.buildInfo)
	mux.HandleFunc("/v1/orders", a.collection)
	mux.HandleFunc("/v1/orders/", a.member)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return a.withHeadersAndLog(mux)
}

// withHeadersAndLog sets the pod and build headers on every response and logs each request.
func (a *api) withHeadersAndLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set(headerPod, a.pod)
		w.Header().Set(headerBuild, a.build)
		if a.shuttingDown.Load() {
			// net/http closes the connection after this response: the client's next request opens
			// a new one, which the Service sends to a pod that is staying.
			w.Header().Set("Connection", "close")
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path == "/live" || r.URL.Path == "/ready" {
			return // probes every few seconds would drown the requests that matter
		}
		a.log.info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"ms", float64(time.Since(start).Microseconds())/1000)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (a *api) live(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "live"})
}

func (a *api) ready(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	if a.shuttingDown.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.dbTimeout)
	defer cancel()
	if err := a.store.Ready(ctx); err != nil {
		reason := "database unavailable"
		if errors.Is(err, errNotMigrated) {
			reason = "migration not done"
		}
		a.log.warn("not ready", "reason", reason, "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (a *api) buildInfo(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"build": a.build})
}

// collection serves /v1/orders.
func (a *api) collection(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	limit := defaultLimit
	if text := r.URL.Query().Get("limit"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > maxLimit {
			writeError(w, http.StatusBadRequest, "invalid_limit", "limit must be an integer from 1 to 100")
			return
		}
		limit = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.dbTimeout)
	defer cancel()
	orders, err := a.store.List(ctx, limit)
	if err != nil {
		a.storeFailed(w, "list", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]Order{"orders": orders})
}

// member serves /v1/orders/{ref} and /v1/orders/{ref}/ship.
func (a *api) member(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/orders/"), "/")
	switch {
	case len(parts) == 1:
		if !allow(w, r, http.MethodGet, http.MethodPut) {
			return
		}
		if !validRef(w, parts[0]) {
			return
		}
		if r.Method == http.MethodPut {
			a.place(w, r, parts[0])
		} else {
			a.get(w, r, parts[0])
		}
	case len(parts) == 2 && parts[1] == "ship":
		if !allow(w, r, http.MethodPost) {
			return
		}
		if validRef(w, parts[0]) {
			a.ship(w, r, parts[0])
		}
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	}
}

// placeRequest is the body of PUT /v1/orders/{ref}. Pointers tell a missing field from a zero one.
type placeRequest struct {
	Item     *string `json:"item"`
	Quantity *int    `json:"quantity"`
}

func (a *api) place(w http.ResponseWriter, r *http.Request, ref string) {
	item, quantity, problem := decodePlace(w, r)
	if problem != "" {
		code := "invalid_order"
		status := http.StatusBadRequest
		if problem == bodyTooLarge {
			code, status = "body_too_large", http.StatusRequestEntityTooLarge
		}
		writeError(w, status, code, problem)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.dbTimeout)
	defer cancel()
	order, created, err := a.store.Place(ctx, ref, item, quantity)
	if err != nil {
		a.storeFailed(w, "place", err)
		return
	}
	switch {
	case created:
		w.Header().Set("Location", "/v1/orders/"+ref)
		writeJSON(w, http.StatusCreated, map[string]Order{"order": order})
	case order.Item != item || order.Quantity != quantity:
		// The same ref with a different order is a client bug, not a retry: say so rather than
		// pretend the second order was placed.
		writeJSON(w, http.StatusConflict, map[string]interface{}{
			"error": apiError{Code: "ref_conflict", Message: "an order with this ref exists with a different item or quantity"},
			"order": order,
		})
	default:
		writeJSON(w, http.StatusOK, map[string]Order{"order": order})
	}
}

const bodyTooLarge = "the body is larger than 16 KiB"

// decodePlace reads and validates a place request; problem is "" when it is valid.
func decodePlace(w http.ResponseWriter, r *http.Request) (item string, quantity int, problem string) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	var req placeRequest
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return "", 0, bodyTooLarge
		case errors.Is(err, io.EOF):
			return "", 0, `the body is empty; send {"item": "...", "quantity": 1}`
		default:
			return "", 0, "the body is not a valid order: " + err.Error()
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", 0, "the body holds more than one JSON value"
	}
	switch {
	case req.Item == nil:
		return "", 0, `"item" is required`
	case strings.TrimSpace(*req.Item) == "":
		return "", 0, `"item" must not be blank`
	case len([]rune(*req.Item)) > maxItemLength:
		return "", 0, `"item" is longer than 200 characters`
	case req.Quantity == nil:
		return "", 0, `"quantity" is required`
	case *req.Quantity < 1 || *req.Quantity > maxQuantity:
		return "", 0, `"quantity" must be an integer from 1 to 1000000`
	}
	return *req.Item, *req.Quantity, ""
}

func (a *api) get(w http.ResponseWriter, r *http.Request, ref string) {
	ctx, cancel := context.WithTimeout(r.Context(), a.dbTimeout)
	defer cancel()
	order, err := a.store.Get(ctx, ref)
	if err != nil {
		a.storeFailed(w, "get", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Order{"order": order})
}

func (a *api) ship(w http.ResponseWriter, r *http.Request, ref string) {
	ctx, cancel := context.WithTimeout(r.Context(), a.dbTimeout)
	defer cancel()
	order, err := a.store.Ship(ctx, ref)
	if err != nil {
		a.storeFailed(w, "ship", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Order{"order": order})
}

// storeFailed answers 404 for an unknown order, and 503 for anything else: the database is
// away or slow, and a retry may well succeed. The cause goes to the log, not to the client.
func (a *api) storeFailed(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no order with this ref")
		return
	}
	a.log.error("database call failed", "call", what, "error", err.Error())
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "database_unavailable", "the database did not answer; retry")
}

func validRef(w http.ResponseWriter, ref string) bool {
	if refPattern.MatchString(ref) {
		return true
	}
	writeError(w, http.StatusBadRequest, "invalid_ref", "ref must be 1 to 128 of A-Z a-z 0-9 . _ ~ -")
	return false
}

// allow answers 405 with an Allow header unless the request uses one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here")
	return false
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: message}})
}

func writeJSON(w http.ResponseWriter, status int, body interface{}) {
	data, err := json.Marshal(body)
	if err != nil { // only our own types are marshalled; this would be a programming error
		status, data = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
