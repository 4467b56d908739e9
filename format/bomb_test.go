package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime"
	"testing"
)

// compress wraps body in a zstd frame of raw (stored) blocks: valid zstd, and cheap
// enough to build on every fuzz execution.
func compress(_ testing.TB, body []byte) []byte {
	f := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0} // single segment, 4-byte content size
	f = binary.LittleEndian.AppendUint32(f, uint32(len(body)))
	for len(body) > 0 || len(f) == 9 {
		n := min(len(body), 128<<10)
		h := uint32(n) << 3
		if n == len(body) {
			h |= 1
		}
		f = append(f, byte(h), byte(h>>8), byte(h>>16))
		f, body = append(f, body[:n]...), body[n:]
	}
	return f
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// rleFrame is a hand-made zstd frame of RLE blocks of 128 KiB zeros, 4 bytes per block:
// blocks·128 KiB of output from blocks·4 bytes of input. fcs > 0 declares a content size.
func rleFrame(blocks int, fcs uint64) []byte {
	f := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if fcs > 0 {
		f = append(f, 0xc0, 0x38) // 8-byte frame content size, window 128 KiB
		f = binary.LittleEndian.AppendUint64(f, fcs)
	} else {
		f = append(f, 0x00, 0x38)
	}
	for i := range blocks {
		h := uint32(1<<1 | (128<<10)<<3)
		if i == blocks-1 {
			h |= 1
		}
		f = append(f, byte(h), byte(h>>8), byte(h>>16), 0)
	}
	return f
}

// withFrame wraps a raw compressed frame in a header with the given declared body size.
func withFrame(frame []byte, bodySize uint64) []byte {
	h := Header{Major: Major, Kind: KindClassifier, BodySize: bodySize, CompressedSize: uint64(len(frame)), BodyCRC: crc32c(frame)}
	return append(h.marshal(), frame...)
}

func str(s string) []byte { return append([]byte{0xa0 | byte(len(s))}, s...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestAllocationBombs feeds inputs that declare huge sizes; each must fail without
// allocating more than the declared (capped) body plus 2 MiB.
func TestAllocationBombs(t *testing.T) {
	kind := cat(str("kind"), []byte{0x01})
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"array32 of 2^32-1 layers", withBody(t, Header{}, cat([]byte{0x82}, kind, str("network"), []byte{0x81}, str("layers"), []byte{0xdd, 0xff, 0xff, 0xff, 0xff})), ErrCorrupt},
		{"bin32 of 4 GiB weights", withBody(t, Header{}, cat([]byte{0x82}, kind, str("network"), []byte{0x81}, str("weights"), []byte{0xc6, 0xff, 0xff, 0xff, 0xff})), ErrCorrupt},
		{"map32 of 2^32-1 entries", withBody(t, Header{}, []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0x01}), ErrCorrupt},
		{"unknown field bin32 of 4 GiB", withBody(t, Header{}, cat([]byte{0x82}, kind, str("x"), []byte{0xc6, 0xff, 0xff, 0xff, 0xff})), ErrCorrupt},
		{"unknown field nested 10000 deep", withBody(t, Header{}, cat([]byte{0x82}, kind, str("x"), bytes.Repeat([]byte{0x91}, 10000), []byte{0xc0})), ErrCorrupt},
		{"str32 class name of 4 GiB", withBody(t, Header{}, cat([]byte{0x82}, kind, str("network"), []byte{0x81}, str("class_names"), []byte{0x91, 0xdb, 0xff, 0xff, 0xff, 0xff})), ErrCorrupt},
		{"zstd bomb: 32 KB frame expanding to 1 GiB", withFrame(rleFrame(8192, 0), 1<<20), ErrCorrupt},
		{"zstd frame declaring 40 GiB", withFrame(rleFrame(1, 40<<30), 1<<20), ErrCorrupt},
		{"header declaring a 40 GiB body", withFrame(rleFrame(1, 0), 40<<30), ErrTooLarge},
		{"header declaring 2^64-1 compressed bytes", func() []byte {
			h := Header{Major: Major, Kind: KindClassifier, BodySize: 1 << 20, CompressedSize: 1<<64 - 1, BodyCRC: 0}
			return h.marshal()
		}(), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Unmarshal(c.in)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			limit := uint64(2<<20) + min(binary.LittleEndian.Uint64(c.in[28:]), uint64(DefaultLimits.MaxBodySize)) + uint64(4*len(c.in))
			if got := after.TotalAlloc - before.TotalAlloc; got > limit {
				t.Errorf("allocated %d bytes, limit %d", got, limit)
			}
			t.Logf("%v (allocated %d KiB)", err, (after.TotalAlloc-before.TotalAlloc)>>10)
		})
	}
}

// TestHeaderOnlyStreamsNoAllocation: a header that promises a large body followed by a
// short stream must not allocate the promised size.
func TestTruncatedStreamNoAllocation(t *testing.T) {
	h := Header{Major: Major, Kind: KindClassifier, BodySize: 200 << 20, CompressedSize: 200 << 20, BodyCRC: 0}
	in := append(h.marshal(), 1, 2, 3)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Unmarshal(in)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes for a 55-byte input", got)
	}
}
