package db

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/poslink/poslink/internal/apperr"
)

// RetryAfter is how long a client is told to wait when the database cannot
// be reached: a restart or a failover takes seconds, and the pool
// reconnects by itself.
const RetryAfter = 10 * time.Second

// Unavailable reports whether err says the database could not be reached
// or dropped the connection, rather than refusing a query: no connection
// could be made (refused, timed out, the database not accepting
// connections, too many clients), the server is shutting down or
// restarting (57P01–57P03, class 08), the connection broke mid-query, or a
// deadline passed while waiting for it. A client that went away
// (context.Canceled) is not an outage.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch c := pgErr.Code; {
		case strings.HasPrefix(c, "08"), c == "57P01", c == "57P02", c == "57P03", c == "53300":
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Classify is Unavailable as the error model says it: the error of kind
// Unavailable, with RetryAfter, that the portal answers with 503 and the
// message that the service is briefly unavailable; nil for any other error.
func Classify(err error) *apperr.Error {
	if !Unavailable(err) {
		return nil
	}
	return apperr.Wrap(apperr.Unavailable, err, "err.db_unavailable").WithRetryAfter(RetryAfter)
}
