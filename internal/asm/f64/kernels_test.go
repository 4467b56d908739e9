package f64

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"
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

// skipGoTwin skips a *MatchesGo test where the kernels are the Go twins themselves (noasm
// builds, CPUs without AVX2): it would compare Go with Go and could not fail. With
// LWL_REQUIRE_ASM set (CI on amd64) that is a failure instead, so that CI cannot pass
// without having compared the assembly.
func skipGoTwin(t *testing.T) {
	t.Helper()
	if Accelerated() {
		return
	}
	if os.Getenv("LWL_REQUIRE_ASM") != "" {
		t.Fatal("LWL_REQUIRE_ASM is set but the kernels run as their Go twins (noasm build, or no AVX2/FMA)")
	}
	t.Skip("kernels are the pure-Go twins here (noasm or no AVX2/FMA): nothing to compare")
}

func TestReflectDotsRowsMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range shapes {
		n := sh.rows * sh.c
		_, x := guarded(rng, n)
		_, w := guarded(rng, n)
		_, xa := guarded(rng, sh.c)
		_, wa := guarded(rng, n)
		aWhole, a := guarded(rng, sh.rows)
		bWhole, b := guarded(rng, sh.rows)
		wa2, wb := make([]float64, sh.rows), make([]float64, sh.rows)
		ReflectDotsRows(a, b, x, w, xa, wa, sh.rows, sh.c)
		ReflectDotsRowsGo(wa2, wb, x, w, xa, wa, sh.rows, sh.c)
		checkGuards(t, aWhole)
		checkGuards(t, bWhole)
		for j := 0; j < sh.rows; j++ {
			if !near(a[j], wa2[j], wa2[j]+wb[j]+1) || !near(b[j], wb[j], wa2[j]+wb[j]+1) {
				t.Fatalf("%d×%d row %d: (A, B) = (%v, %v), Go twin (%v, %v)", sh.rows, sh.c, j, a[j], b[j], wa2[j], wb[j])
			}
		}
	}
}

// tiledStrides are the row strides of the tiled kernels' sources and weights: a layer
// (shared sources, own weights), gathered rows (own sources), a tie group (shared weights).
func tiledStrides(c int) [][2]int { return [][2]int{{0, c}, {c, c}, {c, 0}, {0, 0}} }

func TestReflectDotsTiledMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sh := range shapes {
		if sh.rows == 0 {
			continue
		}
		for _, st := range tiledStrides(sh.c) {
			nx, nxa, nwa, _ := tiledLens(sh.rows, sh.c, st[0], st[1])
			_, x := guarded(rng, nx)
			_, w := guarded(rng, nx)
			_, xa := guarded(rng, nxa)
			_, wa := guarded(rng, nwa)
			aWhole, a := guarded(rng, sh.rows*Lanes)
			bWhole, b := guarded(rng, sh.rows*Lanes)
			wa2, wb := make([]float64, sh.rows*Lanes), make([]float64, sh.rows*Lanes)
			ReflectDotsTiled(a, b, x, w, xa, wa, sh.rows, sh.c, st[0], st[1])
			ReflectDotsTiledGo(wa2, wb, x, w, xa, wa, sh.rows, sh.c, st[0], st[1])
			checkGuards(t, aWhole)
			checkGuards(t, bWhole)
			for j := range a {
				if !near(a[j], wa2[j], wa2[j]+wb[j]+1) || !near(b[j], wb[j], wa2[j]+wb[j]+1) {
					t.Fatalf("%d×%d strides %v entry %d: (A, B) = (%v, %v), Go twin (%v, %v)", sh.rows, sh.c, st, j, a[j], b[j], wa2[j], wb[j])
				}
			}
		}
	}
}

// randFactors fills fs, fd with the factors 1/(2(1∓u)) of random roots u ∈ (−0.9, 0.9).
func randFactors(rng *rand.Rand, fs, fd []float64) {
	for j := range fs {
		u := rng.Float64()*1.8 - 0.9
		fs[j], fd[j] = 0.5/(1-u), 0.5/(1+u)
	}
}

func TestBilinearUpdateRowsMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range shapes {
		n := sh.rows * sh.c
		lens := []int{n, n, sh.c, n, sh.c, n, sh.rows, sh.rows} // x, w, xa, wa, xs, ws, fs, fd
		var wholes, got, want [8][]float64
		for i, l := range lens {
			wholes[i], got[i] = guarded(rng, l)
		}
		randFactors(rng, got[6], got[7])
		for i := range got {
			want[i] = append([]float64(nil), got[i]...)
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

func TestBilinearUpdateTiledMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range shapes {
		if sh.rows == 0 {
			continue
		}
		for _, st := range tiledStrides(sh.c) {
			nx, nxa, nwa, nws := tiledLens(sh.rows, sh.c, st[0], st[1])
			lens := []int{nx, nx, nxa, nwa, nxa, nws, sh.rows * Lanes, sh.rows * Lanes}
			var wholes, got, want [8][]float64
			for i, l := range lens {
				wholes[i], got[i] = guarded(rng, l)
			}
			randFactors(rng, got[6], got[7])
			for i := range got {
				want[i] = append([]float64(nil), got[i]...)
			}
			beta := [Lanes]float64{rng.Float64(), rng.Float64(), 0, 1} // lane 2: a padding item
			var e, ge [Lanes]float64
			BilinearUpdateTiled(got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], sh.rows, sh.c, st[0], st[1], &beta, &e)
			BilinearUpdateTiledGo(want[0], want[1], want[2], want[3], want[4], want[5], want[6], want[7], sh.rows, sh.c, st[0], st[1], &beta, &ge)
			for l := range e {
				if !near(e[l], ge[l], ge[l]+1) {
					t.Fatalf("%d×%d strides %v lane %d: error sum %v, Go twin %v", sh.rows, sh.c, st, l, e[l], ge[l])
				}
			}
			for k := range got {
				checkGuards(t, wholes[k])
				for i := range got[k] {
					if !near(got[k][i], want[k][i], math.Abs(want[k][i])+10) {
						t.Fatalf("%d×%d strides %v: slice %d entry %d = %v, Go twin %v", sh.rows, sh.c, st, k, i, got[k][i], want[k][i])
					}
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
	a, bb := make([]float64, rows), make([]float64, rows)
	fs, fd := make([]float64, rows), make([]float64, rows)
	for i := range fs {
		fs[i], fd[i] = 0.5, 0.5
	}
	b.Run("ReflectDotsRows", func(b *testing.B) {
		for range b.N {
			ReflectDotsRows(a, bb, x, w, xa, wa, rows, c)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c), "ns/WM")
	})
	b.Run("BilinearUpdateRows", func(b *testing.B) {
		for range b.N {
			BilinearUpdateRows(x, w, xa, wa, xs, ws, fs, fd, rows, c, 1e-9)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c), "ns/WM")
	})
}

func TestNewtonRootsMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 4, 7, 16, 33} {
		for _, c := range []float64{0, 0.5} {
			u, fs, fd, a, b, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for j := range u {
				a[j] = math.Exp(rng.NormFloat64())
				b[j] = math.Exp(rng.NormFloat64())
				if j%4 == 1 {
					b[j] *= 1e-9 // a root next to the pole at −1
				}
				r[j] = rng.NormFloat64()
				u[j] = (2*rng.Float64() - 1) * 0.5
				if j%3 == 0 {
					u[j] = 0.999999 // a start far from most roots
				}
			}
			wu, wfs, wfd := append([]float64(nil), u...), make([]float64, n), make([]float64, n)
			all := NewtonRoots(u, fs, fd, a, b, r, c)
			wall := NewtonRootsGo(wu, wfs, wfd, a, b, r, c)
			if all != !anyNaN(fs) || wall != !anyNaN(wfs) {
				t.Fatalf("n=%d c=%v: reported all converged %v (Go twin %v), NaN factors %v (%v)", n, c, all, wall, anyNaN(fs), anyNaN(wfs))
			}
			for j := range u {
				if math.IsNaN(wfs[j]) != math.IsNaN(fs[j]) {
					t.Fatalf("n=%d c=%v root %d: convergence flag differs: fs = %v, Go twin %v", n, c, j, fs[j], wfs[j])
				}
				if !math.IsNaN(wfs[j]) && (!near(u[j], wu[j], 1) || !near(fs[j], wfs[j], wfs[j]) || !near(fd[j], wfd[j], wfd[j])) {
					t.Fatalf("n=%d c=%v root %d: (u, fs, fd) = (%v, %v, %v), Go twin (%v, %v, %v)", n, c, j, u[j], fs[j], fd[j], wu[j], wfs[j], wfd[j])
				}
			}
			// A second call from where the first left the roots: the flag still matches.
			if again := NewtonRoots(u, fs, fd, a, b, r, c); again != !anyNaN(fs) {
				t.Fatalf("n=%d c=%v, second call: reported all converged %v with NaN factors %v", n, c, again, anyNaN(fs))
			}
		}
	}
}

func anyNaN(v []float64) bool {
	for _, x := range v {
		if x != x {
			return true
		}
	}
	return false
}

func BenchmarkNewtonRoots1600(b *testing.B) {
	const n = 1600
	u, fs, fd, a, bb, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range u {
		a[j], bb[j], r[j] = 2.2, 1.8, 0.3
	}
	for range b.N {
		NewtonRoots(u, fs, fd, a, bb, r, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/root")
}

// BenchmarkTiled26x13 times the tiled kernels on a block of 13→26 (one tile of four items,
// the first hidden layer of the majority-gate network), with its data in the L1 cache and
// aligned to 32 bytes as the engine's are.
func BenchmarkTiled26x13(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rows, c = 26, 13
	x, w := aligned32(rng, rows*c*Lanes), aligned32(rng, rows*c*Lanes)
	xa, xs := aligned32(rng, c*Lanes), aligned32(rng, c*Lanes)
	wa, ws := aligned32(rng, rows*c), aligned32(rng, rows*c*Lanes)
	a, bb := aligned32(rng, rows*Lanes), aligned32(rng, rows*Lanes)
	fs, fd := aligned32(rng, rows*Lanes), aligned32(rng, rows*Lanes)
	for i := range fs {
		fs[i], fd[i] = 0.5, 0.5
	}
	beta := [Lanes]float64{1e-9, 1e-9, 1e-9, 1e-9}
	var errSq [Lanes]float64
	b.Run("ReflectDotsTiled", func(b *testing.B) {
		for range b.N {
			ReflectDotsTiled(a, bb, x, w, xa, wa, rows, c, 0, c)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c*Lanes), "ns/WM")
	})
	b.Run("BilinearUpdateTiled", func(b *testing.B) {
		for range b.N {
			BilinearUpdateTiled(x, w, xa, wa, xs, ws, fs, fd, rows, c, 0, c, &beta, &errSq)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*c*Lanes), "ns/WM")
	})
}

// aligned32 returns n random values starting at a 32-byte boundary.
func aligned32(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n+4)
	i := 0
	for uintptr(unsafe.Pointer(&v[i]))%32 != 0 {
		i++
	}
	v = v[i : i+n]
	for j := range v {
		v[j] = rng.NormFloat64()
	}
	return v
}
