package train

import (
	"fmt"
	"slices"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// A portable activation has a counterpart in the bundle format (format.Activation), so a
// network that uses it can be saved and evaluated by the runtime. Activations written
// outside this package are trained the same way but evaluated with their own Eval.
type portable interface {
	bundleActivation() (format.Activation, float64)
}

func (ReLU) bundleActivation() (format.Activation, float64)      { return format.ActReLU, 0 }
func (s Step) bundleActivation() (format.Activation, float64)    { return format.ActStep, s.Delta }
func (z Zigmoid) bundleActivation() (format.Activation, float64) { return format.ActZigmoid, z.Delta }

// FormatNetwork describes a network for the bundle format and the runtime, in the general
// (edge list) form and in this graph's edge order: w holds one weight per edge and b one
// bias per node, and the result's W and B are those slices, not copies, so that infer
// evaluates the current values of a network that is still training. margin is recorded as
// the class nodes' Δ. In an autoencoder (a graph with code nodes) the data nodes carry the
// activation too: it gives a code item's decoded values and a data item's round-trip output
// (SPEC.md §5.3). It fails for an activation that the format cannot express.
func FormatNetwork(g *Graph, act Activation, omega, margin float64, w, b []float64) (*format.Network, error) {
	if len(w) != g.Edges() || len(b) != g.Nodes() {
		return nil, fmt.Errorf("train: %d weights and %d biases for a graph of %d edges and %d nodes", len(w), len(b), g.Edges(), g.Nodes())
	}
	if act == nil {
		act = ReLU{}
	}
	p, ok := act.(portable)
	if !ok {
		return nil, fmt.Errorf("train: activation %T has no bundle format", act)
	}
	fa, delta := p.bundleActivation()
	dataAct, dataDelta := format.ActNone, 0.0
	if len(g.NodesOf(Code)) > 0 {
		dataAct, dataDelta = fa, delta
	}
	// One group per role, in the order data, hidden, code, class; a bundle holds only the
	// groups its nodes use (a classifier has no code group).
	byRole := [...]struct {
		role  format.Role
		group format.Group
	}{
		Data:   {format.RoleData, format.Group{Name: "data", Activation: dataAct, Delta: dataDelta}},
		Hidden: {format.RoleHidden, format.Group{Name: "hidden", Activation: fa, Delta: delta}},
		Code:   {format.RoleCode, format.Group{Name: "code", Activation: fa, Delta: delta}},
		Class:  {format.RoleClass, format.Group{Name: "class", Activation: format.ActNone, Delta: margin}},
	}
	var used [len(byRole)]bool
	for j, r := range g.Roles {
		if int(r) >= len(byRole) {
			return nil, fmt.Errorf("train: node %d has role %v", j, r)
		}
		used[r] = true
	}
	var groups []format.Group
	var groupOf [len(byRole)]int
	for r := range byRole {
		if used[r] {
			groupOf[r] = len(groups)
			groups = append(groups, byRole[r].group)
		}
	}
	n := &format.Network{Nodes: g.Nodes(), W: w, B: b, Omega: omega, Groups: groups,
		NodeGroup: make([]int, g.Nodes()), Roles: make([]format.Role, g.Nodes()),
		From: make([]int, g.Edges()), To: make([]int, g.Edges())}
	for j, r := range g.Roles {
		n.NodeGroup[j], n.Roles[j] = groupOf[r], byRole[r].role
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			n.From[e], n.To[e] = g.Src[e], j
		}
	}
	return n, nil
}

// FormatAutoencoder describes a cyclic layered autoencoder (LayeredAutoencoder(code, sizes...))
// for the bundle format in the compact layered form (format.NewLayered with cyclic = true):
// one group per layer, roles data, hidden and code. The weights are copied and reordered from
// the graph's edge order (layer 0's in-edges first) to the format's (layer 0's last).
func FormatAutoencoder(g *Graph, sizes []int, code int, act Activation, omega float64, w, b []float64) (*format.Network, error) {
	ref, err := LayeredAutoencoder(code, sizes...)
	if err != nil {
		return nil, err
	}
	if len(ref.Src) != len(g.Src) || len(w) != g.Edges() || len(b) != g.Nodes() {
		return nil, fmt.Errorf("train: graph of %d edges, %d weights and %d biases do not match the layered autoencoder %v", g.Edges(), len(w), len(b), sizes)
	}
	if !slices.Equal(ref.Src, g.Src) || !slices.Equal(ref.InStart, g.InStart) || !slices.Equal(ref.Roles, g.Roles) {
		return nil, fmt.Errorf("train: the graph is not the layered autoencoder %v", sizes)
	}
	p, ok := act.(portable)
	if !ok {
		return nil, fmt.Errorf("train: activation %T has no bundle format", act)
	}
	fa, delta := p.bundleActivation()
	groups := make([]format.Group, len(sizes))
	roles := make([]format.Role, len(sizes))
	for l := range sizes {
		groups[l] = format.Group{Name: fmt.Sprintf("layer%d", l), Activation: fa, Delta: delta}
		switch l {
		case 0:
			roles[l] = format.RoleData
		case code:
			roles[l] = format.RoleCode
		default:
			roles[l] = format.RoleHidden
		}
	}
	fn := format.NewLayered(sizes, true, omega, groups, roles)
	copy(fn.B, b)
	// The format lists layer 1's in-edges first and layer 0's last; ours layer 0's first.
	in0 := sizes[0] * sizes[len(sizes)-1]
	copy(fn.W, w[in0:])
	copy(fn.W[len(w)-in0:], w[:in0])
	return fn, nil
}

// newEvaluator returns the runtime's forward pass over the given weights and biases (read
// in place), or nil when the activation is not portable.
func newEvaluator(g *Graph, act Activation, omega float64, w, b []float64) (*infer.Network, error) {
	if _, ok := act.(portable); !ok && act != nil {
		return nil, nil
	}
	fn, err := FormatNetwork(g, act, omega, 0, w, b)
	if err != nil {
		return nil, err
	}
	return infer.NewNetwork(fn)
}
