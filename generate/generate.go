// Package generate draws new items from an lwl generator bundle (section 6 of Elser's
// "Learning Without Loss"): codes sampled from the autoencoder's iDE code marginals, kept
// when the fake/genuine classifier calls them genuine, and decoded to data items.
//
// Draws are reproducible in any language: SPEC.md §6 specifies the PRNG (splitmix64), how
// an index is taken from it and the order of draws, so a seed gives the same codes
// everywhere. This package imports only the standard library and lwl's format and infer.
package generate

import (
	"fmt"
	"math/bits"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// Source is the splitmix64 generator (Steele, Lea and Flood 2014), the PRNG of SPEC.md §6.
type Source struct{ state uint64 }

// NewSource returns a Source whose state is seed.
func NewSource(seed uint64) *Source { return &Source{state: seed} }

// Uint64 advances the state by 0x9e3779b97f4a7c15 and returns its mix.
func (s *Source) Uint64() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Index returns a draw in [0, n): the high 64 bits of the 128-bit product Uint64()·n.
func (s *Source) Index(n int) int {
	hi, _ := bits.Mul64(s.Uint64(), uint64(n))
	return int(hi)
}

// Generator samples a generator bundle. It is safe for concurrent use (each call takes
// its own Source).
type Generator struct {
	m         *infer.Model
	marginals [][]float64
	filter    *infer.Model // the fake/genuine classifier on codes
	fpa       float64
}

// New prepares a generator from a loaded model of kind format.KindGenerator.
func New(m *infer.Model) (*Generator, error) {
	b := m.Bundle()
	if b.Kind != format.KindGenerator || b.Generator == nil {
		return nil, fmt.Errorf("generate: the bundle is a %v, not a generator", b.Kind)
	}
	f, err := infer.New(&format.Bundle{Kind: format.KindClassifier, Network: b.Generator.Filter})
	if err != nil {
		return nil, fmt.Errorf("generate: filter: %w", err)
	}
	return &Generator{m: m, marginals: b.Generator.Marginals, filter: f, fpa: b.Generator.FPA}, nil
}

// Load reads a generator bundle from path.
func Load(path string) (*Generator, error) {
	m, err := infer.Load(path)
	if err != nil {
		return nil, err
	}
	return New(m)
}

// Model is the underlying autoencoder model.
func (g *Generator) Model() *infer.Model { return g.m }

// FPA is the false-positive allowance the filter was trained with: the expected
// acceptance rate.
func (g *Generator) FPA() float64 { return g.fpa }

// NumCodes is the code length.
func (g *Generator) NumCodes() int { return len(g.marginals) }

// Shape is the image shape of a generated item: the bundle's data shape, else a square
// when the data length is one, else a single row.
func (g *Generator) Shape() (width, height int) {
	if s := g.m.Bundle().Network.DataShape; len(s) == 2 {
		return s[1], s[0]
	}
	n := g.m.NumData()
	for r := 1; r*r <= n; r++ {
		if r*r == n {
			return r, r
		}
	}
	return n, 1
}

// Sample draws one code into dst (allocated when nil): code node c (in code-node order)
// takes Marginals[c][src.Index(len(Marginals[c]))].
func (g *Generator) Sample(dst []float64, src *Source) []float64 {
	if dst == nil {
		dst = make([]float64, len(g.marginals))
	}
	for c, m := range g.marginals {
		dst[c] = m[src.Index(len(m))]
	}
	return dst
}

// Genuine reports whether the fake/genuine filter accepts code: the genuine class node c1
// scores strictly above the fake one c0.
func (g *Generator) Genuine(code []float64) bool {
	return g.filter.Classify(code) == 1
}

// filterChunk is how many codes Generate draws before it filters them in one batch.
const filterChunk = 256

// Options control Generate. The zero value asks for one filtered item with seed 0.
type Options struct {
	N        int    // items wanted; ≤ 0 means 1
	Seed     uint64 // seed of the splitmix64 Source
	NoFilter bool   // keep every drawn code (skip the fake/genuine filter)
	MaxDraws int    // give up after this many draws; ≤ 0 means 1000·N + 1000
}

// Result holds the accepted codes and their decoded items.
type Result struct {
	Codes  [][]float64
	Images [][]float64 // data-node values in [0, 1] for step/zigmoid decoders
	Drawn  int         // codes drawn
}

// AcceptanceRate is accepted / drawn codes.
func (r *Result) AcceptanceRate() float64 {
	if r.Drawn == 0 {
		return 0
	}
	return float64(len(r.Codes)) / float64(r.Drawn)
}

// Generate draws codes until opt.N are accepted, then decodes them. When MaxDraws run out
// first it returns what it has together with an error.
func (g *Generator) Generate(opt Options) (*Result, error) {
	n := max(opt.N, 1)
	maxDraws := opt.MaxDraws
	if maxDraws <= 0 {
		maxDraws = 1000*n + 1000
	}
	src := NewSource(opt.Seed)
	r := &Result{}
	var err error
	// Codes are drawn and filtered in chunks (one batched pass of the filter each); the
	// codes after the n-th acceptance are not counted as drawn, so the result is the one
	// of drawing and filtering one code at a time.
	var chunk [][]float64
	var classes []int
	for len(r.Codes) < n {
		if r.Drawn == maxDraws {
			err = fmt.Errorf("generate: only %d of %d codes accepted in %d draws (acceptance rate %.3g, fpa %.3g)", len(r.Codes), n, r.Drawn, r.AcceptanceRate(), g.fpa)
			break
		}
		k := min(filterChunk, maxDraws-r.Drawn)
		chunk = chunk[:0]
		for range k {
			chunk = append(chunk, g.Sample(nil, src))
		}
		if !opt.NoFilter {
			if cap(classes) < k {
				classes = make([]int, k)
			}
			classes = g.filter.ClassifyBatch(classes[:k], chunk)
		}
		for i, code := range chunk {
			if len(r.Codes) == n {
				break
			}
			r.Drawn++
			if opt.NoFilter || classes[i] == 1 {
				r.Codes = append(r.Codes, code)
			}
		}
	}
	r.Images = g.m.DecodeBatch(nil, r.Codes)
	return r, err
}
