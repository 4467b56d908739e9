package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bisectBilinear finds the root of h (eq. 52) in (−1, 1) by plain bisection: slow and
// obviously right. h is evaluated as ¼[(q+2p)/(1−u)² − (q−2p)/(1+u)²] + c·u − r, the same
// function as (p(1+u²)+q·u)/(1−u²)² + c·u − r, because the textbook numerator cancels
// catastrophically next to a pole when q ≈ 2|p| (1±u is exact there, q−2|p| is exact).
func bisectBilinear(p, q, c, r float64) float64 {
	a, b := q+2*p, q-2*p
	h := func(u float64) float64 {
		sp, sm := 1+u, 1-u
		return 0.25*(a/(sm*sm)-b/(sp*sp)) + c*u - r
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

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func dist2(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

func TestBilinearRootTable(t *testing.T) {
	cases := []struct {
		name       string
		p, q, c, r float64
		want       float64
	}{
		{"on the set", 0, 1, 0, 0, 0},
		{"on the set with y", 0.5, 2, 1, 0.5, 0},
		{"x = w scalar, y = 4", 1, 2, 0, 4, 0.5},      // x' = w' = 1/(1−u) = 2
		{"x = −w scalar, y = −4", -1, 2, 0, -4, -0.5}, // x' = −w' = 1/(1+u) = 2
		{"linear only", 0, 0, 2, 1, 0.5},
		{"x = w, no root: u = −1", 1, 2, 0, 0, -1},
		{"x = −w, no root: u = +1", -1, 2, 0, 0, 1},
		{"x = w = 0, y < 0", 0, 0, 0, -1, -1},
		{"x = w = 0, y > 0", 0, 0, 0, 1, 1},
	}
	for _, tc := range cases {
		got := BilinearRoot(tc.p, tc.q, tc.c, tc.r)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: BilinearRoot(%v, %v, %v, %v) = %v, want %v", tc.name, tc.p, tc.q, tc.c, tc.r, got, tc.want)
		}
	}
}

func TestBilinearRootMatchesBisection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50000 {
		q := math.Exp(2 * rng.NormFloat64())
		var p float64
		switch i % 4 {
		case 0: // near-degenerate: q − 2|p| down to 1e-14·q
			p = q / 2 * (1 - math.Pow(10, -14*rng.Float64()))
			if rng.IntN(2) == 0 {
				p = -p
			}
		default:
			p = (2*rng.Float64() - 1) * q / 2
		}
		c := 0.0
		if i%3 != 0 {
			c = math.Exp(2 * rng.NormFloat64())
		}
		r := rng.NormFloat64() * math.Pow(10, 6*rng.Float64()-1) // |r| up to ~1e5
		got := BilinearRoot(p, q, c, r)
		want := bisectBilinear(p, q, c, r)
		if !(math.Abs(got-want) <= 1e-10) {
			t.Fatalf("BilinearRoot(%v, %v, %v, %v) = %v, bisection %v", p, q, c, r, got, want)
		}
	}
}

// bilinearCase is an input of the bilinear projection.
type bilinearCase struct {
	name     string
	x, w     []float64
	y, omega float64
	g2       float64 // +Inf: the fixed form
}

func bilinearCases(rng *rand.Rand) []bilinearCase {
	cs := []bilinearCase{
		{"scalar", []float64{1}, []float64{2}, 0, 1, 1},
		{"on the set", []float64{1, 2}, []float64{3, -1}, 1, 1, 1},
		{"x = w, y small", []float64{1, 2, 3}, []float64{1, 2, 3}, -5, 2, 1},
		{"x = −w, y large", []float64{1, -2}, []float64{-1, 2}, 7, 1, 3},
		{"x = w, y fixed below", []float64{1, 1}, []float64{1, 1}, 0.1, 1, math.Inf(1)},
		{"x = −w, y fixed above", []float64{1, 1}, []float64{-1, -1}, 0.1, 1, math.Inf(1)},
		{"x = w = 0, y > 0", []float64{0, 0}, []float64{0, 0}, 1, 1, math.Inf(1)},
		{"x = w = 0, y < 0, g", []float64{0, 0, 0}, []float64{0, 0, 0}, -3, 2, 1},
		{"x = w = 0, y small, g", []float64{0, 0}, []float64{0, 0}, 0.2, 2, 1},
		{"nearly x = w", []float64{1, 2}, []float64{1, 2 + 1e-9}, -1, 1, math.Inf(1)},
		{"nearly x = −w", []float64{1, 2}, []float64{-1, -2 + 1e-9}, 1, 1, math.Inf(1)},
		{"large y", []float64{0.1, 0.2}, []float64{0.3, -0.1}, 1e4, 1, math.Inf(1)},
	}
	for i := range 2000 {
		n := 1 + rng.IntN(20)
		sx, sw := math.Exp(rng.NormFloat64()), math.Exp(rng.NormFloat64())
		c := bilinearCase{name: "random", x: randVec(rng, n, sx), w: randVec(rng, n, sw),
			y: rng.NormFloat64() * math.Pow(10, 2*rng.Float64()-1), omega: math.Exp(rng.NormFloat64()),
			g2: math.Exp(rng.NormFloat64())}
		switch i % 5 {
		case 0:
			c.g2 = math.Inf(1)
			c.omega = 1
		case 1: // near-degenerate
			sign := float64(1 - 2*rng.IntN(2))
			eps := math.Pow(10, -10*rng.Float64())
			for j := range c.w {
				c.w[j] = sign*c.x[j] + eps*sx*rng.NormFloat64()
			}
		}
		cs = append(cs, c)
	}
	return cs
}

// project runs the projection under test on copies of the case, returning (x', w', y').
func (c bilinearCase) project() ([]float64, []float64, float64) {
	x, w := append([]float64(nil), c.x...), append([]float64(nil), c.w...)
	if math.IsInf(c.g2, 1) && c.omega == 1 {
		ProjectBilinearFixed(x, w, c.y)
		return x, w, c.y
	}
	return x, w, ProjectBilinear(x, w, c.y, c.omega, c.g2)
}

// dist is the projection's metric from the input to (x, w, y).
func (c bilinearCase) dist(x, w []float64, y float64) float64 {
	d := dist2(x, c.x) + dist2(w, c.w)
	if !math.IsInf(c.g2, 1) {
		d += c.g2 * (y - c.y) * (y - c.y)
	}
	return d
}

// onSet maps (x, w) onto the constraint set: y from x·w, or for the fixed form w shifted along
// x so that x·w = y.
func (c bilinearCase) onSet(x, w []float64) ([]float64, []float64, float64) {
	if !math.IsInf(c.g2, 1) {
		return x, w, dot(x, w) / c.omega
	}
	xx := dot(x, x)
	if xx == 0 {
		return nil, nil, 0
	}
	f := (c.y - dot(x, w)) / xx
	for i := range w {
		w[i] += f * x[i]
	}
	return x, w, c.y
}

func TestProjectBilinearIsNearestPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for ci, c := range bilinearCases(rng) {
		x, w, y := c.project()
		scale := 1 + dot(x, x) + dot(w, w) + math.Abs(c.omega*y)
		if res := math.Abs(dot(x, w) - c.omega*y); !(res <= 1e-9*scale) {
			t.Fatalf("case %d %s: constraint residual %g (x'=%v w'=%v y'=%v)", ci, c.name, res, x, w, y)
		}
		d := c.dist(x, w, y)
		tol := 1e-12 * max(1, d)
		n := len(c.x)
		for k := range 200 {
			var sx, sw []float64
			eps := math.Pow(10, -4+4*rng.Float64())
			if k%2 == 0 { // near the result
				sx, sw = randVec(rng, n, eps), randVec(rng, n, eps)
				for i := range sx {
					sx[i] += x[i]
					sw[i] += w[i]
				}
			} else { // near the input
				sx, sw = randVec(rng, n, eps), randVec(rng, n, eps)
				for i := range sx {
					sx[i] += c.x[i]
					sw[i] += c.w[i]
				}
			}
			sx, sw, sy := c.onSet(sx, sw)
			if sx == nil {
				continue
			}
			if ds := c.dist(sx, sw, sy); d > ds+tol {
				t.Fatalf("case %d %s: sample at distance² %.17g beats the projection's %.17g", ci, c.name, ds, d)
			}
		}
	}
}

func TestProjectBilinearZeroLength(t *testing.T) {
	if y := ProjectBilinear(nil, nil, 3, 2, 1); y != 0 {
		t.Errorf("ProjectBilinear of empty vectors = %v, want 0", y)
	}
	if y := ProjectBilinear(nil, nil, 3, 0, 1); y != 3 {
		t.Errorf("ProjectBilinear of empty vectors with Ω = 0 = %v, want 3", y)
	}
	ProjectBilinearFixed(nil, nil, 1) // no panic
}

func TestProjectBilinearFixedMatchesGeneral(t *testing.T) {
	// The fixed form is the general one with Ω = 1, g2 → ∞.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		n := 1 + rng.IntN(10)
		x, w := randVec(rng, n, 1), randVec(rng, n, 1)
		y := rng.NormFloat64()
		x2, w2 := append([]float64(nil), x...), append([]float64(nil), w...)
		ProjectBilinearFixed(x, w, y)
		if y2 := ProjectBilinear(x2, w2, y, 1, math.Inf(1)); y2 != y {
			t.Fatalf("y moved with g2 = ∞: %v → %v", y, y2)
		}
		if dist2(x, x2)+dist2(w, w2) > 1e-24 {
			t.Fatalf("fixed %v %v, general %v %v", x, w, x2, w2)
		}
	}
}

func TestProjectBilinearFixedDoesNotAllocate(t *testing.T) {
	x, w := make([]float64, 16), make([]float64, 16)
	if a := testing.AllocsPerRun(100, func() { ProjectBilinearFixed(x, w, 1) }); a != 0 {
		t.Errorf("ProjectBilinearFixed allocates %v times", a)
	}
}

func BenchmarkBilinearRoot(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 1024
	var p, q, r [n]float64
	for i := range n {
		x, w := randVec(rng, 16, 1), randVec(rng, 16, 1)
		p[i], q[i], r[i] = dot(x, w), dot(x, x)+dot(w, w), rng.NormFloat64()
	}
	var s float64
	i := 0
	for b.Loop() {
		s += BilinearRoot(p[i%n], q[i%n], 0.5, r[i%n])
		i++
	}
	_ = s
}

func BenchmarkProjectBilinearFixed(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	x0, w0 := randVec(rng, 16, 1), randVec(rng, 16, 1)
	x, w := make([]float64, 16), make([]float64, 16)
	for b.Loop() {
		copy(x, x0)
		copy(w, w0)
		ProjectBilinearFixed(x, w, 0.7)
	}
}
