package stills

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the stills' figures for /metrics. No label names a tenant
// or a camera.
type Metrics struct {
	fetches    *prometheus.CounterVec
	duration   prometheus.Histogram
	evicted    prometheus.Counter
	cacheBytes prometheus.Gauge
	backlog    *prometheus.GaugeVec
}

// NewMetrics registers the stills' metrics on reg, which must not have
// metrics of these names (a programming error: it panics).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poslink_stills_fetches_total",
			Help: "Fetches of a transaction's still by outcome (ready, no_recording, not_yet, failed, unreachable, lost_lease, interrupted).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "poslink_stills_fetch_duration_seconds",
			Help:    "Time of one fetch: the camera cloud's answer, the shrinking and the write.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "poslink_stills_evicted_total",
			Help: "Payments' stills dropped from the bounded cache, or never fetched within the payment window.",
		}),
		cacheBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "poslink_stills_cache_bytes",
			Help: "Bytes of the payments' stored stills after the last trim (evidence not counted).",
		}),
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "poslink_stills_due",
			Help: "Stills due and not claimed, by evidence (true/false), as last measured.",
		}, []string{"evidence"}),
	}
	reg.MustRegister(m.fetches, m.duration, m.evicted, m.cacheBytes, m.backlog)
	return m
}
