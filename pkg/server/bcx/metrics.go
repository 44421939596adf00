package bcx

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reg          *prometheus.Registry
	uploads      *prometheus.CounterVec
	bytes        prometheus.Counter
	duration     prometheus.Histogram
	tokens       *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	configEvents *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg:     prometheus.NewRegistry(),
		uploads: counterVec("kaa_bcx_uploads_total", "Blob uploads by HTTP status.", "status"),
		bytes:   counter("kaa_bcx_uploaded_bytes_total", "Bytes of successfully stored blobs."),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kaa_bcx_upload_duration_seconds", Help: "Upload time, request start to stored blob.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}),
		tokens:       counterVec("kaa_bcx_token_requests_total", "Upload token requests over 1/KP by outcome.", "outcome"),
		rejected:     counterVec("kaa_bcx_token_rejections_total", "Uploads refused for their token, by reason.", "reason"),
		configEvents: counterVec("kaa_bcx_config_events_total", "17/SCMP configuration events by outcome.", "outcome"),
	}
	m.reg.MustRegister(m.uploads, m.bytes, m.duration, m.tokens, m.rejected, m.configEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counter and counterVec are the counters of newMetrics, the latter
// partitioned by labels.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}
