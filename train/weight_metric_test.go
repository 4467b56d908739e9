package train

import (
	"math"
	"testing"
)

// The bilinear projection (26h) in the metric ‖x′−x‖² + γ²‖w′−w‖² + g²(y′−y)² is appendix
// B's projection of (x, γw, y) with Ω(j) = γΩ, mapped back (w′ = w̃′/γ): the result
// satisfies x′·w′ = Ω y′, and no sampled point of that set is closer in the weighted metric.
func TestWeightMetricBilinearProjection(t *testing.T) {
	rng := NewRand(3)
	const n = 6
	for _, gamma2 := range []float64{0.01, 0.1, 0.5, 1, 4} {
		for trial := range 20 {
			omega, g2 := 0.5+2*rng.Float64(), 0.2+5*rng.Float64()
			x, w := randVec(rng, n, 1), randVec(rng, n, 1)
			y := 2 * (2*rng.Float64() - 1)
			gamma := math.Sqrt(gamma2)
			xp, wp := append([]float64(nil), x...), make([]float64, n)
			for i := range w {
				wp[i] = gamma * w[i]
			}
			yp := ProjectBilinear(xp, wp, y, gamma*omega, g2)
			for i := range wp {
				wp[i] /= gamma
			}
			var dot float64
			for i := range xp {
				dot += xp[i] * wp[i]
			}
			check(t, math.Abs(dot-omega*yp) <= 1e-9*(1+math.Abs(dot)), "γ² %v trial %d: x′·w′ = %v, Ω y′ = %v", gamma2, trial, dot, omega*yp)
			dist := func(a, b []float64, c float64) float64 {
				var s float64
				for i := range a {
					s += (a[i]-x[i])*(a[i]-x[i]) + gamma2*(b[i]-w[i])*(b[i]-w[i])
				}
				return s + g2*(c-y)*(c-y)
			}
			best := dist(xp, wp, yp)
			for range 200 {
				// A point of the set near the result (or anywhere): x, w free, y = x·w/Ω.
				s := 0.3 * rng.Float64()
				if rng.IntN(4) == 0 {
					s = 3
				}
				a, b := make([]float64, n), make([]float64, n)
				var d float64
				for i := range a {
					a[i] = xp[i] + s*(2*rng.Float64()-1)
					b[i] = wp[i] + s*(2*rng.Float64()-1)
					d += a[i] * b[i]
				}
				c := d / omega
				check(t, dist(a, b, c) >= best-1e-12, "γ² %v trial %d: sampled point at %v, projection at %v", gamma2, trial, dist(a, b, c), best)
			}
		}
	}
}

// With a weight metric the fused iteration gives the plain iteration's iterates (the
// projections of eqs. 26 with Ω(j) = γ(j)Ω, in the engine's coordinates) to 1e-12, and the
// model's weights keep norm Ω per node and their ties.
func TestWeightMetricIterateMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		arch    string
		metric  []float64
		workers int
		rule    ClassRule
	}{
		{"conv-conv-dense one worker", "conv3s1x2,conv2s2x2,dense3", []float64{0.05, 0.3, 1}, 1, ClassRule{Margin: 0.3}},
		{"conv-dense-dense two workers exempt", "conv3s2x3,dense4,dense3", []float64{0.2, 2, 0.5}, 2, ClassRule{Margin: 0.3, Mode: ClassExempt, Count: 1}},
		{"dense untied", "dense5,dense3", []float64{0.1, 1}, 2, ClassRule{Margin: 0.3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustArch(t, 6, 6, 1, tc.arch)
			g := a.Graph
			m, err := a.WeightMetric(tc.metric)
			noErr(t, err)
			n, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Upsilon: 0.7, Class: tc.rule, Workers: tc.workers, Ties: a.Ties, WeightMetric: m}, NewRand(5))
			noErr(t, err)
			defer n.Close()
			plain, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Upsilon: 0.7, Class: tc.rule, Workers: tc.workers, Ties: a.Ties}, NewRand(5))
			noErr(t, err)
			defer plain.Close()
			for e, v := range plain.Weights() {
				check(t, n.Weights()[e] == v, "edge %d: initial weight %v, without the metric %v", e, n.Weights()[e], v)
			}
			const k = 7
			d, labels := randomBatch(k, 36, 3, 11)
			noErr(t, n.SetBatch(d, labels, k))
			z := n.State()
			rng := NewRand(13)
			KE := k * g.Edges()
			for i := range z {
				if i >= 2*KE && (i-2*KE)%g.Nodes() < 36 {
					continue
				}
				z[i] += 0.3 * (2*rng.Float64() - 1)
			}
			n.setState(z)
			checkAgainstReference(t, n, NewReference(n.Problem(), n.State(), 1), 0.8, 24)
			checkTiesHold(t, g, a.Ties, n.Weights(), 1.5)
			// The model's weights are the engine's consensus divided by γ.
			for j := 0; j < g.Nodes(); j++ {
				for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
					want := n.wK[e] / math.Sqrt(m[j])
					check(t, math.Abs(n.Weights()[e]-want) <= 1e-12, "edge %d: weight %v, engine %v / γ = %v", e, n.Weights()[e], n.wK[e], want)
				}
			}
		})
	}
}

func TestWeightMetricErrors(t *testing.T) {
	a := mustArch(t, 6, 6, 1, "conv3s1x2,dense3")
	_, err := a.WeightMetric([]float64{1})
	errHas(t, err, ErrSettings, "2 layers")
	_, err = a.WeightMetric([]float64{0, 1})
	errHas(t, err, ErrSettings, "positive")
	m, err := a.WeightMetric([]float64{0.5, 1})
	noErr(t, err)
	_, err = NewNetwork(a.Graph, NetworkConfig{Ties: a.Ties, WeightMetric: m[1:]}, NewRand(1))
	errHas(t, err, ErrSettings, "weight metric for")
	m[40] = 0.25 // a second node of the first convolution's kernels
	_, err = NewNetwork(a.Graph, NetworkConfig{Ties: a.Ties, WeightMetric: m}, NewRand(1))
	errHas(t, err, ErrSettings, "share a tied kernel")
	m[40] = math.Inf(1)
	_, err = NewNetwork(a.Graph, NetworkConfig{Ties: a.Ties, WeightMetric: m}, NewRand(1))
	errHas(t, err, ErrSettings, "positive and finite")
}
