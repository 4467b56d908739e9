package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
)

// builder assembles a graphProto: nodes in evaluation order and constants as initializers,
// every value with a unique name.
type builder struct {
	g    graphProto
	dt   int32 // dtFloat or dtDouble: the element type of every real tensor
	used map[string]int
}

func newBuilder(dt int32) *builder { return &builder{dt: dt, used: map[string]int{}} }

// name returns a fresh value name starting with prefix.
func (b *builder) name(prefix string) string {
	b.used[prefix]++
	if k := b.used[prefix]; k > 1 {
		return fmt.Sprintf("%s_%d", prefix, k-1)
	}
	return prefix
}

// op adds a node of type op reading in and returns its one output, named out (or a fresh
// name from op's type when out is empty).
func (b *builder) op(out, op string, in []string, attrs ...attribute) string {
	if out == "" {
		out = b.name(op)
	} else {
		b.used[out]++
	}
	b.g.Nodes = append(b.g.Nodes, nodeProto{Inputs: in, Outputs: []string{out}, Name: out, OpType: op, Attrs: attrs})
	return out
}

// real adds a constant of the builder's element type with the given shape.
func (b *builder) real(prefix string, dims []int64, v []float64) string {
	t := tensorProto{Dims: dims, DataType: b.dt, Name: b.name(prefix)}
	if b.dt == dtFloat {
		t.Raw = make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(t.Raw[4*i:], math.Float32bits(float32(f)))
		}
	} else {
		t.Raw = make([]byte, 8*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint64(t.Raw[8*i:], math.Float64bits(f))
		}
	}
	b.g.Initializers = append(b.g.Initializers, t)
	return t.Name
}

// scalar adds a 0-dimensional real constant.
func (b *builder) scalar(prefix string, v float64) string { return b.real(prefix, nil, []float64{v}) }

// ints adds an int64 constant with the given shape.
func (b *builder) ints(prefix string, dims []int64, v []int64) string {
	t := tensorProto{Dims: dims, DataType: dtInt64, Name: b.name(prefix), Raw: make([]byte, 8*len(v))}
	for i, x := range v {
		binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(x))
	}
	b.g.Initializers = append(b.g.Initializers, t)
	return t.Name
}

// batchInput declares a graph input of shape [N, width].
func (b *builder) batchInput(name string, width int) {
	b.used[name]++
	b.g.Inputs = append(b.g.Inputs, valueInfo{Name: name, ElemType: b.dt, Shape: []dim{{Param: batchDimParam}, {Value: int64(width)}}})
}

// output declares a graph output of the given element type: [N, width], or [N] when
// width < 0.
func (b *builder) output(name string, elem int32, width int) {
	shape := []dim{{Param: batchDimParam}}
	if width >= 0 {
		shape = append(shape, dim{Value: int64(width)})
	}
	b.g.Outputs = append(b.g.Outputs, valueInfo{Name: name, ElemType: elem, Shape: shape})
}

func intAttr(name string, v int64) attribute { return attribute{Name: name, Type: attrInt, I: v} }

func intsAttr(name string, v ...int64) attribute {
	return attribute{Name: name, Type: attrInts, Ints: v}
}
