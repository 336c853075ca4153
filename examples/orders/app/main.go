// Command orders-api is the example stack's HTTP service: idempotent orders on PostgreSQL.
//
// Configuration is from the environment only (see config below and ../README.md). Shutdown on
// SIGTERM or SIGINT: /ready fails at once and responses ask clients to reconnect elsewhere
// (Connection: close); after DRAIN_SECONDS the listener closes, in-flight requests finish within
// SHUTDOWN_TIMEOUT_SECONDS, and the process exits 0.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

type config struct {
	addr            string
	pod             string
	build           string
	drain           time.Duration
	shutdownTimeout time.Duration
	dbTimeout       time.Duration
	maxConns        int
	dsn             string
}

func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		addr:  ":" + orDefault(getenv("PORT"), "8080"),
		pod:   getenv("POD_NAME"),
		build: orDefault(getenv("ORDERS_BUILD"), "dev"),
		dsn:   dsnFromEnv(getenv),
	}
	if cfg.pod == "" {
		cfg.pod, _ = os.Hostname()
	}
	var err error
	seconds := func(name string, fallback, max int) time.Duration {
		n, e := intEnv(getenv, name, fallback, 0, max)
		if e != nil && err == nil {
			err = e
		}
		return time.Duration(n) * time.Second
	}
	cfg.drain = seconds("DRAIN_SECONDS", 5, 300)
	cfg.shutdownTimeout = seconds("SHUTDOWN_TIMEOUT_SECONDS", 15, 300)
	cfg.dbTimeout = seconds("DB_TIMEOUT_SECONDS", 3, 60)
	if cfg.dbTimeout == 0 && err == nil {
		err = errors.New("DB_TIMEOUT_SECONDS must be at least 1")
	}
	if n, e := intEnv(getenv, "DB_MAX_CONNS", 10, 1, 200); e != nil && err == nil {
		err = e
	} else {
		cfg.maxConns = n
	}
	return cfg, err
}

func intEnv(getenv func(string) string, name string, fallback, min, max int) (int, error) {
	text := getenv(name)
	if text == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < min || n > max {
		return fallback, fmt.Errorf("%s must be an integer from %d to %d, got %q", name, min, max, text)
	}
	return n, nil
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func main() {
	cfg, err := loadConfig(os.Getenv)
	log := newLogger(os.Stdout, cfg.pod)
	if err != nil {
		log.error("bad configuration", "error", err.Error())
		os.Exit(2)
	}
	os.Exit(run(cfg, log))
}

func run(cfg config, log *logger) int {
	db, err := sql.Open("postgres", cfg.dsn)
	if err != nil {
		log.error("bad database configuration", "error", err.Error())
		return 2
	}
	defer db.Close()
	db.SetMaxOpenConns(cfg.maxConns)
	db.SetMaxIdleConns(cfg.maxConns)
	// Connections broken by a database restart are replaced rather than kept for long.
	db.SetConnMaxIdleTime(time.Minute)

	store := newPGStore(db)
	a := &api{store: store, log: log, pod: cfg.pod, build: cfg.build, dbTimeout: cfg.dbTimeout}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go migrateUntilDone(ctx, store, log)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		log.error("cannot listen", "addr", cfg.addr, "error", err.Error())
		return 1
	}
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.info("listening", "addr", cfg.addr, "build", cfg.build, "drainSeconds", cfg.drain.Seconds())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-served:
		log.error("server stopped", "error", err.Error())
		return 1
	case sig := <-signals:
		log.info("shutting down: readiness fails, draining", "signal", sig.String(), "drainSeconds", cfg.drain.Seconds())
	}

	// 1. Fail /ready and ask keep-alive clients to reconnect (to another pod); keep serving, since
	//    the endpoints' removal takes a moment to reach every proxy.
	a.shuttingDown.Store(true)
	time.Sleep(cfg.drain)
	// 2. Close the listener and idle connections; let in-flight requests finish.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.error("in-flight requests did not finish in time", "error", err.Error())
		return 1
	}
	stop()
	log.info("stopped")
	return 0
}

// migrateUntilDone migrates, retrying while the database is not reachable yet.
func migrateUntilDone(ctx context.Context, store *pgStore, log *logger) {
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := store.Migrate(attemptCtx)
		cancel()
		if err == nil {
			log.info("migration done", "attempt", attempt)
			return
		}
		log.warn("migration failed; retrying", "attempt", attempt, "error", err.Error(), "retryInSeconds", backoff.Seconds())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}
