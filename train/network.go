package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/internal/asm/f64"
	"github.com/lwl-go/lwl/internal/par"
)

// Role is the part a node plays in a network (section 5, figure 3).
type Role uint8

const (
	Data   Role = iota // input node: its consensus x is the data value (26b)
	Hidden             // activation node (26c), g² = outdeg (eq. 30)
	Code               // code node of an autoencoder (section 6): its x is fixed for code items
	Class              // class node: class encoding (26d, e), g² = Υ (eq. 31)
)

func (r Role) String() string {
	switch r {
	case Data:
		return "data"
	case Hidden:
		return "hidden"
	case Code:
		return "code"
	case Class:
		return "class"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// An Edge i → j carries the output of node From into node To.
type Edge struct{ From, To int }

// Graph is a network on a directed graph. Edges are stored grouped by receiving node: the
// in-edges of node j are the edges InStart[j] ≤ e < InStart[j+1], and Src[e] is the node
// edge e comes from. Per-edge variables (x and w of every item) are laid out in this edge
// order, so a node's in-edges are one contiguous run: the bilinear constraint (26h) of one
// (item, node) reads two contiguous vectors.
//
// The graph may have cycles (autoencoders, section 6); classifier training needs it acyclic.
type Graph struct {
	Roles   []Role
	InStart []int // len(Roles)+1 offsets into Src
	Src     []int // source node of each edge
	OutDeg  []int // out-degree of each node

	outStart []int // out-edges of node i: outEdge[outStart[i]:outStart[i+1]]
	outEdge  []int
}

// ErrGraph is wrapped by the errors of graphs that a network cannot be built on.
var ErrGraph = errors.New("train: invalid network graph")

// NewGraph builds a graph on len(roles) nodes from an edge list. The edges of each receiving
// node keep their order in the list. Self-loops and repeated edges are rejected, and so are
// edges into data nodes unless the graph has code nodes (an autoencoder's cycle closes at its
// data nodes, figure 3c).
func NewGraph(roles []Role, edges []Edge) (*Graph, error) {
	n := len(roles)
	g := &Graph{Roles: append([]Role(nil), roles...), InStart: make([]int, n+1), Src: make([]int, len(edges)), OutDeg: make([]int, n)}
	auto := false
	for _, r := range roles {
		if r > Class {
			return nil, fmt.Errorf("%w: unknown role %d", ErrGraph, r)
		}
		auto = auto || r == Code
	}
	for idx, e := range edges {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n {
			return nil, fmt.Errorf("%w: edge %d (%d→%d) outside nodes 0..%d", ErrGraph, idx, e.From, e.To, n-1)
		}
		if e.From == e.To {
			return nil, fmt.Errorf("%w: self-loop at node %d", ErrGraph, e.From)
		}
		if roles[e.To] == Data && !auto {
			return nil, fmt.Errorf("%w: edge %d→%d enters data node %d", ErrGraph, e.From, e.To, e.To)
		}
		g.InStart[e.To+1]++
		g.OutDeg[e.From]++
	}
	for j := 0; j < n; j++ {
		g.InStart[j+1] += g.InStart[j]
	}
	fill := append([]int(nil), g.InStart[:n]...)
	for _, e := range edges {
		g.Src[fill[e.To]] = e.From
		fill[e.To]++
	}
	seen := make(map[int]int)
	for j := 0; j < n; j++ {
		clear(seen)
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			if _, dup := seen[g.Src[e]]; dup {
				return nil, fmt.Errorf("%w: repeated edge %d→%d", ErrGraph, g.Src[e], j)
			}
			seen[g.Src[e]] = e
		}
	}
	g.outStart = make([]int, n+1)
	for i := 0; i < n; i++ {
		g.outStart[i+1] = g.outStart[i] + g.OutDeg[i]
	}
	g.outEdge = make([]int, len(edges))
	fill = append(fill[:0], g.outStart[:n]...)
	for e, s := range g.Src {
		g.outEdge[fill[s]] = e
		fill[s]++
	}
	return g, nil
}

// Layered returns the fully connected layered graph with the given layer sizes: the first
// layer holds data nodes, the last class nodes, the others hidden nodes. Nodes are numbered
// layer by layer, and the in-edges of each node come from the previous layer in order.
func Layered(sizes ...int) (*Graph, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("%w: %d layers, need at least data and class layers", ErrGraph, len(sizes))
	}
	var roles []Role
	var edges []Edge
	start := 0
	for l, s := range sizes {
		if s <= 0 || s > 1<<24 {
			return nil, fmt.Errorf("%w: layer %d has %d nodes", ErrGraph, l, s)
		}
		role := Hidden
		switch l {
		case 0:
			role = Data
		case len(sizes) - 1:
			role = Class
		}
		for j := 0; j < s; j++ {
			roles = append(roles, role)
			if l > 0 {
				prev := start - sizes[l-1]
				for i := 0; i < sizes[l-1]; i++ {
					edges = append(edges, Edge{prev + i, start + j})
				}
			}
		}
		start += s
	}
	return NewGraph(roles, edges)
}

// LayeredAutoencoder returns the cyclic layered graph of an autoencoder (figure 3c): layer 0
// holds the data nodes, layer code the code nodes, the other layers hidden nodes; each layer
// is fully connected to the next and the last layer feeds layer 0. Sizes 784, 200, 10, 200
// with code = 2 is the MNIST autoencoder of section 6.3.2, sizes 2ⁿ, n with code = 1 the
// binary encoder of section 6.3.1. The in-edges of each node come from the previous layer
// (the last layer for layer 0) in node order.
func LayeredAutoencoder(code int, sizes ...int) (*Graph, error) {
	L := len(sizes)
	if L < 2 || code <= 0 || code >= L {
		return nil, fmt.Errorf("%w: %d layers with the code at layer %d; need data and code layers, code after data", ErrGraph, L, code)
	}
	starts := make([]int, L+1)
	for l, s := range sizes {
		if s <= 0 || s > 1<<24 {
			return nil, fmt.Errorf("%w: layer %d has %d nodes", ErrGraph, l, s)
		}
		starts[l+1] = starts[l] + s
	}
	var roles []Role
	var edges []Edge
	for l, s := range sizes {
		role := Hidden
		switch l {
		case 0:
			role = Data
		case code:
			role = Code
		}
		prev := (l + L - 1) % L
		for j := 0; j < s; j++ {
			roles = append(roles, role)
			for i := starts[prev]; i < starts[prev+1]; i++ {
				edges = append(edges, Edge{i, starts[l] + j})
			}
		}
	}
	return NewGraph(roles, edges)
}

// Nodes is the number of nodes.
func (g *Graph) Nodes() int { return len(g.Roles) }

// Edges is the number of edges |E|.
func (g *Graph) Edges() int { return len(g.Src) }

// OutEdges returns the edges leaving node i (the graph's storage).
func (g *Graph) OutEdges(i int) []int { return g.outEdge[g.outStart[i]:g.outStart[i+1]] }

// NodesOf returns the nodes with the given role, in order.
func (g *Graph) NodesOf(r Role) []int {
	var v []int
	for i, ri := range g.Roles {
		if ri == r {
			v = append(v, i)
		}
	}
	return v
}

// TopoOrder returns the nodes in an order where every edge goes forward, or an error if the
// graph has a cycle.
func (g *Graph) TopoOrder() ([]int, error) {
	n := g.Nodes()
	indeg := make([]int, n)
	for j := 0; j < n; j++ {
		indeg[j] = g.InStart[j+1] - g.InStart[j]
	}
	order := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for h := 0; h < len(order); h++ {
		for _, e := range g.OutEdges(order[h]) {
			j := g.nodeOfEdge(e)
			if indeg[j]--; indeg[j] == 0 {
				order = append(order, j)
			}
		}
	}
	if len(order) < n {
		return nil, fmt.Errorf("%w: the graph has a cycle; a feed-forward pass needs an acyclic graph", ErrGraph)
	}
	return order, nil
}

// orderFrom returns the evaluation order of a forward pass that starts at the nodes of role
// start (SPEC.md §5.1): the other nodes in a topological order of the graph without the
// edges into start nodes, or an error if that graph has a cycle.
func (g *Graph) orderFrom(start Role) ([]int, error) {
	n := g.Nodes()
	indeg := make([]int, n)
	var ready []int
	for j := 0; j < n; j++ {
		if g.Roles[j] != start {
			indeg[j] = g.InStart[j+1] - g.InStart[j]
		}
		if indeg[j] == 0 {
			ready = append(ready, j)
		}
	}
	order := make([]int, 0, n)
	for h := 0; h < len(ready); h++ {
		i := ready[h]
		if g.Roles[i] != start {
			order = append(order, i)
		}
		for _, e := range g.OutEdges(i) {
			j := g.nodeOfEdge(e)
			if g.Roles[j] == start {
				continue
			}
			if indeg[j]--; indeg[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	if len(ready) < n {
		return nil, fmt.Errorf("%w: the graph without the edges into %v nodes has a cycle", ErrGraph, start)
	}
	return order, nil
}

// nodeOfEdge is the receiving node of edge e (binary search in InStart).
func (g *Graph) nodeOfEdge(e int) int {
	lo, hi := 0, g.Nodes()
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if g.InStart[m] <= e {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// NetworkConfig sets the constants of a network's constraints. An autoencoder (a graph with
// code nodes) uses only Omega, Activation and Workers.
type NetworkConfig struct {
	Omega      float64    // Ω: norm of every node's in-weights (26g) and scale of (26h); 0 means 1
	Upsilon    float64    // Υ: the metric weight g² of class nodes (eq. 31); 0 means 1
	Activation Activation // activation set (26c, 38d) of every non-data non-class node; nil means ReLU
	Class      ClassRule  // class constraints (26d, e) or their interventions (32, 33)
	Workers    int        // parallel parts of one iteration; 0 means GOMAXPROCS
	Ties       *Ties      // weight and bias ties on the graph (weight-tied layers); nil: none
}

// Network is the RRR state of a classifier (section 5) or an autoencoder (section 6.1) on
// one batch.
//
// The search variables are, for item k of the batch, x[k, e] and w[k, e] on every edge and
// y[k, j] and b[k, j] on every non-data node, stored item-major: x[k·|E| + e] and
// y[k·N + j] (the y and b entries of data nodes are unused and stay 0).
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
	bB []float64 // N: consensus biases b_B of the last iteration (the model's biases)

	d      []float64 // K×D batch data
	labels []int     // K batch labels
	assign []int     // K: class each item's class nodes are projected to (or Exempted)

	x, w       []float64 // K×E
	y, b       []float64 // K×N
	u          []float64 // K×N last bilinear roots (starting guesses)
	xA, yA, bA []float64 // K×N: P_A of the node values at the current point
	xsum       []float64 // K×N: sums of x over each node's out-edges
	zc         []float64 // K×C: y − b on class nodes, for the class decision

	assigner classAssigner
	pool     *par.Pool
	pass1    func(part int)
	pass2    func(part int)
	warm     func(part int)
	parts    []netPart
	beta     float64
	updB     bool

	ties        *Ties     // nil when nothing is tied
	tw, tb, tbw []float64 // tie scratch: weight and bias parameters, bias weights
}

// netBlock is a run of receiving nodes j0 ≤ j < j1 whose in-edges all come from the same c
// consecutive nodes src0.. in order (a layer of a layered graph), with one g²; or, when
// gather is set, a single node with arbitrary in-edges.
type netBlock struct {
	j0, j1, src0, c int
	e0              int // first in-edge of j0
	gather          bool
	g2              float64
}

type netPart struct {
	wsum, bsum []float64 // E and N sums over this part's items of the new w and reflected b
	p, q, r, s []float64 // per-block scratch (rows)
	gx, gs     []float64 // gather scratch (max in-degree)
	err, err2  float64
	_          [64]byte
}

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
	n.blocks = makeBlocks(g, n.g2)
	maxRows, maxIn := 1, 1
	for _, bl := range n.blocks {
		maxRows = max(maxRows, bl.j1-bl.j0)
		maxIn = max(maxIn, bl.c)
	}
	n.pool = par.New(cfg.Workers)
	n.pass1, n.pass2, n.warm = n.edgePass, n.nodePass, n.warmPass
	n.parts = make([]netPart, n.pool.Parts())
	for p := range n.parts {
		pt := &n.parts[p]
		pt.wsum, pt.bsum = make([]float64, n.E), make([]float64, n.N)
		pt.p, pt.q, pt.r, pt.s = make([]float64, maxRows), make([]float64, maxRows), make([]float64, maxRows), make([]float64, maxRows)
		pt.gx, pt.gs = make([]float64, maxIn), make([]float64, maxIn)
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
	if n.ties != nil {
		n.ties.tiedWeights(n.wA, n.wA, n.tw, 1, n.omega)
	}
	return n, nil
}

// blockEdges caps the in-edges of a block so that one item's x, w, consensus weights and
// weight sums of a block (32 bytes an edge) stay in a core's L2 cache between the kernels'
// two sweeps over them (reflection dots, then the update); otherwise a wide layer is read
// from memory twice per iteration.
const blockEdges = 8192

// blockRows is the most rows of c in-edges in a block: a multiple of four (the root finder
// takes four rows at a time) within blockEdges, and at least four.
func blockRows(c int) int { return max(4, blockEdges/c&^3) }

// makeBlocks groups receiving nodes into runs that the row kernels can sweep together, of at
// most blockRows rows.
func makeBlocks(g *Graph, g2 []float64) []netBlock {
	var bs []netBlock
	for j := 0; j < g.Nodes(); j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		contiguous := true
		for e := lo + 1; e < hi; e++ {
			if g.Src[e] != g.Src[e-1]+1 {
				contiguous = false
				break
			}
		}
		if !contiguous {
			bs = append(bs, netBlock{j0: j, j1: j + 1, c: hi - lo, e0: lo, gather: true, g2: g2[j]})
			continue
		}
		if m := len(bs); m > 0 {
			last := &bs[m-1]
			if !last.gather && last.j1 == j && last.src0 == g.Src[lo] && last.c == hi-lo && last.g2 == g2[j] &&
				last.j1-last.j0 < blockRows(last.c) {
				last.j1++
				continue
			}
		}
		bs = append(bs, netBlock{j0: j, j1: j + 1, src0: g.Src[lo], c: hi - lo, e0: lo, g2: g2[j]})
	}
	return bs
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
		n.ties.tiedWeights(n.wA, n.wA, n.tw, 1, n.omega)
		return
	}
	for j := 0; j < n.N; j++ {
		if v := n.wA[n.g.InStart[j]:n.g.InStart[j+1]]; len(v) > 0 {
			projectNorm(v, n.omega)
		}
	}
}

// Assignments returns, for each item of the batch, the class its class nodes were last
// projected to: its label, another class (relabeled), or Exempted (the network's storage).
func (n *Network) Assignments() []int { return n.assign[:n.K] }

// SetBatch starts a classifier batch of k items with data rows d (k×D, D the number of data
// nodes) and labels, with the warm start of section 5.4: a forward pass with the consensus
// weights and biases sets every x, y and b, every w[k] takes the consensus weights, and the
// point then lies in A except for the class constraints.
func (n *Network) SetBatch(d []float64, labels []int, k int) error {
	if n.auto {
		return fmt.Errorf("train: SetBatch on an autoencoder network; use SetAutoBatch")
	}
	D := len(n.data)
	if k <= 0 || len(d) < k*D || len(labels) < k {
		return fmt.Errorf("train: network batch of %d items needs %d values and %d labels, got %d and %d", k, k*D, k, len(d), len(labels))
	}
	for i, l := range labels[:k] {
		if l < 0 || l >= len(n.classes) {
			return fmt.Errorf("train: item %d of the batch has label %d; the network has classes 0..%d", i, l, len(n.classes)-1)
		}
	}
	n.resize(k)
	n.Kd = k
	copy(n.d, d[:k*D])
	copy(n.labels, labels[:k])
	n.warmStart()
	return nil
}

// SetAutoBatch starts an autoencoder batch (section 6.1.1) of kd data items d (kd×D, D the
// number of data nodes) and kc code items codes (kc×C, C the number of code nodes). The
// warm start is the feed-around with the consensus weights and biases: a data item is
// evaluated from the data nodes around the cycle back to them, a code item from the code
// nodes back to them, the fixed x staying the item's values. It also records each item's
// round-trip error (DataErr, CodeErr).
func (n *Network) SetAutoBatch(d []float64, kd int, codes []float64, kc int) error {
	if !n.auto {
		return fmt.Errorf("train: SetAutoBatch on a network without code nodes")
	}
	D, C := len(n.data), len(n.codes)
	if kd < 0 || kc < 0 || kd+kc == 0 || len(d) < kd*D || len(codes) < kc*C {
		return fmt.Errorf("train: autoencoder batch of %d data and %d code items needs %d and %d values, got %d and %d", kd, kc, kd*D, kc*C, len(d), len(codes))
	}
	for _, v := range codes[:kc*C] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("train: code value %v", v)
		}
	}
	n.resize(kd + kc)
	n.Kd = kd
	copy(n.d, d[:kd*D])
	copy(n.cv, codes[:kc*C])
	n.warmStart()
	return nil
}

// SetIDEBatch starts an autoencoder batch of kd data items d and kc code items drawn from
// the iDE code of eq. (37): the data items are evaluated first, and their code-node values
// (the encodings with the parameters of the previous batch) become the empirical
// distribution of each code node; every code item draws each code node independently and
// uniformly from it (rng). When the activation is the step, there are at most 10 code nodes
// and kc = 2^|C|, the code items are instead all binary codes (bit c of code item i is code
// node c), as in the binary encoding of section 6.3.1.
func (n *Network) SetIDEBatch(d []float64, kd, kc int, rng *rand.Rand) error {
	if !n.auto {
		return fmt.Errorf("train: SetIDEBatch on a network without code nodes")
	}
	D, C := len(n.data), len(n.codes)
	exhaustive := false
	if _, ok := n.act.(Step); ok && C <= 10 && kc == 1<<C {
		exhaustive = true
	}
	if kd < 0 || kc < 0 || kd+kc == 0 || len(d) < kd*D || (kd == 0 && kc > 0 && !exhaustive) {
		return fmt.Errorf("train: iDE batch of %d data and %d code items with %d data values", kd, kc, len(d))
	}
	n.resize(kd + kc)
	n.Kd = kd
	copy(n.d, d[:kd*D])
	n.warmRange(0, kd)
	for i := 0; i < kc; i++ {
		ci := n.cv[i*C : (i+1)*C]
		for c, j := range n.codes {
			if exhaustive {
				ci[c] = float64(i >> c & 1)
			} else {
				ci[c] = n.xA[rng.IntN(kd)*n.N+j]
			}
		}
	}
	n.warmRange(kd, kd+kc)
	clear(n.u)
	n.initA(false)
	return nil
}

// warmStart runs the forward pass of every item in parallel and projects the result to A.
func (n *Network) warmStart() {
	n.warmRange(0, n.K)
	clear(n.u)
	n.initA(false)
}

// warmRange runs the forward pass of items lo ≤ k < hi in parallel.
func (n *Network) warmRange(lo, hi int) {
	n.wlo, n.whi = lo, hi
	n.pool.Run(n.warm)
}

// warmPass is one part's share of the warm start.
func (n *Network) warmPass(part int) {
	lo, hi := par.Span(n.whi-n.wlo, len(n.parts), part)
	lo, hi = lo+n.wlo, hi+n.wlo
	N, E, D, C := n.N, n.E, len(n.data), len(n.codes)
	for k := lo; k < hi; k++ {
		val, yk := n.xA[k*N:(k+1)*N], n.y[k*N:(k+1)*N]
		fixed, in := n.data, n.d[k*D:(k+1)*D]
		if k < n.Kd {
			n.forward(val, yk, in)
		} else {
			fixed, in = n.codes, n.cv[(k-n.Kd)*C:(k-n.Kd+1)*C]
			n.forwardCode(val, yk, in)
		}
		if n.auto {
			var s float64
			for c, i := range fixed {
				r := n.act.Eval(yk[i]-n.bB[i]) - in[c]
				s += r * r
			}
			n.itemErr[k] = math.Sqrt(s / float64(len(fixed)))
		}
		xk, wk := n.x[k*E:(k+1)*E], n.w[k*E:(k+1)*E]
		for e, s := range n.g.Src {
			xk[e] = val[s]
		}
		copy(wk, n.wA)
		bk := n.b[k*N : (k+1)*N]
		for j, g2 := range n.g2 {
			if g2 != 0 {
				bk[j] = n.bB[j]
			}
		}
	}
}

// DataErr is data_err of the last autoencoder batch: the mean over its data items of the RMS
// over data nodes of f(y − b_B) − x after the warm start's feed-around (eq. 40, per item as
// the reference programs average it). NaN when the batch has no data items.
func (n *Network) DataErr() float64 { return meanOf(n.itemErr[:n.Kd]) }

// CodeErr is code_err (eq. 41), DataErr's counterpart over the code items and code nodes.
func (n *Network) CodeErr() float64 { return meanOf(n.itemErr[n.Kd:n.K]) }

func meanOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func (n *Network) resize(k int) {
	N, E, D, C := n.N, n.E, len(n.data), len(n.classes)
	if cap(n.labels) < k {
		n.d, n.cv, n.itemErr = make([]float64, k*D), make([]float64, k*len(n.codes)), make([]float64, k)
		n.labels, n.assign = make([]int, k), make([]int, k)
		n.x, n.w = make([]float64, k*E), make([]float64, k*E)
		n.y, n.b, n.u = make([]float64, k*N), make([]float64, k*N), make([]float64, k*N)
		n.xA, n.yA, n.bA = make([]float64, k*N), make([]float64, k*N), make([]float64, k*N)
		n.xsum, n.zc = make([]float64, k*N), make([]float64, k*C)
	}
	n.K = k
	n.d, n.cv, n.itemErr = n.d[:k*D], n.cv[:k*len(n.codes)], n.itemErr[:k]
	n.labels, n.assign = n.labels[:k], n.assign[:k]
	n.x, n.w = n.x[:k*E], n.w[:k*E]
	n.y, n.b, n.u = n.y[:k*N], n.b[:k*N], n.u[:k*N]
	n.xA, n.yA, n.bA = n.xA[:k*N], n.yA[:k*N], n.bA[:k*N]
	n.xsum, n.zc = n.xsum[:k*N], n.zc[:k*C]
}

// forward evaluates one data item with the consensus weights and biases: val gets each
// node's output (data values, activations; class nodes get y − b), y the pre-activations
// (for an autoencoder the data nodes' y closes the cycle). It is the runtime's forward pass
// (infer), so a saved model computes what the trainer did.
func (n *Network) forward(val, y, d []float64) {
	switch {
	case n.eval != nil:
		n.eval.Forward(val, y, d)
	case n.auto:
		feedAround(n.g, n.order, n.data, n.act, n.wA, n.bB, n.omega, val, y, d)
	default:
		forwardPass(n.g, n.order, n.data, n.act, n.wA, n.bB, n.omega, val, y, d)
	}
}

// forwardCode evaluates one code item of an autoencoder around the cycle (infer's ForwardCode).
func (n *Network) forwardCode(val, y, c []float64) {
	if n.eval != nil {
		n.eval.ForwardCode(val, y, c)
		return
	}
	feedAround(n.g, n.fromCode, n.codes, n.act, n.wA, n.bB, n.omega, val, y, c)
}

// feedAround is the feed-around of SPEC.md §5.3 for activations that the bundle format cannot
// express: the start nodes take the item's values, the nodes of order are evaluated, and the
// start nodes then get their pre-activations from their in-edges.
func feedAround(g *Graph, order, start []int, act Activation, wA, bB []float64, omega float64, val, y, in []float64) {
	for c, i := range start {
		val[i] = in[c]
	}
	pre := func(j int) float64 {
		var s float64
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			s += val[g.Src[e]] * wA[e]
		}
		return s / omega
	}
	for _, j := range order {
		y[j] = pre(j)
		val[j] = act.Eval(y[j] - bB[j])
	}
	for _, i := range start {
		y[i] = pre(i)
	}
}

// forwardPass is the feed-forward evaluation for activations that the bundle format cannot
// express (see portable); it computes what infer.Network.Forward does (SPEC.md §5).
func forwardPass(g *Graph, order, data []int, act Activation, wA, bB []float64, omega float64, val, y, d []float64) {
	for c, i := range data {
		val[i] = d[c]
	}
	inv := 1 / omega
	for _, j := range order {
		r := g.Roles[j]
		if r == Data {
			continue
		}
		var s float64
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			s += val[g.Src[e]] * wA[e]
		}
		s *= inv
		y[j] = s
		if r == Class {
			val[j] = s - bB[j]
		} else {
			val[j] = act.Eval(s - bB[j])
		}
	}
}

// initA computes P_A of the current point from scratch: the out-edge sums of x, the weight
// consensus (when recomputeW), and the node projections.
func (n *Network) initA(recomputeW bool) {
	N, E, D := n.N, n.E, len(n.data)
	clear(n.xsum)
	for k := 0; k < n.K; k++ {
		xk, xs := n.x[k*E:(k+1)*E], n.xsum[k*N:(k+1)*N]
		for e, s := range n.g.Src {
			xs[s] += xk[e]
		}
		if !n.auto { // an autoencoder's fixed x are set by nodePass
			for c, i := range n.data {
				n.xA[k*N+i] = n.d[k*D+c]
			}
		}
	}
	if recomputeW {
		clear(n.wA)
		for k := 0; k < n.K; k++ {
			for e, v := range n.w[k*E : (k+1)*E] {
				n.wA[e] += v
			}
		}
		n.normWeights()
	}
	n.updB = false
	n.pool.Run(n.pass2)
	n.projectClasses()
}

// normWeights turns the summed weights in wA into their P_A: mean over items, then each node's
// in-weights scaled to norm Ω (26f, g).
func (n *Network) normWeights() {
	if n.ties != nil {
		n.ties.tiedWeights(n.wA, n.wA, n.tw, n.K, n.omega)
		return
	}
	inv := 1 / float64(n.K)
	for e := range n.wA {
		n.wA[e] *= inv
	}
	for j := 0; j < n.N; j++ {
		if v := n.wA[n.g.InStart[j]:n.g.InStart[j+1]]; len(v) > 0 {
			projectNorm(v, n.omega)
		}
	}
}

// Iterate performs one fused RRR iteration (eq. 45) and returns RRR_err,
// sqrt(Σ_k [Σ_e (Δx² + Δw²) + Σ_j g²(j)(Δy² + Δb²)] / |K|).
func (n *Network) Iterate(beta float64) float64 {
	n.beta = beta
	n.pool.Run(n.pass1)
	// Reduce: next weight consensus and this iteration's bias consensus b_B.
	copy(n.wA, n.parts[0].wsum)
	copy(n.bB, n.parts[0].bsum)
	errSum := n.parts[0].err
	for p := 1; p < len(n.parts); p++ {
		pt := &n.parts[p]
		for e, v := range pt.wsum {
			n.wA[e] += v
		}
		for j, v := range pt.bsum {
			n.bB[j] += v
		}
		errSum += pt.err
	}
	n.normWeights()
	n.meanBiases()
	n.updB = true
	n.pool.Run(n.pass2)
	for p := range n.parts {
		errSum += n.parts[p].err2
	}
	n.projectClasses()
	return math.Sqrt(errSum / float64(n.K))
}

// edgePass runs one part's items through the reflection, the bilinear projections (26h) and
// the update of x, w and y, accumulating the sums of the next weight consensus, the
// out-edge sums of x, and the reflected biases.
func (n *Network) edgePass(part int) {
	lo, hi := par.Span(n.K, len(n.parts), part)
	pt := &n.parts[part]
	clear(pt.wsum)
	clear(pt.bsum)
	N, E := n.N, n.E
	beta, omega := n.beta, n.omega
	var errSum float64
	for k := lo; k < hi; k++ {
		xk, wk := n.x[k*E:(k+1)*E], n.w[k*E:(k+1)*E]
		xak, xsk := n.xA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
		yk, yak := n.y[k*N:(k+1)*N], n.yA[k*N:(k+1)*N]
		bk, bak := n.b[k*N:(k+1)*N], n.bA[k*N:(k+1)*N]
		uk := n.u[k*N : (k+1)*N]
		clear(xsk)
		for bi := range n.blocks {
			bl := &n.blocks[bi]
			rows, c := bl.j1-bl.j0, bl.c
			e0, e1 := bl.e0, bl.e0+rows*c
			r := pt.r[:rows]
			for t := range r {
				j := bl.j0 + t
				r[t] = omega * (2*yak[j] - yk[j])
			}
			cc := omega * omega / bl.g2
			if !bl.gather {
				xa, xs := xak[bl.src0:bl.src0+c], xsk[bl.src0:bl.src0+c]
				f64.ReflectDotsRows(pt.p, pt.q, xk[e0:e1], wk[e0:e1], xa, n.wA[e0:e1], rows, c)
				bilinearRoots(uk[bl.j0:bl.j1], pt.s, pt.p, pt.q, r, cc)
				errSum += f64.BilinearUpdateRows(xk[e0:e1], wk[e0:e1], xa, n.wA[e0:e1], xs, pt.wsum[e0:e1], uk[bl.j0:bl.j1], pt.s, rows, c, beta)
			} else {
				src := n.g.Src[e0:e1]
				gx, gs := pt.gx[:c], pt.gs[:c]
				for t, s := range src {
					gx[t] = xak[s]
				}
				clear(gs)
				f64.ReflectDotsRows(pt.p, pt.q, xk[e0:e1], wk[e0:e1], gx, n.wA[e0:e1], 1, c)
				bilinearRoots(uk[bl.j0:bl.j1], pt.s, pt.p, pt.q, r, cc)
				errSum += f64.BilinearUpdateRows(xk[e0:e1], wk[e0:e1], gx, n.wA[e0:e1], gs, pt.wsum[e0:e1], uk[bl.j0:bl.j1], pt.s, 1, c, beta)
				for t, s := range src {
					xsk[s] += gs[t]
				}
			}
			// y' = y − Ω u/g² at the reflected point, and the update of y.
			inv := omega / bl.g2
			for t := 0; t < rows; t++ {
				j := bl.j0 + t
				dy := r[t]/omega - inv*uk[j] - yak[j]
				yk[j] += beta * dy
				errSum += bl.g2 * dy * dy
			}
		}
		for j, g2 := range n.g2 {
			if g2 != 0 {
				pt.bsum[j] += 2*bak[j] - bk[j]
			}
		}
	}
	pt.err = errSum
}

// nodePass updates b toward the bias consensus (when updB) and projects the node values of
// the new point to A: activation sets (38d) on hidden nodes and on the unfixed data and code
// nodes of an autoencoder; at fixed nodes (38b, c) x is the item's value and only y and b
// move; class nodes only record y − b for projectClasses, which needs the whole batch.
func (n *Network) nodePass(part int) {
	lo, hi := par.Span(n.K, len(n.parts), part)
	pt := &n.parts[part]
	N, C, D, CC := n.N, len(n.classes), len(n.data), len(n.codes)
	beta := n.beta
	var errSum float64
	for k := lo; k < hi; k++ {
		yk, bk := n.y[k*N:(k+1)*N], n.b[k*N:(k+1)*N]
		xak, yak, bak, xsk := n.xA[k*N:(k+1)*N], n.yA[k*N:(k+1)*N], n.bA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
		fixed, vals := Role(255), []float64(nil) // a classifier's data nodes are not variables
		if n.auto {
			fixed, vals = Data, n.d[k*D:(k+1)*D]
			if k >= n.Kd {
				fixed, vals = Code, n.cv[(k-n.Kd)*CC:(k-n.Kd+1)*CC]
			}
		}
		for j, r := range n.g.Roles {
			g2 := n.g2[j]
			if g2 == 0 {
				continue
			}
			if n.updB {
				db := n.bB[j] - bak[j]
				bk[j] += beta * db
				errSum += g2 * db * db
			}
			switch r {
			case Class:
			case fixed:
				v := vals[n.col[j]]
				xak[j] = v
				yak[j], bak[j] = n.act.ProjectFixed(v, yk[j], bk[j])
			default:
				xak[j], yak[j], bak[j] = n.act.Project(xsk[j]/g2, yk[j], bk[j])
			}
		}
		zk := n.zc[k*C : (k+1)*C]
		for c, j := range n.classes {
			zk[c] = yk[j] - bk[j]
		}
	}
	pt.err2 = errSum
}

// projectClasses decides the batch's class assignment (EE, relabeling, false positives) and
// projects the class nodes' (y, b) to A.
func (n *Network) projectClasses() {
	C, N := len(n.classes), n.N
	if C == 0 {
		return
	}
	m := n.cfg.Class.Margin
	n.assigner.Assign(n.assign, n.zc, n.labels, C)
	for k := 0; k < n.K; k++ {
		a := n.assign[k]
		zk := n.zc[k*C : (k+1)*C]
		for c, j := range n.classes {
			y, b := n.y[k*N+j], n.b[k*N+j]
			var h float64
			if a != Exempted {
				h = classShift(zk[c], c == a, m)
			}
			n.yA[k*N+j], n.bA[k*N+j] = y+h, b-h
		}
	}
}

// Predict classifies the rows of d (rows×D) with the consensus weights and biases: the class
// whose node has the largest y − b (see Classifier.Predict).
func (n *Network) Predict(dst []int, d []float64, rows int) {
	n.Classifier().Predict(dst, d, rows)
}

// State returns a copy of the search vector z = (x, w, y, b), for comparison with the
// reference iteration.
func (n *Network) State() []float64 {
	z := make([]float64, 0, 2*len(n.x)+2*len(n.y))
	return append(append(append(append(z, n.x...), n.w...), n.y...), n.b...)
}

// setState sets the search vector (layout of State) and recomputes P_A, for tests.
func (n *Network) setState(z []float64) {
	KE, KN := n.K*n.E, n.K*n.N
	copy(n.x, z[:KE])
	copy(n.w, z[KE:2*KE])
	copy(n.y, z[2*KE:2*KE+KN])
	copy(n.b, z[2*KE+KN:])
	n.initA(true)
}

// Problem returns the plain two-projection form of the current batch on the search vector of
// State, written straight from eqs. (26) (a classifier) or (38) (an autoencoder) and lemma
// 4.1. It shares the batch data, not the iterate.
func (n *Network) Problem() Problem {
	return &networkProblem{g: n.g, K: n.K, act: n.act, omega: n.omega, g2: n.g2, d: n.d, data: n.data,
		classes: n.classes, labels: n.labels, rule: n.cfg.Class, auto: n.auto, kd: n.Kd, codes: n.codes, cv: n.cv, ties: n.ties}
}

type networkProblem struct {
	g       *Graph
	K       int
	act     Activation
	omega   float64
	g2      []float64
	d       []float64
	data    []int
	classes []int
	labels  []int
	rule    ClassRule

	auto  bool      // autoencoder (38): items < kd fix the data nodes, the others the code nodes
	kd    int       // number of data items
	codes []int     // code nodes
	cv    []float64 // (K − kd)×|C| code values

	ties *Ties // weight and bias ties (nil: none)
}

func (p *networkProblem) Dim() int    { return 2*p.K*p.g.Edges() + 2*p.K*p.g.Nodes() }
func (p *networkProblem) Work() int64 { return int64(p.K * p.g.Edges()) }

func (p *networkProblem) split(z []float64) (x, w, y, b []float64) {
	KE, KN := p.K*p.g.Edges(), p.K*p.g.Nodes()
	return z[:KE], z[KE : 2*KE], z[2*KE : 2*KE+KN], z[2*KE+KN:]
}

func (p *networkProblem) ProjectA(dst, z []float64) {
	g, K, E, N := p.g, p.K, p.g.Edges(), p.g.Nodes()
	x, w, y, b := p.split(z)
	dx, dw, dy, db := p.split(dst)
	copy(dy, y)
	copy(db, b)
	if p.auto {
		p.projectAutoNodes(dx, dy, db, x, y, b)
	}
	for k := 0; k < K && !p.auto; k++ {
		for c, i := range p.data {
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = p.d[k*len(p.data)+c] // (26a, b)
			}
			dy[k*N+i], db[k*N+i] = 0, 0
		}
		for i, r := range g.Roles {
			if r != Hidden {
				continue
			}
			// (26a, c): the consensus of the out-edge copies with the activation as side
			// constraint; by lemma 4.1 its metric weight is outdeg, equal to g² (eq. 30).
			var mean float64
			for _, e := range g.OutEdges(i) {
				mean += x[k*E+e]
			}
			mean /= float64(g.OutDeg[i])
			xi, yi, bi := p.act.Project(mean, y[k*N+i], b[k*N+i])
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = xi
			}
			dy[k*N+i], db[k*N+i] = yi, bi
		}
	}
	// (26d, e) or (32), (33): class constraints, decided over the batch.
	C := len(p.classes)
	kc := K
	if C == 0 {
		kc = 0 // an autoencoder has no class constraints
	}
	z2 := make([]float64, kc*C)
	for k := 0; k < kc; k++ {
		for c, j := range p.classes {
			z2[k*C+c] = y[k*N+j] - b[k*N+j]
		}
	}
	assign := make([]int, kc)
	a := classAssigner{rule: p.rule}
	a.Assign(assign, z2, p.labels[:kc], C)
	for k := 0; k < kc; k++ {
		if assign[k] == Exempted {
			continue
		}
		for c, j := range p.classes {
			h := classShift(z2[k*C+c], c == assign[k], p.rule.Margin)
			dy[k*N+j] += h
			db[k*N+j] -= h
		}
	}
	// (26f, g): weight consensus over items, each node's in-weights of norm Ω.
	if p.ties != nil { // ... and over the edges of each tie group
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = w[k*E : (k+1)*E]
		}
		v := make([]float64, E)
		ProjectTiedWeights(v, copies, p.ties, p.omega)
		for k := 0; k < K; k++ {
			copy(dw[k*E:(k+1)*E], v)
		}
		return
	}
	for j := 0; j < N; j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = w[k*E+lo : k*E+hi]
		}
		v := make([]float64, hi-lo)
		ProjectConsensus(v, copies, Norm{Omega: p.omega})
		for k := 0; k < K; k++ {
			copy(dw[k*E+lo:k*E+hi], v)
		}
	}
}

// projectAutoNodes is P_A of the node variables of an autoencoder: at the fixed nodes of an
// item (38b, c) every x copy takes the item's value and (y, b) the nearest point allowed with
// it; every other node (38a, d) takes the consensus of its x copies (weight outdeg = g², lemma
// 4.1) with the activation as side constraint.
func (p *networkProblem) projectAutoNodes(dx, dy, db, x, y, b []float64) {
	g, E, N := p.g, p.g.Edges(), p.g.Nodes()
	for k := 0; k < p.K; k++ {
		fixed, vals := p.data, p.d[k*len(p.data):(k+1)*len(p.data)]
		if k >= p.kd {
			c := k - p.kd
			fixed, vals = p.codes, p.cv[c*len(p.codes):(c+1)*len(p.codes)]
		}
		isFixed := make(map[int]float64)
		for c, i := range fixed {
			isFixed[i] = vals[c]
		}
		for i := 0; i < N; i++ {
			var xi float64
			if v, ok := isFixed[i]; ok {
				xi = v
				dy[k*N+i], db[k*N+i] = p.act.ProjectFixed(v, y[k*N+i], b[k*N+i])
			} else {
				var mean float64
				for _, e := range g.OutEdges(i) {
					mean += x[k*E+e]
				}
				mean /= float64(g.OutDeg[i])
				xi, dy[k*N+i], db[k*N+i] = p.act.Project(mean, y[k*N+i], b[k*N+i])
			}
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = xi
			}
		}
	}
}

func (p *networkProblem) ProjectB(dst, z []float64) {
	g, K, E, N := p.g, p.K, p.g.Edges(), p.g.Nodes()
	copy(dst, z)
	dx, dw, dy, db := p.split(dst)
	for k := 0; k < K; k++ {
		for j := range g.Roles {
			if p.g2[j] == 0 {
				continue // a classifier's data nodes have no (y, b)
			}
			lo, hi := k*E+g.InStart[j], k*E+g.InStart[j+1]
			dy[k*N+j] = ProjectBilinear(dx[lo:hi], dw[lo:hi], dy[k*N+j], p.omega, p.g2[j]) // (26h)
		}
	}
	if p.ties != nil { // (26i) over the items and the nodes of each tie group
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = db[k*N : (k+1)*N]
		}
		v := make([]float64, N)
		ProjectTiedBiases(v, copies, p.g2, p.ties)
		for k := 0; k < K; k++ {
			for j := range v {
				if p.g2[j] != 0 {
					db[k*N+j] = v[j]
				}
			}
		}
		return
	}
	for j := range g.Roles {
		if p.g2[j] == 0 {
			continue
		}
		var s float64 // (26i), (38h, i)
		for k := 0; k < K; k++ {
			s += db[k*N+j]
		}
		s /= float64(K)
		for k := 0; k < K; k++ {
			db[k*N+j] = s
		}
	}
}

// FlowSpeed is RRR_err with the metric of eq. (27), averaged over items.
func (p *networkProblem) FlowSpeed(pa, pb []float64) float64 {
	N := p.g.Nodes()
	xa, wa, ya, ba := p.split(pa)
	xb, wb, yb, bb := p.split(pb)
	var s float64
	for i := range xa {
		dx, dw := xb[i]-xa[i], wb[i]-wa[i]
		s += dx*dx + dw*dw
	}
	for i := range ya {
		dy, db := yb[i]-ya[i], bb[i]-ba[i]
		s += p.g2[i%N] * (dy*dy + db*db)
	}
	return math.Sqrt(s / float64(p.K))
}
