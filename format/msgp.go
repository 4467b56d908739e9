package format

import (
	"encoding/binary"
	"math"
)

// dec reads the subset of msgpack that bundles use from an in-memory body. It never
// allocates on a length read from the input: every length is checked against the bytes
// that remain, and bin values are returned as sub-slices of the body. (msgpack/v5's own
// Decoder allocates whatever a length prefix declares; see format-anchors.md.)
type dec struct {
	b   []byte
	off int
}

const maxDepth = 32

func (d *dec) corrupt(msg string, args ...any) error {
	return errf(ErrCorrupt, "body", "offset %d: "+msg, append([]any{d.off}, args...)...)
}

func (d *dec) need(n uint64) error {
	if n > uint64(len(d.b)-d.off) {
		return d.corrupt("needs %d bytes, %d remain", n, len(d.b)-d.off)
	}
	return nil
}

func (d *dec) byte1() (byte, error) {
	if err := d.need(1); err != nil {
		return 0, err
	}
	c := d.b[d.off]
	d.off++
	return c, nil
}

// be reads an n-byte big-endian unsigned integer (n = 1, 2, 4, 8).
func (d *dec) be(n int) (uint64, error) {
	if err := d.need(uint64(n)); err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range d.b[d.off : d.off+n] {
		v = v<<8 | uint64(c)
	}
	d.off += n
	return v, nil
}

// container reads a map or array header and checks that the declared count can fit in
// the remaining bytes (each element takes at least minSize bytes).
func (d *dec) container(isMap bool) (int, error) {
	c, err := d.byte1()
	if err != nil {
		return 0, err
	}
	var n uint64
	switch {
	case isMap && c>>4 == 0x8:
		n = uint64(c & 0x0f)
	case !isMap && c>>4 == 0x9:
		n = uint64(c & 0x0f)
	case isMap && c == 0xde, !isMap && c == 0xdc:
		n, err = d.be(2)
	case isMap && c == 0xdf, !isMap && c == 0xdd:
		n, err = d.be(4)
	default:
		what := "array"
		if isMap {
			what = "map"
		}
		d.off--
		return 0, d.corrupt("want %s, found msgpack code 0x%02x", what, c)
	}
	if err != nil {
		return 0, err
	}
	min := uint64(1)
	if isMap {
		min = 2
	}
	if n > uint64(len(d.b)-d.off)/min {
		return 0, d.corrupt("declares %d elements but only %d bytes remain", n, len(d.b)-d.off)
	}
	return int(n), nil
}

func (d *dec) mapLen() (int, error)   { return d.container(true) }
func (d *dec) arrayLen() (int, error) { return d.container(false) }

// raw reads a str (str=true) or bin value and returns its bytes without copying.
func (d *dec) raw(str bool) ([]byte, error) {
	c, err := d.byte1()
	if err != nil {
		return nil, err
	}
	var n uint64
	switch {
	case str && c>>5 == 0x5:
		n = uint64(c & 0x1f)
	case str && c == 0xd9, !str && c == 0xc4:
		n, err = d.be(1)
	case str && c == 0xda, !str && c == 0xc5:
		n, err = d.be(2)
	case str && c == 0xdb, !str && c == 0xc6:
		n, err = d.be(4)
	default:
		what := "bin"
		if str {
			what = "str"
		}
		d.off--
		return nil, d.corrupt("want %s, found msgpack code 0x%02x", what, c)
	}
	if err != nil {
		return nil, err
	}
	if err := d.need(n); err != nil {
		return nil, err
	}
	v := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return v, nil
}

func (d *dec) str() (string, error) {
	v, err := d.raw(true)
	return string(v), err
}

func (d *dec) bin() ([]byte, error) { return d.raw(false) }

// num reads any msgpack integer or float as float64, and reports whether it was an
// integer together with its exact value when non-negative.
func (d *dec) num() (f float64, u uint64, isUint bool, err error) {
	c, err := d.byte1()
	if err != nil {
		return 0, 0, false, err
	}
	switch {
	case c <= 0x7f:
		return float64(c), uint64(c), true, nil
	case c >= 0xe0:
		return float64(int8(c)), 0, false, nil
	case c >= 0xcc && c <= 0xcf: // uint 8..64
		v, err := d.be(1 << (c - 0xcc))
		return float64(v), v, true, err
	case c >= 0xd0 && c <= 0xd3: // int 8..64
		n := 1 << (c - 0xd0)
		v, err := d.be(n)
		s := int64(v << (64 - 8*n) >> 0)
		s >>= 64 - 8*n
		if s >= 0 {
			return float64(s), uint64(s), true, err
		}
		return float64(s), 0, false, err
	case c == 0xca:
		v, err := d.be(4)
		return float64(math.Float32frombits(uint32(v))), 0, false, err
	case c == 0xcb:
		v, err := d.be(8)
		return math.Float64frombits(v), 0, false, err
	}
	d.off--
	return 0, 0, false, d.corrupt("want a number, found msgpack code 0x%02x", c)
}

func (d *dec) uint() (uint64, error) {
	start := d.off
	_, u, ok, err := d.num()
	if err == nil && !ok {
		d.off = start
		return 0, d.corrupt("want a non-negative integer")
	}
	return u, err
}

func (d *dec) float() (float64, error) {
	f, _, _, err := d.num()
	return f, err
}

func (d *dec) bool() (bool, error) {
	c, err := d.byte1()
	if err != nil {
		return false, err
	}
	switch c {
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	}
	d.off--
	return false, d.corrupt("want a bool, found msgpack code 0x%02x", c)
}

// skip passes over one value of any type, for unknown optional fields.
func (d *dec) skip(depth int) error {
	if depth > maxDepth {
		return d.corrupt("values nested deeper than %d", maxDepth)
	}
	c, err := d.byte1()
	if err != nil {
		return err
	}
	var n uint64 // payload bytes to skip
	elems := uint64(0)
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
	case c>>4 == 0x8:
		elems = 2 * uint64(c&0x0f)
	case c>>4 == 0x9:
		elems = uint64(c & 0x0f)
	case c>>5 == 0x5:
		n = uint64(c & 0x1f)
	case c == 0xc4 || c == 0xd9:
		n, err = d.be(1)
	case c == 0xc5 || c == 0xda:
		n, err = d.be(2)
	case c == 0xc6 || c == 0xdb:
		n, err = d.be(4)
	case c == 0xc7, c == 0xc8, c == 0xc9: // ext 8/16/32: length, type byte, data
		n, err = d.be(1 << (c - 0xc7))
		n++
	case c == 0xca:
		n = 4
	case c == 0xcb:
		n = 8
	case c >= 0xcc && c <= 0xcf:
		n = 1 << (c - 0xcc)
	case c >= 0xd0 && c <= 0xd3:
		n = 1 << (c - 0xd0)
	case c >= 0xd4 && c <= 0xd8: // fixext 1..16 plus type byte
		n = 1<<(c-0xd4) + 1
	case c == 0xdc || c == 0xde:
		elems, err = d.be(2)
	case c == 0xdd || c == 0xdf:
		elems, err = d.be(4)
	default:
		d.off--
		return d.corrupt("invalid msgpack code 0x%02x", c)
	}
	if err != nil {
		return err
	}
	if c == 0xde || c == 0xdf {
		elems *= 2
	}
	if err := d.need(n); err != nil {
		return err
	}
	d.off += int(n)
	if elems > uint64(len(d.b)-d.off) {
		return d.corrupt("declares %d elements but only %d bytes remain", elems, len(d.b)-d.off)
	}
	for range elems {
		if err := d.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// float32s decodes little-endian float32 bytes into float64s, checking the count and that
// every value is finite.
func float32s(b []byte, want int, where string) ([]float64, error) {
	if len(b) != 4*want {
		return nil, errf(ErrInvalid, where, "has %d bytes, want %d (%d float32)", len(b), 4*want, want)
	}
	v := make([]float64, want)
	for i := range v {
		f := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, errf(ErrInvalid, where, "value %d is %v", i, f)
		}
		v[i] = float64(f)
	}
	return v, nil
}
