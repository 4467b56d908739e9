package f64

import (
	"math"
	"math/rand/v2"
	"testing"
)

const guard = 1e300 // written around every slice to catch out-of-bounds stores

// guarded returns n random values inside a slice with guard values on both sides.
func guarded(rng *rand.Rand, n int) (whole, inner []float64) {
	whole = make([]float64, n+4)
	for i := range whole {
		whole[i] = guard
	}
	inner = whole[2 : 2+n]
	for i := range inner {
		inner[i] = rng.NormFloat64()
	}
	return whole, inner
}

func checkGuards(t *testing.T, whole []float64) {
	t.Helper()
	n := len(whole)
	for _, i := range []int{0, 1, n - 2, n - 1} {
		if whole[i] != guard {
			t.Fatalf("guard at %d overwritten with %v", i, whole[i])
		}
	}
}

func near(a, b, scale float64) bool { return math.Abs(a-b) <= 1e-14*scale }

var shapes = []struct{ rows, c int }{{1, 4}, {3, 4}, {5, 8}, {7, 16}, {2, 12}, {4, 3}, {3, 5}, {1, 1}, {0, 4}, {6, 20}, {5, 6}, {3, 7}, {2, 2}, {9, 13}}

func TestReflectDotsRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range shapes {
		n := sh.rows * sh.c
		_, x := guarded(rng, n)
		_, w := guarded(rng, n)
		_, xa := guarded(rng, sh.c)
		_, wa := guarded(rng, n)
		pWhole, p := guarded(rng, sh.rows)
		qWhole, q := guarded(rng, sh.rows)
		wp, wq := make([]float64, sh.rows), make([]float64, sh.rows)
		ReflectDotsRows(p, q, x, w, xa, wa, sh.rows, sh.c)
		ReflectDotsRowsGo(wp, wq, x, w, xa, wa, sh.rows, sh.c)
		checkGuards(t, pWhole)
		checkGuards(t, qWhole)
		for j := 0; j < sh.rows; j++ {
			if !near(p[j], wp[j], wq[j]+1) || !near(q[j], wq[j], wq[j]+1) {
				t.Fatalf("%d×%d row %d: (p, q) = (%v, %v), Go twin (%v, %v)", sh.rows, sh.c, j, p[j], q[j], wp[j], wq[j])
			}
		}
	}
}

func TestBilinearUpdateRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range shapes {
		n := sh.rows * sh.c
		lens := []int{n, n, sh.c, n, sh.c, n, sh.rows, sh.rows} // x, w, xa, wa, xs, ws, u, s
		var wholes, got, want [8][]float64
		for i, l := range lens {
			wholes[i], got[i] = guarded(rng, l)
			want[i] = append([]float64(nil), got[i]...)
		}
		for j := range got[6] {
			got[6][j] = rng.Float64()*1.8 - 0.9
			want[6][j] = got[6][j]
			got[7][j] = 1 / (1 - got[6][j]*got[6][j])
			want[7][j] = got[7][j]
		}
		beta := rng.Float64()
		e := BilinearUpdateRows(got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], sh.rows, sh.c, beta)
		ge := BilinearUpdateRowsGo(want[0], want[1], want[2], want[3], want[4], want[5], want[6], want[7], sh.rows, sh.c, beta)
		if !near(e, ge, ge+1) {
			t.Fatalf("%d×%d: error sum %v, Go twin %v", sh.rows, sh.c, e, ge)
		}
		for k := range got {
			checkGuards(t, wholes[k])
			for i := range got[k] {
				if !near(got[k][i], want[k][i], math.Abs(want[k][i])+10) {
					t.Fatalf("%d×%d: slice %d entry %d = %v, Go twin %v", sh.rows, sh.c, k, i, got[k][i], want[k][i])
				}
			}
		}
	}
}

func TestShortSlicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short slice")
		}
	}()
	ReflectDotsRows(make([]float64, 1), make([]float64, 1), make([]float64, 3), make([]float64, 4), make([]float64, 4), make([]float64, 4), 1, 4)
}

// BenchmarkRows1600x16 runs both kernels over one montage item (1600 pairs of 16 values).
func BenchmarkRows1600x16(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rows, c = 1600, 16
	_, x := guarded(rng, rows*c)
	_, w := guarded(rng, rows*c)
	_, xa := guarded(rng, c)
	_, wa := guarded(rng, rows*c)
	_, xs := guarded(rng, c)
	_, ws := guarded(rng, rows*c)
	p, q := make([]float64, rows), make([]float64, rows)
	u := make([]float64, rows)
	s := make([]float64, rows)
	for i := range s {
		s[i] = 1
	}
	b.Run("ReflectDotsRows", func(b *testing.B) {
		for range b.N {
			ReflectDotsRows(p, q, x, w, xa, wa, rows, c)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c), "ns/WM")
	})
	b.Run("BilinearUpdateRows", func(b *testing.B) {
		for range b.N {
			BilinearUpdateRows(x, w, xa, wa, xs, ws, u, s, rows, c, 1e-9)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c), "ns/WM")
	})
}

func TestNewtonRootsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 4, 7, 16, 33} {
		for _, c := range []float64{0, 0.5} {
			u, s, p, q, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for j := range u {
				q[j] = math.Exp(rng.NormFloat64())
				p[j] = (2*rng.Float64() - 1) * q[j] / 2
				r[j] = rng.NormFloat64()
				u[j] = (2*rng.Float64() - 1) * 0.5
				if j%3 == 0 {
					u[j] = 0.999999 // a start that cannot converge in three steps
				}
			}
			wu, ws := append([]float64(nil), u...), make([]float64, n)
			NewtonRoots(u, s, p, q, r, c)
			NewtonRootsGo(wu, ws, p, q, r, c)
			for j := range u {
				if math.IsNaN(ws[j]) != math.IsNaN(s[j]) {
					t.Fatalf("n=%d c=%v root %d: convergence flag differs: s = %v, Go twin %v", n, c, j, s[j], ws[j])
				}
				if !math.IsNaN(ws[j]) && (!near(u[j], wu[j], 1) || !near(s[j], ws[j], ws[j])) {
					t.Fatalf("n=%d c=%v root %d: (u, s) = (%v, %v), Go twin (%v, %v)", n, c, j, u[j], s[j], wu[j], ws[j])
				}
			}
		}
	}
}

func BenchmarkNewtonRoots1600(b *testing.B) {
	const n = 1600
	u, s, p, q, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range u {
		p[j], q[j], r[j] = 0.1, 2, 0.3
	}
	for range b.N {
		NewtonRoots(u, s, p, q, r, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/root")
}
