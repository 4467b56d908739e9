package infer

import (
	"math"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/asm/f64"
)

// The batched forward pass. Network.Forward evaluates one item node by node and stays the
// plain reference; a plan evaluates the same nodes four items at a time. Consecutive nodes
// of the evaluation order that read the same contiguous run of source nodes (every layer of
// a layered network, the dense layers of the general form) form a dense step, computed
// two nodes × four items per call of the f64.Dots4x2 kernel, so that each source row is
// read once per two nodes and each weight row once per four items. Other nodes (the
// gathered in-edges of weight-tied/convolutional layers) form gathered steps that sum the
// four items side by side, each in the reference's edge order. Bias, division by Ω,
// activation and a finiteness check are fused into the step that computes a node.

// block is the number of items a plan evaluates at once (the kernel's row count).
const block = 4

// step is a run of nodes of the evaluation order.
type step struct {
	nodes  []int
	dense  bool
	lo, n  int   // dense: the shared source nodes x[lo:lo+n]
	weight []int // dense: each node's first weight index; its row is W[weight[k]:+n]
	// gathered: whether the item-major x and y rows of the nodes are read afterwards (by
	// a dense step, or as the plan's results); the interleaved xt always is.
	rows bool
	// gathered: tab[2k], tab[2k+1] are the first in-edge and the in-degree of nodes[k], for
	// f64.Gather4Nodes. No node of a gathered step reads another of the same step.
	tab []int
}

// plan evaluates, from the values of the start nodes, the nodes that targets need.
type plan struct {
	start []int
	steps []step
	// feed: after the steps, compute the start nodes' pre-activations (the autoencoder's
	// round trip) as one more run of steps.
	feed []step
	// direct: the start nodes are the contiguous nodes start[0]…, and no gathered step
	// reads them, so dense steps read the item itself and x of the start nodes is not set.
	direct bool
	// inv is 1/Ω: a plan multiplies where Network.Forward divides (a division costs as
	// much as a whole gathered dot product here); exact when Ω is a power of two, else
	// within half an ulp of the quotient.
	inv float64
}

// newPlan keeps the nodes of order that targets (or, with feed, the start nodes'
// pre-activations) depend on, and groups them into steps.
func newPlan(e *Network, start, order, targets []int, feed bool) *plan {
	need := make([]bool, e.net.Nodes)
	mark := func(j int) {
		in := e.ins[j]
		if in.dense {
			for i := in.lo; i < in.lo+in.n; i++ {
				need[i] = true
			}
			return
		}
		for k := in.lo; k < in.lo+in.n; k++ {
			need[e.src[k]] = true
		}
	}
	for _, j := range targets {
		need[j] = true
	}
	if feed {
		for _, j := range start {
			mark(j)
		}
	}
	for k := len(order) - 1; k >= 0; k-- {
		if j := order[k]; need[j] {
			mark(j)
		}
	}
	var kept []int
	for _, j := range order {
		if need[j] {
			kept = append(kept, j)
		}
	}
	p := &plan{start: start, steps: e.group(kept), inv: 1 / e.omega}
	if feed {
		p.feed = e.group(start)
	}
	rowRead := make([]bool, e.net.Nodes)
	for _, j := range targets {
		rowRead[j] = true
	}
	for _, s := range append(p.steps[:len(p.steps):len(p.steps)], p.feed...) {
		if s.dense {
			for i := s.lo; i < s.lo+s.n; i++ {
				rowRead[i] = true
			}
		}
	}
	for k := range p.steps {
		for _, j := range p.steps[k].nodes {
			p.steps[k].rows = p.steps[k].rows || rowRead[j]
		}
	}
	for k := range p.feed {
		p.feed[k].rows = true
	}
	if len(start) == 0 {
		return p
	}
	p.direct = true
	for k, j := range start {
		if j != start[0]+k {
			p.direct = false
		}
	}
	s0, s1 := start[0], start[0]+len(start)
	for _, s := range append(p.steps[:len(p.steps):len(p.steps)], p.feed...) {
		overlaps := s.lo < s1 && s.lo+s.n > s0
		if !s.dense || overlaps && (s.lo < s0 || s.lo+s.n > s1) {
			p.direct = false
		}
	}
	return p
}

// group splits nodes (in evaluation order) into steps: runs of dense nodes over the same
// sources, and runs of gathered nodes none of which reads another of its run (a gathered
// step takes all its sums before it sets any node).
func (e *Network) group(nodes []int) []step {
	var steps []step
	stepOf := make([]int, e.net.Nodes) // 1 + the step a node was put in, 0 for none yet
	readsStep := func(in inEdges, k int) bool {
		for i := in.lo; i < in.lo+in.n; i++ {
			if stepOf[e.src[i]] == k+1 {
				return true
			}
		}
		return false
	}
	for _, j := range nodes {
		in := e.ins[j]
		k := len(steps) - 1
		switch {
		case k >= 0 && in.dense && steps[k].dense && steps[k].lo == in.lo && steps[k].n == in.n:
			steps[k].nodes = append(steps[k].nodes, j)
			steps[k].weight = append(steps[k].weight, in.w)
		case k >= 0 && !in.dense && !steps[k].dense && !readsStep(in, k):
			steps[k].nodes = append(steps[k].nodes, j)
			steps[k].tab = append(steps[k].tab, in.lo, in.n)
		default:
			s := step{nodes: []int{j}, dense: in.dense}
			if in.dense {
				s.lo, s.n, s.weight = in.lo, in.n, []int{in.w}
			} else {
				s.tab = []int{in.lo, in.n}
			}
			steps = append(steps, s)
			k++
		}
		stepOf[j] = k + 1
	}
	return steps
}

// workspace holds a block of items' node values; one per goroutine (from Model's pool).
type workspace struct {
	x, y [block][]float64
	xt   []float64   // x of the block interleaved, node i of item b at xt[4i+b], for Gather4
	g    []float64   // a gathered step's sums, four per node (f64.Gather4Nodes)
	bad  [block]bool // an item met a non-finite pre-activation
	d    [8]float64
}

func newWorkspace(nodes int) *workspace {
	ws := &workspace{}
	for b := range block {
		ws.x[b], ws.y[b] = make([]float64, nodes), make([]float64, nodes)
	}
	ws.xt = make([]float64, block*nodes)
	ws.g = make([]float64, block*nodes)
	return ws
}

// rows holds a block's start values (the caller's items or codes). It lives on the
// caller's stack and is passed by pointer, never stored, so that the caller's slices do
// not escape to the heap.
type rows [block][]float64

// load points in at up to block items; a short block repeats its last item so that the
// kernels always see four rows (the repeats' results are not read).
func (in *rows) load(items [][]float64) {
	for b := range block {
		in[b] = items[min(b, len(items)-1)]
	}
}

// run evaluates the block in into ws.
func (p *plan) run(e *Network, ws *workspace, ins *rows) {
	ws.bad = [block]bool{}
	if !p.direct {
		for b := range block {
			x, in := ws.x[b], ins[b]
			for k, i := range p.start {
				x[i] = in[k]
				ws.xt[block*i+b] = in[k]
			}
		}
	}
	p.eval(e, ws, ins, p.steps, true)
	p.eval(e, ws, ins, p.feed, false)
}

// eval runs steps; activate says whether x of the nodes is set (not for the feed-around,
// where x keeps the item and only y is computed, as in Network.run).
func (p *plan) eval(e *Network, ws *workspace, ins *rows, steps []step, activate bool) {
	w, bias := e.net.W, e.net.B
	for si := range steps {
		s := &steps[si]
		if s.dense {
			var src [block][]float64
			for b := range block {
				if p.direct && s.lo >= p.start[0] && s.lo+s.n <= p.start[0]+len(p.start) {
					src[b] = ins[b][s.lo-p.start[0] : s.lo-p.start[0]+s.n]
				} else {
					src[b] = ws.x[b][s.lo : s.lo+s.n]
				}
			}
			for k := 0; k < len(s.nodes); k += 2 {
				k1 := min(k+1, len(s.nodes)-1)
				f64.Dots4x2(&ws.d, src[0], src[1], src[2], src[3], w[s.weight[k]:s.weight[k]+s.n], w[s.weight[k1]:s.weight[k1]+s.n])
				for b := range block {
					p.set(e, ws, b, s.nodes[k], ws.d[2*b], bias, activate)
					if k1 != k {
						p.set(e, ws, b, s.nodes[k1], ws.d[2*b+1], bias, activate)
					}
				}
			}
			continue
		}
		f64.Gather4Nodes(ws.g, ws.xt, w, e.src, e.eid, s.tab)
		for k, j := range s.nodes {
			p.setBlock(e, ws, j, (*[block]float64)(ws.g[block*k:block*k+block]), bias[j], activate, s.rows)
		}
	}
}

// setBlock is set for node j of the four items of the block at once.
func (p *plan) setBlock(e *Network, ws *workspace, j int, d *[block]float64, bias float64, activate, rows bool) {
	var y [block]float64
	for b := range block {
		y[b] = d[b] * p.inv
		if y[b]-y[b] != 0 { // NaN or ±Inf
			ws.bad[b] = true
		}
	}
	if rows {
		for b := range block {
			ws.y[b][j] = y[b]
		}
	}
	if !activate {
		return
	}
	xt := ws.xt[block*j : block*j+block]
	switch act, delta := e.act[j], e.delta[j]; act {
	case format.ActReLU:
		for b := range block {
			xt[b] = max(y[b]-bias, 0)
		}
	default:
		for b := range block {
			xt[b] = Activate(act, y[b]-bias, delta)
		}
	}
	if rows {
		for b := range block {
			ws.x[b][j] = xt[b]
		}
	}
}

// set stores node j's pre-activation sum s of item b: y = s/Ω, x = f(y − b).
func (p *plan) set(e *Network, ws *workspace, b, j int, s float64, bias []float64, activate bool) {
	y := s * p.inv
	ws.y[b][j] = y
	if math.IsInf(y, 0) || y != y {
		ws.bad[b] = true
	}
	if activate {
		v := Activate(e.act[j], y-bias[j], e.delta[j])
		ws.x[b][j] = v
		ws.xt[block*j+b] = v
	}
}

// runOne evaluates one item into item 0 of ws: the dense steps take eight nodes per
// f64.Dots1x8 call (four per Dots1x4 for the rest), whose sums equal those of Dots4x2, and
// the gathered steps f64.Gather1, one lane of Gather4, so an item gets the same values alone
// as in a batch.
func (p *plan) runOne(e *Network, ws *workspace, item []float64) {
	ws.bad = [block]bool{}
	x := ws.x[0]
	if !p.direct {
		for k, i := range p.start {
			x[i] = item[k]
		}
	}
	p.evalOne(e, ws, item, p.steps, true)
	p.evalOne(e, ws, item, p.feed, false)
}

func (p *plan) evalOne(e *Network, ws *workspace, item []float64, steps []step, activate bool) {
	w, bias, x := e.net.W, e.net.B, ws.x[0]
	var d [4]float64
	var d8 [8]float64
	for si := range steps {
		s := &steps[si]
		if !s.dense {
			for _, j := range s.nodes {
				in := e.ins[j]
				p.set(e, ws, 0, j, f64.Gather1(x, w, e.src[in.lo:in.lo+in.n], e.eid[in.lo:in.lo+in.n]), bias, activate)
			}
			continue
		}
		var src []float64
		if p.direct && s.lo >= p.start[0] && s.lo+s.n <= p.start[0]+len(p.start) {
			src = item[s.lo-p.start[0] : s.lo-p.start[0]+s.n]
		} else {
			src = x[s.lo : s.lo+s.n]
		}
		last := len(s.nodes) - 1
		k := 0
		for ; k+8 <= len(s.nodes); k += 8 {
			var rowsW [8][]float64
			for c := range 8 {
				rowsW[c] = w[s.weight[k+c] : s.weight[k+c]+s.n]
			}
			f64.Dots1x8(&d8, src, &rowsW)
			for c := range 8 {
				p.set(e, ws, 0, s.nodes[k+c], d8[c], bias, activate)
			}
		}
		for ; k <= last; k += 4 {
			k1, k2, k3 := min(k+1, last), min(k+2, last), min(k+3, last)
			f64.Dots1x4(&d, src, w[s.weight[k]:s.weight[k]+s.n], w[s.weight[k1]:s.weight[k1]+s.n],
				w[s.weight[k2]:s.weight[k2]+s.n], w[s.weight[k3]:s.weight[k3]+s.n])
			for c := range min(4, last-k+1) {
				p.set(e, ws, 0, s.nodes[k+c], d[c], bias, activate)
			}
		}
	}
}
