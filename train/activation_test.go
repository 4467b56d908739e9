package train

import (
	"math"
	"testing"
)

// inSet reports whether (x, y, b) lies in the activation's set, within tol.
func inSet(a Activation, x, y, b, tol float64) bool {
	z := y - b
	switch a := a.(type) {
	case ReLU:
		return (math.Abs(x) <= tol && z <= tol) || (x >= -tol && math.Abs(x-z) <= tol)
	case Step:
		return (math.Abs(x) <= tol && z <= -a.Delta+tol) || (math.Abs(x-1) <= tol && z >= a.Delta-tol)
	case Zigmoid:
		if inSet(Step(a), x, y, b, tol) {
			return true
		}
		return math.Abs(z) < a.Delta+tol && math.Abs(x-(z+a.Delta)/(2*a.Delta)) <= tol
	}
	panic("unknown activation")
}

// setPoints returns the points of the set with y − b = z nearest to (y, b) in (y, b):
// the set is a union of pieces over z, and for fixed z the nearest (y', b') moves y and b
// equally and oppositely. xs lists the x values the set allows at z.
func setXs(a Activation, z float64) []float64 {
	switch a := a.(type) {
	case ReLU:
		if z < 0 {
			return []float64{0}
		}
		if z == 0 {
			return []float64{0}
		}
		return []float64{z}
	case Step:
		var v []float64
		if z <= -a.Delta {
			v = append(v, 0)
		}
		if z >= a.Delta {
			v = append(v, 1)
		}
		return v
	case Zigmoid:
		return []float64{a.Eval(z)}
	}
	panic("unknown activation")
}

// Every activation's projection lands in its set, and no sampled point of the set near the
// input is closer.
func TestActivationProjections(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Activation
	}{
		{"ReLU", ReLU{}},
		{"step Δ=0.3", Step{Delta: 0.3}},
		{"step Δ=1", Step{Delta: 1}},
		{"zigmoid Δ=0.4", Zigmoid{Delta: 0.4}},
		{"zigmoid Δ=0.05", Zigmoid{Delta: 0.05}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := NewRand(1)
			for trial := 0; trial < 2000; trial++ {
				x, y, b := 3*(2*rng.Float64()-1), 3*(2*rng.Float64()-1), 3*(2*rng.Float64()-1)
				if trial%4 == 0 { // near the kinks
					x, y, b = 0.1*x, 0.1*y, 0.1*b
				}
				px, py, pb := tc.a.Project(x, y, b)
				if !inSet(tc.a, px, py, pb, 1e-9) {
					t.Fatalf("Project(%v, %v, %v) = (%v, %v, %v) is not in the set", x, y, b, px, py, pb)
				}
				d := (px-x)*(px-x) + (py-y)*(py-y) + (pb-b)*(pb-b)
				z0 := y - b
				for s := 0; s <= 600; s++ {
					z := z0 - 6 + 12*float64(s)/600
					if s == 600 {
						z = z0 + 12*(rng.Float64()-0.5)
					}
					h := 0.5 * (z - z0)
					for _, sx := range setXs(tc.a, z) {
						ds := (sx-x)*(sx-x) + 2*h*h
						if ds < d-1e-12 {
							t.Fatalf("Project(%v, %v, %v) at distance² %v, but (%v, z=%v) of the set is at %v", x, y, b, d, sx, z, ds)
						}
					}
				}
			}
		})
	}
}

func TestActivationEval(t *testing.T) {
	for _, tc := range []struct {
		a    Activation
		z, f float64
	}{
		{ReLU{}, -1, 0}, {ReLU{}, 0, 0}, {ReLU{}, 2.5, 2.5},
		{Step{Delta: 0.3}, -0.1, 0}, {Step{Delta: 0.3}, 0, 0}, {Step{Delta: 0.3}, 0.01, 1},
		{Zigmoid{Delta: 0.5}, -1, 0}, {Zigmoid{Delta: 0.5}, 0, 0.5}, {Zigmoid{Delta: 0.5}, 0.25, 0.75}, {Zigmoid{Delta: 0.5}, 3, 1},
	} {
		if got := tc.a.Eval(tc.z); got != tc.f {
			t.Errorf("%T%v.Eval(%v) = %v, want %v", tc.a, tc.a, tc.z, got, tc.f)
		}
	}
}

// Points already in the set are fixed points of the projection.
func TestActivationFixesSetPoints(t *testing.T) {
	for _, a := range []Activation{ReLU{}, Step{Delta: 0.3}, Zigmoid{Delta: 0.3}} {
		for _, z := range []float64{-2, -0.3, -0.1, 0, 0.1, 0.3, 2} {
			for _, x := range setXs(a, z) {
				y, b := 0.7+z, 0.7
				px, py, pb := a.Project(x, y, b)
				if math.Abs(px-x)+math.Abs(py-y)+math.Abs(pb-b) > 1e-12 {
					t.Errorf("%T: set point (%v, %v, %v) moved to (%v, %v, %v)", a, x, y, b, px, py, pb)
				}
			}
		}
	}
}

// ProjectFixed holds x and moves y and b equally and oppositely to the nearest z = y − b
// that the set allows with that x (section 6.1): the result lies in the set, y + b is kept,
// and no allowed z on a fine grid is nearer. The step's set has no fractional x; there the
// reference rule z = Δ(2x − 1) is checked instead.
func TestActivationProjectFixed(t *testing.T) {
	rng := NewRand(21)
	for _, a := range []Activation{ReLU{}, Step{Delta: 0.4}, Step{Delta: 0.34}, Zigmoid{Delta: 0.4}, Zigmoid{Delta: 0.1}} {
		allowed := func(x, z float64) bool {
			if s, ok := a.(Step); ok && x > 0 && x < 1 {
				return math.Abs(z-s.Delta*(2*x-1)) <= 1e-12
			}
			return inSet(a, x, z, 0, 1e-12)
		}
		for i := 0; i < 2000; i++ {
			var x float64
			switch i % 4 {
			case 0:
				x = 0
			case 1:
				x = 1
			default:
				x = rng.Float64()
			}
			y, b := 3*(2*rng.Float64()-1), 3*(2*rng.Float64()-1)
			y2, b2 := a.ProjectFixed(x, y, b)
			if math.Abs((y2+b2)-(y+b)) > 1e-12 {
				t.Fatalf("%T%v.ProjectFixed(%v, %v, %v) = (%v, %v): y + b not kept", a, a, x, y, b, y2, b2)
			}
			if !allowed(x, y2-b2) {
				t.Fatalf("%T%v.ProjectFixed(%v, %v, %v) = (%v, %v): z = %v not allowed", a, a, x, y, b, y2, b2, y2-b2)
			}
			z, got := y-b, math.Abs(y2-b2-(y-b))
			for zz := -4.0; zz <= 4; zz += 1e-3 {
				if allowed(x, zz) && math.Abs(zz-z) < got-1e-9 {
					t.Fatalf("%T%v.ProjectFixed(%v, %v, %v): z moved by %v, but z = %v is allowed at %v", a, a, x, y, b, got, zz, math.Abs(zz-z))
				}
			}
		}
	}
}

// The node pass's run projections are the activations' projections (and fixed-node
// projections), value for value.
func TestProjectRunMatchesProject(t *testing.T) {
	rng := NewRand(21)
	const n = 2000
	xs, y, b, g2 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range xs {
		g2[i] = float64(1 + rng.IntN(5))
		xs[i] = 2 * rng.NormFloat64() * g2[i]
		y[i], b[i] = 2*rng.NormFloat64(), 2*rng.NormFloat64()
	}
	for _, a := range []Activation{ReLU{}, Step{Delta: 0.2}, Zigmoid{Delta: 0.4}} {
		xa, ya, ba := make([]float64, n), make([]float64, n), make([]float64, n)
		runProjectorOf(a).projectRun(xa, ya, ba, xs, y, b, g2)
		for i := range xa {
			wx, wy, wb := a.Project(xs[i]/g2[i], y[i], b[i])
			if xa[i] != wx || ya[i] != wy || ba[i] != wb {
				t.Fatalf("%T node %d: run projection (%v, %v, %v), Project (%v, %v, %v)", a, i, xa[i], ya[i], ba[i], wx, wy, wb)
			}
		}
		v := make([]float64, n) // fixed values: 0, 1 and in between, as data and codes are
		for i := range v {
			v[i] = []float64{0, 1, rng.Float64(), -0.5, 1.5}[i%5]
		}
		runProjectorOf(a).projectFixedRun(ya, ba, v, y, b)
		for i := range ya {
			wy, wb := a.ProjectFixed(v[i], y[i], b[i])
			if ya[i] != wy || ba[i] != wb {
				t.Fatalf("%T node %d: fixed run projection (%v, %v), ProjectFixed (%v, %v)", a, i, ya[i], ba[i], wy, wb)
			}
		}
	}
}
