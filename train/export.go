package train

import (
	"fmt"

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
// the class nodes' Δ. It fails for an activation that the format cannot express.
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
	groups := []format.Group{
		{Name: "data", Activation: format.ActNone},
		{Name: "hidden", Activation: fa, Delta: delta},
		{Name: "code", Activation: fa, Delta: delta},
		{Name: "class", Activation: format.ActNone, Delta: margin},
	}
	n := &format.Network{Nodes: g.Nodes(), W: w, B: b, Omega: omega, Groups: groups,
		NodeGroup: make([]int, g.Nodes()), Roles: make([]format.Role, g.Nodes()),
		From: make([]int, g.Edges()), To: make([]int, g.Edges())}
	for j, r := range g.Roles {
		switch r {
		case Data:
			n.NodeGroup[j], n.Roles[j] = 0, format.RoleData
		case Hidden:
			n.NodeGroup[j], n.Roles[j] = 1, format.RoleHidden
		case Code:
			n.NodeGroup[j], n.Roles[j] = 2, format.RoleCode
		case Class:
			n.NodeGroup[j], n.Roles[j] = 3, format.RoleClass
		}
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			n.From[e], n.To[e] = g.Src[e], j
		}
	}
	return n, nil
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
