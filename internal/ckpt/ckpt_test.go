package ckpt

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() *Writer {
	w := NewWriter()
	w.String("kind", "test")
	w.Floats("w", []float64{1.5, math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3})
	w.Ints("order", []int{3, 0, 2, 1})
	w.Int("epoch", 7)
	w.Float("secs", 2.25)
	w.Bytes("rng", []byte{0, 1, 2})
	return w
}

func TestRoundTripIsExact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ckpt")
	require.NoError(t, sample().WriteFile(path))
	f, err := ReadFile(path, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, "test", f.String("kind"))
	w := f.Floats("w", 5)
	assert.Equal(t, math.Float64bits(1.0/3), math.Float64bits(w[4]))
	assert.True(t, math.Signbit(w[1]), "-0 keeps its sign")
	assert.Equal(t, []int{3, 0, 2, 1}, f.Ints("order", 4, 0, 3))
	assert.Equal(t, 7, f.Int("epoch", 1, 10))
	assert.Equal(t, 2.25, f.Float("secs"))
	assert.Equal(t, []byte{0, 1, 2}, f.Bytes("rng"))
	require.NoError(t, f.Err())
}

func TestGettersReportTheField(t *testing.T) {
	f, err := Decode(sample().Encode())
	require.NoError(t, err)
	for _, tc := range []struct {
		get  func(f *File)
		want string
	}{
		{func(f *File) { f.Floats("missing", -1) }, `no field "missing"`},
		{func(f *File) { f.Floats("order", -1) }, `field "order" holds integers, want floats`},
		{func(f *File) { f.Floats("w", 4) }, `field "w" has 5 elements, want 4`},
		{func(f *File) { f.Ints("order", 4, 0, 2) }, `field "order" element 0 is 3, outside [0, 2]`},
		{func(f *File) { f.Int("epoch", 8, 9) }, `outside [8, 9]`},
	} {
		f.err = nil
		tc.get(f)
		require.ErrorIs(t, f.Err(), ErrFormat)
		assert.ErrorContains(t, f.Err(), tc.want)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	good := sample().Encode()
	// reseal recomputes the CRC so that the damage reaches the field parser.
	reseal := func(b []byte) []byte {
		b = b[:len(b)-4]
		return binary.LittleEndian.AppendUint32(b, crcOf(b))
	}
	flip := append([]byte(nil), good...)
	flip[20] ^= 1
	huge := append([]byte(nil), good[:12]...)
	huge = append(huge, typeFloats, 1, 'x', 0xff, 0xff, 0xff, 0xff)
	dup := NewWriter()
	dup.Int("a", 1)
	dupB := dup.Encode()
	dupB = append(dupB[:len(dupB)-4], dupB[12:len(dupB)-4]...)
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"empty":       {nil, "not a checkpoint"},
		"gob":         {[]byte("\x1f\xff\x81\x03\x01\x01\x15AutoencoderCheckpoint"), "not a checkpoint"},
		"truncated":   {good[:len(good)-9], "checksum"},
		"bit flip":    {flip, "checksum"},
		"version":     {reseal(append(append([]byte(magic), 2, 0, 0, 0), good[12:]...)), "version 2"},
		"huge count":  {reseal(append(huge, 0, 0, 0, 0)), `field "x" declares 4294967295 elements`},
		"unknown":     {reseal(append(append([]byte(nil), good[:12]...), 9, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 0)), "unknown type 9"},
		"duplicate":   {reseal(append(dupB, 0, 0, 0, 0)), `"a" appears twice`},
		"stray byte":  {reseal(append(append([]byte(nil), good[:len(good)-4]...), 1, 0, 0, 0, 0)), "stray"},
		"empty key":   {reseal(append(append([]byte(nil), good[:12]...), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "key of 0 bytes"},
		"control key": {reseal(append(append([]byte(nil), good[:12]...), 1, 1, '\n', 0, 0, 0, 0, 0, 0, 0, 0)), "key"},
	} {
		_, err := Decode(tc.b)
		require.ErrorIs(t, err, ErrFormat, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
}

func TestReadFileLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ckpt")
	require.NoError(t, sample().WriteFile(path))
	_, err := ReadFile(path, 10)
	assert.ErrorIs(t, err, ErrFormat)
	_, err = ReadFile(filepath.Join(t.TempDir(), "none"), 10)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// FuzzDecode: no input panics or allocates beyond its own size, and a file that decodes
// re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(sample().Encode())
	f.Add(NewWriter().Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		// The input's last four bytes are replaced by its CRC, so that mutations reach the
		// fields rather than stopping at the checksum.
		if len(b) >= 4 {
			b = binary.LittleEndian.AppendUint32(b[:len(b)-4:len(b)-4], crcOf(b[:len(b)-4]))
		}
		c, err := Decode(b)
		if err != nil {
			return
		}
		w := NewWriter()
		for _, key := range c.order() {
			switch fl := c.fields[key]; fl.typ {
			case typeFloats:
				w.Floats(key, c.Floats(key, -1))
			case typeInts:
				w.Ints(key, c.Ints(key, -1, math.MinInt, math.MaxInt))
			case typeBytes:
				w.Bytes(key, c.Bytes(key))
			}
		}
		require.NoError(t, c.Err())
		require.Equal(t, b, w.Encode())
	})
}

func crcOf(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
