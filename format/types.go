package format

import (
	"fmt"
	"time"
)

// Kind says what a bundle holds.
type Kind uint8

// The kinds of trained artifact a bundle can hold.
const (
	KindClassifier  Kind = 1 // Network is a classifier (data nodes in, class nodes out)
	KindNMF         Kind = 2 // NMF holds the features W and Ω
	KindAutoencoder Kind = 3 // Network is a cyclic autoencoder (data ↔ code)
	KindGenerator   Kind = 4 // Network is an autoencoder; Generator holds marginals and filter
)

func (k Kind) String() string {
	switch k {
	case KindClassifier:
		return "classifier"
	case KindNMF:
		return "nmf"
	case KindAutoencoder:
		return "autoencoder"
	case KindGenerator:
		return "generator"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Activation is the activation function f of a node group; x = f(y − b).
type Activation uint8

// The activations. Δ is the group's Delta.
const (
	ActNone    Activation = 0 // f(z) = z; required on class nodes, whose y − b is the class score
	ActReLU    Activation = 1 // f(z) = max(z, 0)
	ActStep    Activation = 2 // f(z) = 0 for z ≤ 0, 1 otherwise (Δ is only the training margin)
	ActZigmoid Activation = 3 // 0 for z ≤ −Δ, 1 for z ≥ Δ, (z+Δ)/(2Δ) between
)

func (a Activation) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActStep:
		return "step"
	case ActZigmoid:
		return "zigmoid"
	}
	return fmt.Sprintf("activation(%d)", uint8(a))
}

// Role says what a node is for.
type Role uint8

// The node roles.
const (
	RoleHidden Role = 0
	RoleData   Role = 1 // receives a data item's values
	RoleCode   Role = 2 // autoencoder code layer; receives a code item's values
	RoleClass  Role = 3 // classifier output; class = argmax of y − b over these
)

func (r Role) String() string {
	switch r {
	case RoleHidden:
		return "hidden"
	case RoleData:
		return "data"
	case RoleCode:
		return "code"
	case RoleClass:
		return "class"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Group is a set of nodes sharing an activation function and its margin Δ.
type Group struct {
	Name       string
	Activation Activation
	Delta      float64
}

// Network is a trained network: a directed graph on nodes 0..Nodes-1 with a consensus weight
// per edge, a bias per node, the norm Ω, and an activation group and role per node.
//
// The graph has one of two forms. Layered (Layers non-nil): nodes are numbered layer by
// layer, every node of layer l feeds every node of layer l+1, and with Cyclic the last layer
// also feeds layer 0 (an autoencoder's decoder output is its data layer). Edges are then
// ordered by receiving layer, then receiving node, then sending node, so W holds, for each
// pair of consecutive layers, a row-major matrix with one row of in-weights per receiving
// node. General (Layers nil): From[e] → To[e] for each edge e, any graph, W[e] its weight.
//
// The trainer works in float64; a bundle stores W, B and the marginals as float32, rounded
// to nearest-even, so a loaded network differs from the saved one by at most half a float32
// ulp per value (relative 2⁻²⁴). Ω, Δ and fpa are stored as float64 exactly.
type Network struct {
	Nodes  int
	Layers []int // layered form: sizes; Σ Layers = Nodes
	Cyclic bool  // layered form: the last layer feeds layer 0
	From   []int // general form: edge sources
	To     []int // general form: edge targets

	W     []float64 // one per edge, in edge order
	B     []float64 // one per node
	Omega float64   // weight norm Ω; pre-activation y = Σ x·w / Ω

	Groups    []Group
	NodeGroup []int  // per node: index into Groups (at most 255 groups)
	Roles     []Role // per node

	ClassNames []string // empty, or one per class node in increasing node order
	DataShape  []int    // optional image shape of the data nodes, [height, width]

	// Conv optionally describes valid 2-D convolutions among the edges of a general-form
	// network (format 1.1): which edges and nodes form each convolution, whose weights and
	// biases are tied. It changes no output of the network.
	Conv []Conv
}

// NewLayered returns a layered network with zero weights and biases, each layer its own
// group (groups[l]) and all nodes of layer l in role roles[l].
func NewLayered(layers []int, cyclic bool, omega float64, groups []Group, roles []Role) *Network {
	if len(groups) != len(layers) || len(roles) != len(layers) {
		panic("format: NewLayered needs one group and one role per layer")
	}
	n := &Network{Layers: append([]int(nil), layers...), Cyclic: cyclic, Omega: omega,
		Groups: append([]Group(nil), groups...)}
	for l, s := range layers {
		for range s {
			n.NodeGroup = append(n.NodeGroup, l)
			n.Roles = append(n.Roles, roles[l])
		}
		n.Nodes += s
	}
	n.W = make([]float64, n.NumEdges())
	n.B = make([]float64, n.Nodes)
	return n
}

// NumEdges is the number of edges (and weights) of the network's graph.
func (n *Network) NumEdges() int {
	if n.Layers == nil {
		return len(n.From)
	}
	e, _ := layeredEdges(n.Layers, n.Cyclic, int64(1)<<62)
	return int(e)
}

// layeredEdges counts the edges of a layered graph, or reports that the count exceeds max.
func layeredEdges(layers []int, cyclic bool, max int64) (int64, bool) {
	var e int64
	for l := 0; l+1 < len(layers) || (cyclic && l < len(layers)); l++ {
		a, b := int64(layers[l]), int64(layers[(l+1)%len(layers)])
		if a < 0 || b < 0 || (a > 0 && b > max/a) {
			return 0, false
		}
		e += a * b
		if e > max {
			return 0, false
		}
	}
	return e, true
}

// LayerStart is the index of the first node of layer l in a layered network.
func (n *Network) LayerStart(l int) int {
	s := 0
	for _, v := range n.Layers[:l] {
		s += v
	}
	return s
}

// Edges returns the source and target of every edge in edge order (for a layered network
// they are computed; for the general form they are From and To themselves).
func (n *Network) Edges() (from, to []int) {
	if n.Layers == nil {
		return n.From, n.To
	}
	ne := n.NumEdges()
	from, to = make([]int, 0, ne), make([]int, 0, ne)
	L := len(n.Layers)
	for l := 0; l+1 < L || (n.Cyclic && l < L); l++ {
		src, dst := n.LayerStart(l), n.LayerStart((l+1)%L)
		for j := dst; j < dst+n.Layers[(l+1)%L]; j++ {
			for i := src; i < src+n.Layers[l]; i++ {
				from, to = append(from, i), append(to, j)
			}
		}
	}
	return from, to
}

// NodesWithRole lists the nodes of role r in increasing order.
func (n *Network) NodesWithRole(r Role) []int {
	var s []int
	for i, v := range n.Roles {
		if v == r {
			s = append(s, i)
		}
	}
	return s
}

// NMF is a non-negative matrix factorisation: Data × Codes features W (row-major, entry
// (i, j) at Features[i*Codes+j], data node i, code node j), each feature column of norm Ω.
// Encoding is x = ReLU((WᵀW)⁻¹Wᵀy), reconstruction W·x (no division by Ω).
type NMF struct {
	Data      int
	Codes     int
	Features  []float64
	Omega     float64
	DataShape []int // optional [height, width]
}

// Generator is the generative part of a KindGenerator bundle (section 6 of the paper).
type Generator struct {
	// Marginals[c] holds the samples of the empirical distribution of the c-th code node
	// (code nodes in increasing node order).
	Marginals [][]float64
	// Filter is the fake/genuine classifier on codes: one data node per code node, two
	// class nodes, the first (lower index) is c0 = fake, the second c1 = genuine.
	Filter *Network
	// FPA is the false-positive allowance the filter was trained with, in [0, 1].
	FPA float64
}

// Provenance records how a bundle was made.
type Provenance struct {
	Hyper          map[string]float64 // hyperparameters: "beta", "omega", "delta", ...
	Metrics        map[string]float64 // final metrics: "rrr_err", "test_err", "gwms", ...
	Seed           uint64
	Dataset        string
	DatasetSize    int
	LibraryVersion string
	Created        time.Time // stored to the nanosecond, in UTC
	Notes          string
}

// Bundle is one trained artifact. Network is set for classifiers, autoencoders and
// generators; NMF for KindNMF; Generator for KindGenerator.
type Bundle struct {
	Kind       Kind
	Network    *Network
	NMF        *NMF
	Generator  *Generator
	Provenance Provenance
}

// Version is the library version written into provenance when a bundle leaves it empty.
const Version = "lwl 0.1.0"
