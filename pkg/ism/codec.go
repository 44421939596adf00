package ism

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/nats-io/nuid"
)

// codec holds what the schemas compile to. It is built once and never
// modified afterwards, so it is shared by all goroutines without locking.
type codec struct {
	api     avro.API
	schemas [numKinds]avro.Schema
	shapes  [numKinds]*shape
}

var loadCodec = sync.OnceValues(newCodec)

func newCodec() (*codec, error) {
	c := &codec{api: avro.Config{
		// checkInput bounds every length by the input size, so hamba's own
		// cap (1 MiB by default) could only reject valid large payloads.
		MaxByteSliceSize: -1,
		// Plain item counts, as Java's Avro writes them; the byte-size
		// header hamba adds by default only helps readers that skip.
		DisableBlockSizeHeader: true,
	}.Freeze()}
	for k := range numKinds {
		name := k.schemaFile()
		data, err := schemaFS.ReadFile("schemas/" + name)
		if err != nil {
			return nil, fmt.Errorf("ism: schema %s: %w", name, err)
		}
		// A cache per schema: RFCs reuse record names such as UnregisteredEvent,
		// and hamba's default cache is process-wide.
		s, err := avro.ParseBytesWithCache(data, "", &avro.SchemaCache{})
		if err != nil {
			return nil, fmt.Errorf("ism: schema %s: %w", name, err)
		}
		sh, err := compileShape(s, 0)
		if err != nil {
			return nil, fmt.Errorf("ism: schema %s: %w", name, err)
		}
		c.schemas[k], c.shapes[k] = s, sh
	}
	return c, nil
}

// Marshal encodes v (a pointer to or value of one of this package's message
// types) as Avro binary with its schema.
func Marshal(v any) (data []byte, err error) {
	k, ok := kindOf(v)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnknownMessage, v)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, fmt.Errorf("%w: %T", ErrNilMessage, v)
	}
	c, err := loadCodec()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("%w: %T: %v", ErrEncode, v, r)
		}
	}()
	data, err = c.api.Marshal(c.schemas[k], v)
	if err != nil {
		return nil, fmt.Errorf("%w: %T: %w", ErrEncode, v, err)
	}
	return data, nil
}

// Unmarshal decodes Avro binary into v (a pointer to one of this package's
// message types). It resets *v first, so no field of a previous message
// survives. Input that is not exactly one valid encoding of the schema
// (truncated, trailing bytes, out-of-range union index, ...) yields an error
// wrapping ErrDecode. The decoded value does not alias data. Strings are not
// checked for valid UTF-8.
func Unmarshal(data []byte, v any) (err error) {
	k, ok := kindOf(v)
	rv := reflect.ValueOf(v)
	if !ok || rv.Kind() != reflect.Pointer {
		return fmt.Errorf("%w: %T (want a pointer to a message type)", ErrUnknownMessage, v)
	}
	if rv.IsNil() {
		return fmt.Errorf("%w: %T", ErrNilMessage, v)
	}
	c, err := loadCodec()
	if err != nil {
		return err
	}
	if err := checkInput(c.shapes[k], data); err != nil {
		return fmt.Errorf("%w: %T: %w", ErrDecode, v, err)
	}
	// hamba merges into existing maps and slices, and for a null
	// ["bytes","null"] clears only the slice's data pointer, keeping its old
	// length: decode into a zero value.
	rv.Elem().SetZero()
	defer func() {
		// Last resort: checkInput should leave hamba nothing to choke on.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %T: %v", ErrDecode, v, r)
		}
	}()
	if err := c.api.Unmarshal(c.schemas[k], data, v); err != nil {
		return fmt.Errorf("%w: %T: %w", ErrDecode, v, err)
	}
	clipBytes(v)
	return nil
}

// clipBytes drops the spare capacity of decoded byte fields: hamba cuts
// small ones from a slab that later strings are cut from too, so an append to
// a payload would otherwise overwrite them.
func clipBytes(v any) {
	switch m := v.(type) {
	case *ClientData:
		m.Payload = slices.Clip(m.Payload)
	case *ExtensionData:
		m.Payload = slices.Clip(m.Payload)
	case *SystemConfigUpdated:
		m.Content = slices.Clip(m.Content)
	}
}

// NewCorrelationID returns a new unique message ID for the correlationId
// field. It is fast and unique, not secret.
func NewCorrelationID() string { return nuid.Next() }

// NowMillis returns the current time as an ISM timestamp (UNIX milliseconds).
func NowMillis() int64 { return time.Now().UnixMilli() }
