package pgembed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// killGrace is how long an immediate shutdown may take before the
// postmaster is killed.
const killGrace = 5 * time.Second

// Stop shuts the server down and removes its socket directory, and for an
// Ephemeral cluster its data. It asks for a fast shutdown (clients are
// disconnected, data is checkpointed) and waits; when ctx ends first, it
// falls back to an immediate shutdown, then to killing the processes.
// Stop may be called more than once; later calls return the first result.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	if c.stopped {
		return c.stopErr
	}
	c.stopped = true
	began := time.Now()
	errs := []error{c.shutdown(ctx)}
	if err := c.logFile.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close server log: %w", err))
	}
	if err := os.RemoveAll(c.socketDir); err != nil {
		errs = append(errs, fmt.Errorf("remove socket directory: %w", err))
	}
	if c.ephemeral {
		if err := os.RemoveAll(c.dataDir); err != nil {
			errs = append(errs, fmt.Errorf("remove ephemeral data directory: %w", err))
		}
	}
	c.stopErr = errors.Join(errs...)
	c.logger.Info("PostgreSQL stopped", "data", c.dataDir, "took", time.Since(began).Round(time.Millisecond))
	return c.stopErr
}

// shutdown ends the server process, escalating when ctx ends.
func (c *Cluster) shutdown(ctx context.Context) error {
	select {
	case <-c.exited:
		return nil // died on its own; Done told whoever cared
	default:
	}
	c.signal(syscall.SIGINT)
	select {
	case <-c.exited:
		return nil
	case <-ctx.Done():
	}
	c.logger.Warn("PostgreSQL fast shutdown timed out; forcing an immediate shutdown", "data", c.dataDir)
	c.signal(syscall.SIGQUIT)
	select {
	case <-c.exited:
		return nil
	case <-time.After(killGrace):
	}
	c.signal(syscall.SIGKILL)
	select {
	case <-c.exited:
		// Recovery at the next start repairs what the kill interrupted.
		return fmt.Errorf("postgres had to be killed (%w)", ctx.Err())
	case <-time.After(killGrace):
		return fmt.Errorf("postgres (pid %d) survived SIGKILL", c.pid)
	}
}
