package train

import (
	"math"
	"testing"
)

// The hot loop's roots (warm-started Newton steps four at a time, then solveBilinear for the
// rest) are the plain projection's roots: the same factors 1/(2(1∓u)) to rounding, from good
// and poor starts, with roots next to either pole, and as bisection finds them.
func TestBilinearRootsMatchPlainSolver(t *testing.T) {
	rng := NewRand(12)
	const n = 5000
	u, fs, fd, a, b, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for _, c := range []float64{0, 0.7} {
		for j := range u {
			q := math.Exp(rng.NormFloat64() * 2)
			p := (2*rng.Float64() - 1) * q / 2
			a[j], b[j] = q+2*p, q-2*p
			switch j % 5 {
			case 1:
				b[j] = a[j] * math.Pow(10, -2-10*rng.Float64()) // x ≈ w: a root next to −1
			case 2:
				a[j] = b[j] * math.Pow(10, -2-10*rng.Float64()) // x ≈ −w: next to +1
			}
			r[j] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
			u[j] = 2*rng.Float64() - 1 // poor and good starting guesses alike
		}
		if bilinearRoots(u, fs, fd, a, b, r, c) {
			t.Fatalf("c=%v: degenerate root reported for non-degenerate constraints", c)
		}
		for j := range u {
			sol := solveBilinear(a[j], b[j], c, r[j])
			wfs, wfd := 0.5/sol.sm, 0.5/sol.sp
			if math.Abs(fs[j]-wfs) > 1e-12*wfs || math.Abs(fd[j]-wfd) > 1e-12*wfd {
				t.Fatalf("c=%v root %d (A=%v B=%v r=%v): factors (%v, %v), plain solver (%v, %v)", c, j, a[j], b[j], r[j], fs[j], fd[j], wfs, wfd)
			}
			if j%5 == 1 || j%5 == 2 {
				continue // bisection in p, q would cancel there; the plain solver is checked above
			}
			p, q := (a[j]-b[j])/4, (a[j]+b[j])/2
			want := bisectBilinear(p, q, c, r[j])
			if math.Abs(u[j]-want) > 1e-9*math.Max(1-math.Abs(want), 1e-6) {
				t.Fatalf("c=%v root %d: %v, bisection %v", c, j, u[j], want)
			}
		}
	}
}

// Degenerate constraints (x = w with h(−1⁺) ≥ 0, x = −w with h(1⁻) ≤ 0) are reported, with
// the limiting multiplier, for the caller's plain path.
func TestBilinearRootsReportDegenerate(t *testing.T) {
	u, fs, fd := make([]float64, 5), make([]float64, 5), make([]float64, 5)
	a := []float64{4, 1, 0, 3, 0}
	b := []float64{0, 1, 4, 2, 0}
	r := []float64{0, 0.1, 0, 0.2, 0}
	if !bilinearRoots(u, fs, fd, a, b, r, 0) {
		t.Fatal("no degenerate root reported")
	}
	if !math.IsNaN(fs[0]) || u[0] != -1 || !math.IsNaN(fs[2]) || u[2] != 1 {
		t.Errorf("degenerate roots: u = %v, fs = %v; want −1 and +1 with NaN factors", u, fs)
	}
	if math.IsNaN(fs[1]) || math.IsNaN(fs[3]) {
		t.Errorf("regular roots flagged: fs = %v", fs)
	}
}

func BenchmarkBilinearRoots(b *testing.B) {
	const n = 1024
	u, fs, fd, a, bb, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range u {
		a[j], bb[j], r[j] = 2.2, 1.8, 0.5+float64(j&7)*1e-3
	}
	for range b.N {
		bilinearRoots(u, fs, fd, a, bb, r, 0.5)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/root")
}
