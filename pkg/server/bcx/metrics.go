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
		reg: prometheus.NewRegistry(),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaa_bcx_uploads_total", Help: "Blob uploads by HTTP status.",
		}, []string{"status"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kaa_bcx_uploaded_bytes_total", Help: "Bytes of successfully stored blobs.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kaa_bcx_upload_duration_seconds", Help: "Upload time, request start to stored blob.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaa_bcx_token_requests_total", Help: "Upload token requests over 1/KP by outcome.",
		}, []string{"outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaa_bcx_token_rejections_total", Help: "Uploads refused for their token, by reason.",
		}, []string{"reason"}),
		configEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaa_bcx_config_events_total", Help: "17/SCMP configuration events by outcome.",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.uploads, m.bytes, m.duration, m.tokens, m.rejected, m.configEvents,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
