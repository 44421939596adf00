package ism

import (
	"errors"
	"fmt"
	"math"

	"github.com/hamba/avro/v2"
)

// shape is a schema compiled for checkInput. hamba trusts the input: it
// reports a truncated message as success, allocates whatever a length prefix
// asks for before reading it, and turns an array block count of
// math.MinInt64 into a slice of negative length. Every message is therefore
// walked against its schema before hamba decodes it, which also bounds every
// allocation by the size of the input.
type shape struct {
	op op
	// n is the byte size of a fixed, the symbol count of an enum, and for an
	// array or map the fewest bytes one item can take (at least 1), which
	// bounds a block's item count by the input left.
	n     int
	elems []*shape // record: fields; union: branches; array, map: the item
}

type op uint8

const (
	opNull op = iota
	opBool
	opInt
	opLong
	opFloat
	opDouble
	opBytes // bytes and string share the encoding
	opFixed
	opEnum
	opUnion
	opArray
	opMap
	opRecord
)

// maxSchemaDepth stops compileShape on recursive schemas, which no Kaa
// message uses and which checkInput would otherwise need a depth limit for.
const maxSchemaDepth = 32

func compileShape(s avro.Schema, depth int) (*shape, error) {
	if depth > maxSchemaDepth {
		return nil, errors.New("schema nested too deeply")
	}
	switch s := s.(type) {
	case *avro.NullSchema:
		return &shape{op: opNull}, nil
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Boolean:
			return &shape{op: opBool}, nil
		case avro.Int:
			return &shape{op: opInt}, nil
		case avro.Long:
			return &shape{op: opLong}, nil
		case avro.Float:
			return &shape{op: opFloat}, nil
		case avro.Double:
			return &shape{op: opDouble}, nil
		case avro.Bytes, avro.String:
			return &shape{op: opBytes}, nil
		}
	case *avro.FixedSchema:
		return &shape{op: opFixed, n: s.Size()}, nil
	case *avro.EnumSchema:
		return &shape{op: opEnum, n: len(s.Symbols())}, nil
	case *avro.RefSchema:
		return compileShape(s.Schema(), depth+1)
	case *avro.UnionSchema:
		return compileList(opUnion, s.Types(), depth)
	case *avro.RecordSchema:
		types := make([]avro.Schema, len(s.Fields()))
		for i, f := range s.Fields() {
			types[i] = f.Type()
		}
		return compileList(opRecord, types, depth)
	case *avro.ArraySchema:
		sh, err := compileList(opArray, []avro.Schema{s.Items()}, depth)
		if err == nil {
			sh.n = max(1, minSize(sh.elems[0]))
		}
		return sh, err
	case *avro.MapSchema:
		sh, err := compileList(opMap, []avro.Schema{s.Values()}, depth)
		if err == nil {
			sh.n = 1 + minSize(sh.elems[0]) // the key's length prefix
		}
		return sh, err
	}
	return nil, fmt.Errorf("unsupported schema type %s", s.Type())
}

func compileList(o op, types []avro.Schema, depth int) (*shape, error) {
	sh := &shape{op: o, elems: make([]*shape, len(types))}
	for i, t := range types {
		e, err := compileShape(t, depth+1)
		if err != nil {
			return nil, err
		}
		sh.elems[i] = e
	}
	return sh, nil
}

// minSize is the fewest bytes a value of s takes on the wire.
func minSize(s *shape) int {
	switch s.op {
	case opNull:
		return 0
	case opFloat:
		return 4
	case opDouble:
		return 8
	case opFixed:
		return s.n
	case opRecord:
		n := 0
		for _, f := range s.elems {
			n += minSize(f)
		}
		return n
	}
	return 1 // one varint byte: a number, a length, a union index or a block count
}

// checkInput reports whether data is exactly one well-formed encoding of s.
func checkInput(s *shape, data []byte) error {
	c := checker{data: data}
	if err := c.value(s); err != nil {
		return err
	}
	if c.pos != len(data) {
		return fmt.Errorf("%d trailing bytes after the message", len(data)-c.pos)
	}
	return nil
}

type checker struct {
	data []byte
	pos  int
}

func (c *checker) left() int { return len(c.data) - c.pos }

func (c *checker) truncated() error {
	return fmt.Errorf("truncated at byte %d", len(c.data))
}

// varint reads an unsigned LEB128 number of at most maxLen bytes whose last
// byte may not exceed lastMax, so that the value fits the Avro type.
func (c *checker) varint(maxLen int, lastMax byte) (uint64, error) {
	var v uint64
	for i := range maxLen {
		if c.pos >= len(c.data) {
			return 0, c.truncated()
		}
		b := c.data[c.pos]
		c.pos++
		if i == maxLen-1 && b > lastMax {
			return 0, fmt.Errorf("number overflows at byte %d", c.pos-1)
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("number overflows at byte %d", c.pos-1) // unreachable: lastMax < 0x80
}

func (c *checker) long() (int64, error) {
	u, err := c.varint(10, 0x01)
	return int64(u>>1) ^ -int64(u&1), err
}

func (c *checker) int() (int32, error) {
	u, err := c.varint(5, 0x0f)
	return int32(uint32(u>>1)) ^ -int32(u&1), err
}

func (c *checker) skip(n int) error {
	if n > c.left() {
		return c.truncated()
	}
	c.pos += n
	return nil
}

func (c *checker) bytes() error {
	at := c.pos
	n, err := c.long()
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("negative length %d at byte %d", n, at)
	}
	if n > int64(c.left()) {
		return fmt.Errorf("length %d at byte %d exceeds the %d bytes left", n, at, c.left())
	}
	c.pos += int(n)
	return nil
}

// index reads a union branch or enum symbol number below n.
func (c *checker) index(n int) (int, error) {
	at := c.pos
	i, err := c.int()
	if err != nil {
		return 0, err
	}
	if i < 0 || int(i) >= n {
		return 0, fmt.Errorf("index %d out of range [0,%d) at byte %d", i, n, at)
	}
	return int(i), nil
}

func (c *checker) value(s *shape) error {
	switch s.op {
	case opNull:
		return nil
	case opBool:
		if c.pos >= len(c.data) {
			return c.truncated()
		}
		if c.data[c.pos] > 1 {
			return fmt.Errorf("bad boolean at byte %d", c.pos)
		}
		c.pos++
		return nil
	case opInt:
		_, err := c.int()
		return err
	case opLong:
		_, err := c.long()
		return err
	case opFloat:
		return c.skip(4)
	case opDouble:
		return c.skip(8)
	case opFixed:
		return c.skip(s.n)
	case opBytes:
		return c.bytes()
	case opEnum:
		_, err := c.index(s.n)
		return err
	case opUnion:
		i, err := c.index(len(s.elems))
		if err != nil {
			return err
		}
		return c.value(s.elems[i])
	case opRecord:
		for _, f := range s.elems {
			if err := c.value(f); err != nil {
				return err
			}
		}
		return nil
	case opArray, opMap:
		return c.blocks(s)
	}
	return fmt.Errorf("unknown shape %d", s.op)
}

// blocks checks the blocks of an array or map: item counts, optional byte
// sizes, and the items themselves.
func (c *checker) blocks(s *shape) error {
	for {
		at := c.pos
		count, err := c.long()
		if err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		size := int64(-1)
		if count < 0 {
			if count == math.MinInt64 {
				return fmt.Errorf("bad block count at byte %d", at)
			}
			count = -count
			if size, err = c.long(); err != nil {
				return err
			}
			if size < 0 || size > int64(c.left()) {
				return fmt.Errorf("bad block size %d at byte %d", size, at)
			}
		}
		if count > int64(c.left()/s.n) {
			return fmt.Errorf("block count %d at byte %d exceeds the %d bytes left", count, at, c.left())
		}
		start := c.pos
		for ; count > 0; count-- {
			if s.op == opMap {
				if err := c.bytes(); err != nil {
					return err
				}
			}
			if err := c.value(s.elems[0]); err != nil {
				return err
			}
		}
		if size >= 0 && int64(c.pos-start) != size {
			return fmt.Errorf("block at byte %d is %d bytes, its header says %d", at, c.pos-start, size)
		}
	}
}
