package db_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/dbtest"
)

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// Each way a real server can be out of reach is Unavailable, with the wait
// to tell the client; the errors of a query the server refused are not.
func TestUnavailableFromRealOutages(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewURL(t)
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	admin, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(ctx) }()
	name := pool.Config().ConnConfig.Database

	outages := map[string]error{}
	// Nothing listens.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = "127.0.0.1", 1
	if h, p, err := net.SplitHostPort(closedPort(t)); err == nil {
		cfg.ConnConfig.Host = h
		_, _ = fmt.Sscan(p, &cfg.ConnConfig.Port)
	}
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	refused, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	outages["connection refused"] = refused.Ping(ctx)
	refused.Close()

	// Every connection the pool holds is ended by the administrator (as in
	// a restart or failover), and the database takes no new ones.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH ALLOW_CONNECTIONS true`)
	})
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	var one int
	outages["connection ended by the administrator"] = conn.QueryRow(ctx, `SELECT 1`).Scan(&one)
	conn.Release()
	outages["database not accepting connections"] = pool.QueryRow(ctx, `SELECT 1`).Scan(&one)

	for what, err := range outages {
		t.Logf("%s: %v", what, err)
		if !db.Unavailable(err) {
			t.Errorf("%s (%T: %v) is not Unavailable", what, err, err)
			continue
		}
		e := db.Classify(fmt.Errorf("load user 7: %w", err))
		if e == nil || e.Kind != apperr.Unavailable || e.RetryAfter != db.RetryAfter || e.Key != "err.db_unavailable" || !errors.Is(e, err) {
			t.Errorf("%s classified as %+v", what, e)
		}
	}

	// Back: the same pool serves again, without a restart.
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// A query running when the administrator ends its connection, and a
// request that waits past its deadline for the one connection a busy pool
// has, are outages too.
func TestUnavailableMidQueryAndBusyPool(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var pid int
	if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(ctx) }()

	midQuery := make(chan error, 1)
	go func() { midQuery <- pool.QueryRow(ctx, `SELECT pg_sleep(30)::text`).Scan(new(string)) }()
	for running := false; !running; {
		if err := admin.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%'`,
			pid).Scan(&running); err != nil {
			t.Fatal(err)
		}
	}
	// The query holds the pool's one connection: another waits for it.
	waited, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	busy := pool.QueryRow(waited, `SELECT 1`).Scan(new(int))
	cancel()
	var ended bool
	for !ended {
		if err := admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ended); err != nil {
			t.Fatal(err)
		}
	}
	for what, err := range map[string]error{"connection ended mid-query": <-midQuery, "deadline waiting for a connection": busy} {
		t.Logf("%s: %v", what, err)
		if !db.Unavailable(err) {
			t.Errorf("%s (%T: %v) is not Unavailable", what, err, err)
		}
	}
}

func TestRefusedQueriesAreNotOutages(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE u (x text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) error { _, err := pool.Exec(ctx, sql); return err }
	var s string
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for what, err := range map[string]error{
		"syntax error":        pool.QueryRow(ctx, `SELEC 1`).Scan(&s),
		"NUL in text":         pool.QueryRow(ctx, `SELECT $1::text`, "a\x00b").Scan(&s),
		"invalid UTF-8":       pool.QueryRow(ctx, `SELECT $1::text`, "a\xffb").Scan(&s),
		"unique violation":    exec(`INSERT INTO u VALUES ('x'), ('x')`),
		"no rows":             pool.QueryRow(ctx, `SELECT name FROM tenants WHERE false`).Scan(&s),
		"client went away":    pool.QueryRow(canceled, `SELECT 'x'`).Scan(&s),
		"not an error of pgx": errors.New("something else"),
		"division by zero":    pool.QueryRow(ctx, `SELECT (1/0)::text`).Scan(&s),
	} {
		if err == nil {
			t.Errorf("%s: no error", what)
			continue
		}
		if db.Unavailable(err) || db.Classify(err) != nil {
			t.Errorf("%s (%v) taken for an outage", what, err)
		}
	}
}
