package sim

// Help is the long help of kaactl sim: what the flags of Config do together,
// the scenarios, what the weights of a mix mean, and the exit status.
const Help = `Simulate --endpoints devices, one connection each, against KPC and BCX.
Defaults match kaactl up, so against a running kaactl up this just works:

  kaactl sim --endpoints 500 --duration 10s

Transport: the scheme of --url: tcp:// or mqtt:// (MQTT), mqtts:// ssl:// tls://
(MQTT over TLS), ws:// wss:// (MQTT over WebSocket, e.g. ws://127.0.0.1:8081/ws),
http:// https:// (1/KP over HTTP, e.g. http://127.0.0.1:8080). TLS trusts --ca,
or else the certificate KPC serves at <--kpc-rest-url>/api/v1/cert.

Scenarios (--scenario, or a weighted mix such as kp=80,upload=15,connect=5):
  kp       requests kp1/<app-version>/<ext>/<token>/<resource>/<id> and times
           the replies (--rate per endpoint, or closed loop: next request on reply)
  upload   fetches a BCX upload token over 1/KP (again when BCX answers 403),
           uploads --blob-size blobs to --bcx-url at --upload-rate per endpoint
  connect  holds each connection for --hold, disconnects and connects again
The weights of a mix split the endpoints and hold in operations started
(requests, uploads, reconnects): a faster scenario waits for the slower ones,
so kp=80,upload=20 starts 4 requests per upload whatever each takes.

Endpoints belong to application --app (default sim, created on first use, so
simulated devices and their blobs stay out of your applications) and use
version --app-version (default <app>-v1) in topics. Their tokens come from
--tokens-file (one per line, or CSV with the token in the first column), or
--token-pattern. --username/--password (patterns, %d is the endpoint number)
send MQTT basic credentials; --cert/--key present a client certificate,
--x509 a certificate of each endpoint's own (derived from its token).
--provision registers tokens (and credentials) through the provider API
first (auto: when an admin token is at hand, as with kaactl up, and the KPC
is on this machine or --provider-url is given). --cleanup deletes the
endpoints the run provisioned and the blobs it uploaded once it is over.

On a terminal a live dashboard shows progress (q or Ctrl-C stops the run and
still prints the report); otherwise a progress line goes to stderr every few
seconds. The report (table, or -o json / -o yaml) has connects/s, requests/s,
p50/p90/p99/max latency from a histogram, errors by kind, uploads and MB/s,
and the simulator's own CPU: per operation, and as a share of its cores in
the load phase (cpu_saturated at 90% or more: the simulator, not the
server, may have set the figures).

Exit status: 0 when the run passed; 1 when it failed, with the reason on one
line (an endpoint never connected; without --reconnect, a connection failed
or was lost; a --fail-on condition held, e.g. "p99 212ms > 200ms"; without
--fail-on, any error); 2 for a usage error; 130 when it was interrupted (the
report of the run so far is still printed).`
