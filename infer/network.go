package infer

import (
	"fmt"

	"github.com/lwl-go/lwl/format"
)

// Network evaluates a format.Network in float64. It is the forward pass of SPEC.md §5:
// y[j] = Σ_i x[i]·w[i→j] / Ω and x[j] = f(y[j] − b[j]), nodes taken in the order of
// format.Network.Order.
//
// A Network reads the weights and biases straight from the format.Network's W and B
// slices on every call, without copying them, so a trainer may change their values in
// place between calls (never during one). Changing the graph, roles or groups requires a
// new Network. Evaluation methods only read the Network and are safe for concurrent use.
type Network struct {
	net      *format.Network
	omega    float64
	act      []format.Activation // per node
	delta    []float64           // per node
	ins      []inEdges           // per node
	src, eid []int               // gathered in-edges (sources, edge indices) for non-dense nodes
	data     []int
	code     []int
	class    []int
	fromData []int // evaluation order of a data item
	fromCode []int // evaluation order of a code item
}

// inEdges locates one node's in-edges. Dense nodes read sources x[lo:lo+n] against weights
// W[w:w+n] (every node of a layered network is dense); others gather src/eid[lo:lo+n].
type inEdges struct {
	lo, n, w int
	dense    bool
}

// NewNetwork prepares n for evaluation. n must be a valid classifier or autoencoder
// network (one with class nodes is taken as a classifier).
func NewNetwork(n *format.Network) (*Network, error) {
	kind := format.KindAutoencoder
	for _, r := range n.Roles {
		if r == format.RoleClass {
			kind = format.KindClassifier
		}
	}
	if err := (&format.Bundle{Kind: kind, Network: n}).Validate(); err != nil {
		return nil, err
	}
	e := &Network{net: n, omega: n.Omega, act: make([]format.Activation, n.Nodes),
		delta: make([]float64, n.Nodes), ins: make([]inEdges, n.Nodes)}
	for i := range n.Nodes {
		g := n.Groups[n.NodeGroup[i]]
		e.act[i], e.delta[i] = g.Activation, g.Delta
	}
	e.data = n.NodesWithRole(format.RoleData)
	e.code = n.NodesWithRole(format.RoleCode)
	e.class = n.NodesWithRole(format.RoleClass)
	var err error
	if e.fromData, err = n.Order(format.RoleData); err != nil {
		return nil, err
	}
	if kind == format.KindAutoencoder {
		if e.fromCode, err = n.Order(format.RoleCode); err != nil {
			return nil, err
		}
	}
	// Group the in-edges by receiving node, keeping edge order within a node.
	from, to := n.Edges()
	count := make([]int, n.Nodes+1)
	for _, j := range to {
		count[j+1]++
	}
	for j := range n.Nodes {
		count[j+1] += count[j]
	}
	src, eid := make([]int, len(to)), make([]int, len(to))
	fill := append([]int(nil), count[:n.Nodes]...)
	for k, j := range to {
		src[fill[j]], eid[fill[j]] = from[k], k
		fill[j]++
	}
	for j := range n.Nodes {
		lo, hi := count[j], count[j+1]
		in := inEdges{dense: true} // a node without in-edges: y = 0
		if hi > lo {
			in = inEdges{n: hi - lo, dense: true}
			in.lo, in.w = src[lo], eid[lo]
			for k := lo; k < hi; k++ {
				if src[k] != src[lo]+k-lo || eid[k] != eid[lo]+k-lo {
					in = inEdges{lo: lo, n: hi - lo}
					break
				}
			}
		}
		e.ins[j] = in
	}
	e.src, e.eid = src, eid
	return e, nil
}

// Format returns the network this evaluates.
func (e *Network) Format() *format.Network { return e.net }

// NumNodes is the number of nodes; the x and y buffers of Forward have this length.
func (e *Network) NumNodes() int { return e.net.Nodes }

// DataNodes, CodeNodes and ClassNodes list the nodes of each role in increasing order; an
// item's values, a code and the class scores follow these orders. Do not modify them.
func (e *Network) DataNodes() []int  { return e.data }
func (e *Network) CodeNodes() []int  { return e.code }
func (e *Network) ClassNodes() []int { return e.class }

// pre is y[j] = Σ x[i]·w[i→j] / Ω.
func (e *Network) pre(x []float64, j int) float64 {
	in := e.ins[j]
	w := e.net.W
	var s float64
	if in.dense {
		s = dot(x[in.lo:in.lo+in.n], w[in.w:in.w+in.n])
	} else {
		for k := in.lo; k < in.lo+in.n; k++ {
			s += x[e.src[k]] * w[e.eid[k]]
		}
	}
	return s / e.omega
}

// Activate is f(z) for an activation with margin delta (SPEC.md §5.2).
func Activate(a format.Activation, z, delta float64) float64 {
	switch a {
	case format.ActReLU:
		if z > 0 {
			return z
		}
		return 0
	case format.ActStep:
		if z > 0 {
			return 1
		}
		return 0
	case format.ActZigmoid:
		switch {
		case z <= -delta:
			return 0
		case z >= delta:
			return 1
		}
		return (z + delta) / (2 * delta)
	}
	return z
}

func (e *Network) check(x, y, in []float64, start []int, what string) {
	if len(x) != e.net.Nodes || len(y) != e.net.Nodes {
		panic(fmt.Sprintf("infer: x and y have %d and %d values for %d nodes", len(x), len(y), e.net.Nodes))
	}
	if len(in) != len(start) {
		panic(fmt.Sprintf("infer: %s has %d values for %d nodes", what, len(in), len(start)))
	}
}

func (e *Network) run(x, y, in []float64, start, order []int) {
	b := e.net.B
	for k, i := range start {
		x[i] = in[k]
	}
	for _, j := range order {
		y[j] = e.pre(x, j)
		x[j] = Activate(e.act[j], y[j]-b[j], e.delta[j])
	}
	// Around the cycle: the start nodes' pre-activations from the values just computed.
	// x keeps the item's values there; f(y − b) is the round-trip output.
	for _, i := range start {
		y[i] = e.pre(x, i)
	}
}

// Forward evaluates one data item: item holds the data-node values (DataNodes order);
// x and y (NumNodes long) receive every node's post- and pre-activation value. Data nodes
// keep x = item and get y from their in-edges (an autoencoder's feed-around; 0 in a
// classifier). It does not allocate.
func (e *Network) Forward(x, y, item []float64) {
	e.check(x, y, item, e.data, "data item")
	e.run(x, y, item, e.data, e.fromData)
}

// ForwardCode evaluates one code item of an autoencoder, starting at the code nodes
// (CodeNodes order) and going around the cycle back to them. It does not allocate.
func (e *Network) ForwardCode(x, y, code []float64) {
	if e.fromCode == nil {
		panic("infer: ForwardCode on a network without code nodes")
	}
	e.check(x, y, code, e.code, "code")
	e.run(x, y, code, e.code, e.fromCode)
}

// Output writes f(y − b) of the given nodes into dst: after Forward on an autoencoder,
// Output(dst, x, y, DataNodes()) is the reconstruction.
func (e *Network) Output(dst, y []float64, nodes []int) {
	b := e.net.B
	for k, i := range nodes {
		dst[k] = Activate(e.act[i], y[i]-b[i], e.delta[i])
	}
}

// Scores writes y − b of the class nodes into dst after Forward.
func (e *Network) Scores(dst, y []float64) {
	b := e.net.B
	for k, i := range e.class {
		dst[k] = y[i] - b[i]
	}
}

// Class is the argmax over class nodes of y − b after Forward; ties go to the class node
// with the lower index.
func (e *Network) Class(y []float64) int {
	b := e.net.B
	best, arg := 0.0, -1
	for k, i := range e.class {
		if s := y[i] - b[i]; arg < 0 || s > best {
			best, arg = s, k
		}
	}
	return arg
}

// Gather copies x[nodes[k]] into dst[k].
func Gather(dst, x []float64, nodes []int) {
	for k, i := range nodes {
		dst[k] = x[i]
	}
}

// dot is Σ a[i]·b[i] with four partial sums (len(b) ≥ len(a)).
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
