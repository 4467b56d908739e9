package train

import (
	"math"
	"testing"
)

// bisectRoot finds the root of h (appendix B, eq. 52) by plain bisection: slow and obviously right.
func bisectRoot(p, q, c, r float64) float64 {
	h := func(u float64) float64 {
		d := 1 - u*u
		return (p*(1+u*u)+q*u)/(d*d) + c*u - r
	}
	lo, hi := -1.0, 1.0
	for range 200 {
		m := 0.5 * (lo + hi)
		if h(m) > 0 {
			hi = m
		} else {
			lo = m
		}
	}
	return 0.5 * (lo + hi)
}

func TestBilinearRootFromMatchesBisection(t *testing.T) {
	rng := NewRand(11)
	for i := range 20000 {
		q := math.Exp(rng.NormFloat64() * 2)
		p := (2*rng.Float64() - 1) * q / 2 * (1 - math.Pow(rng.Float64(), 3)*1e-6)
		c := 0.0
		if i%2 == 1 {
			c = math.Exp(rng.NormFloat64() * 3)
		}
		r := rng.NormFloat64() * math.Exp(rng.NormFloat64()*2)
		u0 := 2*rng.Float64() - 1
		if i%3 == 0 {
			u0 = 0
		}
		want := bisectRoot(p, q, c, r)
		got := bilinearRootFrom(p, q, c, r, u0)
		// Compare in the variable the projection uses, 1/(1−u²), near the ends of (−1, 1).
		tol := 1e-10 * (1 - want*want)
		if math.Abs(got-want) > math.Max(tol, 1e-15) {
			t.Fatalf("p=%v q=%v c=%v r=%v from u0=%v: root %v, bisection %v", p, q, c, r, u0, got, want)
		}
	}
}

func BenchmarkBilinearRootFrom(b *testing.B) {
	var s float64
	for i := range b.N {
		s += bilinearRootFrom(0.3, 1.1, 0, 0.5+float64(i&7)*1e-3, 0.1)
	}
	_ = s
}

func TestBilinearRootsMatchesBisection(t *testing.T) {
	rng := NewRand(12)
	const n = 5000
	u, s, p, q, r := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for _, c := range []float64{0, 0.7} {
		for j := range u {
			q[j] = math.Exp(rng.NormFloat64() * 2)
			p[j] = (2*rng.Float64() - 1) * q[j] / 2
			r[j] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
			u[j] = 2*rng.Float64() - 1 // poor and good starting guesses alike
		}
		bilinearRoots(u, s, p, q, r, c)
		for j := range u {
			want := bisectRoot(p[j], q[j], c, r[j])
			if math.Abs(u[j]-want) > math.Max(1e-10*(1-want*want), 1e-15) {
				t.Fatalf("c=%v root %d: %v, bisection %v", c, j, u[j], want)
			}
			if s[j] != 1/(1-u[j]*u[j]) {
				t.Fatalf("c=%v root %d: factor %v, want 1/(1−u²) = %v", c, j, s[j], 1/(1-u[j]*u[j]))
			}
		}
	}
}
