package format

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

var update = flag.Bool("update", false, "rewrite the golden bundles in testdata/ (only when the format version changes)")

// goldens are the golden bundles of format versions 1.0 and 1.1 (stripes6.lwlb, the first
// with convolutions); their bytes must never change.
var goldens = map[string]func() *Bundle{
	"binary3.lwlb":           func() *Bundle { return binaryEncoderBundle(3) },
	"binary4.lwlb":           func() *Bundle { return binaryEncoderBundle(4) },
	"binary5.lwlb":           func() *Bundle { return binaryEncoderBundle(5) },
	"binary5-generator.lwlb": func() *Bundle { return binaryGeneratorBundle(5) },
	"majority3.lwlb":         majority3,
	"nmf4x2.lwlb":            nmf4x2,
	"stripes6.lwlb":          stripes6,
}

func TestGolden(t *testing.T) {
	for name, build := range goldens {
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(build())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				if name == "binary5-generator.lwlb" {
					if err := os.WriteFile(filepath.Join("..", "testdata", name), got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding of %s changed (%d bytes, golden %d); golden bytes may change only with the format version", name, len(got), len(want))
			}
			b, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, build(), b)
		})
	}
	// The shipped example generator is the golden one.
	a, _ := os.ReadFile(filepath.Join("testdata", "binary5-generator.lwlb"))
	b, _ := os.ReadFile(filepath.Join("..", "testdata", "binary5-generator.lwlb"))
	if !bytes.Equal(a, b) {
		t.Error("../testdata/binary5-generator.lwlb differs from testdata/binary5-generator.lwlb")
	}
}

// checkSame compares bundles after the float32 rounding of stored values.
func checkSame(t *testing.T, want, got *Bundle) {
	t.Helper()
	round(want)
	if !want.Provenance.Created.Equal(got.Provenance.Created) {
		t.Errorf("created %v, want %v", got.Provenance.Created, want.Provenance.Created)
	}
	want.Provenance.Created = got.Provenance.Created
	if want.Provenance.LibraryVersion == "" {
		want.Provenance.LibraryVersion = Version
	}
	for _, m := range []*map[string]float64{&want.Provenance.Hyper, &want.Provenance.Metrics} {
		if *m == nil {
			*m = map[string]float64{}
		}
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
}

func round(b *Bundle) {
	r := func(v []float64) {
		for i := range v {
			v[i] = float64(float32(v[i]))
		}
	}
	for _, n := range []*Network{b.Network, func() *Network {
		if b.Generator != nil {
			return b.Generator.Filter
		}
		return nil
	}()} {
		if n != nil {
			r(n.W)
			r(n.B)
		}
	}
	if b.NMF != nil {
		r(b.NMF.Features)
	}
	if b.Generator != nil {
		for _, m := range b.Generator.Marginals {
			r(m)
		}
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	cyclic := &Bundle{Kind: KindAutoencoder, Network: edgeListEncoder(3)}
	for name, b := range map[string]*Bundle{
		"classifier":         majority3(),
		"nmf":                nmf4x2(),
		"autoencoder":        binaryEncoderBundle(4),
		"generator":          binaryGeneratorBundle(3),
		"edge-list cyclic":   cyclic,
		"empty provenance":   {Kind: KindClassifier, Network: majority3().Network},
		"odd float64 values": func() *Bundle { b := majority3(); b.Network.W[0] = 0.1; b.Network.B[4] = 1e-40; return b }(),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, b); err != nil {
				t.Fatal(err)
			}
			got, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, b, got)
		})
	}
}

func TestFloat32Rounding(t *testing.T) {
	b := majority3()
	b.Network.W[0] = 0.1
	data, _ := Marshal(b)
	got, _ := Unmarshal(data)
	if w := got.Network.W[0]; w != float64(float32(0.1)) || math.Abs(w-0.1) > 0.1*0x1p-24 {
		t.Errorf("0.1 stored as %v", w)
	}
}

func TestReadHeader(t *testing.T) {
	f, err := os.Open("testdata/binary4.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != KindAutoencoder || h.Nodes != 20 || h.Edges != 128 || h.Major != 1 || h.Minor != 0 {
		t.Errorf("header %+v", h)
	}
}

// TestEveryPrefixAndByteChange reads every prefix of every golden file and every file
// with one byte changed (each single-bit flip and the complement of the byte): each must
// give an error of this package, never a panic or a silent success.
func TestEveryPrefixAndByteChange(t *testing.T) {
	for name := range goldens {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(data) {
			if _, err := Unmarshal(data[:n]); !isOurs(err) {
				t.Fatalf("%s: prefix of %d bytes: %v", name, n, err)
			}
		}
		mut := bytes.Clone(data)
		for i := range data {
			for _, x := range []byte{1, 2, 4, 8, 16, 32, 64, 128, 0xff} {
				mut[i] = data[i] ^ x
				if _, err := Unmarshal(mut); !isOurs(err) {
					t.Fatalf("%s: byte %d ^ %#x: %v", name, i, x, err)
				}
			}
			mut[i] = data[i]
		}
		if _, err := Unmarshal(append(bytes.Clone(data), 0)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s with a trailing byte: %v", name, err)
		}
	}
}

func isOurs(err error) bool {
	var fe *Error
	return err != nil && errors.As(err, &fe) && (errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotBundle) ||
		errors.Is(err, ErrVersion) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrInvalid))
}

func TestRecognisesOtherFiles(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
		msg  string
	}{
		{"", ErrNotBundle, "empty"},
		{"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", ErrNotBundle, "Git LFS pointer"},
		{"<!DOCTYPE html><html><body>404</body></html>", ErrNotBundle, "HTML"},
		{"\n  <html>", ErrNotBundle, "HTML"},
		{"\x1f\x8b\x08\x00\x00\x00\x00\x00", ErrNotBundle, "gzip"},
		{"PK\x03\x04\x14\x00\x00\x00", ErrNotBundle, "zip"},
		{"\x28\xb5\x2f\xfd\x00", ErrNotBundle, "zstd"},
		{"hello world, this is not a model at all, sorry about it", ErrNotBundle, "magic"},
		{"\x89LWLB\n\x1a\n", ErrCorrupt, "text-mode"},
		{"\x89LWL", ErrCorrupt, "truncated"},
	} {
		_, err := Unmarshal([]byte(c.in))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want %v mentioning %q", c.in, err, c.want, c.msg)
		}
	}
}

// withBody builds a bundle around an arbitrary body, with correct sizes and checksums.
func withBody(t testing.TB, h Header, body []byte) []byte {
	t.Helper()
	comp := compress(t, body)
	if h.Major == 0 {
		h.Major = Major
	}
	if h.Kind == 0 {
		h.Kind = KindClassifier
	}
	h.BodySize, h.CompressedSize = uint64(len(body)), uint64(len(comp))
	h.BodyCRC = crc32c(comp)
	return append(h.marshal(), comp...)
}

func TestNewerMajorVersionRefused(t *testing.T) {
	data := withBody(t, Header{Major: 2, Minor: 3}, []byte{0x80})
	_, err := Unmarshal(data)
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "2.3") || !strings.Contains(err.Error(), "up to 1.x") {
		t.Errorf("got %v", err)
	}
	data = withBody(t, Header{Flags: 1}, []byte{0x80})
	if _, err := Unmarshal(data); !errors.Is(err, ErrVersion) {
		t.Errorf("unknown required flag: %v", err)
	}
}

// TestUnknownFieldsIgnored: a newer minor version may add fields anywhere; they are skipped.
func TestUnknownFieldsIgnored(t *testing.T) {
	b := majority3()
	var body bytes.Buffer
	e := msgpack.NewEncoder(&body)
	w := &enc{e: e}
	w.mapLen(5)
	w.key("future")
	e.Encode(map[string]any{"nested": []any{1, "x", 2.5, []byte{1, 2}, map[string]any{"y": nil}}, "flag": true})
	w.key("kind")
	w.uint(uint64(b.Kind))
	w.key("network")
	w.network(b.Network)
	w.key("provenance")
	w.provenance(&b.Provenance)
	w.key("zzz")
	e.EncodeExtHeader(5, 3)
	body.Write([]byte{1, 2, 3})
	got, err := Unmarshal(withBody(t, Header{Minor: 7, Flags: 1 << 20, Nodes: 5, Edges: 6}, body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, majority3(), got)
}

func TestInvalidModelsNamed(t *testing.T) {
	for _, c := range []struct {
		mod  func(b *Bundle)
		want string
	}{
		{func(b *Bundle) { b.Network.B = b.Network.B[:4] }, "has 5 nodes but 4 biases"},
		{func(b *Bundle) { b.Network.W[2] = math.NaN() }, "weight 2 is NaN"},
		{func(b *Bundle) { b.Network.B[1] = math.Inf(1) }, "bias of node 1 is +Inf"},
		{func(b *Bundle) { b.Network.Layers[1] = 3 }, "do not add up"},
		{func(b *Bundle) { b.Network.Groups[1].Activation = ActReLU }, "class node 3 has activation relu"},
		{func(b *Bundle) { b.Network.ClassNames = b.Network.ClassNames[:1] }, "2 class nodes but 1 class names"},
		{func(b *Bundle) { b.Network.Omega = 0 }, "Ω = 0"},
		{func(b *Bundle) { b.Network.Cyclic = true; b.Network.W = make([]float64, 12) }, "enters data node"},
	} {
		b := majority3()
		c.mod(b)
		_, err := Marshal(b)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	// A general graph whose cycle avoids the data nodes cannot be evaluated.
	g := edgeListEncoder(3)
	g.From, g.To, g.W = append(g.From, 9, 10), append(g.To, 10, 9), append(g.W, 1, 1)
	if _, err := Marshal(&Bundle{Kind: KindAutoencoder, Network: g}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle among code nodes: %v", err)
	}
	gen := binaryGeneratorBundle(3)
	gen.Generator.Marginals = gen.Generator.Marginals[:2]
	if _, err := Marshal(gen); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "2 marginals for 3 code nodes") {
		t.Errorf("generator: %v", err)
	}
	// Invalid content behind valid checksums is refused on reading, with the place named.
	b := majority3()
	var body bytes.Buffer
	w := &enc{e: msgpack.NewEncoder(&body)}
	w.mapLen(2)
	w.key("kind")
	w.uint(1)
	w.key("network")
	b.Network.B = b.Network.B[:4]
	w.network(b.Network)
	_, err := Unmarshal(withBody(t, Header{Nodes: 5, Edges: 6}, body.Bytes()))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "network: has 5 nodes but 16 bytes of biases") {
		t.Errorf("read: %v", err)
	}
}
