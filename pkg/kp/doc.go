// Package kp parses and builds 1/KP addresses (kaa-rfcs/0001).
//
// Every 1/KP version 1 MQTT topic has the shape
//
//	kp1/<appVersionName>/<extensionInstanceName>[/<endpointToken>]/<resource...>[/<requestId>]
//
// The endpoint token level is present only for endpoint-aware extensions, so
// a topic can only be split once the caller says whether the named extension
// instance is endpoint-aware. Over MQTT a last level made only of digits is a
// request id rather than part of the resource path; replies go to the request
// topic plus "/status" or "/error". 1/KP over HTTP uses the same address as
// the URL path (POST /kp1/...) but has no request id and no reply suffix.
//
// The package does no I/O and keeps no state. Parsing runs on every device
// message, so it is a single pass over the topic and does not allocate on
// success; the returned fields are substrings of the input.
package kp
