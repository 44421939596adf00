// Package kp parses and builds 1/KP addresses (kaa-rfcs/0001): MQTT topics
// kp1/<appVersion>/<extension>[/<endpointToken>]/<resource...>[/<requestId>],
// the HTTP paths of the same shape, reply topics and the error body. It does
// no I/O; it runs on every device message, so it allocates little.
package kp
