package format

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func mustMarshal(t testing.TB, b *Bundle) []byte {
	data, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// FuzzRead feeds arbitrary bytes to the reader, seeded with the golden bundles and the
// bomb fixtures. Reading must never panic; what it accepts must be a valid bundle that
// re-encodes and reads back the same.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.lwlb"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(withFrame(rleFrame(4, 0), 1<<10))
	f.Add(withBody(f, Header{}, []byte{0x82, 0xa4, 'k', 'i', 'n', 'd', 0x01, 0xa1, 'x', 0xc6, 0xff, 0xff, 0xff, 0xff}))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadLimits(bytes.NewReader(data), Limits{MaxBodySize: 1 << 20, MaxNodes: 1 << 12, MaxEdges: 1 << 16, MaxSamples: 1 << 12})
		if err != nil {
			if !isOurs(err) {
				t.Fatalf("error of the wrong type: %v", err)
			}
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("accepted an invalid bundle: %v", err)
		}
		again, err := Marshal(b)
		if err != nil {
			t.Fatalf("re-encoding an accepted bundle: %v", err)
		}
		if _, err := Unmarshal(again); err != nil {
			t.Fatalf("re-reading a re-encoded bundle: %v", err)
		}
	})
}

// FuzzBody fuzzes the msgpack body directly (behind a valid header and checksums), which
// reaches the body decoder far more often than flipping compressed bytes does.
func FuzzBody(f *testing.F) {
	for _, build := range goldens {
		var buf bytes.Buffer
		b := build()
		if err := encodeBundle(msgpack.NewEncoder(&buf), b); err != nil {
			f.Fatal(err)
		}
		h, _ := ReadHeader(bytes.NewReader(mustMarshal(f, b)))
		f.Add(byte(b.Kind), h.Nodes, h.Edges, buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, kind byte, nodes, edges uint32, body []byte) {
		if len(body) == 0 {
			return
		}
		in := withBody(t, Header{Kind: Kind(kind%4 + 1), Nodes: nodes, Edges: edges}, body)
		b, err := ReadLimits(bytes.NewReader(in), Limits{MaxBodySize: 1 << 20, MaxNodes: 1 << 12, MaxEdges: 1 << 16, MaxSamples: 1 << 12})
		if err != nil {
			if !isOurs(err) {
				t.Fatalf("error of the wrong type: %v", err)
			}
			return
		}
		if _, err := Marshal(b); err != nil {
			t.Fatalf("re-encoding an accepted bundle: %v", err)
		}
	})
}
