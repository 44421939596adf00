package sim

import "time"

// Snapshot is the live state of a run, reported about every 250ms and once at
// the end. Counters are totals since the start; a live view derives rates from
// the difference of two snapshots.
type Snapshot struct {
	Elapsed time.Duration // since Run began
	Phase   string        // "connecting", "running", "draining" or "done"

	Endpoints       int   // simulated endpoints asked for
	Connected       int64 // endpoints connected now
	Connects        int64 // successful connections so far (grows with churn in the connect scenario)
	ConnectFailures int64

	Sent, OK, Errors int64            // 1/KP requests sent, answered OK; failures of all kinds
	Finished         int64            // 1/KP requests finished: answered, failed or timed out
	ErrorsByKind     map[string]int64 // a copy: status_<code>, timeout, disconnected, connect, upload_<code>, ...

	LatencyP50, LatencyP90, LatencyP99 time.Duration // of OK 1/KP replies so far

	Uploads, UploadBytes int64 // BCX uploads finished OK and their bytes

	CPU time.Duration // the simulator's own process CPU (user+sys) so far
}
