// Package netpoll waits for many idle TCP connections to become readable on
// one goroutine (epoll on Linux), so that an idle MQTT session costs no
// goroutine or stack while it waits for its next packet. Elsewhere New
// returns a Poller that waits for nothing: callers read on a goroutine per
// connection, as without it.
package netpoll
