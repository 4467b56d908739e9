// Package ckpt reads and writes checkpoint files: a flat list of named, typed fields
// (float64 and int64 arrays, byte strings) that a trainer saves between epochs and reads back
// to go on. Values are stored in full (float64 bit patterns), so a resumed run can repeat
// an unbroken one bit for bit.
//
// A file is, in little-endian byte order:
//
//	magic    8 bytes  "LWLCKPT\x00"
//	version  uint32   1
//	fields   repeated until the trailer:
//	  type   uint8    1 = float64s, 2 = int64s, 3 = bytes
//	  klen   uint8    key length, 1–64
//	  key    klen bytes (printable ASCII, unique in the file)
//	  count  uint32   number of elements
//	  data   count × 8 bytes (float64 bits, two's-complement int64) or count bytes
//	crc      uint32   CRC-32 (IEEE) of every byte before it
//
// The decoder is written for files that may be damaged or hostile, like the bundle decoder
// of package format: it checks the CRC first, never allocates from a declared count before
// the bytes are there, and reports the field at fault.
package ckpt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/lwl-go/lwl/internal/atomicfile"
)

const (
	magic   = "LWLCKPT\x00"
	version = 1

	typeFloats = 1
	typeInts   = 2
	typeBytes  = 3

	maxKey = 64
)

// ErrFormat is wrapped by every error about a file that is not a well-formed checkpoint.
var ErrFormat = errors.New("malformed checkpoint")

// Writer collects the fields of a checkpoint.
type Writer struct {
	buf  bytes.Buffer
	keys map[string]bool
}

// NewWriter returns an empty checkpoint.
func NewWriter() *Writer {
	w := &Writer{keys: map[string]bool{}}
	w.buf.WriteString(magic)
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, version))
	return w
}

func (w *Writer) head(typ byte, key string, n int) {
	if len(key) == 0 || len(key) > maxKey || w.keys[key] || !printable(key) {
		panic(fmt.Sprintf("ckpt: bad or repeated key %q", key))
	}
	if uint64(n) > math.MaxUint32 {
		panic(fmt.Sprintf("ckpt: field %q has %d elements", key, n))
	}
	w.keys[key] = true
	w.buf.WriteByte(typ)
	w.buf.WriteByte(byte(len(key)))
	w.buf.WriteString(key)
	w.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
}

// Floats adds a float64 array.
func (w *Writer) Floats(key string, v []float64) {
	w.head(typeFloats, key, len(v))
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	w.buf.Write(b)
}

// Ints adds an int64 array.
func (w *Writer) Ints(key string, v []int) {
	w.head(typeInts, key, len(v))
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(x)))
	}
	w.buf.Write(b)
}

// Float and Int add a single number; Bytes and String a byte string.
func (w *Writer) Float(key string, v float64) { w.Floats(key, []float64{v}) }
func (w *Writer) Int(key string, v int)       { w.Ints(key, []int{v}) }
func (w *Writer) String(key, v string)        { w.Bytes(key, []byte(v)) }
func (w *Writer) Bytes(key string, v []byte) {
	w.head(typeBytes, key, len(v))
	w.buf.Write(v)
}

// Encode returns the file's bytes.
func (w *Writer) Encode() []byte {
	b := bytes.Clone(w.buf.Bytes())
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// WriteFile saves the checkpoint through a temporary file and a rename, so that an existing
// file at path is never left half written.
func (w *Writer) WriteFile(path string) error {
	b := w.Encode()
	return atomicfile.Write(path, func(f io.Writer) error {
		_, err := f.Write(b)
		return err
	})
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

type field struct {
	typ  byte
	data []byte // the stored elements (aliases the decoded file)
	n    int
}

// File is a decoded checkpoint. Its getters record the first error (a missing field, a
// wrong type or length); Err returns it.
type File struct {
	fields map[string]field
	keys   []string // in file order
	err    error
}

// Decode parses a checkpoint held in memory. The File aliases data.
func Decode(data []byte) (*File, error) {
	if len(data) < len(magic)+8 || string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: not a checkpoint file (no %q header)", ErrFormat, magic[:7])
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if v := binary.LittleEndian.Uint32(data[len(magic):]); v != version {
		return nil, fmt.Errorf("%w: version %d, this program reads version %d", ErrFormat, v, version)
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is truncated or damaged)", ErrFormat)
	}
	f := &File{fields: map[string]field{}}
	p := body[len(magic)+4:]
	for len(p) > 0 {
		if len(p) < 2 {
			return nil, fmt.Errorf("%w: %d stray bytes at the end", ErrFormat, len(p))
		}
		typ, kl := p[0], int(p[1])
		p = p[2:]
		if kl == 0 || kl > maxKey || len(p) < kl+4 {
			return nil, fmt.Errorf("%w: field header with a key of %d bytes", ErrFormat, kl)
		}
		key := string(p[:kl])
		if !printable(key) {
			return nil, fmt.Errorf("%w: field key %q", ErrFormat, key)
		}
		if _, dup := f.fields[key]; dup {
			return nil, fmt.Errorf("%w: field %q appears twice", ErrFormat, key)
		}
		n := uint64(binary.LittleEndian.Uint32(p[kl:]))
		p = p[kl+4:]
		size := n
		switch typ {
		case typeFloats, typeInts:
			size = 8 * n
		case typeBytes:
		default:
			return nil, fmt.Errorf("%w: field %q has unknown type %d", ErrFormat, key, typ)
		}
		if size > uint64(len(p)) {
			return nil, fmt.Errorf("%w: field %q declares %d elements, %d bytes remain", ErrFormat, key, n, len(p))
		}
		f.fields[key] = field{typ: typ, data: p[:size], n: int(n)}
		f.keys = append(f.keys, key)
		p = p[size:]
	}
	return f, nil
}

// ReadFile reads and decodes the checkpoint at path, refusing files larger than limit bytes.
func ReadFile(path string, limit int64) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrFormat, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than the limit of %d bytes", ErrFormat, limit)
	}
	return Decode(data)
}

// order is the keys in file order.
func (f *File) order() []string { return f.keys }

// Err is the first error of the getters.
func (f *File) Err() error { return f.err }

// Has reports whether the file has a field key.
func (f *File) Has(key string) bool { _, ok := f.fields[key]; return ok }

func (f *File) get(key string, typ byte, n int) (field, bool) {
	if f.err != nil {
		return field{}, false
	}
	fl, ok := f.fields[key]
	names := [...]string{typeFloats: "floats", typeInts: "integers", typeBytes: "bytes"}
	switch {
	case !ok:
		f.err = fmt.Errorf("%w: no field %q", ErrFormat, key)
	case fl.typ != typ:
		f.err = fmt.Errorf("%w: field %q holds %s, want %s", ErrFormat, key, names[fl.typ], names[typ])
	case n >= 0 && fl.n != n:
		f.err = fmt.Errorf("%w: field %q has %d elements, want %d", ErrFormat, key, fl.n, n)
	default:
		return fl, true
	}
	return field{}, false
}

// Floats returns the float64 array key, which must have n elements (any number if n < 0).
func (f *File) Floats(key string, n int) []float64 {
	fl, ok := f.get(key, typeFloats, n)
	if !ok {
		return nil
	}
	v := make([]float64, fl.n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(fl.data[8*i:]))
	}
	return v
}

// Ints returns the int64 array key, which must have n elements (any number if n < 0), each
// in [lo, hi].
func (f *File) Ints(key string, n, lo, hi int) []int {
	fl, ok := f.get(key, typeInts, n)
	if !ok {
		return nil
	}
	v := make([]int, fl.n)
	for i := range v {
		x := int64(binary.LittleEndian.Uint64(fl.data[8*i:]))
		if x < int64(lo) || x > int64(hi) {
			f.err = fmt.Errorf("%w: field %q element %d is %d, outside [%d, %d]", ErrFormat, key, i, x, lo, hi)
			return nil
		}
		v[i] = int(x)
	}
	return v
}

// Float returns the single number key; Int the single integer key, which must lie in
// [lo, hi].
func (f *File) Float(key string) float64 {
	if v := f.Floats(key, 1); v != nil {
		return v[0]
	}
	return 0
}

func (f *File) Int(key string, lo, hi int) int {
	if v := f.Ints(key, 1, lo, hi); v != nil {
		return v[0]
	}
	return 0
}

// Bytes returns the byte string key (a copy); String the same as a string.
func (f *File) Bytes(key string) []byte {
	fl, ok := f.get(key, typeBytes, -1)
	if !ok {
		return nil
	}
	return bytes.Clone(fl.data)
}

func (f *File) String(key string) string { return string(f.Bytes(key)) }
