// Package ism is the Kaa inter-service messaging layer (3/ISM): NATS subject
// names and Avro codecs for the messages kaactl services exchange with other
// Kaa services over NATS (4/ESP, 9/ELCE, 16/ECAP, 17/SCMP, 21/TLE, 22/CAP,
// 27/SCMP).
//
// The schemas are the RFCs' .avsc files, embedded verbatim. Every message
// type is a plain struct whose avro tags name the schema fields; nullable
// unions are pointers (or nil slices for ["bytes","null"]) so that null and
// the zero value stay distinct on the wire.
//
// Marshal and Unmarshal take values from the network, so Unmarshal checks the
// whole input against the schema before decoding it: truncated, oversized,
// trailing or otherwise malformed input yields an error wrapping ErrDecode and
// never a panic or an allocation larger than the input.
package ism
