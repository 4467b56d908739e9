package infer

import (
	"fmt"
	"math"
	"sync"

	"github.com/lwl-go/lwl/format"
)

// NMF evaluates a non-negative matrix factorisation: the pseudo-inverse encoder
// x = ReLU((WᵀW)⁻¹Wᵀy) (eqs. 12–13 of the paper) and the reconstruction W·x. The C×C
// system is solved with a Cholesky factor computed once. Safe for concurrent use.
type NMF struct {
	w    []float64 // D×C row-major
	d, c int
	l    []float64 // lower Cholesky factor of WᵀW, C×C row-major
	pool sync.Pool // *[]float64 of length C
}

// NewNMF prepares m. It fails when the features are linearly dependent (WᵀW singular).
func NewNMF(m *format.NMF) (*NMF, error) {
	if err := (&format.Bundle{Kind: format.KindNMF, NMF: m}).Validate(); err != nil {
		return nil, err
	}
	e := &NMF{w: m.Features, d: m.Data, c: m.Codes, l: make([]float64, m.Codes*m.Codes)}
	C := e.c
	g := make([]float64, C*C)
	for i := range e.d {
		row := e.w[i*C : (i+1)*C]
		for a := range C {
			for b := 0; b <= a; b++ {
				g[a*C+b] += row[a] * row[b]
			}
		}
	}
	// Cholesky–Banachiewicz: G = L·Lᵀ.
	for a := range C {
		for b := 0; b <= a; b++ {
			s := g[a*C+b]
			for k := range b {
				s -= e.l[a*C+k] * e.l[b*C+k]
			}
			if a == b {
				if s <= 1e-12*g[a*C+a] || s <= 0 {
					return nil, fmt.Errorf("infer: NMF features are linearly dependent (WᵀW is singular at code %d)", a)
				}
				e.l[a*C+a] = math.Sqrt(s)
			} else {
				e.l[a*C+b] = s / e.l[b*C+b]
			}
		}
	}
	e.pool.New = func() any { v := make([]float64, C); return &v }
	return e, nil
}

// Encode writes ReLU((WᵀW)⁻¹Wᵀy) for the data vector y into dst (allocated when nil).
func (e *NMF) Encode(dst, y []float64) []float64 {
	if len(y) != e.d {
		panic(fmt.Sprintf("infer: NMF data vector has %d values, want %d", len(y), e.d))
	}
	dst = out(dst, e.c)
	C := e.c
	clear(dst)
	for i, v := range y {
		if v == 0 {
			continue
		}
		row := e.w[i*C : (i+1)*C]
		for a := range dst {
			dst[a] += row[a] * v
		}
	}
	// Solve L·z = r, then Lᵀ·x = z, in place.
	for a := range C {
		s := dst[a]
		for k := range a {
			s -= e.l[a*C+k] * dst[k]
		}
		dst[a] = s / e.l[a*C+a]
	}
	for a := C - 1; a >= 0; a-- {
		s := dst[a]
		for k := a + 1; k < C; k++ {
			s -= e.l[k*C+a] * dst[k]
		}
		dst[a] = s / e.l[a*C+a]
	}
	for a, v := range dst {
		if v < 0 {
			dst[a] = 0
		}
	}
	return dst
}

// Reconstruct writes W·x for the code x into dst (allocated when nil).
func (e *NMF) Reconstruct(dst, x []float64) []float64 {
	if len(x) != e.c {
		panic(fmt.Sprintf("infer: NMF code has %d values, want %d", len(x), e.c))
	}
	dst = out(dst, e.d)
	for i := range dst {
		dst[i] = dot(x, e.w[i*e.c:(i+1)*e.c])
	}
	return dst
}

// ReconstructItem writes W·Encode(y) into dst (allocated when nil).
func (e *NMF) ReconstructItem(dst, y []float64) []float64 {
	p := e.pool.Get().(*[]float64)
	dst = e.Reconstruct(dst, e.Encode(*p, y))
	e.pool.Put(p)
	return dst
}

// Features is the D×C feature matrix, row-major (shared, do not modify).
func (e *NMF) Features() []float64 { return e.w }
