package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/internal/par"
)

// NetworkConfig sets the constants of a network's constraints. An autoencoder (a graph with
// code nodes) uses only Omega, Activation and Workers.
type NetworkConfig struct {
	Omega      float64    // Ω: norm of every node's in-weights (26g) and scale of (26h); 0 means 1
	Upsilon    float64    // Υ: the metric weight g² of class nodes (eq. 31); 0 means 1
	Activation Activation // activation set (26c, 38d) of every non-data non-class node; nil means ReLU
	Class      ClassRule  // class constraints (26d, e) or their interventions (32, 33)
	Workers    int        // parallel parts of one iteration; 0 means GOMAXPROCS
	Ties       *Ties      // weight and bias ties on the graph (weight-tied layers); nil: none
	// Reducer, if it joins several processes, gives this one its share of every batch's
	// items (reducer.go); the run then equals one process's with Workers·Size() parts.
	// nil: one process.
	Reducer Reducer

	// WeightMetric, if set, has one entry per node: the metric weight γ²(j) > 0 of the w
	// copies of node j's in-edges in the distance (27), where the paper weighs every copy 1
	// (nil: 1 everywhere). See Network, "Weight metric"; nodes that share a tied kernel must
	// have the same γ².
	WeightMetric []float64
}

// Network is the RRR state of a classifier (section 5) or an autoencoder (section 6.1) on
// one batch.
//
// The search variables are, for item k of the batch, x[k, e] and w[k, e] on every edge and
// y[k, j] and b[k, j] on every non-data node. y and b are stored item-major, y[k·N + j]
// (the entries of data nodes are unused and stay 0); x and w in the engine's layout of
// tiles of four items, each block of edges in rows or side by side by its fan-in
// (network_layout.go). State returns them item-major, x[k·|E| + e].
//
// Set A (26a–g) is the node consensus of x with the data value (data nodes), the activation
// set (hidden nodes, in the isotropic metric of eqs. 28–30), and the class constraints on
// (y, b) of class nodes; and the item consensus of w with every node's in-weights of norm
// Ω. Set B (26h, i) is x·w = Ω·y for every (item, node), with weight g² on y, and the item
// consensus of b.
//
// An autoencoder's graph has code nodes and a cycle through its data nodes (figure 3c). Its
// batch is K = K_d ∪ K_c: items k < Kd are data items, whose x is fixed at the data nodes
// (38b), the others code items, whose x is fixed at the code nodes (38c). Every other
// (item, node) carries the activation constraint (38d), data and code nodes included, and
// every node has (y, b) with g² = outdeg (eq. 39). At a fixed node P_A sets the x copies to
// the fixed value and moves only y and b, equally and oppositely (Activation.ProjectFixed).
//
// Weight metric. NetworkConfig.WeightMetric weighs the w copies of node j's in-edges by γ²(j)
// in the distance (27). The substitution w̃ = γ(j)·w makes that metric isotropic again and
// changes exactly two constraints, both of node j: the norm (26g) becomes ‖w̃‖ = γ(j)Ω and
// the bilinear constraint (26h) x·w̃ = γ(j)Ω·y. The weighted problem is therefore the
// paper's problem with Ω(j) = γ(j)Ω on node j's two constraints (the same argument as
// section 4.2's for g² in eq. 15), and every projection stays the paper's projection, now
// in the weighted metric: the consensus is still the mean (all copies of a weight carry one
// γ²), the norm projection the scaling, the bilinear projection appendix B's with Ω(j). The
// engine iterates on w̃ (State, Problem and RRR_err are in these coordinates, so RRR_err is
// the weighted distance) and keeps the model's weights w = w̃/γ(j), of norm Ω, in Weights:
// the network computes the same function, y = x·w/Ω. γ² < 1 makes a node's weights more
// compliant than its inputs in the bilinear projection (a larger share of each correction
// goes to w); with a global γ² it is the same as a smaller Ω.
//
// Iterate fuses the projections and the update in two passes over the items: the edge pass
// (reflection, bilinear projection, update of x, w and y, and the sums of the next
// consensus), and after the reduction of the weight and bias sums a node-sized pass that
// updates b and projects the node values of the next iteration to A.
type Network struct {
	g       *Graph
	cfg     NetworkConfig
	act     Activation
	omega   float64
	N, E, K int

	g2      []float64 // metric weight of each node's (y, b): outdeg (hidden), Υ (class)
	blocks  []netBlock
	data    []int          // data nodes, in order: column c of an item's data is node data[c]
	classes []int          // class nodes, in order: class c is node classes[c]
	order   []int          // topological order for the forward pass (from the data nodes)
	eval    *infer.Network // the runtime's forward pass over wA and bB (nil: act not portable)

	auto     bool  // autoencoder: the graph has code nodes
	codes    []int // code nodes, in order: column c of a code item is node codes[c]
	col      []int // N: index of each data node in data and of each code node in codes
	fromCode []int // evaluation order of a code item's feed-around (autoencoder)
	Kd       int   // items k < Kd are data items, the others code items
	wlo, whi int   // items of the running warm pass
	cv       []float64
	itemErr  []float64 // K: per-item RMS round-trip error of the last warm start

	wA []float64 // E: consensus in-weights P_A(w), norm Ω per node (the model's weights)
	// wK is the consensus in the engine's coordinates w̃ = γ·w (norm Ω(j) per node, see Weight
	// metric), which the kernels read; it is wA itself when no node has a weight metric.
	wK     []float64
	omegas []float64 // N: Ω(j) = γ(j)·Ω per node, nil when no node has a weight metric
	bB     []float64 // N: consensus biases b_B of the last iteration (the model's biases)

	d      []float64 // K×D batch data
	labels []int     // K batch labels
	assign []int     // K: class each item's class nodes are projected to (or Exempted)

	x, w       []float64 // K×E
	y, b       []float64 // K×N
	u          []float64 // 4·N per tile: last bilinear roots (starting guesses), block layout
	xA, yA, bA []float64 // K×N: P_A of the node values at the current point
	xsum       []float64 // K×N: sums of x over each node's out-edges
	zc         []float64 // K×C: y − b on class nodes, for the class decision

	assigner classAssigner
	pool     *par.Pool
	pass1    func(part int)
	pass2    func(part int)
	warm     func(part int)
	parts    []netPart
	sh       shard     // the global parts of this process (reducer.go); all of them in one process
	klo, khi int       // items of this process in a distributed run (0, K in one)
	e2       []float64 // distributed: each (item, y run)'s Σ g²Δb² of the node pass, K×len(yRuns)
	beta     float64
	betas    [lanes + 1][lanes]float64 // betas[m]: β on the first m lanes of a tile, 0 on padding
	updB     bool

	eoff, estride []int       // E: each edge's place in a tile's span (network_layout.go)
	yRuns         [][2]int    // runs [lo, hi) of the nodes that have (y, b) (g² ≠ 0)
	runs          [3][][2]int // runs of activation nodes: classifier items; data items; code items
	proj          runProjector

	ties        *Ties     // nil when nothing is tied
	tw, tb, tbw []float64 // tie scratch: weight and bias parameters, bias weights
}

// netBlock is a run of receiving nodes j0 ≤ j < j1 whose in-edges all come from the same c
// consecutive nodes src0.. in order (a layer of a layered graph), with one g²; or, when

// NewNetwork returns a network on g with random initial weights (section 5.4): for every
// node, uniform on (−1, 1) in-weights, centred to zero mean and scaled to norm Ω; biases 0.
// A graph without code nodes is a classifier: acyclic, data nodes without in-edges, at least
// two class nodes. A graph with code nodes is an autoencoder: no class nodes, every node with
// in- and out-edges, and acyclic once the edges into the data (or the code) nodes are cut.
func NewNetwork(g *Graph, cfg NetworkConfig, rng *rand.Rand) (n *Network, err error) {
	if cfg.Omega == 0 {
		cfg.Omega = 1
	}
	if cfg.Upsilon == 0 {
		cfg.Upsilon = 1
	}
	if !(cfg.Omega > 0) || math.IsInf(cfg.Omega, 0) || !(cfg.Upsilon > 0) || math.IsInf(cfg.Upsilon, 0) {
		return nil, fmt.Errorf("%w: Ω = %v and Υ = %v must be positive and finite", ErrSettings, cfg.Omega, cfg.Upsilon)
	}
	if m := cfg.Class.Margin; m < 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return nil, fmt.Errorf("%w: margin Δ = %v, want ≥ 0", ErrSettings, m)
	}
	if cfg.Class.Count < 0 || cfg.Class.Mode > ClassFalsePositive {
		return nil, fmt.Errorf("%w: class rule %v with count %d", ErrSettings, cfg.Class.Mode, cfg.Class.Count)
	}
	if cfg.Activation == nil {
		cfg.Activation = ReLU{}
	}
	n = &Network{g: g, cfg: cfg, act: cfg.Activation, omega: cfg.Omega, N: g.Nodes(), E: g.Edges()}
	n.g2 = make([]float64, n.N)
	n.col = make([]int, n.N)
	n.auto = len(g.NodesOf(Code)) > 0
	for i, r := range g.Roles {
		indeg := g.InStart[i+1] - g.InStart[i]
		switch r {
		case Data, Code:
			if r == Data {
				n.col[i] = len(n.data)
				n.data = append(n.data, i)
			} else {
				n.col[i] = len(n.codes)
				n.codes = append(n.codes, i)
			}
			if !n.auto {
				if indeg != 0 {
					return nil, fmt.Errorf("%w: data node %d has in-edges in a classifier", ErrGraph, i)
				}
				continue
			}
			if g.OutDeg[i] == 0 || indeg == 0 {
				return nil, fmt.Errorf("%w: %v node %d of an autoencoder has in-degree %d and out-degree %d; both must be positive", ErrGraph, r, i, indeg, g.OutDeg[i])
			}
			n.g2[i] = float64(g.OutDeg[i]) // eq. (39)
		case Hidden:
			if g.OutDeg[i] == 0 || indeg == 0 {
				return nil, fmt.Errorf("%w: hidden node %d has in-degree %d and out-degree %d; both must be positive", ErrGraph, i, indeg, g.OutDeg[i])
			}
			n.g2[i] = float64(g.OutDeg[i])
		case Class:
			if n.auto {
				return nil, fmt.Errorf("%w: class node %d in an autoencoder", ErrGraph, i)
			}
			if g.OutDeg[i] != 0 || indeg == 0 {
				return nil, fmt.Errorf("%w: class node %d has in-degree %d and out-degree %d; a class node needs inputs and no outputs", ErrGraph, i, indeg, g.OutDeg[i])
			}
			n.classes = append(n.classes, i)
			n.g2[i] = cfg.Upsilon
		}
	}
	if n.auto {
		if len(n.data) == 0 {
			return nil, fmt.Errorf("%w: an autoencoder needs data nodes", ErrGraph)
		}
		if n.order, err = g.orderFrom(Data); err != nil {
			return nil, err
		}
		if n.fromCode, err = g.orderFrom(Code); err != nil {
			return nil, err
		}
	} else if len(n.data) == 0 || len(n.classes) < 2 {
		return nil, fmt.Errorf("%w: %d data and %d class nodes; need at least 1 and 2", ErrGraph, len(n.data), len(n.classes))
	}
	if cfg.Class.Mode == ClassFalsePositive && len(n.classes) != 2 {
		return nil, fmt.Errorf("%w: the false-positive allowance needs exactly two classes, have %d", ErrSettings, len(n.classes))
	}
	if !n.auto {
		if n.order, err = g.TopoOrder(); err != nil {
			return nil, err
		}
	}
	if m := cfg.WeightMetric; m != nil {
		if len(m) != n.N {
			return nil, fmt.Errorf("%w: weight metric for %d nodes on a graph of %d", ErrSettings, len(m), n.N)
		}
		scaled := false
		for j, v := range m {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: weight metric γ² = %v of node %d, want positive and finite", ErrSettings, v, j)
			}
			scaled = scaled || v != 1
		}
		if scaled {
			n.omegas = make([]float64, n.N)
			for j, v := range m {
				n.omegas[j] = math.Sqrt(v) * cfg.Omega
			}
		}
	}
	n.blocks = makeBlocks(g, n.g2, n.omegas, cfg.Omega)
	n.eoff, n.estride = edgeLayout(n.blocks, n.E)
	n.proj = runProjectorOf(n.act)
	for i, fixed := range []Role{Class, Data, Code} {
		var runs [][2]int
		for j, r := range g.Roles {
			if n.g2[j] == 0 || r == Class || r == fixed {
				continue
			}
			if m := len(runs); m > 0 && runs[m-1][1] == j {
				runs[m-1][1]++
			} else {
				runs = append(runs, [2]int{j, j + 1})
			}
		}
		n.runs[i] = runs
	}
	for j := 0; j < n.N; j++ {
		if n.g2[j] == 0 {
			continue
		}
		if r := len(n.yRuns); r > 0 && n.yRuns[r-1][1] == j {
			n.yRuns[r-1][1]++
		} else {
			n.yRuns = append(n.yRuns, [2]int{j, j + 1})
		}
	}
	maxRows, maxIn, maxSrc := 1, 1, 1
	for _, bl := range n.blocks {
		maxRows = max(maxRows, bl.rows())
		maxIn = max(maxIn, bl.c)
		maxSrc = max(maxSrc, bl.c)
		if bl.gather {
			maxSrc = max(maxSrc, bl.edges())
		}
	}
	n.pool = par.New(cfg.Workers)
	n.pass1, n.pass2, n.warm = n.edgePass, n.nodePass, n.warmPass
	n.parts = make([]netPart, n.pool.Parts())
	n.sh = newShard(cfg.Reducer, len(n.parts))
	for p := range n.parts {
		pt := &n.parts[p]
		pt.wsum, pt.bsum = make([]float64, lanes*n.E), make([]float64, n.N)
		m := lanes * maxRows
		pt.a, pt.b, pt.r, pt.fs, pt.fd = make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
		pt.xa4, pt.xs4 = make([]float64, lanes*maxSrc), make([]float64, lanes*maxSrc)
		pt.rx, pt.rw = make([]float64, maxIn), make([]float64, maxIn)
	}
	n.assigner.rule = cfg.Class
	n.wA = make([]float64, n.E)
	n.bB = make([]float64, n.N)
	defer func() {
		if err == nil {
			n.eval, err = newEvaluator(g, n.act, n.omega, n.wA, n.bB)
		}
	}()
	for j := 0; j < n.N; j++ {
		w := n.wA[g.InStart[j]:g.InStart[j+1]]
		if len(w) == 0 {
			continue
		}
		var mean float64
		for e := range w {
			w[e] = 2*rng.Float64() - 1
			mean += w[e]
		}
		mean /= float64(len(w))
		for e := range w {
			w[e] -= mean
		}
		projectNorm(w, n.omega)
	}
	if err := n.setTies(cfg.Ties); err != nil {
		return nil, err
	}
	if n.ties != nil && n.omegas != nil {
		for j := 0; j < n.N; j++ {
			for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
				r := n.ties.owner[n.ties.Weight[e]]
				if n.omegas[r] != n.omegas[j] {
					return nil, fmt.Errorf("%w: nodes %d and %d share a tied kernel but have weight metrics %v and %v", ErrSettings, r, j, cfg.WeightMetric[r], cfg.WeightMetric[j])
				}
			}
		}
	}
	n.wK = n.wA
	if n.omegas != nil {
		n.wK = make([]float64, n.E)
	}
	if n.ties != nil {
		n.ties.tiedWeights(n.wA, n.wA, n.tw, 1, n.omega, nil)
	}
	n.toEngine()
	return n, nil
}

// toEngine sets the engine's consensus wK = γ·wA from the model's weights (Weight metric).
func (n *Network) toEngine() {
	if n.omegas == nil {
		return
	}
	for j := 0; j < n.N; j++ {
		f := n.omegas[j] / n.omega
		for e := n.g.InStart[j]; e < n.g.InStart[j+1]; e++ {
			n.wK[e] = f * n.wA[e]
		}
	}
}

// fromEngine sets the model's weights wA = wK/γ from the engine's consensus.
func (n *Network) fromEngine() {
	if n.omegas == nil {
		return
	}
	for j := 0; j < n.N; j++ {
		f := n.omega / n.omegas[j]
		for e := n.g.InStart[j]; e < n.g.InStart[j+1]; e++ {
			n.wA[e] = f * n.wK[e]
		}
	}
}

// setWeights replaces the model's weights (already of norm Ω per node, as in a checkpoint).
func (n *Network) setWeights(w []float64) {
	copy(n.wA, w)
	n.toEngine()
}

// Close releases the worker goroutines.
func (n *Network) Close() { n.pool.Close() }

// Graph returns the network's graph.
func (n *Network) Graph() *Graph { return n.g }

// Work is |K|·|E| weight-multiplies per iteration.
func (n *Network) Work() int64 { return int64(n.K) * int64(n.E) }

// Weights returns the consensus weights w_A in edge order (the network's storage).
func (n *Network) Weights() []float64 { return n.wA }

// Biases returns the consensus biases b_B per node (the network's storage; 0 on data nodes).
func (n *Network) Biases() []float64 { return n.bB }

// SetParams replaces the consensus weights (each node's in-weights are projected to norm Ω)
// and biases.
func (n *Network) SetParams(w, b []float64) {
	copy(n.wA, w)
	copy(n.bB, b)
	if n.ties != nil {
		n.ties.tiedWeights(n.wA, n.wA, n.tw, 1, n.omega, nil)
	} else {
		for j := 0; j < n.N; j++ {
			if v := n.wA[n.g.InStart[j]:n.g.InStart[j+1]]; len(v) > 0 {
				projectNorm(v, n.omega)
			}
		}
	}
	n.toEngine()
}

// Assignments returns, for each item of the batch, the class its class nodes were last
// projected to: its label, another class (relabeled), or Exempted (the network's storage).
func (n *Network) Assignments() []int { return n.assign[:n.K] }

// Predict classifies the rows of d (rows×D) with the consensus weights and biases: the class
// whose node has the largest y − b (see Classifier.Predict).
func (n *Network) Predict(dst []int, d []float64, rows int) {
	n.Classifier().Predict(dst, d, rows)
}

// State returns a copy of the search vector z = (x, w, y, b), for comparison with the
// reference iteration: x and w item after item in edge order (K×|E|), whatever the engine's
// layout.
func (n *Network) State() []float64 {
	KE, KN := n.K*n.E, n.K*n.N
	z := make([]float64, 2*KE+2*KN)
	for k := 0; k < n.K; k++ {
		for e := 0; e < n.E; e++ {
			i := n.edgeAt(k, e)
			z[k*n.E+e], z[KE+k*n.E+e] = n.x[i], n.w[i]
		}
	}
	copy(z[2*KE:], n.y)
	copy(z[2*KE+KN:], n.b)
	return z
}

// setState sets the search vector (layout of State) and recomputes P_A, for tests.
func (n *Network) setState(z []float64) {
	KE, KN := n.K*n.E, n.K*n.N
	clear(n.x)
	clear(n.w)
	for k := 0; k < n.K; k++ {
		for e := 0; e < n.E; e++ {
			i := n.edgeAt(k, e)
			n.x[i], n.w[i] = z[k*n.E+e], z[KE+k*n.E+e]
		}
	}
	copy(n.y, z[2*KE:2*KE+KN])
	copy(n.b, z[2*KE+KN:])
	n.initA(true)
}
