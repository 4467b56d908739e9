package onnx

import (
	"path/filepath"
	"testing"

	"github.com/lwl-go/lwl/format"
)

// FuzzDecode: decodeModel never panics, and what it accepts it encodes again into bytes
// that decode to the same model.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"binary5-generator.lwlb"} {
		b, err := format.Load(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range []Part{PartEncoder, PartDecoder, PartFilter} {
			m, err := Marshal(b, Options{Part: p})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(m)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeModel(data)
		if err != nil {
			return
		}
		if _, err := decodeModel(m.marshal()); err != nil {
			t.Fatalf("re-encoded model does not decode: %v", err)
		}
	})
}
