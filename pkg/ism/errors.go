package ism

import "errors"

var (
	// ErrUnknownMessage is returned for a value that is not one of this package's message types.
	ErrUnknownMessage = errors.New("ism: unknown message type")
	// ErrDecode is returned for Avro input that does not decode with the message's schema.
	ErrDecode = errors.New("ism: cannot decode message")
	// ErrEncode is returned when a message does not encode with its schema.
	ErrEncode = errors.New("ism: cannot encode message")
)
