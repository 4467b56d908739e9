package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// A small reference evaluator of the decoded models, for the tests: it runs the operators
// this package writes, with ONNX's semantics (numpy broadcasting, Gather on axis 1, NCHW
// Conv without padding), in float64 whatever the model's element type, so that a test can
// hold a decoded model's outputs against infer's without ONNX Runtime.

type tval struct {
	shape []int
	v     []float64
}

func (t tval) size() int {
	s := 1
	for _, d := range t.shape {
		s *= d
	}
	return s
}

func tensorValue(t tensorProto) (tval, error) {
	out := tval{}
	for _, d := range t.Dims {
		out.shape = append(out.shape, int(d))
	}
	switch t.DataType {
	case dtFloat:
		for i := 0; i+4 <= len(t.Raw); i += 4 {
			out.v = append(out.v, float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Raw[i:]))))
		}
	case dtDouble, dtInt64:
		for i := 0; i+8 <= len(t.Raw); i += 8 {
			u := binary.LittleEndian.Uint64(t.Raw[i:])
			if t.DataType == dtDouble {
				out.v = append(out.v, math.Float64frombits(u))
			} else {
				out.v = append(out.v, float64(int64(u)))
			}
		}
	default:
		return out, fmt.Errorf("tensor %s: data type %d", t.Name, t.DataType)
	}
	if out.size() != len(out.v) {
		return out, fmt.Errorf("tensor %s: shape %v, %d values", t.Name, out.shape, len(out.v))
	}
	return out, nil
}

func attrOf(n nodeProto, name string) (attribute, bool) {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return attribute{}, false
}

// evalModel runs m on input (rows × width values) and returns its outputs by name.
func evalModel(m *modelProto, input []float64, width int) (map[string]tval, error) {
	env := map[string]tval{}
	for _, t := range m.Graph.Initializers {
		v, err := tensorValue(t)
		if err != nil {
			return nil, err
		}
		env[t.Name] = v
	}
	if len(m.Graph.Inputs) != 1 {
		return nil, fmt.Errorf("%d inputs", len(m.Graph.Inputs))
	}
	env[m.Graph.Inputs[0].Name] = tval{shape: []int{len(input) / width, width}, v: input}
	for _, n := range m.Graph.Nodes {
		in := make([]tval, len(n.Inputs))
		for k, name := range n.Inputs {
			v, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("%s reads undefined %q", n.Name, name)
			}
			in[k] = v
		}
		out, err := evalNode(n, in)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", n.Name, n.OpType, err)
		}
		env[n.Outputs[0]] = out
	}
	res := map[string]tval{}
	for _, o := range m.Graph.Outputs {
		res[o.Name] = env[o.Name]
	}
	return res, nil
}

func evalNode(n nodeProto, in []tval) (tval, error) {
	switch n.OpType {
	case "Identity":
		return in[0], nil
	case "Add", "Sub", "Div", "Greater":
		return broadcast(in[0], in[1], map[string]func(a, b float64) float64{
			"Add": func(a, b float64) float64 { return a + b },
			"Sub": func(a, b float64) float64 { return a - b },
			"Div": func(a, b float64) float64 { return a / b },
			"Greater": func(a, b float64) float64 {
				if a > b {
					return 1
				}
				return 0
			},
		}[n.OpType])
	case "Relu", "Cast":
		out := tval{shape: in[0].shape, v: slices.Clone(in[0].v)}
		for i, x := range out.v {
			if n.OpType == "Relu" && !(x > 0) {
				out.v[i] = 0
			}
		}
		return out, nil
	case "Clip":
		lo, hi := in[1].v[0], in[2].v[0]
		out := tval{shape: in[0].shape, v: slices.Clone(in[0].v)}
		for i, x := range out.v {
			out.v[i] = min(max(x, lo), hi)
		}
		return out, nil
	case "MatMul":
		a, b := in[0], in[1]
		k, m := b.shape[0], b.shape[1]
		if len(b.shape) != 2 || a.shape[len(a.shape)-1] != k {
			return tval{}, fmt.Errorf("shapes %v × %v", a.shape, b.shape)
		}
		rows := a.size() / k
		out := tval{shape: append(slices.Clone(a.shape[:len(a.shape)-1]), m), v: make([]float64, rows*m)}
		for r := range rows {
			for j := range m {
				var s float64
				for i := range k {
					s += a.v[r*k+i] * b.v[i*m+j]
				}
				out.v[r*m+j] = s
			}
		}
		return out, nil
	case "Gather":
		if a, _ := attrOf(n, "axis"); a.I != 1 || len(in[0].shape) != 2 {
			return tval{}, fmt.Errorf("axis %d on shape %v", a.I, in[0].shape)
		}
		d, w := in[0], in[0].shape[1]
		rows := d.shape[0]
		out := tval{shape: append([]int{rows}, in[1].shape...)}
		for r := range rows {
			for _, c := range in[1].v {
				if c < 0 || int(c) >= w {
					return tval{}, fmt.Errorf("index %v of %d columns", c, w)
				}
				out.v = append(out.v, d.v[r*w+int(c)])
			}
		}
		return out, nil
	case "Concat":
		rows := in[0].shape[0]
		out := tval{shape: []int{rows, 0}}
		for _, t := range in {
			out.shape[1] += t.shape[1]
		}
		for r := range rows {
			for _, t := range in {
				out.v = append(out.v, t.v[r*t.shape[1]:(r+1)*t.shape[1]]...)
			}
		}
		return out, nil
	case "ArgMax":
		rows, c := in[0].shape[0], in[0].shape[1]
		out := tval{shape: []int{rows}}
		for r := range rows {
			best := 0
			for j := 1; j < c; j++ {
				if in[0].v[r*c+j] > in[0].v[r*c+best] {
					best = j
				}
			}
			out.v = append(out.v, float64(best))
		}
		return out, nil
	case "Reshape":
		shape, known := make([]int, len(in[1].v)), 1
		for i, d := range in[1].v {
			shape[i] = int(d)
			if d >= 0 {
				known *= int(d)
			}
		}
		for i := range shape {
			if shape[i] < 0 {
				shape[i] = in[0].size() / known
			}
		}
		return tval{shape: shape, v: in[0].v}, nil
	case "Transpose":
		a, _ := attrOf(n, "perm")
		return transpose4(in[0], a.Ints)
	case "Slice":
		return slice(in[0], in[1].v, in[2].v, in[3].v)
	case "Conv":
		return conv(n, in[0], in[1])
	}
	return tval{}, fmt.Errorf("operator %s is not in the reference evaluator", n.OpType)
}

// broadcast applies op elementwise with numpy broadcasting.
func broadcast(a, b tval, op func(a, b float64) float64) (tval, error) {
	r := max(len(a.shape), len(b.shape))
	pad := func(s []int) []int { return append(slices.Repeat([]int{1}, r-len(s)), s...) }
	as, bs := pad(a.shape), pad(b.shape)
	shape := make([]int, r)
	for i := range r {
		switch {
		case as[i] == bs[i], bs[i] == 1:
			shape[i] = as[i]
		case as[i] == 1:
			shape[i] = bs[i]
		default:
			return tval{}, fmt.Errorf("shapes %v and %v do not broadcast", a.shape, b.shape)
		}
	}
	out := tval{shape: shape}
	out.v = make([]float64, out.size())
	idx := make([]int, r)
	for k := range out.v {
		ai, bi := 0, 0
		for i := range r {
			ai = ai*as[i] + idx[i]%as[i]
			bi = bi*bs[i] + idx[i]%bs[i]
		}
		out.v[k] = op(a.v[ai], b.v[bi])
		for i := r - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out, nil
}

func transpose4(a tval, perm []int64) (tval, error) {
	if len(a.shape) != 4 || len(perm) != 4 {
		return tval{}, fmt.Errorf("transpose of shape %v by %v", a.shape, perm)
	}
	shape := make([]int, 4)
	for i, p := range perm {
		shape[i] = a.shape[p]
	}
	stride := []int{a.shape[1] * a.shape[2] * a.shape[3], a.shape[2] * a.shape[3], a.shape[3], 1}
	out := tval{shape: shape}
	for i0 := range shape[0] {
		for i1 := range shape[1] {
			for i2 := range shape[2] {
				for i3 := range shape[3] {
					idx := []int{i0, i1, i2, i3}
					src := 0
					for i, p := range perm {
						src += idx[i] * stride[p]
					}
					out.v = append(out.v, a.v[src])
				}
			}
		}
	}
	return out, nil
}

// slice is Slice with positive starts and ends on the given axes, steps of 1.
func slice(a tval, starts, ends, axes []float64) (tval, error) {
	lo, hi := make([]int, len(a.shape)), slices.Clone(a.shape)
	for k, ax := range axes {
		lo[int(ax)], hi[int(ax)] = int(starts[k]), min(int(ends[k]), a.shape[int(ax)])
	}
	shape := make([]int, len(a.shape))
	for i := range shape {
		shape[i] = hi[i] - lo[i]
	}
	out := tval{shape: shape}
	idx := slices.Clone(lo)
	for {
		src := 0
		for i := range idx {
			src = src*a.shape[i] + idx[i]
		}
		out.v = append(out.v, a.v[src])
		i := len(idx) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < hi[i] {
				break
			}
			idx[i] = lo[i]
		}
		if i < 0 {
			return out, nil
		}
	}
}

func conv(n nodeProto, x, k tval) (tval, error) {
	st, _ := attrOf(n, "strides")
	if len(x.shape) != 4 || len(k.shape) != 4 || x.shape[1] != k.shape[1] || len(st.Ints) != 2 {
		return tval{}, fmt.Errorf("conv of %v by %v, strides %v", x.shape, k.shape, st.Ints)
	}
	N, C, H, W := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	O, K, S := k.shape[0], k.shape[2], int(st.Ints[0])
	OH, OW := (H-K)/S+1, (W-K)/S+1
	out := tval{shape: []int{N, O, OH, OW}}
	for b := range N {
		for o := range O {
			for y := range OH {
				for xx := range OW {
					var s float64
					for c := range C {
						for dy := range K {
							for dx := range K {
								s += x.v[((b*C+c)*H+y*S+dy)*W+xx*S+dx] * k.v[((o*C+c)*K+dy)*K+dx]
							}
						}
					}
					out.v = append(out.v, s)
				}
			}
		}
	}
	return out, nil
}
