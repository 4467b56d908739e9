package train

import (
	"errors"
	"fmt"
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
