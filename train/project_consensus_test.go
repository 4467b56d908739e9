package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sideSet describes a side constraint for the tests: membership and a sampler of its points.
type sideSet struct {
	name   string
	side   Side
	member func(v []float64) bool
	// sample returns a point of the set near v (scale eps), or nil.
	sample func(rng *rand.Rand, v []float64, eps float64) []float64
}

func normOf(v []float64) float64 { return math.Sqrt(dot(v, v)) }

func nonNeg(v []float64) bool {
	for _, vi := range v {
		if vi < 0 {
			return false
		}
	}
	return true
}

func support(v []float64) int {
	n := 0
	for _, vi := range v {
		if vi != 0 {
			n++
		}
	}
	return n
}

// perturb returns v + eps·noise, with entries dropped to 0 (and clamped) when nonneg is set and
// only s random entries kept when s > 0.
func perturb(rng *rand.Rand, v []float64, eps float64, nonneg bool, s int) []float64 {
	z := randVec(rng, len(v), eps)
	for i := range z {
		z[i] += v[i]
		if nonneg && z[i] < 0 {
			z[i] = 0
		}
	}
	if s > 0 && s < len(z) {
		for _, i := range rng.Perm(len(z))[s:] {
			z[i] = 0
		}
	}
	return z
}

func toNorm(z []float64, omega float64, rng *rand.Rand) []float64 {
	n := normOf(z)
	if n == 0 {
		z[rng.IntN(len(z))] = omega
		return z
	}
	for i := range z {
		z[i] *= omega / n
	}
	return z
}

func sideSets() []sideSet {
	const omega = 1.7
	const s = 3
	normOK := func(v []float64) bool { return math.Abs(normOf(v)-omega) <= 1e-9 }
	return []sideSet{
		{"Free", Free{}, func([]float64) bool { return true },
			func(rng *rand.Rand, v []float64, eps float64) []float64 { return perturb(rng, v, eps, false, 0) }},
		{"NonNeg", NonNeg{}, nonNeg,
			func(rng *rand.Rand, v []float64, eps float64) []float64 { return perturb(rng, v, eps, true, 0) }},
		{"Norm", Norm{omega}, normOK,
			func(rng *rand.Rand, v []float64, eps float64) []float64 {
				return toNorm(perturb(rng, v, eps, false, 0), omega, rng)
			}},
		{"NonNegNorm", NonNegNorm{omega}, func(v []float64) bool { return nonNeg(v) && normOK(v) },
			func(rng *rand.Rand, v []float64, eps float64) []float64 {
				return toNorm(perturb(rng, v, eps, true, 0), omega, rng)
			}},
		{"SparseNonNeg", SparseNonNeg{s}, func(v []float64) bool { return nonNeg(v) && support(v) <= s },
			func(rng *rand.Rand, v []float64, eps float64) []float64 { return perturb(rng, v, eps, true, s) }},
		{"SparseNonNegNorm", SparseNonNegNorm{S: s, Omega: omega},
			func(v []float64) bool { return nonNeg(v) && support(v) <= s && normOK(v) },
			func(rng *rand.Rand, v []float64, eps float64) []float64 {
				return toNorm(perturb(rng, v, eps, true, s), omega, rng)
			}},
		{"SparseNonNegNorm S=0", SparseNonNegNorm{S: 0, Omega: omega},
			func(v []float64) bool { return nonNeg(v) && normOK(v) },
			func(rng *rand.Rand, v []float64, eps float64) []float64 {
				return toNorm(perturb(rng, v, eps, true, 0), omega, rng)
			}},
	}
}

func sideInputs(rng *rand.Rand) [][]float64 {
	in := [][]float64{
		{0}, {0, 0, 0}, {-3, -1, -2}, {-1, 0, -2}, {1, 1, 1, 1, 1}, {2, -1, 2, 2, 0.5},
		{5}, {-5}, {0.1, 0.2, 0.3, 0.4},
	}
	for i := range 300 {
		n := 1 + rng.IntN(12)
		v := randVec(rng, n, math.Exp(rng.NormFloat64()))
		if i%7 == 0 {
			for j := range v {
				v[j] = -math.Abs(v[j]) // all negative
			}
		}
		if i%5 == 0 && n > 2 {
			v[1] = v[0] // ties
		}
		in = append(in, v)
	}
	return in
}

func TestSideProjectionIsNearestPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	inputs := sideInputs(rng)
	for _, set := range sideSets() {
		for _, v := range inputs {
			got := slices.Clone(v)
			set.side.Project(got)
			if !set.member(got) {
				t.Fatalf("%s(%v) = %v is not in the set", set.name, v, got)
			}
			d := dist2(got, v)
			check := func(z []float64) {
				if z == nil || !set.member(z) {
					return
				}
				if dz := dist2(z, v); d > dz+1e-12 {
					t.Fatalf("%s(%v) = %v at distance² %g; %v is nearer (%g)", set.name, v, got, d, z, dz)
				}
			}
			for k := range 300 {
				eps := math.Pow(10, -4+4*rng.Float64())
				if k%2 == 0 {
					check(set.sample(rng, got, eps))
				} else {
					check(set.sample(rng, v, eps))
				}
			}
			// Other faces: every basis vector scaled to the set.
			for i := range v {
				e := make([]float64, len(v))
				e[i] = 1.7
				check(e)
				e[i] = 0.3
				check(e)
			}
		}
	}
}

// TestProjectSideNonNegNormAllNegative: section 4.2's case, the least negative entry becomes Ω.
func TestProjectSideNonNegNormAllNegative(t *testing.T) {
	cases := []struct {
		side Side
		in   []float64
		want []float64
	}{
		{NonNegNorm{2}, []float64{-3, -1, -2}, []float64{0, 2, 0}},
		{NonNegNorm{2}, []float64{-3, -1, -1}, []float64{0, 2, 0}},
		{NonNegNorm{2}, []float64{-3, 0, -2}, []float64{0, 2, 0}},
		{NonNegNorm{2}, []float64{0, 0}, []float64{2, 0}},
		{SparseNonNegNorm{S: 2, Omega: 2}, []float64{-3, -1, -2}, []float64{0, 2, 0}},
		{Norm{2}, []float64{0, 0}, []float64{2, 0}},
		{NonNegNorm{5}, []float64{3, -1, 4}, []float64{3, 0, 4}},
		{SparseNonNegNorm{S: 1, Omega: 5}, []float64{3, -1, 4}, []float64{0, 0, 5}},
		{SparseNonNeg{2}, []float64{3, -1, 4, 3}, []float64{3, 0, 4, 0}},
		{SparseNonNeg{0}, []float64{3, -1, 4, 3}, []float64{3, 0, 4, 3}},
	}
	for _, tc := range cases {
		got := slices.Clone(tc.in)
		tc.side.Project(got)
		if dist2(got, tc.want) > 1e-24 {
			t.Errorf("%T%v.Project(%v) = %v, want %v", tc.side, tc.side, tc.in, got, tc.want)
		}
	}
	var empty []float64
	for _, set := range sideSets() {
		set.side.Project(empty) // zero length: no-op, no panic
	}
}

// TestSparseKeepLargestMatchesSort checks both selection paths (scan and bit bisection) against a sort.
func TestSparseKeepLargestMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for range 3000 {
		n := 1 + rng.IntN(80)
		v := make([]float64, n)
		for i := range v {
			switch rng.IntN(4) {
			case 0:
				v[i] = 0
			case 1:
				v[i] = float64(rng.IntN(4)) // ties
			default:
				v[i] = math.Exp(3 * rng.NormFloat64())
			}
		}
		s := 1 + rng.IntN(n+2)
		got := slices.Clone(v)
		keepLargest(got, s)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case v[a] > v[b]:
				return -1
			case v[a] < v[b]:
				return 1
			}
			return 0
		})
		want := make([]float64, n)
		for _, i := range idx[:min(s, n)] {
			want[i] = v[i]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("keepLargest(%v, %d) = %v, want %v", v, s, got, want)
		}
	}
}

func TestProjectConsensusIsNearestConsensus(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, set := range sideSets() {
		for range 200 {
			n, m := 1+rng.IntN(8), 1+rng.IntN(6)
			copies := make([][]float64, m)
			for i := range copies {
				copies[i] = randVec(rng, n, 1)
			}
			dst := make([]float64, n)
			ProjectConsensus(dst, copies, set.side)
			if !set.member(dst) {
				t.Fatalf("%s: consensus %v not in the set", set.name, dst)
			}
			cost := func(z []float64) float64 {
				var s float64
				for _, c := range copies {
					s += dist2(z, c)
				}
				return s
			}
			d := cost(dst)
			for k := range 300 {
				var z []float64
				if k%2 == 0 {
					z = set.sample(rng, dst, math.Pow(10, -4+4*rng.Float64()))
				} else { // a copy or a random point, put on the set
					z = slices.Clone(copies[rng.IntN(m)])
					if k%4 == 1 {
						z = randVec(rng, n, 2)
					}
					set.side.Project(z)
				}
				if set.member(z) && d > cost(z)+1e-12 {
					t.Fatalf("%s: consensus %v (cost %g) beaten by %v (cost %g)", set.name, dst, d, z, cost(z))
				}
			}
		}
	}
	// No copies: the mean is 0, then the side constraint.
	dst := []float64{5, 5}
	ProjectConsensus(dst, nil, Norm{3})
	if !slices.Equal(dst, []float64{3, 0}) {
		t.Errorf("no copies: %v, want [3 0]", dst)
	}
}

func TestProjectConsensusDoesNotAllocate(t *testing.T) {
	copies := [][]float64{randVec(rand.New(rand.NewPCG(1, 1)), 40, 1), make([]float64, 40)}
	dst := make([]float64, 40)
	for _, set := range sideSets() {
		side := set.side
		var side2 Side = SparseNonNegNorm{S: 30, Omega: 1} // the bisection selection path
		if a := testing.AllocsPerRun(50, func() {
			ProjectConsensus(dst, copies, side)
			ProjectConsensus(dst, copies, side2)
		}); a != 0 {
			t.Errorf("%s: %v allocations", set.name, a)
		}
	}
}
