// Package sim is the device fleet simulator behind `kaactl sim` (no UI; its
// dashboard is pkg/sim/view). Run connects Options.Endpoints simulated
// endpoints to KPC, one connection each over MQTT (TCP, TLS, WebSocket;
// paho) or 1/KP over HTTP, and runs each endpoint's scenario: kp (1/KP
// requests to an extension, timed by their replies), upload (a BCX upload
// token over 1/KP, then blob uploads to BCX's REST API, fetching the token
// again when BCX answers 403) or connect (connection churn), in a weighted
// Mix. The Report has rates, latency percentiles from log-linear histograms,
// errors by kind with their first reason, and the simulator's own CPU per
// operation; FailOn checks it for CI. Provision registers the endpoints'
// tokens and credentials through the provider API first.
//
// Config is the application layer above the engine: the command's flags
// (BindFlags), their checks (Validate) and the I/O before a run (Prepare:
// tokens files, client TLS with KPC's own certificate, per-endpoint X.509
// certificates, the decision whether to provision), which yields Options.
package sim
