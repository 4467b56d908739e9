package generate

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// TestSplitmix64 checks the published splitmix64 outputs for seed 0.
func TestSplitmix64(t *testing.T) {
	s := NewSource(0)
	for _, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := s.Uint64(); got != want {
			t.Fatalf("got %#x, want %#x", got, want)
		}
	}
	s = NewSource(42)
	counts := make([]int, 3)
	for range 30000 {
		counts[s.Index(3)]++
	}
	for _, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("Index(3) counts %v", counts)
		}
	}
}

func load(t *testing.T) *Generator {
	g, err := Load("../testdata/binary5-generator.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestBinaryGenerator: every code from the closed-form binary generator is a valid
// 5-bit code and decodes to the 1-hot vector of its integer.
func TestBinaryGenerator(t *testing.T) {
	g := load(t)
	r, err := g.Generate(Options{N: 64, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Codes) != 64 || r.Drawn != 64 || r.AcceptanceRate() != 1 {
		t.Fatalf("%d codes from %d draws", len(r.Codes), r.Drawn)
	}
	seen := map[int]bool{}
	for k, code := range r.Codes {
		v := 0
		for j, b := range code {
			if b != 0 && b != 1 {
				t.Fatalf("code %v is not binary", code)
			}
			v |= int(b) << j
		}
		seen[v] = true
		for i, p := range r.Images[k] {
			if want := float64(b2i(i == v)); p != want {
				t.Fatalf("code %v decodes to %v", code, r.Images[k])
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d distinct codes in 64 draws", len(seen))
	}
	again, _ := g.Generate(Options{N: 64, Seed: 7})
	if !reflect.DeepEqual(again.Codes, r.Codes) {
		t.Error("same seed, different codes")
	}
	other, _ := g.Generate(Options{N: 64, Seed: 8})
	if reflect.DeepEqual(other.Codes, r.Codes) {
		t.Error("different seeds, same codes")
	}
	if w, h := g.Shape(); w != 8 || h != 4 {
		t.Errorf("shape %d×%d", w, h)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFilter: with a filter that accepts only codes whose bit 0 is set, about half the
// draws are accepted and every accepted code has bit 0 set; -nofilter keeps all.
func TestFilter(t *testing.T) {
	b, err := format.Load("../testdata/binary5-generator.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	f := b.Generator.Filter
	clear(f.W)
	f.W[5] = f.Omega // z0 → c1 (genuine): score z0 − b
	f.B[5], f.B[6] = 0.1, 0.5
	b.Generator.FPA = 0.5
	m, err := infer.New(b)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Generate(Options{N: 500, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Codes {
		if c[0] != 1 {
			t.Fatalf("accepted %v", c)
		}
	}
	if rate := r.AcceptanceRate(); math.Abs(rate-0.5) > 0.06 {
		t.Errorf("acceptance rate %v", rate)
	}
	all, _ := g.Generate(Options{N: 100, Seed: 1, NoFilter: true})
	if all.Drawn != 100 || len(all.Codes) != 100 {
		t.Errorf("nofilter: %d of %d", len(all.Codes), all.Drawn)
	}
	// A filter that rejects everything runs out of draws with a clear error.
	f.B[5], f.B[6] = -1, 1e3
	m, _ = infer.New(b)
	g, _ = New(m)
	r, err = g.Generate(Options{N: 3, MaxDraws: 50})
	if err == nil || !strings.Contains(err.Error(), "0 of 3 codes accepted in 50 draws") || r.Drawn != 50 {
		t.Errorf("reject-all: %v", err)
	}
}

func TestNotAGenerator(t *testing.T) {
	if _, err := Load("../format/testdata/binary5.lwlb"); err == nil || !strings.Contains(err.Error(), "autoencoder, not a generator") {
		t.Errorf("got %v", err)
	}
}

func TestSampleNoAlloc(t *testing.T) {
	g := load(t)
	src, dst := NewSource(1), make([]float64, 5)
	if a := testing.AllocsPerRun(100, func() { g.Genuine(g.Sample(dst, src)) }); a != 0 {
		t.Errorf("%v allocs", a)
	}
}

// Bundles written before generator filters held only the groups their nodes use still load
// and generate: testdata/mnist-generator-f6x200.lwlb, the MNIST generator shipped until
// 2026-12 (its filter of 6 epochs × 200 iterations), carries an empty "code" group.
func TestOldBundleWithEmptyGroup(t *testing.T) {
	const path = "testdata/mnist-generator-f6x200.lwlb"
	b, err := format.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f := b.Generator.Filter
	used := make([]int, len(f.Groups))
	for _, g := range f.NodeGroup {
		used[g]++
	}
	if !slices.Contains(used, 0) {
		t.Fatalf("%s: filter groups hold %v nodes; the test wants a bundle with an empty group (keep one as a fixture)", path, used)
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Generate(Options{N: 3, Seed: 1})
	if err != nil || len(r.Images) != 3 || len(r.Images[0]) != 28*28 {
		t.Fatalf("generate: %v, %d images", err, len(r.Images))
	}
}
