package train

import (
	"fmt"
	"math"
	"testing"
)

// nonLayered is a small graph with skip connections and in-edges from non-consecutive
// nodes, so that the per-node (gather) path of the iteration is used: data 0..3, hidden
// 4..6, classes 7..9.
func nonLayered(t testing.TB) *Graph {
	roles := []Role{Data, Data, Data, Data, Hidden, Hidden, Hidden, Class, Class, Class}
	edges := []Edge{
		{0, 4}, {2, 4}, {3, 4},
		{1, 5}, {3, 5}, {4, 5},
		{0, 6}, {5, 6}, {2, 6}, {1, 6},
		{4, 7}, {6, 7}, {3, 7},
		{5, 8}, {6, 8},
		{4, 9}, {5, 9}, {6, 9}, {0, 9},
	}
	g, err := NewGraph(roles, edges)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustLayered(t testing.TB, sizes ...int) *Graph {
	g, err := Layered(sizes...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// randomBatch returns k items of d values in [0, 1) and labels in [0, classes).
func randomBatch(k, d, classes int, seed uint64) ([]float64, []int) {
	rng := NewRand(seed)
	x := make([]float64, k*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	l := make([]int, k)
	for i := range l {
		l[i] = rng.IntN(classes)
	}
	return x, l
}

// The fused network iteration must produce the same iterates as the plain RRR iteration
// over the projections written straight from eqs. (26). The start is the warm start of a
// random model plus a random perturbation of every variable, so that every projection is
// active (hidden nodes on both ReLU pieces, class constraints violated). Each case runs with
// the engine's choice of layout per block, and with every block in the rows and in the tiled
// layout; batch sizes that are not multiples of four exercise the padding lanes.
func TestNetworkIterateMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		g       func(testing.TB) *Graph
		k       int
		workers int
		act     Activation
		rule    ClassRule
		beta    float64
	}{
		{"layered 8-4-3 one worker", func(t testing.TB) *Graph { return mustLayered(t, 8, 4, 3) }, 6, 1, ReLU{}, ClassRule{Margin: 0.3}, 1},
		{"layered 4-8-5-2 two workers", func(t testing.TB) *Graph { return mustLayered(t, 4, 8, 5, 2) }, 7, 2, ReLU{}, ClassRule{Margin: 0.2}, 0.7},
		{"layered 13-6-3 three workers exempt", func(t testing.TB) *Graph { return mustLayered(t, 13, 6, 3) }, 10, 3, ReLU{}, ClassRule{Margin: 0.3, Mode: ClassExempt, Count: 2}, 1},
		{"layered relabel", func(t testing.TB) *Graph { return mustLayered(t, 8, 5, 4) }, 9, 2, ReLU{}, ClassRule{Margin: 0.3, Mode: ClassRelabel, Count: 3}, 1},
		{"layered false positives", func(t testing.TB) *Graph { return mustLayered(t, 8, 4, 2) }, 9, 2, ReLU{}, ClassRule{Margin: 0.2, Mode: ClassFalsePositive, Count: 2}, 1},
		{"layered step", func(t testing.TB) *Graph { return mustLayered(t, 8, 4, 3) }, 6, 2, Step{Delta: 0.3}, ClassRule{Margin: 0.3}, 0.5},
		{"layered zigmoid", func(t testing.TB) *Graph { return mustLayered(t, 8, 4, 3) }, 6, 1, Zigmoid{Delta: 0.3}, ClassRule{Margin: 0.3}, 1},
		{"non-layered", nonLayered, 5, 1, ReLU{}, ClassRule{Margin: 0.3}, 1},
		{"non-layered two workers exempt", nonLayered, 8, 2, ReLU{}, ClassRule{Margin: 0.3, Mode: ClassExempt, Count: 1}, 0.8},
		// 700×13 in-edges exceed blockEdges: the layer is swept in blocks.
		{"layered 700-13-3 split blocks", func(t testing.TB) *Graph { return mustLayered(t, 700, 13, 3) }, 3, 2, ReLU{}, ClassRule{Margin: 0.3}, 1},
	} {
		for _, layout := range []struct {
			name  string
			below int
		}{{"", tiledBelow}, {" rows layout", 0}, {" tiled layout", 1 << 30}} {
			t.Run(tc.name+layout.name, func(t *testing.T) {
				defer func(v int) { tiledBelow = v }(tiledBelow)
				tiledBelow = layout.below
				testNetworkAgainstReference(t, tc.g(t), tc.k, tc.workers, tc.act, tc.rule, tc.beta)
			})
		}
	}
}

// testNetworkAgainstReference runs the fused iteration of a network on g beside the plain
// one from a perturbed warm start, for 24 iterations.
func testNetworkAgainstReference(t *testing.T, g *Graph, k, workers int, act Activation, rule ClassRule, beta float64) {
	n, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Upsilon: 0.7, Activation: act, Class: rule, Workers: workers}, NewRand(5))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	C := len(g.NodesOf(Class))
	d, labels := randomBatch(k, len(g.NodesOf(Data)), C, 11)
	if err := n.SetBatch(d, labels, k); err != nil {
		t.Fatal(err)
	}
	z := n.State()
	rng := NewRand(13)
	KE := k * g.Edges()
	for i := range z {
		if i >= 2*KE && (i-2*KE)%g.Nodes() < len(g.NodesOf(Data)) {
			continue // y and b of data nodes are not variables
		}
		z[i] += 0.3 * (2*rng.Float64() - 1)
	}
	n.setState(z)
	checkAgainstReference(t, n, NewReference(n.Problem(), n.State(), 1), beta, 24)
}

// The warm start (section 5.4) satisfies every constraint of B, and every constraint of A
// except the class constraints: P_A moves only the class nodes' y and b, P_B nothing.
func TestNetworkWarmStartInA(t *testing.T) {
	g := mustLayered(t, 6, 5, 3)
	n, err := NewNetwork(g, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0}}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	d, _ := randomBatch(4, 6, 3, 2)
	pred := make([]int, 4)
	n.Predict(pred, d, 4)
	if err := n.SetBatch(d, pred, 4); err != nil {
		t.Fatal(err)
	}
	z := n.State()
	pa := make([]float64, len(z))
	p := n.Problem()
	p.ProjectA(pa, z)
	N := g.Nodes()
	KE := 4 * g.Edges()
	for i := range z {
		node := -1
		if i >= 2*KE {
			node = (i - 2*KE) % N
		}
		if node >= 0 && g.Roles[node] == Class {
			continue
		}
		if math.Abs(pa[i]-z[i]) > 1e-12 {
			t.Fatalf("warm start not in A (other than class constraints) at %d: %v vs %v", i, z[i], pa[i])
		}
	}
	pb := make([]float64, len(z))
	p.ProjectB(pb, z)
	for i := range z {
		if math.Abs(pb[i]-z[i]) > 1e-12 {
			t.Fatalf("warm start not in B at %d: %v vs %v", i, z[i], pb[i])
		}
	}
}

func TestNetworkIterateDoesNotAllocate(t *testing.T) {
	for _, g := range []*Graph{mustLayered(t, 16, 8, 4), nonLayered(t)} {
		n, err := NewNetwork(g, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.2, Mode: ClassRelabel, Count: 2}, Workers: 2}, NewRand(1))
		if err != nil {
			t.Fatal(err)
		}
		d, l := randomBatch(20, len(g.NodesOf(Data)), len(g.NodesOf(Class)), 3)
		if err := n.SetBatch(d, l, 20); err != nil {
			t.Fatal(err)
		}
		n.Iterate(1)
		if a := testing.AllocsPerRun(20, func() { n.Iterate(1) }); a != 0 {
			t.Errorf("%d nodes: Iterate allocates %v times", g.Nodes(), a)
		}
		n.Close()
	}
}

// A fixed worker count gives bit-identical runs.
func TestNetworkReproducible(t *testing.T) {
	run := func() []float64 {
		g := mustLayered(t, 12, 8, 3)
		n, err := NewNetwork(g, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.2}, Workers: 3}, NewRand(9))
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		d, l := randomBatch(31, 12, 3, 4)
		if err := n.SetBatch(d, l, 31); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			n.Iterate(1)
		}
		return n.State()
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("z[%d] differs between runs: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles []Role
		edges []Edge
	}{
		{"edge into data", []Role{Data, Class}, []Edge{{1, 0}}},
		{"out of range", []Role{Data, Class}, []Edge{{0, 2}}},
		{"self loop", []Role{Data, Hidden}, []Edge{{1, 1}}},
		{"repeated", []Role{Data, Class}, []Edge{{0, 1}, {0, 1}}},
	} {
		if _, err := NewGraph(tc.roles, tc.edges); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := Layered(3); err == nil {
		t.Error("one layer: no error")
	}
	// A hidden node without outputs, and a cycle, are rejected by NewNetwork.
	g, _ := NewGraph([]Role{Data, Hidden, Class, Class}, []Edge{{0, 1}, {0, 2}, {0, 3}})
	if _, err := NewNetwork(g, NetworkConfig{}, NewRand(1)); err == nil {
		t.Error("hidden node without out-edges: no error")
	}
	g, _ = NewGraph([]Role{Data, Hidden, Hidden, Class, Class}, []Edge{{0, 1}, {2, 1}, {1, 2}, {2, 3}, {2, 4}})
	if _, err := NewNetwork(g, NetworkConfig{}, NewRand(1)); err == nil {
		t.Error("cycle: no error")
	}
}

func TestLayeredBlocks(t *testing.T) {
	g := mustLayered(t, 5, 4, 3)
	n, err := NewNetwork(g, NetworkConfig{}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if len(n.blocks) != 2 || n.blocks[0].gather || n.blocks[1].gather || n.blocks[0].j1-n.blocks[0].j0 != 4 || n.blocks[1].c != 4 ||
		!n.blocks[0].tiled || !n.blocks[1].tiled {
		t.Fatalf("layered 5-4-3 blocks: %+v; want two tiled blocks (fan-in below tiledBelow)", n.blocks)
	}
	// A layer wider than blockEdges is swept in blocks that each fit a core's cache.
	wide, err := NewNetwork(mustLayered(t, 700, 13, 3), NetworkConfig{}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	// blockRows(700) = 8 rows (5600 in-edges), then the layer's other 5, in rows; then the
	// class layer of fan-in 13, tiled.
	if bs := wide.blocks; len(bs) != 3 || bs[0].c != 700 || bs[0].j1-bs[0].j0 != 8 || bs[0].tiled ||
		bs[1].c != 700 || bs[1].j0 != bs[0].j1 || bs[1].j1-bs[1].j0 != 5 || bs[1].tiled || bs[2].c != 13 || !bs[2].tiled {
		t.Fatalf("layered 700-13-3 blocks: %+v", wide.blocks)
	}
	// Gathered rows of equal fan-in and g² share a tiled block, each row with its own sources:
	// nonLayered's hidden nodes 4 and 5 (3 in-edges, out-degree 3 each).
	nl, err := NewNetwork(nonLayered(t), NetworkConfig{}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	if bl := nl.blocks[0]; !bl.gather || !bl.tiled || bl.j0 != 4 || bl.j1 != 6 || bl.c != 3 {
		t.Fatalf("non-layered first block %+v, want gathered tiled rows 4, 5 of fan-in 3", bl)
	}
	for j := 5; j < 12; j++ {
		w := n.Weights()[g.InStart[j]:g.InStart[j+1]]
		var s, s2 float64
		for _, v := range w {
			s += v
			s2 += v * v
		}
		if math.Abs(s) > 1e-12 || math.Abs(math.Sqrt(s2)-1) > 1e-12 {
			t.Errorf("node %d initial in-weights: sum %v, norm %v; want 0 and Ω", j, s, math.Sqrt(s2))
		}
	}
}

// BenchmarkNetworkIterate reports the time per weight-multiply of one fused iteration.
func BenchmarkNetworkIterate(b *testing.B) {
	for _, bc := range []struct {
		name  string
		sizes []int
		k     int
		parts int
	}{
		{"784-20-10/K1000/2w", []int{784, 20, 10}, 1000, 2},
		{"784-20-10/K1000/1w", []int{784, 20, 10}, 1000, 1},
		{"13-26-26-2/K128/2w", []int{13, 26, 26, 2}, 128, 2},
		{"13-26-26-2/K128/1w", []int{13, 26, 26, 2}, 128, 1},
		{"16-8-4/K64/1w", []int{16, 8, 4}, 64, 1},
		{"10-50-50-50-2/K500/2w", []int{10, 50, 50, 50, 2}, 500, 2}, // the generator's filter
		{"10-50-50-50-2/K500/1w", []int{10, 50, 50, 50, 2}, 500, 1},
		{"10-50-50-50-2/K128/2w", []int{10, 50, 50, 50, 2}, 128, 2}, // its x and w in the caches
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := mustLayered(b, bc.sizes...)
			n, err := NewNetwork(g, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.7, Mode: ClassExempt, Count: 5}, Workers: bc.parts}, NewRand(1))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			d, l := randomBatch(bc.k, bc.sizes[0], bc.sizes[len(bc.sizes)-1], 2)
			if err := n.SetBatch(d, l, bc.k); err != nil {
				b.Fatal(err)
			}
			benchWM(b, n)
		})
	}
}

// BenchmarkLayoutCrossover times a layer of fan-in c (c→32→2, batch 128, one worker) in
// the rows layout and in the tiled layout, to place tiledBelow.
func BenchmarkLayoutCrossover(b *testing.B) {
	for _, c := range []int{8, 16, 32, 64, 128, 256, 784} {
		for _, layout := range []struct {
			name  string
			below int
		}{{"rows", 0}, {"tiled", 1 << 30}} {
			b.Run(fmt.Sprintf("c%d/%s", c, layout.name), func(b *testing.B) {
				defer func(v int) { tiledBelow = v }(tiledBelow)
				tiledBelow = layout.below
				g := mustLayered(b, c, 32, 2)
				n, err := NewNetwork(g, NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.7}, Workers: 1}, NewRand(1))
				if err != nil {
					b.Fatal(err)
				}
				defer n.Close()
				d, l := randomBatch(128, c, 2, 2)
				if err := n.SetBatch(d, l, 128); err != nil {
					b.Fatal(err)
				}
				benchWM(b, n)
			})
		}
	}
}

// cyclicGather is a small autoencoder graph whose in-edges are not contiguous runs, so the
// gather path of the iteration is used: data 0..2, hidden 3, 4, code 5, 6.
func cyclicGather(t testing.TB) *Graph {
	roles := []Role{Data, Data, Data, Hidden, Hidden, Code, Code}
	edges := []Edge{
		{0, 3}, {2, 3},
		{1, 4}, {3, 4},
		{3, 5}, {4, 5},
		{4, 6}, {0, 6},
		{5, 0}, {6, 0},
		{6, 1}, {5, 1},
		{5, 2},
	}
	g, err := NewGraph(roles, edges)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustAutoencoder(t testing.TB, code int, sizes ...int) *Graph {
	g, err := LayeredAutoencoder(code, sizes...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// autoBatch is kd random data items in [0, 1] (some exactly 0 or 1) and kc binary codes.
func autoBatch(g *Graph, kd, kc int, seed uint64) (d, c []float64) {
	rng := NewRand(seed)
	d = make([]float64, kd*len(g.NodesOf(Data)))
	for i := range d {
		switch rng.IntN(3) {
		case 0:
			d[i] = rng.Float64()
		case 1:
			d[i] = 1
		}
	}
	c = make([]float64, kc*len(g.NodesOf(Code)))
	for i := range c {
		c[i] = float64(rng.IntN(2))
	}
	return d, c
}

// The fused autoencoder iteration (constraints 38a–i) must produce the same iterates as the
// plain RRR iteration over the projections written straight from eqs. (38), from a perturbed
// warm start on a cyclic network with data and code items, for 24 iterations (was 6): both use one
// root finder (bilinearRoots, solveBilinear), accurate next to the poles. The comparison
// stops early only where the problem itself is ill-conditioned: a bilinear root within
// 1e-3 of a pole (x ≈ ±w) amplifies the last-bit rounding of either iteration by 1/(1−|u|),
// past 1e-12, whatever the solver; every case must compare at least 8 iterations.
func TestAutoencoderIterateMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		g       func(testing.TB) *Graph
		kd, kc  int
		workers int
		act     Activation
		beta    float64
	}{
		{"layered 6-3-2-3 step", func(t testing.TB) *Graph { return mustAutoencoder(t, 2, 6, 3, 2, 3) }, 5, 4, 1, Step{Delta: 0.3}, 0.5},
		{"layered 6-3-2-3 zigmoid two workers", func(t testing.TB) *Graph { return mustAutoencoder(t, 2, 6, 3, 2, 3) }, 6, 3, 2, Zigmoid{Delta: 0.4}, 1},
		{"binary 8-3 step three workers", func(t testing.TB) *Graph { return mustAutoencoder(t, 1, 8, 3) }, 8, 8, 3, Step{Delta: 0.4}, 0.5},
		{"layered relu", func(t testing.TB) *Graph { return mustAutoencoder(t, 1, 5, 3, 4) }, 4, 2, 2, ReLU{}, 0.8},
		{"gather zigmoid", cyclicGather, 4, 3, 2, Zigmoid{Delta: 0.3}, 1},
		{"gather step data only", cyclicGather, 5, 0, 1, Step{Delta: 0.3}, 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g(t)
			n, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Activation: tc.act, Workers: tc.workers}, NewRand(5))
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			d, c := autoBatch(g, tc.kd, tc.kc, 11)
			if err := n.SetAutoBatch(d, tc.kd, c, tc.kc); err != nil {
				t.Fatal(err)
			}
			z := n.State()
			rng := NewRand(13)
			for i := range z {
				z[i] += 0.3 * (2*rng.Float64() - 1)
			}
			n.setState(z)
			ref := NewReference(n.Problem(), n.State(), 1)
			for it := 1; it <= 24; it++ {
				ef, er := n.Iterate(tc.beta), ref.Iterate(tc.beta)
				if nearPole(n.u) {
					if it <= 8 {
						t.Fatalf("a root within 1e-3 of a pole at iteration %d: pick a better-conditioned case", it)
					}
					t.Logf("stopped at iteration %d: a root within 1e-3 of a pole", it)
					break
				}
				compareIterates(t, it, n.State(), ref.Z, ef, er)
			}
		})
	}
}

// nearPole reports whether a root u of the last iteration is within 1e-3 of ±1.
func nearPole(u []float64) bool {
	for _, v := range u {
		if math.Abs(v) > 1-1e-3 {
			return true
		}
	}
	return false
}

// The feed-around warm start satisfies B, and A except (38d) at the fixed nodes: P_A moves
// only the y and b of data nodes of data items and code nodes of code items. The round-trip
// errors are the per-item RMS of f(y − b_B) − x over the fixed nodes.
func TestAutoencoderWarmStart(t *testing.T) {
	// (The step's forward value need not lie in its gapped set, so it is not used here.)
	for _, act := range []Activation{ReLU{}, Zigmoid{Delta: 0.4}} {
		g := mustAutoencoder(t, 2, 6, 4, 3, 4)
		n, err := NewNetwork(g, NetworkConfig{Omega: 2, Activation: act, Workers: 2}, NewRand(1))
		if err != nil {
			t.Fatal(err)
		}
		kd, kc := 5, 4
		d, c := autoBatch(g, kd, kc, 2)
		if err := n.SetAutoBatch(d, kd, c, kc); err != nil {
			t.Fatal(err)
		}
		z := n.State()
		p := n.Problem()
		pa, pb := make([]float64, len(z)), make([]float64, len(z))
		p.ProjectA(pa, z)
		p.ProjectB(pb, z)
		N, KE := g.Nodes(), n.K*g.Edges()
		for i := range z {
			if math.Abs(pb[i]-z[i]) > 1e-12 {
				t.Fatalf("%T: warm start not in B at %d: %v vs %v", act, i, z[i], pb[i])
			}
			if i >= 2*KE {
				k, j := (i-2*KE)%(n.K*N)/N, (i-2*KE)%N
				if (k < kd && g.Roles[j] == Data) || (k >= kd && g.Roles[j] == Code) {
					continue
				}
			}
			if math.Abs(pa[i]-z[i]) > 1e-12 {
				t.Fatalf("%T: warm start not in A at %d: %v vs %v", act, i, z[i], pa[i])
			}
		}
		var de, ce float64
		for k := 0; k < n.K; k++ {
			var fixed []int
			var vals []float64
			if k < kd {
				fixed, vals = n.data, d[k*6:]
			} else {
				fixed, vals = n.codes, c[(k-kd)*3:]
			}
			var s float64
			for col, j := range fixed {
				r := act.Eval(n.y[k*N+j]-n.bB[j]) - vals[col]
				s += r * r
			}
			if k < kd {
				de += math.Sqrt(s/float64(len(fixed))) / float64(kd)
			} else {
				ce += math.Sqrt(s/float64(len(fixed))) / float64(kc)
			}
		}
		if math.Abs(de-n.DataErr()) > 1e-12 || math.Abs(ce-n.CodeErr()) > 1e-12 {
			t.Errorf("%T: data_err, code_err = %v, %v; want %v, %v", act, n.DataErr(), n.CodeErr(), de, ce)
		}
		n.Close()
	}
}

func TestAutoencoderIterateDoesNotAllocate(t *testing.T) {
	g := mustAutoencoder(t, 2, 16, 8, 4, 8)
	n, err := NewNetwork(g, NetworkConfig{Omega: 2, Activation: Zigmoid{Delta: 0.4}, Workers: 2}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	d, c := autoBatch(g, 20, 4, 3)
	if err := n.SetAutoBatch(d, 20, c, 4); err != nil {
		t.Fatal(err)
	}
	n.Iterate(1)
	if a := testing.AllocsPerRun(20, func() { n.Iterate(1) }); a != 0 {
		t.Errorf("autoencoder Iterate allocates %v times", a)
	}
}

func TestAutoencoderGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  int
		sizes []int
	}{
		{"one layer", 1, []int{4}},
		{"code at data", 0, []int{4, 2}},
		{"code past the end", 2, []int{4, 2}},
		{"empty layer", 1, []int{4, 0}},
	} {
		if _, err := LayeredAutoencoder(tc.code, tc.sizes...); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	// A class node, and a cycle that does not pass through the data nodes, are rejected.
	g, _ := NewGraph([]Role{Data, Code, Class}, []Edge{{0, 1}, {1, 0}, {1, 2}})
	if _, err := NewNetwork(g, NetworkConfig{}, NewRand(1)); err == nil {
		t.Error("class node in an autoencoder: no error")
	}
	g, _ = NewGraph([]Role{Data, Hidden, Hidden, Code}, []Edge{{0, 1}, {2, 1}, {1, 2}, {2, 3}, {3, 0}})
	if _, err := NewNetwork(g, NetworkConfig{}, NewRand(1)); err == nil {
		t.Error("cycle between hidden nodes: no error")
	}
	n, err := NewNetwork(mustAutoencoder(t, 1, 4, 2), NetworkConfig{}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.SetBatch(make([]float64, 4), []int{0}, 1); err == nil {
		t.Error("SetBatch on an autoencoder: no error")
	}
	if err := n.SetAutoBatch(make([]float64, 4), 1, make([]float64, 1), 1); err == nil {
		t.Error("short code batch: no error")
	}
}

// BenchmarkAutoencoderIterate reports the time per weight-multiply of one iteration of the
// MNIST autoencoder of section 6.3.2 (784→200→10→200→784, 200 data items + 20 iDE codes).
func BenchmarkAutoencoderIterate(b *testing.B) {
	for _, parts := range []int{2, 1} {
		b.Run(fmt.Sprintf("784-200-10-200/K220/%dw", parts), func(b *testing.B) {
			g := mustAutoencoder(b, 2, 784, 200, 10, 200)
			n, err := NewNetwork(g, NetworkConfig{Omega: 10, Activation: Zigmoid{Delta: 0.2}, Workers: parts}, NewRand(1))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			rng := NewRand(2)
			d := make([]float64, 200*784)
			for i := range d {
				if rng.IntN(5) == 0 {
					d[i] = rng.Float64()
				}
			}
			if err := n.SetIDEBatch(d, 200, 20, rng); err != nil {
				b.Fatal(err)
			}
			benchWM(b, n)
		})
	}
}

// BenchmarkBinaryEncoderIterate reports the time per weight-multiply of the binary encoder
// of section 6.3.1 at n = 5 (32→5→32, the 32 one-hot data items and the 32 binary codes).
func BenchmarkBinaryEncoderIterate(b *testing.B) {
	for _, parts := range []int{2, 1} {
		b.Run(fmt.Sprintf("32-5-32/K64/%dw", parts), func(b *testing.B) {
			g := mustAutoencoder(b, 1, 32, 5)
			n, err := NewNetwork(g, NetworkConfig{Omega: 100, Activation: Step{Delta: 0.17}, Workers: parts}, NewRand(1))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			d := make([]float64, 32*32)
			for i := 0; i < 32; i++ {
				d[i*32+i] = 1
			}
			if err := n.SetIDEBatch(d, 32, 32, NewRand(2)); err != nil {
				b.Fatal(err)
			}
			benchWM(b, n)
		})
	}
}

// benchWM times n's iterations (β = 1) after three warm-up ones and reports the time per
// weight-multiply and the allocations.
//
// It also reports the process's CPU time per weight-multiply (cpu-ns/WM, all threads): on a
// shared machine wall time includes the time other processes hold the cores, CPU time does
// not, so with one worker it tracks the code's own cost more steadily.
func benchWM(b *testing.B, n Iterator) {
	for range 3 {
		n.Iterate(1)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Iterate(1)
	}
	b.StopTimer()
	work := float64(b.N) * float64(n.Work())
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/work, "ns/WM")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/work, "cpu-ns/WM")
}

// A degenerate bilinear constraint (x = ±w at the reflected point, here both zero, with no
// root in (−1, 1), appendix B) goes through the plain projection's degenerate family in the
// fused iteration too: the iterates equal the reference ones, in both layouts. Hidden node 3
// of a 3→2→2 network gets, in every item, in-weights w = (1, 2, 2) (norm 2Ω, so its
// consensus is w/2 exactly and rw = 0), x = 2d on its in-edges (rx = 0), and y = 5, which
// puts h(1⁻) = c − r below 0.
func TestNetworkDegenerateRootMatchesReference(t *testing.T) {
	for _, below := range []int{0, 1 << 30} {
		t.Run(fmt.Sprintf("tiledBelow=%d", below), func(t *testing.T) {
			defer func(v int) { tiledBelow = v }(tiledBelow)
			tiledBelow = below
			g := mustLayered(t, 3, 2, 2)
			const k = 6
			n, err := NewNetwork(g, NetworkConfig{Omega: 1.5, Class: ClassRule{Margin: 0.3}, Workers: 2}, NewRand(5))
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			d, labels := randomBatch(k, 3, 2, 11)
			if err := n.SetBatch(d, labels, k); err != nil {
				t.Fatal(err)
			}
			z := n.State()
			E, N, KE := g.Edges(), g.Nodes(), k*g.Edges()
			for item := 0; item < k; item++ {
				for i, e := range []int{g.InStart[3], g.InStart[3] + 1, g.InStart[3] + 2} {
					z[item*E+e] = 2 * d[item*3+i]
					z[KE+item*E+e] = []float64{1, 2, 2}[i]
				}
				z[2*KE+item*N+3] = 5
				z[2*KE+k*N+item*N+3] = 0
			}
			n.setState(z)
			ref := NewReference(n.Problem(), n.State(), 1)
			ef, er := n.Iterate(1), ref.Iterate(1)
			degenerate := false
			for _, u := range n.u {
				degenerate = degenerate || math.Abs(u) == 1
			}
			if !degenerate {
				t.Fatal("no degenerate root in the first iteration: the test no longer builds the case")
			}
			compareIterates(t, 1, n.State(), ref.Z, ef, er)
			checkAgainstReference(t, n, ref, 1, 23)
		})
	}
}
