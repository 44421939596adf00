// Package ism holds the Kaa inter-service messaging layer (3/ISM): NATS
// subject names and Avro codecs for every message KPC and BCX exchange with
// other services (4/ESP, 9/ELCE, 16/ECAP, 22/CAP, 17/SCMP). The schemas are
// the RFCs' .avsc files, embedded verbatim.
package ism
