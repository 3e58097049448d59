package poller

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the poller's figures for /metrics. No label names a tenant
// or a connection: providers and outcomes only.
type Metrics struct {
	polls      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	stored     *prometheus.CounterVec
	revisions  *prometheus.CounterVec
	lag        *prometheus.HistogramVec
	backlog    prometheus.Gauge
	backlogAge prometheus.Gauge
}

// NewMetrics registers the poller's metrics on reg, which must not have
// metrics of these names (a programming error: it panics).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poslink_poller_polls_total",
			Help: "Polls of a connection by provider and outcome (ok, unavailable, malformed, rate_limited, refused, not_found, error, lost_lease, interrupted).",
		}, []string{"provider", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "poslink_poller_poll_duration_seconds",
			Help:    "Time from claiming a connection to the end of its poll, every page and the writes included.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"provider"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poslink_poller_transactions_stored_total",
			Help: "Transactions stored for the first time.",
		}, []string{"provider"}),
		revisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poslink_poller_revisions_total",
			Help: "Stored transactions that changed visibly (cancel, edit, dispose, deletion found by reconciling), each keeping its earlier version.",
		}, []string{"provider"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "poslink_poller_lag_seconds",
			Help:    "Time from a sale (the register's clock) to its row committed, for sales new since the connection's previous poll (not a new link's backfill).",
			Buckets: []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 75, 90, 120, 180, 300, 600, 1800, 3600},
		}, []string{"provider"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "poslink_poller_backlog_connections",
			Help: "Connections due and not claimed by any instance, as last measured (every instance measures the same database).",
		}),
		backlogAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "poslink_poller_backlog_age_seconds",
			Help: "How long the longest-waiting due and unclaimed connection has been due, as last measured.",
		}),
	}
	reg.MustRegister(m.polls, m.duration, m.stored, m.revisions, m.lag, m.backlog, m.backlogAge)
	return m
}
