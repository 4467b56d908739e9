package format

import (
	"math"
)

// Limits bound what a reader accepts, so a hostile file cannot make it allocate more than
// the limits justify. The zero value of a field means its default.
type Limits struct {
	MaxBodySize int64 // uncompressed body bytes; default 256 MiB
	MaxNodes    int   // nodes of one network; default 1<<24
	MaxEdges    int   // edges of one network; default 1<<26
	MaxSamples  int   // samples of one code marginal; default 1<<24
}

// DefaultLimits are the limits Read and Load use.
var DefaultLimits = Limits{MaxBodySize: 256 << 20, MaxNodes: 1 << 24, MaxEdges: 1 << 26, MaxSamples: 1 << 24}

func (l Limits) withDefaults() Limits {
	if l.MaxBodySize <= 0 {
		l.MaxBodySize = DefaultLimits.MaxBodySize
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	if l.MaxEdges <= 0 {
		l.MaxEdges = DefaultLimits.MaxEdges
	}
	if l.MaxSamples <= 0 {
		l.MaxSamples = DefaultLimits.MaxSamples
	}
	return l
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Validate checks that b is a consistent model of its kind. Write calls it; Read calls it
// on everything it decodes.
func (b *Bundle) Validate() error { return b.validate(DefaultLimits) }

func (b *Bundle) validate(lim Limits) error {
	switch b.Kind {
	case KindClassifier, KindAutoencoder, KindGenerator:
		if b.Network == nil {
			return errf(ErrInvalid, "bundle", "%v bundle has no network", b.Kind)
		}
		want := KindClassifier
		if b.Kind != KindClassifier {
			want = KindAutoencoder
		}
		if err := b.Network.validate("network", want, lim); err != nil {
			return err
		}
		if b.Kind == KindGenerator {
			if b.Generator == nil {
				return errf(ErrInvalid, "bundle", "generator bundle has no generator section")
			}
			return b.Generator.validate(len(b.Network.NodesWithRole(RoleCode)), lim)
		}
	case KindNMF:
		if b.NMF == nil {
			return errf(ErrInvalid, "bundle", "nmf bundle has no nmf section")
		}
		return b.NMF.validate()
	default:
		return errf(ErrInvalid, "bundle", "unknown kind %d", uint8(b.Kind))
	}
	return nil
}

func checkShape(shape []int, n int, where string) error {
	if shape == nil {
		return nil
	}
	if len(shape) != 2 || shape[0] <= 0 || shape[1] <= 0 || shape[0] > n || shape[0]*shape[1] != n {
		return errf(ErrInvalid, where, "data shape %v does not hold %d data nodes", shape, n)
	}
	return nil
}

// validate checks the network's sizes, values and graph. kind is KindClassifier or
// KindAutoencoder (generators hold an autoencoder).
func (n *Network) validate(where string, kind Kind, lim Limits) error {
	lim = lim.withDefaults()
	if n.Nodes < 1 || n.Nodes > lim.MaxNodes {
		return errf(ErrInvalid, where, "has %d nodes (limit %d)", n.Nodes, lim.MaxNodes)
	}
	var ne int
	if n.Layers != nil {
		if len(n.Layers) < 2 {
			return errf(ErrInvalid, where, "has %d layers, want at least 2", len(n.Layers))
		}
		sum := 0
		for l, s := range n.Layers {
			if s < 1 || s > lim.MaxNodes {
				return errf(ErrInvalid, where, "layer %d has %d nodes", l, s)
			}
			sum += s
			if sum > n.Nodes {
				break
			}
		}
		if sum != n.Nodes {
			return errf(ErrInvalid, where, "layers %v do not add up to %d nodes", n.Layers, n.Nodes)
		}
		if n.From != nil || n.To != nil {
			return errf(ErrInvalid, where, "has both layers and an edge list")
		}
		e, ok := layeredEdges(n.Layers, n.Cyclic, int64(lim.MaxEdges))
		if !ok {
			return errf(ErrInvalid, where, "layers %v have more than %d edges", n.Layers, lim.MaxEdges)
		}
		ne = int(e)
	} else {
		if n.Cyclic {
			return errf(ErrInvalid, where, "cyclic flag is for layered networks only (an edge list may be cyclic as it stands)")
		}
		if len(n.From) != len(n.To) {
			return errf(ErrInvalid, where, "has %d edge sources but %d targets", len(n.From), len(n.To))
		}
		ne = len(n.From)
		if ne > lim.MaxEdges {
			return errf(ErrInvalid, where, "has %d edges (limit %d)", ne, lim.MaxEdges)
		}
		for e := range ne {
			if n.From[e] < 0 || n.From[e] >= n.Nodes || n.To[e] < 0 || n.To[e] >= n.Nodes {
				return errf(ErrInvalid, where, "edge %d (%d→%d) names a node outside 0..%d", e, n.From[e], n.To[e], n.Nodes-1)
			}
		}
	}
	if len(n.W) != ne {
		return errf(ErrInvalid, where, "has %d edges but %d weights", ne, len(n.W))
	}
	if len(n.B) != n.Nodes {
		return errf(ErrInvalid, where, "has %d nodes but %d biases", n.Nodes, len(n.B))
	}
	if !finite(n.Omega) || n.Omega <= 0 {
		return errf(ErrInvalid, where, "Ω = %v, want a finite positive number", n.Omega)
	}
	for e, w := range n.W {
		if !finite(w) {
			return errf(ErrInvalid, where, "weight %d is %v", e, w)
		}
	}
	for i, b := range n.B {
		if !finite(b) {
			return errf(ErrInvalid, where, "bias of node %d is %v", i, b)
		}
	}
	if len(n.Groups) < 1 || len(n.Groups) > 255 {
		return errf(ErrInvalid, where, "has %d activation groups, want 1..255", len(n.Groups))
	}
	for g, gr := range n.Groups {
		if gr.Activation > ActZigmoid {
			return errf(ErrInvalid, where, "group %d has unknown activation %d", g, uint8(gr.Activation))
		}
		if !finite(gr.Delta) || gr.Delta < 0 || (gr.Activation == ActZigmoid && gr.Delta == 0) {
			return errf(ErrInvalid, where, "group %d (%v) has Δ = %v", g, gr.Activation, gr.Delta)
		}
	}
	if len(n.NodeGroup) != n.Nodes || len(n.Roles) != n.Nodes {
		return errf(ErrInvalid, where, "has %d nodes but %d group indices and %d roles", n.Nodes, len(n.NodeGroup), len(n.Roles))
	}
	var count [4]int
	for i := range n.Nodes {
		if g := n.NodeGroup[i]; g < 0 || g >= len(n.Groups) {
			return errf(ErrInvalid, where, "node %d is in group %d of %d", i, g, len(n.Groups))
		}
		r := n.Roles[i]
		if r > RoleClass {
			return errf(ErrInvalid, where, "node %d has unknown role %d", i, uint8(r))
		}
		count[r]++
		if r == RoleClass && n.Groups[n.NodeGroup[i]].Activation != ActNone {
			return errf(ErrInvalid, where, "class node %d has activation %v, want none", i, n.Groups[n.NodeGroup[i]].Activation)
		}
	}
	if count[RoleData] == 0 {
		return errf(ErrInvalid, where, "has no data nodes")
	}
	if err := checkShape(n.DataShape, count[RoleData], where); err != nil {
		return err
	}
	if err := n.checkConvs(where); err != nil {
		return err
	}
	switch kind {
	case KindClassifier:
		if count[RoleClass] == 0 || count[RoleCode] != 0 {
			return errf(ErrInvalid, where, "classifier has %d class and %d code nodes, want ≥ 1 and 0", count[RoleClass], count[RoleCode])
		}
		if len(n.ClassNames) != 0 && len(n.ClassNames) != count[RoleClass] {
			return errf(ErrInvalid, where, "has %d class nodes but %d class names", count[RoleClass], len(n.ClassNames))
		}
		if _, err := n.Order(RoleData); err != nil {
			return err
		}
		// Data nodes take their values from the item; an edge into one would be ignored.
		from, to := n.Edges()
		for e := range to {
			if n.Roles[to[e]] == RoleData {
				return errf(ErrInvalid, where, "edge %d→%d enters data node %d of a classifier", from[e], to[e], to[e])
			}
		}
	default:
		if count[RoleCode] == 0 || count[RoleClass] != 0 {
			return errf(ErrInvalid, where, "autoencoder has %d code and %d class nodes, want ≥ 1 and 0", count[RoleCode], count[RoleClass])
		}
		if len(n.ClassNames) != 0 {
			return errf(ErrInvalid, where, "autoencoder has class names")
		}
		if _, err := n.Order(RoleData); err != nil {
			return err
		}
		if _, err := n.Order(RoleCode); err != nil {
			return err
		}
	}
	return nil
}

// Order returns the evaluation order of a forward pass that starts at the nodes of role
// start (data or code): every other node, in the order of Kahn's algorithm on the graph
// without the edges that enter a start node, taking the smallest ready node first. It fails
// if that graph has a cycle, i.e. if the forward pass is not defined.
func (n *Network) Order(start Role) ([]int, error) {
	from, to := n.Edges()
	indeg := make([]int32, n.Nodes)
	outStart := make([]int32, n.Nodes+1)
	for e := range from {
		if n.Roles[to[e]] == start {
			continue
		}
		indeg[to[e]]++
		outStart[from[e]+1]++
	}
	for i := range n.Nodes {
		outStart[i+1] += outStart[i]
	}
	out := make([]int32, outStart[n.Nodes])
	fill := append([]int32(nil), outStart[:n.Nodes]...)
	for e := range from {
		if n.Roles[to[e]] == start {
			continue
		}
		out[fill[from[e]]] = int32(to[e])
		fill[from[e]]++
	}
	// A min-heap of ready nodes keeps the order canonical.
	h := make(minHeap, 0, n.Nodes)
	for i := range n.Nodes {
		if indeg[i] == 0 {
			h.push(int32(i))
		}
	}
	order := make([]int, 0, n.Nodes)
	seen := 0
	for len(h) > 0 {
		i := h.pop()
		seen++
		if n.Roles[i] != start {
			order = append(order, int(i))
		}
		for _, j := range out[outStart[i]:outStart[i+1]] {
			if indeg[j]--; indeg[j] == 0 {
				h.push(j)
			}
		}
	}
	if seen != n.Nodes {
		return nil, errf(ErrInvalid, "network", "graph has a cycle that does not pass through the %v nodes (%d of %d nodes cannot be evaluated)", start, n.Nodes-seen, n.Nodes)
	}
	return order, nil
}

type minHeap []int32

func (h *minHeap) push(v int32) {
	*h = append(*h, v)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p] <= s[i] {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *minHeap) pop() int32 {
	s := *h
	v := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l] < s[m] {
			m = l
		}
		if l+1 < len(s) && s[l+1] < s[m] {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return v
}

func (m *NMF) validate() error {
	if m.Data < 1 || m.Codes < 1 || m.Data > 1<<24 || m.Codes > 1<<16 || int64(m.Data)*int64(m.Codes) > 1<<28 {
		return errf(ErrInvalid, "nmf", "has %d data and %d code nodes", m.Data, m.Codes)
	}
	if len(m.Features) != m.Data*m.Codes {
		return errf(ErrInvalid, "nmf", "has %d×%d features but %d values", m.Data, m.Codes, len(m.Features))
	}
	for i, v := range m.Features {
		if !finite(v) || v < 0 {
			return errf(ErrInvalid, "nmf", "feature value %d (data %d, code %d) is %v, want finite and ≥ 0", i, i/m.Codes, i%m.Codes, v)
		}
	}
	if !finite(m.Omega) || m.Omega <= 0 {
		return errf(ErrInvalid, "nmf", "Ω = %v, want a finite positive number", m.Omega)
	}
	return checkShape(m.DataShape, m.Data, "nmf")
}

func (g *Generator) validate(codes int, lim Limits) error {
	if len(g.Marginals) != codes {
		return errf(ErrInvalid, "generator", "has %d marginals for %d code nodes", len(g.Marginals), codes)
	}
	for c, m := range g.Marginals {
		if len(m) == 0 {
			return errf(ErrInvalid, "generator", "marginal %d is empty", c)
		}
		for s, v := range m {
			if !finite(v) {
				return errf(ErrInvalid, "generator", "marginal %d sample %d is %v", c, s, v)
			}
		}
	}
	if !finite(g.FPA) || g.FPA < 0 || g.FPA > 1 {
		return errf(ErrInvalid, "generator", "fpa = %v, want 0..1", g.FPA)
	}
	if g.Filter == nil {
		return errf(ErrInvalid, "generator", "has no fake/genuine filter")
	}
	if err := g.Filter.validate("generator filter", KindClassifier, lim); err != nil {
		return err
	}
	if d := len(g.Filter.NodesWithRole(RoleData)); d != codes {
		return errf(ErrInvalid, "generator filter", "has %d data nodes for %d code nodes", d, codes)
	}
	if c := len(g.Filter.NodesWithRole(RoleClass)); c != 2 {
		return errf(ErrInvalid, "generator filter", "has %d class nodes, want 2 (fake, genuine)", c)
	}
	return nil
}
