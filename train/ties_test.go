package train

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// Small assertion helpers (the package's tests use plain testing).
func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errHas(t testing.TB, err error, target error, msg string) {
	t.Helper()
	if err == nil || (target != nil && !errors.Is(err, target)) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %v, want one containing %q", err, msg)
	}
}

func eq(t testing.TB, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func check(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

func mustArch(t testing.TB, h, w, c int, arch string) *Arch {
	t.Helper()
	specs, err := ParseArch(arch)
	noErr(t, err)
	a, err := BuildArch(h, w, c, specs)
	noErr(t, err)
	return a
}

// tiedDist2 is Σ_k ‖copies[k] − v‖² (the Euclidean distance² of a consensus point v, with
// per-entry weights wt when given).
func tiedDist2(copies [][]float64, v, wt []float64) float64 {
	var s float64
	for _, c := range copies {
		for i, ci := range c {
			d := ci - v[i]
			if wt != nil {
				d *= math.Sqrt(wt[i])
			}
			s += d * d
		}
	}
	return s
}

// fromParams scatters kernel parameters (each kernel scaled to norm omega when omega > 0)
// onto the edges.
func fromParams(ti *Ties, par []float64, omega float64) []float64 {
	v := make([]float64, len(ti.Weight))
	if omega > 0 {
		for e, p := range ti.Weight {
			v[e] = par[p] // the mean over each group's edges is par again
		}
		ti.tiedWeights(v, v, make([]float64, ti.WeightParams), 1, omega, nil)
		return v
	}
	for e, p := range ti.Weight {
		v[e] = par[p]
	}
	return v
}

// checkTiesHold asserts that tied edges carry one weight and every node's in-weights have
// norm omega.
func checkTiesHold(t *testing.T, g *Graph, ti *Ties, w []float64, omega float64) {
	t.Helper()
	val := make(map[int]float64)
	for e, p := range ti.Weight {
		if v, ok := val[p]; ok {
			check(t, v == w[e], "edge %d of parameter %d: %v and %v", e, p, v, w[e])
		}
		val[p] = w[e]
	}
	for j := 0; j < g.Nodes(); j++ {
		if g.InStart[j] == g.InStart[j+1] {
			continue
		}
		var s float64
		for _, v := range w[g.InStart[j]:g.InStart[j+1]] {
			s += v * v
		}
		check(t, math.Abs(omega-math.Sqrt(s)) <= 1e-12, "norm of node %d: %v, want %v", j, math.Sqrt(s), omega)
	}
}

// checkNearestTied asserts that no sampled point of the tied set of norm omega is closer to
// the copies than res (in the metric with per-edge weights wt, nil for 1): 300 trials,
// random tied points and small perturbations of res within the set.
func checkNearestTied(t *testing.T, ti *Ties, copies [][]float64, res []float64, omega float64, wt []float64, rng *rand.Rand) {
	t.Helper()
	best := tiedDist2(copies, res, wt)
	par := make([]float64, ti.WeightParams)
	for e, p := range ti.Weight {
		par[p] = res[e]
	}
	for trial := 0; trial < 300; trial++ {
		q := make([]float64, ti.WeightParams)
		for p := range q {
			if trial%2 == 0 {
				q[p] = 2*rng.Float64() - 1
			} else {
				q[p] = par[p] + 0.05*(2*rng.Float64()-1)
			}
		}
		v := fromParams(ti, q, omega)
		checkTiesHold(t, ti.g, ti, v, omega)
		d := tiedDist2(copies, v, wt)
		check(t, d >= best-1e-9, "trial %d is closer: %v < %v", trial, d, best)
	}
}

// The weight consensus with ties (26f, g) satisfies its constraints, and no sampled point of
// the constraint set is closer to the copies: random tied points, and small perturbations
// of the result within the set.
func TestProjectTiedWeights(t *testing.T) {
	for _, arch := range []string{"conv3s1x2,dense3", "conv3s2x3,conv2s1x2,dense4", "conv2x2,dense2,dense3"} {
		t.Run(arch, func(t *testing.T) {
			a := mustArch(t, 7, 7, 2, arch)
			g, ti := a.Graph, a.Ties
			check(t, ti.Tied(), "not tied")
			const K, omega = 4, 1.7
			rng := NewRand(3)
			copies := make([][]float64, K)
			for k := range copies {
				copies[k] = make([]float64, g.Edges())
				for e := range copies[k] {
					copies[k][e] = 2*rng.Float64() - 1 + 0.5*float64(ti.Weight[e]%3)
				}
			}
			res := make([]float64, g.Edges())
			ProjectTiedWeights(res, copies, ti, omega)
			checkTiesHold(t, g, ti, res, omega)
			checkNearestTied(t, ti, copies, res, omega, nil, rng)
		})
	}
}

// The bias consensus with ties (26i) is the nearest point in the metric of eq. (27), where
// node j's bias copies weigh g²(j): tied biases equal, no sampled tied point closer.
func TestProjectTiedBiases(t *testing.T) {
	a := mustArch(t, 6, 6, 1, "conv3s1x3,conv2s2x2,dense3")
	g, ti := a.Graph, a.Ties
	g2 := make([]float64, g.Nodes())
	for j, r := range g.Roles {
		switch r {
		case Hidden:
			g2[j] = float64(g.OutDeg[j]) // differs across a channel: border nodes feed fewer
		case Class:
			g2[j] = 0.7
		}
	}
	const K = 3
	rng := NewRand(4)
	copies := make([][]float64, K)
	for k := range copies {
		copies[k] = make([]float64, g.Nodes())
		for j := range copies[k] {
			if g2[j] != 0 {
				copies[k][j] = 2*rng.Float64() - 1
			}
		}
	}
	res := make([]float64, g.Nodes())
	ProjectTiedBiases(res, copies, g2, ti)
	val := make(map[int]float64)
	for j, p := range ti.Bias {
		if g2[j] == 0 {
			check(t, res[j] == 0, "bias of data node %d: %v", j, res[j])
			continue
		}
		if v, ok := val[p]; ok {
			check(t, v == res[j], "node %d of bias parameter %d: %v and %v", j, p, v, res[j])
		}
		val[p] = res[j]
	}
	check(t, ti.BiasParams < g.Nodes(), "no tied bias")
	best := tiedDist2(copies, res, g2)
	for trial := 0; trial < 300; trial++ {
		// A random tied point, or the result moved by one small shift per parameter.
		q := make([]float64, ti.BiasParams)
		for p := range q {
			q[p] = 2*rng.Float64() - 1
			if trial%2 == 1 {
				q[p] *= 0.05
			}
		}
		v := make([]float64, g.Nodes())
		for j, p := range ti.Bias {
			if g2[j] != 0 {
				v[j] = q[p]
				if trial%2 == 1 {
					v[j] += res[j]
				}
			}
		}
		check(t, tiedDist2(copies, v, g2) >= best-1e-9, "trial %d is closer", trial)
	}
}

// Untied parameters reduce to the plain projections: per-node norm and the per-node mean.
func TestUntiedMatchesPlain(t *testing.T) {
	g := mustLayered(t, 5, 3, 2)
	ti := Untied(g)
	check(t, !ti.Tied(), "untied ties report ties")
	rng := NewRand(9)
	copies := make([][]float64, 3)
	for k := range copies {
		copies[k] = make([]float64, g.Edges())
		for e := range copies[k] {
			copies[k][e] = rng.NormFloat64()
		}
	}
	got, want := make([]float64, g.Edges()), make([]float64, g.Edges())
	ProjectTiedWeights(got, copies, ti, 2)
	for j := 0; j < g.Nodes(); j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		cs := make([][]float64, len(copies))
		for k := range cs {
			cs[k] = copies[k][lo:hi]
		}
		ProjectConsensus(want[lo:hi], cs, Norm{Omega: 2})
	}
	for e := range want {
		check(t, math.Abs(want[e]-got[e]) <= 1e-12, "edge %d: %v, want %v", e, got[e], want[e])
	}
}

func TestNewTiesRejects(t *testing.T) {
	// data 0..3, hidden 4, 5 (each with in-edges from 0..1 / 2..3), class 6, 7.
	g, err := NewGraph([]Role{Data, Data, Data, Data, Hidden, Hidden, Class, Class},
		[]Edge{{0, 4}, {1, 4}, {2, 5}, {3, 5}, {4, 6}, {5, 6}, {4, 7}, {5, 7}})
	noErr(t, err)
	bias := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name   string
		weight []int
		bias   []int
		msg    string
	}{
		{"repeated parameter in a node", []int{0, 0, 1, 2, 3, 4, 5, 6}, bias, "two in-edges"},
		{"mixed kernels", []int{0, 1, 1, 2, 3, 4, 5, 6}, bias, "mixes the kernels"},
		{"gap in the parameters", []int{0, 1, 0, 1, 3, 4, 5, 6}, bias, "no edge"},
		{"out of range", []int{0, 1, 0, 1, 2, 3, 4, 99}, bias, "outside"},
		{"wrong length", []int{0, 1}, bias, "ties for"},
		{"bias gap", []int{0, 1, 0, 1, 2, 3, 4, 5}, []int{0, 1, 2, 3, 5, 5, 6, 7}, "no node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewTies(g, tc.weight, tc.bias)
			errHas(t, err, ErrGraph, tc.msg)
		})
	}
	ti, err := NewTies(g, []int{0, 1, 0, 1, 2, 3, 4, 5}, []int{0, 1, 2, 3, 4, 4, 5, 6})
	noErr(t, err)
	check(t, ti.Tied(), "not tied")
	check(t, ti.Multiplicity(0) == 2, "multiplicity %d", ti.Multiplicity(0))
}

func TestParseArch(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []LayerSpec
		err  string
	}{
		{"conv5s2x8,conv5s2x16,dense10", []LayerSpec{{5, 2, 8}, {5, 2, 16}, {0, 0, 10}}, ""},
		{"conv3x4, dense20 ,dense2", []LayerSpec{{3, 1, 4}, {0, 0, 20}, {0, 0, 2}}, ""},
		{"dense10", []LayerSpec{{0, 0, 10}}, ""},
		{"conv5s2x8", nil, "must be dense"},
		{"dense20,conv3x4,dense10", nil, "after a dense layer"},
		{"conv5s0x8,dense10", nil, "not convKsSxC"},
		{"conv5s2,dense10", nil, "not convKsSxC"},
		{"pool2,dense10", nil, "not convKsSxC"},
		{"dense0", nil, "not convKsSxC"},
		{"", nil, "not convKsSxC"},
	} {
		got, err := ParseArch(tc.in)
		if tc.err != "" {
			errHas(t, err, nil, tc.err)
			continue
		}
		noErr(t, err)
		check(t, reflect.DeepEqual(tc.want, got), "%q: %v, want %v", tc.in, got, tc.want)
	}
	check(t, LayerSpec{3, 1, 4}.String() == "conv3s1x4", "%v", LayerSpec{3, 1, 4})
}

// The network: 28×28×1 → conv5s2x8 → conv5s2x16 → dense10, with the first
// convolution cropped from 12×12 to the 11×11 that the second reads.
func TestBuildArchMNIST(t *testing.T) {
	a := mustArch(t, 28, 28, 1, "conv5s2x8,conv5s2x16,dense10")
	eq(t, a.Sizes, []int{784, 11 * 11 * 8, 4 * 4 * 16, 10})
	check(t, len(a.Conv) == 2, "%d convolutions", len(a.Conv))
	eq(t, a.Conv[0], ConvLayer{InH: 28, InW: 28, InC: 1, Kernel: 5, Stride: 2, OutH: 11, OutW: 11, OutC: 8, In: 0, Out: 784, Edge: 0})
	c2 := a.Conv[1]
	eq(t, [3]int{c2.InH, c2.InW, c2.InC}, [3]int{11, 11, 8})
	eq(t, [3]int{c2.OutH, c2.OutW, c2.OutC}, [3]int{4, 4, 16})
	g := a.Graph
	eq(t, g.Edges(), 968*25+256*200+10*256)
	eq(t, a.Ties.WeightParams, 8*25+16*200+10*256)
	eq(t, a.Ties.BiasParams, 784+8+16+10)
	for j, r := range g.Roles {
		if r == Hidden {
			check(t, g.OutDeg[j] > 0, "hidden node %d has no out-edges", j)
		}
	}
	// Output node (y 2, x 3, channel 5) of the second convolution reads input (4+dy, 6+dx, c).
	j := c2.Out + (2*4+3)*16 + 5
	e := g.InStart[j]
	eq(t, e, c2.Edge+(2*4+3)*16*200+5*200)
	eq(t, g.Src[e], c2.In+(4*11+6)*8)
	eq(t, g.Src[g.InStart[j+1]-1], c2.In+((4+4)*11+6+4)*8+7)
	eq(t, a.String(), "28×28×1 → conv5s2x8 11×11×8 → conv5s2x16 4×4×16 → 10")
	_, err := NewNetwork(g, NetworkConfig{Ties: a.Ties}, NewRand(1))
	noErr(t, err)
}

func TestBuildArchErrors(t *testing.T) {
	for _, tc := range []struct {
		h, w, c int
		specs   []LayerSpec
		msg     string
	}{
		{5, 5, 1, []LayerSpec{{7, 1, 2}, {0, 0, 2}}, "kernel larger"},
		{5, 5, 1, []LayerSpec{{3, 1, 2}}, "class layer must be dense"},
		{5, 5, 1, []LayerSpec{{0, 0, 4}, {3, 1, 2}, {0, 0, 2}}, "after a dense layer"},
		{0, 5, 1, []LayerSpec{{0, 0, 2}}, "data of"},
		{28, 28, 1, []LayerSpec{{0, 0, 1 << 20}, {0, 0, 1 << 20}, {0, 0, 10}}, "more than"},
		{28, 28, 1, []LayerSpec{{1, 1, 1 << 25}, {0, 0, 10}}, "more than"},
	} {
		_, err := BuildArch(tc.h, tc.w, tc.c, tc.specs)
		errHas(t, err, ErrGraph, tc.msg)
	}
}

// The fused iteration of a tied network gives the plain iteration's iterates (eqs. 26 with
// the tied consensus of Ties), to 1e-12, with tied weights and biases after every step.
func TestTiedNetworkIterateMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		arch    string
		workers int
		rule    ClassRule
		act     Activation
		iters   int
		side    int // input side (0: 6)
	}{
		{"conv-conv-dense one worker", "conv3s1x2,conv2s2x2,dense3", 1, ClassRule{Margin: 0.3}, ReLU{}, 24, 0},
		{"conv-dense-dense two workers exempt", "conv3s2x3,dense4,dense3", 2, ClassRule{Margin: 0.3, Mode: ClassExempt, Count: 1}, ReLU{}, 24, 0},
		// The fused and plain sums over a tie group's items and edges round differently, and
		// on this problem the difference grows to 1.2e-12 by iteration 13.
		{"conv step relabel", "conv2x2,dense3", 2, ClassRule{Margin: 0.3, Mode: ClassRelabel, Count: 2}, Step{Delta: 0.3}, 12, 0},
		{"conv zigmoid", "conv3s1x2,dense3", 1, ClassRule{Margin: 0.3}, Zigmoid{Delta: 0.3}, 24, 0},
		// A second convolution of 5×5×4 = 100 in-edges: gathered rows above tiledBelow.
		{"wide gathered rows", "conv5s1x4,conv5s1x2,dense3", 2, ClassRule{Margin: 0.3, Mode: ClassExempt, Count: 1}, ReLU{}, 24, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			side := cmp.Or(tc.side, 6)
			a := mustArch(t, side, side, 1, tc.arch)
			g := a.Graph
			n, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Upsilon: 0.7, Activation: tc.act, Class: tc.rule, Workers: tc.workers, Ties: a.Ties}, NewRand(5))
			noErr(t, err)
			defer n.Close()
			checkTiesHold(t, g, a.Ties, n.Weights(), 1.5)
			const k = 7
			d, labels := randomBatch(k, side*side, 3, 11)
			noErr(t, n.SetBatch(d, labels, k))
			z := n.State()
			rng := NewRand(13)
			KE := k * g.Edges()
			for i := range z {
				if i >= 2*KE && (i-2*KE)%g.Nodes() < side*side {
					continue
				}
				z[i] += 0.3 * (2*rng.Float64() - 1)
			}
			n.setState(z)
			checkAgainstReference(t, n, NewReference(n.Problem(), n.State(), 1), 0.8, tc.iters)
			checkTiesHold(t, g, a.Ties, n.Weights(), 1.5)
			b := n.Biases()
			for j, p := range a.Ties.Bias {
				for i, q := range a.Ties.Bias[:j] {
					if p == q && g.Roles[j] != Data {
						check(t, b[i] == b[j], "tied biases of nodes %d and %d: %v and %v", i, j, b[i], b[j])
					}
				}
			}
		})
	}
}

// BenchmarkConvIterate reports the time per weight-multiply of one fused iteration of the
// issue's convolutional network (gathered rows of 25 and 200 in-edges) on random data.
func BenchmarkConvIterate(b *testing.B) {
	for _, bc := range []struct {
		name, arch string
		k, parts   int
		metric     []float64 // per layer (docs/experiments/conv-classifier.md: repro mnist-conv's default); nil: none
	}{
		{"28x28-conv5s2x8-conv5s2x16-dense10/K1000/2w", "conv5s2x8,conv5s2x16,dense10", 1000, 2, nil},
		{"28x28-conv5s2x8-conv5s2x16-dense10/K1000/1w", "conv5s2x8,conv5s2x16,dense10", 1000, 1, nil},
		{"28x28-conv5s2x8-conv5s2x16-dense10/K1000/2w/wmetric", "conv5s2x8,conv5s2x16,dense10", 1000, 2, []float64{0.1, 0.1, 1}},
		{"28x28-conv5s2x8-conv5s2x16-dense10/K100/1w/wmetric", "conv5s2x8,conv5s2x16,dense10", 100, 1, []float64{0.1, 0.1, 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := mustArch(b, 28, 28, 1, bc.arch)
			var m []float64
			if bc.metric != nil {
				var err error
				if m, err = a.WeightMetric(bc.metric); err != nil {
					b.Fatal(err)
				}
			}
			n, err := NewNetwork(a.Graph, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.7, Mode: ClassExempt, Count: 5}, Workers: bc.parts, Ties: a.Ties, WeightMetric: m}, NewRand(1))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			d, l := randomBatch(bc.k, 784, 10, 2)
			if err := n.SetBatch(d, l, bc.k); err != nil {
				b.Fatal(err)
			}
			benchWM(b, n)
		})
	}
}

// GapByNode splits the next iteration's RRR_err² over the nodes and variables.
func TestGapByNode(t *testing.T) {
	a := mustArch(t, 6, 6, 1, "conv3s1x2,dense3")
	n, err := NewNetwork(a.Graph, NetworkConfig{Omega: 1.5, Class: ClassRule{Margin: 0.3}, Ties: a.Ties, Workers: 1}, NewRand(5))
	noErr(t, err)
	defer n.Close()
	const k = 7
	d, labels := randomBatch(k, 36, 3, 11)
	noErr(t, n.SetBatch(d, labels, k))
	for range 5 {
		n.Iterate(1)
	}
	N := a.Graph.Nodes()
	x, w, y, b := make([]float64, N), make([]float64, N), make([]float64, N), make([]float64, N)
	n.GapByNode(x, w, y, b)
	var s float64
	for j := range x {
		s += x[j] + w[j] + y[j] + b[j]
	}
	next := n.Iterate(1)
	check(t, math.Abs(math.Sqrt(s/k)-next) <= 1e-9*next, "gap %v, next RRR_err %v", math.Sqrt(s/k), next)
}
