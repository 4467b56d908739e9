package train

import (
	"fmt"
	"math"
)

// Ties ties the weights of groups of edges and the biases of groups of nodes of a graph: a
// weight-tied (for instance convolutional) network. Every edge e carries weight parameter
// Weight[e] and every node j bias parameter Bias[j]; edges (nodes) with the same parameter
// must carry one value. An untied edge or node is a parameter of its own.
//
// In RRR's terms tying changes two consensus projections and nothing else. The weight
// consensus of set A (26f) averages a parameter over the items of the batch and over the
// edges of its group, one value per parameter copied back to every edge of the group. The
// bias consensus of set B (26i) averages over the items and over the nodes of the group,
// each node weighted by its metric weight g²(j) of eq. (27), since the consensus is the
// nearest point in that metric.
//
// The norm constraint (26g) on a node's in-weights combines with tying only in one shape,
// which NewTies demands: the in-edges of every node carry distinct parameters, and two nodes
// that share any parameter carry exactly the same set (their kernel). Every parameter of a
// kernel is then used once by each node of the kernel, so each has the same number of edge
// copies (K items × nodes of the kernel); the distance to a tied point is, up to a constant,
// that multiplicity times the Euclidean distance between kernels, and the projection is the
// per-parameter mean scaled to norm Ω, the plain consensus-with-norm of lemma 4.1. A "valid"
// convolution (no padding) has this shape: every output node sees the whole kernel. With
// padding, a border node would see only part of the kernel: its norm constraint would be
// on a sub-vector while the centre nodes constrain the whole, the two cannot hold together
// in general, and the multiplicities would differ per parameter. Padding therefore needs
// either constant zero-valued input nodes (so that every node again sees the whole kernel)
// or a norm constraint per kernel instead of per node, with the projection weighted by the
// multiplicities; neither is implemented.
type Ties struct {
	Weight []int // per edge: weight parameter, 0 ≤ Weight[e] < WeightParams
	Bias   []int // per node: bias parameter, 0 ≤ Bias[j] < BiasParams (data nodes: ignored)

	WeightParams, BiasParams int

	g      *Graph
	mult   []float64 // per weight parameter: edges carrying it
	kernel []int     // one node per kernel (its representative), in node order
	owner  []int     // per weight parameter: the representative node of its kernel
}

// NewTies checks weight and bias parameters for graph g (see Ties for the shape that the
// norm constraint needs) and returns the ties. Parameters are numbered from 0 without gaps.
func NewTies(g *Graph, weight, bias []int) (*Ties, error) {
	if len(weight) != g.Edges() || len(bias) != g.Nodes() {
		return nil, fmt.Errorf("%w: ties for %d edges and %d nodes on a graph of %d edges and %d nodes", ErrGraph, len(weight), len(bias), g.Edges(), g.Nodes())
	}
	t := &Ties{Weight: append([]int(nil), weight...), Bias: append([]int(nil), bias...), g: g}
	for _, p := range weight {
		if p < 0 || p >= len(weight) {
			return nil, fmt.Errorf("%w: weight parameter %d outside 0..%d", ErrGraph, p, len(weight)-1)
		}
		t.WeightParams = max(t.WeightParams, p+1)
	}
	for _, p := range bias {
		if p < 0 || p >= len(bias) {
			return nil, fmt.Errorf("%w: bias parameter %d outside 0..%d", ErrGraph, p, len(bias)-1)
		}
		t.BiasParams = max(t.BiasParams, p+1)
	}
	t.mult = make([]float64, t.WeightParams)
	for _, p := range weight {
		t.mult[p]++
	}
	for p, m := range t.mult {
		if m == 0 {
			return nil, fmt.Errorf("%w: weight parameter %d is carried by no edge", ErrGraph, p)
		}
	}
	used := make([]bool, t.BiasParams)
	for _, p := range bias {
		used[p] = true
	}
	for p, u := range used {
		if !u {
			return nil, fmt.Errorf("%w: bias parameter %d belongs to no node", ErrGraph, p)
		}
	}
	// owner[p] is the first node whose in-edges carry p: the representative of p's kernel.
	owner := make([]int, t.WeightParams)
	for p := range owner {
		owner[p] = -1
	}
	for j := 0; j < g.Nodes(); j++ {
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			if owner[weight[e]] < 0 {
				owner[weight[e]] = j
			}
		}
	}
	t.owner = owner
	for j := 0; j < g.Nodes(); j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		r := owner[weight[lo]]
		if r == j {
			t.kernel = append(t.kernel, j)
		}
		seen := make(map[int]bool, hi-lo)
		for e := lo; e < hi; e++ {
			p := weight[e]
			if seen[p] {
				return nil, fmt.Errorf("%w: node %d carries weight parameter %d on two in-edges; the norm constraint (26g) needs distinct parameters", ErrGraph, j, p)
			}
			seen[p] = true
			if owner[p] != r {
				return nil, fmt.Errorf("%w: node %d mixes the kernels of nodes %d and %d; a node's in-weights must be exactly one kernel (26g)", ErrGraph, j, r, owner[p])
			}
		}
		if rn := g.InStart[r+1] - g.InStart[r]; rn != hi-lo {
			return nil, fmt.Errorf("%w: node %d carries %d of the %d parameters of node %d's kernel; a node's in-weights must be the whole kernel (26g)", ErrGraph, j, hi-lo, rn, r)
		}
	}
	return t, nil
}

// Untied returns the ties of g in which every edge and node is its own parameter.
func Untied(g *Graph) *Ties {
	w, b := make([]int, g.Edges()), make([]int, g.Nodes())
	for e := range w {
		w[e] = e
	}
	for j := range b {
		b[j] = j
	}
	t, err := NewTies(g, w, b)
	if err != nil {
		panic(err) // cannot happen: untied parameters always have the shape
	}
	return t
}

// Tied reports whether any two edges or any two nodes share a parameter.
func (t *Ties) Tied() bool { return t.WeightParams < len(t.Weight) || t.BiasParams < len(t.Bias) }

// Multiplicity is the number of edges that carry weight parameter p.
func (t *Ties) Multiplicity(p int) int { return int(t.mult[p]) }

// tiedWeights turns per-edge sums over the K items of a batch, sum[e] = Σ_k w[k, e], into
// the weight consensus with ties and norms (26f, g): par gets each parameter's mean over
// items and edges, each kernel scaled to norm Ω (omegas[j] for the kernel of node j when
// omegas is not nil: the weight metric of Network), and dst[e] the value of e's parameter.
// dst and sum may be the same slice; par has WeightParams entries. It does not allocate.
func (t *Ties) tiedWeights(dst, sum, par []float64, k int, omega float64, omegas []float64) {
	clear(par)
	for e, p := range t.Weight {
		par[p] += sum[e]
	}
	inv := 1 / float64(k)
	for p, m := range t.mult {
		par[p] *= inv / m
	}
	g := t.g
	for _, j := range t.kernel {
		omega := omega
		if omegas != nil {
			omega = omegas[j]
		}
		var s float64
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			v := par[t.Weight[e]]
			s += v * v
		}
		if s == 0 { // every point of the sphere is nearest; as projectNorm: Ω on the first
			par[t.Weight[g.InStart[j]]] = omega
			continue
		}
		f := omega / math.Sqrt(s)
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			par[t.Weight[e]] *= f
		}
	}
	for e, p := range t.Weight {
		dst[e] = par[p]
	}
}

// tiedBiases turns per-node sums over the K items, sum[j] = Σ_k b[k, j], into the bias
// consensus with ties (26i): each bias parameter is the mean over items and its nodes, node j
// weighted by g2[j]; nodes with g2[j] = 0 (a classifier's data nodes) take no part and get 0.
// par and wsum have BiasParams entries; dst and sum may be the same slice.
func (t *Ties) tiedBiases(dst, sum, g2, par, wsum []float64, k int) {
	clear(par)
	clear(wsum)
	for j, p := range t.Bias {
		par[p] += g2[j] * sum[j]
		wsum[p] += g2[j]
	}
	inv := 1 / float64(k)
	for p, w := range wsum {
		if w != 0 {
			par[p] *= inv / w
		}
	}
	for j, p := range t.Bias {
		if g2[j] != 0 {
			dst[j] = par[p]
		} else {
			dst[j] = 0
		}
	}
}

// ProjectTiedWeights sets dst (one weight per edge) to the weight consensus of set A for a
// tied network: of all points where every copy w[k] (one per item, len(copies[k]) = edges)
// equals one edge vector, tied edges are equal, and every node's in-weights have norm Ω
// (26f, g), the nearest to copies in the Euclidean metric. It is the projection written
// plainly; the fused iteration computes the same from its running sums.
func ProjectTiedWeights(dst []float64, copies [][]float64, t *Ties, omega float64) {
	projectTiedWeights(dst, copies, t, omega, nil)
}

// projectTiedWeights is ProjectTiedWeights with kernel norms omegas[j] (node j's kernel) when
// omegas is not nil.
func projectTiedWeights(dst []float64, copies [][]float64, t *Ties, omega float64, omegas []float64) {
	clear(dst)
	for _, c := range copies {
		for e, v := range c[:len(dst)] {
			dst[e] += v
		}
	}
	par := make([]float64, t.WeightParams)
	t.tiedWeights(dst, dst, par, len(copies), omega, omegas)
}

// ProjectTiedBiases sets dst (one bias per node) to the bias consensus of set B for a tied
// network: the nearest point, in the metric of eq. (27) (node j weighted by g2[j]), to the
// copies b[k] (one per item) where every copy equals one node vector and tied nodes are
// equal (26i). Nodes with g2[j] = 0 are not variables and get 0.
func ProjectTiedBiases(dst []float64, copies [][]float64, g2 []float64, t *Ties) {
	clear(dst)
	for _, c := range copies {
		for j, v := range c[:len(dst)] {
			dst[j] += v
		}
	}
	par, w := make([]float64, t.BiasParams), make([]float64, t.BiasParams)
	t.tiedBiases(dst, dst, g2, par, w, len(copies))
}

// setTies installs the ties of the network's graph (nil, or no tie at all: none).
func (n *Network) setTies(t *Ties) error {
	if t == nil || !t.Tied() {
		return nil
	}
	if t.g != n.g && (len(t.Weight) != n.E || len(t.Bias) != n.N) {
		return fmt.Errorf("%w: ties for %d edges and %d nodes on a graph of %d edges and %d nodes", ErrGraph, len(t.Weight), len(t.Bias), n.E, n.N)
	}
	if t.g != n.g {
		var err error
		if t, err = NewTies(n.g, t.Weight, t.Bias); err != nil {
			return err
		}
	}
	n.ties = t
	n.tw = make([]float64, t.WeightParams)
	n.tb, n.tbw = make([]float64, t.BiasParams), make([]float64, t.BiasParams)
	return nil
}

// meanBiases turns the reduced sums Σ_k (2b_A − b) in bB into the bias consensus b_B (26i):
// the mean over items, and with ties over each group's nodes too.
func (n *Network) meanBiases() {
	if n.ties != nil {
		n.ties.tiedBiases(n.bB, n.bB, n.g2, n.tb, n.tbw, n.K)
		return
	}
	inv := 1 / float64(n.K)
	for j := range n.bB {
		n.bB[j] *= inv
	}
}

// TieParams sets the consensus to the tied point nearest to weights w and biases b in the
// metric of eq. (27): each weight parameter the mean of the edges that carry it, each kernel
// scaled to norm Ω (26f, g with one item), each bias parameter the g²-weighted mean of its
// nodes (26i). Every copy of a kernel weight weighs the same (its layer's γ², Weight
// metric), so the nearest point is the plain mean. Without ties it is SetParams. w and b
// are the model's weights and biases (Weights, Biases) and are not changed.
func (n *Network) TieParams(w, b []float64) {
	if n.ties == nil {
		n.SetParams(w, b)
		return
	}
	n.ties.tiedWeights(n.wA, w, n.tw, 1, n.omega, nil)
	n.ties.tiedBiases(n.bB, b, n.g2, n.tb, n.tbw, 1)
	n.toEngine()
}

// Ties returns the network's ties, or nil when nothing is tied.
func (n *Network) Ties() *Ties { return n.ties }
