package onnx

import (
	"fmt"
	"slices"
	"sort"

	"github.com/lwl-go/lwl/format"
)

// maxMatrix is the most entries (zeros included) of one weight matrix of an exported
// block: a general-form block whose sources and targets are many but sparsely connected
// would need a dense matrix this large.
const maxMatrix = 1 << 26

// forward writes the forward pass of SPEC.md §5 (infer.Network's Forward from the start
// role) into a builder: y_j = Σ_i x_i·w_ij / Ω and x_j = f(y_j − b_j).
//
// The nodes that the wanted outputs depend on are grouped into blocks evaluated at once: a
// node's level is one more than the highest level of its sources (the start nodes, which
// hold the input, are level 0), and a block is the nodes of one level and one activation
// group, or the output nodes of one convolution (format.Conv). A block becomes
//
//   - a convolution: ONNX Conv on the input reshaped from lwl's height × width × channel
//     order to NCHW (float32 only: ONNX Runtime's CPU Conv has no float64 kernel), or the
//     same tied kernel as a MatMul over gathered patches (Gather of the kernel's input
//     positions, then MatMul with the kernel), for float64 or inputs that are not one
//     consecutive run of a tensor;
//   - otherwise one MatMul per tensor its sources lie in (a Gather first when it reads only
//     some of that tensor's columns, in any order), with the weights of the block's edges and
//     zeros where two nodes have no edge; a layered network's layer is one such MatMul.
//
// Each block's output is a tensor [N, len(block)] of x, its nodes in increasing order.
type forward struct {
	b       *builder
	n       *format.Network
	convOp  bool
	tensors []tensorCols // tensor 0 is the input
	where   []place      // per node; t < 0 if not computed
}

type tensorCols struct {
	name  string
	nodes []int // the node of each column
}

type place struct{ t, col int }

// newForward lays out the forward pass from the start nodes (role start, fed by the graph
// input named input) to the nodes outs, and writes it into b.
func newForward(b *builder, n *format.Network, start format.Role, input string, outs []int, convOp bool) (*forward, error) {
	f := &forward{b: b, n: n, convOp: convOp, where: make([]place, n.Nodes)}
	for i := range f.where {
		f.where[i].t = -1
	}
	startNodes := n.NodesWithRole(start)
	b.batchInput(input, len(startNodes))
	f.tensors = append(f.tensors, tensorCols{name: input, nodes: startNodes})
	isStart := make([]bool, n.Nodes)
	for k, i := range startNodes {
		isStart[i], f.where[i] = true, place{0, k}
	}
	order, err := n.Order(start)
	if err != nil {
		return nil, err
	}
	// The in-edges of each node in edge order, as infer groups them.
	from, to := n.Edges()
	ins := make([][]int, n.Nodes)
	for e, j := range to {
		if !isStart[j] {
			ins[j] = append(ins[j], e)
		}
	}
	need := make([]bool, n.Nodes)
	for _, j := range outs {
		need[j] = true
	}
	for k := len(order) - 1; k >= 0; k-- {
		if j := order[k]; need[j] {
			for _, e := range ins[j] {
				need[from[e]] = true
			}
		}
	}
	// Convolutions whose outputs are all needed, in one group and not among their inputs.
	convOf := make([]int, n.Nodes)
	for i := range convOf {
		convOf[i] = -1
	}
	for ci, c := range n.Conv {
		o0, on := c.Out, c.OutShape[0]*c.OutShape[1]*c.OutShape[2]
		in := c.InShape[0] * c.InShape[1] * c.InShape[2]
		ok := c.In+in <= o0 || o0+on <= c.In
		for j := o0; j < o0+on && ok; j++ {
			ok = need[j] && !isStart[j] && convOf[j] < 0 && n.NodeGroup[j] == n.NodeGroup[o0]
		}
		if ok {
			for j := o0; j < o0+on; j++ {
				convOf[j] = ci
			}
		}
	}
	level, ok := levels(n, order, need, ins, from, convOf)
	if !ok {
		for i := range convOf {
			convOf[i] = -1
		}
		level, _ = levels(n, order, need, ins, from, convOf)
	}
	type key struct{ level, group, conv int }
	blocks := map[key][]int{}
	for _, j := range order {
		if need[j] {
			k := key{level[j], n.NodeGroup[j], convOf[j]}
			blocks[k] = append(blocks[k], j)
		}
	}
	keys := make([]key, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a].level != keys[b].level {
			return keys[a].level < keys[b].level
		}
		return slices.Min(blocks[keys[a]]) < slices.Min(blocks[keys[b]])
	})
	for _, k := range keys {
		nodes := blocks[k]
		slices.Sort(nodes)
		var err error
		if k.conv >= 0 {
			err = f.conv(n.Conv[k.conv], nodes, ins, from)
		} else {
			err = f.dense(nodes, ins, from)
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// levels computes each needed node's level; the output nodes of one convolution share the
// highest of theirs. It reports false if that sharing does not settle (a convolution's
// output feeds, through other nodes, its own input).
func levels(n *format.Network, order []int, need []bool, ins [][]int, from []int, convOf []int) ([]int, bool) {
	level := make([]int, n.Nodes)
	for pass := 0; pass <= len(order)+1; pass++ {
		changed := false
		for _, j := range order {
			if !need[j] {
				continue
			}
			l := 1
			for _, e := range ins[j] {
				l = max(l, level[from[e]]+1)
			}
			if l > level[j] {
				level[j], changed = l, true
			}
		}
		for ci := range n.Conv {
			c := n.Conv[ci]
			o0, on := c.Out, c.OutShape[0]*c.OutShape[1]*c.OutShape[2]
			if convOf[o0] != ci {
				continue
			}
			m := 0
			for j := o0; j < o0+on; j++ {
				m = max(m, level[j])
			}
			for j := o0; j < o0+on; j++ {
				if level[j] != m {
					level[j], changed = m, true
				}
			}
		}
		if !changed {
			return level, true
		}
	}
	return nil, false
}

// activate applies the activation of group g to z (SPEC.md §5.2), with standard operators
// only: relu is Relu; step (1 for z > 0, else 0) is Cast(Greater(z, 0)); zigmoid is
// Clip((z + Δ)/(2Δ), 0, 1), which is 0 for z ≤ −Δ, 1 for z ≥ Δ and (z + Δ)/(2Δ) between,
// the same arithmetic as infer.Activate.
func (f *forward) activate(z string, g format.Group) string {
	b := f.b
	switch g.Activation {
	case format.ActReLU:
		return b.op("", "Relu", []string{z})
	case format.ActStep:
		gt := b.op("", "Greater", []string{z, b.scalar("zero", 0)})
		return b.op("", "Cast", []string{gt}, intAttr("to", int64(b.dt)))
	case format.ActZigmoid:
		s := b.op("", "Add", []string{z, b.scalar("delta", g.Delta)})
		s = b.op("", "Div", []string{s, b.scalar("two_delta", 2*g.Delta)})
		return b.op("", "Clip", []string{s, b.scalar("zero", 0), b.scalar("one", 1)})
	}
	return z
}

// finish turns the sums s = Σ x·w of nodes (a tensor whose last axes, those of bshape, run
// over the nodes' biases) into x = f(s/Ω − b).
//
// Ω is divided by as a tensor of bshape, each entry Ω, not as a scalar: ONNX Runtime fuses
// a MatMul followed by Div by a scalar constant into one FusedMatMul whose scale is a
// float32 attribute, which made a float64 model with Ω = 10 differ from infer by 2·10⁻⁸
// (1/10 rounded to float32); the check script (scripts/onnx-check) caught it.
func (f *forward) finish(s string, biases []float64, bshape []int64, g format.Group) string {
	b := f.b
	omega := make([]float64, len(biases))
	for i := range omega {
		omega[i] = f.n.Omega
	}
	y := b.op("", "Div", []string{s, b.real("omega", bshape, omega)})
	z := b.op("", "Sub", []string{y, b.real("bias", bshape, biases)})
	return f.activate(z, g)
}

func (f *forward) add(name string, nodes []int) {
	t := len(f.tensors)
	f.tensors = append(f.tensors, tensorCols{name: name, nodes: nodes})
	for k, j := range nodes {
		f.where[j] = place{t, k}
	}
}

// gather returns tensor t restricted to the columns cols, in that order: t itself when cols
// are all of its columns in order.
func (f *forward) gather(t int, cols []int) string {
	tc := f.tensors[t]
	whole := len(cols) == len(tc.nodes)
	for k, c := range cols {
		whole = whole && c == k
	}
	if whole {
		return tc.name
	}
	idx := make([]int64, len(cols))
	for k, c := range cols {
		idx[k] = int64(c)
	}
	return f.b.op("", "Gather", []string{tc.name, f.b.ints("cols", []int64{int64(len(idx))}, idx)}, intAttr("axis", 1))
}

// dense evaluates nodes (one level, one group) by MatMul over each source tensor.
func (f *forward) dense(nodes []int, ins [][]int, from []int) error {
	n, b := f.n, f.b
	pos := map[int]int{}
	for k, j := range nodes {
		pos[j] = k
	}
	cols := map[int][]int{}
	seen := map[place]bool{}
	for _, j := range nodes {
		for _, e := range ins[j] {
			p := f.where[from[e]]
			if p.t < 0 {
				return fmt.Errorf("onnx: node %d reads node %d before it is computed", j, from[e])
			}
			if !seen[p] {
				seen[p] = true
				cols[p.t] = append(cols[p.t], p.col)
			}
		}
	}
	if len(cols) == 0 { // nodes without in-edges: y = 0, a zero matrix on the input
		cols[0] = nil
		for k := range f.tensors[0].nodes {
			cols[0] = append(cols[0], k)
		}
	}
	ts := make([]int, 0, len(cols))
	for t := range cols {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	var sum string
	for _, t := range ts {
		c := cols[t]
		slices.Sort(c)
		if int64(len(c))*int64(len(nodes)) > maxMatrix {
			return fmt.Errorf("onnx: nodes %d..%d read %d values of one tensor; the %d×%d weight matrix would exceed %d entries",
				nodes[0], nodes[len(nodes)-1], len(c), len(c), len(nodes), maxMatrix)
		}
		row := map[int]int{}
		for k, col := range c {
			row[col] = k
		}
		w := make([]float64, len(c)*len(nodes))
		for _, j := range nodes {
			for _, e := range ins[j] {
				if p := f.where[from[e]]; p.t == t {
					w[row[p.col]*len(nodes)+pos[j]] += n.W[e]
				}
			}
		}
		mm := b.op("", "MatMul", []string{f.gather(t, c), b.real("weights", []int64{int64(len(c)), int64(len(nodes))}, w)})
		if sum == "" {
			sum = mm
		} else {
			sum = b.op("", "Add", []string{sum, mm})
		}
	}
	bias := make([]float64, len(nodes))
	for k, j := range nodes {
		bias[k] = n.B[j]
	}
	x := f.finish(sum, bias, []int64{int64(len(nodes))}, n.Groups[n.NodeGroup[nodes[0]]])
	f.add(x, nodes)
	return nil
}

// conv evaluates the output nodes of convolution c (SPEC.md §2 "Convolutions").
func (f *forward) conv(c format.Conv, nodes []int, ins [][]int, from []int) error {
	n, b := f.n, f.b
	H, W, C := c.InShape[0], c.InShape[1], c.InShape[2]
	OH, OW, O := c.OutShape[0], c.OutShape[1], c.OutShape[2]
	K, S, fan := c.Kernel, c.Stride, c.FanIn()
	t := f.where[c.In].t
	inCols := make([]int, H*W*C)
	consecutive := t >= 0
	for k := range inCols {
		p := f.where[c.In+k]
		if p.t != t || t < 0 {
			return f.dense(nodes, ins, from) // inputs spread over tensors: a plain block
		}
		inCols[k] = p.col
		consecutive = consecutive && p.col == inCols[0]+k
	}
	bias := make([]float64, O)
	for o := range O {
		bias[o] = n.B[c.Out+o]
	}
	g := n.Groups[n.NodeGroup[c.Out]]
	var x string
	if f.convOp && consecutive {
		// Kernel [O, C, K, K] from the edge order dy, dx, c of output channel o.
		kern := make([]float64, O*C*K*K)
		for o := range O {
			for dy := range K {
				for dx := range K {
					for ci := range C {
						kern[((o*C+ci)*K+dy)*K+dx] = n.W[c.Edge+o*fan+(dy*K+dx)*C+ci]
					}
				}
			}
		}
		src := f.tensors[t].name
		if inCols[0] != 0 || len(inCols) != len(f.tensors[t].nodes) {
			lo := int64(inCols[0])
			src = b.op("", "Slice", []string{src, b.ints("starts", []int64{1}, []int64{lo}),
				b.ints("ends", []int64{1}, []int64{lo + int64(len(inCols))}), b.ints("axes", []int64{1}, []int64{1})})
		}
		nhwc := b.op("", "Reshape", []string{src, b.ints("shape", []int64{4}, []int64{-1, int64(H), int64(W), int64(C)})})
		nchw := b.op("", "Transpose", []string{nhwc}, intsAttr("perm", 0, 3, 1, 2))
		// A valid convolution may leave the last rows or columns unread (OutShape is not
		// always the largest that fits); Conv would make outputs of them, so they go first.
		if uh, uw := int64((OH-1)*S+K), int64((OW-1)*S+K); uh < int64(H) || uw < int64(W) {
			nchw = b.op("", "Slice", []string{nchw, b.ints("starts", []int64{2}, []int64{0, 0}),
				b.ints("ends", []int64{2}, []int64{uh, uw}), b.ints("axes", []int64{2}, []int64{2, 3})})
		}
		s := b.op("", "Conv", []string{nchw, b.real("kernel", []int64{int64(O), int64(C), int64(K), int64(K)}, kern)},
			intsAttr("kernel_shape", int64(K), int64(K)), intsAttr("strides", int64(S), int64(S)))
		a := f.finish(s, bias, []int64{int64(O), 1, 1}, g)
		back := b.op("", "Transpose", []string{a}, intsAttr("perm", 0, 2, 3, 1))
		x = b.op("", "Reshape", []string{back, b.ints("shape", []int64{2}, []int64{-1, int64(OH * OW * O)})})
	} else {
		// Patches [OH·OW, fan] of input columns, in the kernel's edge order.
		idx := make([]int64, 0, OH*OW*fan)
		for y := range OH {
			for xx := range OW {
				for dy := range K {
					for dx := range K {
						for ci := range C {
							idx = append(idx, int64(inCols[((y*S+dy)*W+xx*S+dx)*C+ci]))
						}
					}
				}
			}
		}
		kern := make([]float64, fan*O)
		for o := range O {
			for e := range fan {
				kern[e*O+o] = n.W[c.Edge+o*fan+e]
			}
		}
		patches := b.op("", "Gather", []string{f.tensors[t].name, b.ints("patches", []int64{int64(OH * OW), int64(fan)}, idx)}, intAttr("axis", 1))
		s := b.op("", "MatMul", []string{patches, b.real("kernel", []int64{int64(fan), int64(O)}, kern)})
		a := f.finish(s, bias, []int64{int64(O)}, g)
		x = b.op("", "Reshape", []string{a, b.ints("shape", []int64{2}, []int64{-1, int64(OH * OW * O)})})
	}
	f.add(x, nodes)
	return nil
}

// collect makes the output out: the x values of nodes, in that order.
func (f *forward) collect(out string, nodes []int) {
	b := f.b
	var parts []string
	for lo := 0; lo < len(nodes); {
		t := f.where[nodes[lo]].t
		hi := lo + 1
		for hi < len(nodes) && f.where[nodes[hi]].t == t {
			hi++
		}
		cols := make([]int, hi-lo)
		for k, j := range nodes[lo:hi] {
			cols[k] = f.where[j].col
		}
		parts = append(parts, f.gather(t, cols))
		lo = hi
	}
	if len(parts) == 1 {
		b.op(out, "Identity", parts)
	} else {
		b.op(out, "Concat", parts, intAttr("axis", 1))
	}
	b.output(out, b.dt, len(nodes))
}
