package onnx

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

func load(t *testing.T, name string) *format.Bundle {
	t.Helper()
	b, err := format.Load(filepath.Join("..", "testdata", name))
	require.NoError(t, err)
	return b
}

// items are the first n MNIST test digits, or n rows of a pattern when MNIST is absent.
func mnistItems(t *testing.T, n int) [][]float64 {
	t.Helper()
	if _, err := dataset.MNISTDir(); err != nil {
		t.Skipf("MNIST data not available: %v", err)
	}
	set, err := dataset.MNIST(false, n)
	require.NoError(t, err)
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = set.X.Row(i)
	}
	return rows
}

func oneHot(n int) [][]float64 {
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, n)
		rows[i][i] = 1
	}
	return rows
}

// generalNet is a general-form classifier whose edges are listed out of order, whose nodes
// read scattered sources, and in which a class node reads a data node directly and a
// hidden node another hidden node (three levels).
func generalNet(act format.Activation, delta float64) *format.Bundle {
	n := &format.Network{Nodes: 9, Omega: 1.5,
		Groups:    []format.Group{{Name: "data"}, {Name: "hidden", Activation: act, Delta: delta}, {Name: "class", Delta: 0.1}},
		NodeGroup: []int{0, 0, 0, 0, 1, 1, 1, 2, 2},
		Roles: []format.Role{format.RoleData, format.RoleData, format.RoleData, format.RoleData,
			format.RoleHidden, format.RoleHidden, format.RoleHidden, format.RoleClass, format.RoleClass},
		B: []float64{0, 0, 0, 0, 0.1, -0.2, 0.05, 0.3, -0.1}, ClassNames: []string{"a", "b"}}
	edges := [][3]float64{{6, 8, 0.9}, {0, 4, 1.1}, {3, 5, -0.7}, {2, 4, 0.4}, {1, 6, 1.3}, {4, 7, 0.8},
		{6, 7, -0.5}, {1, 8, 0.6}, {4, 5, 0.25}, {5, 8, -1.2}, {3, 4, 0.5}}
	for _, e := range edges {
		n.From, n.To, n.W = append(n.From, int(e[0])), append(n.To, int(e[1])), append(n.W, e[2])
	}
	return &format.Bundle{Kind: format.KindClassifier, Network: n, Provenance: format.Provenance{Hyper: map[string]float64{"omega": 1.5}}}
}

func flat(rows [][]float64) []float64 {
	var v []float64
	for _, r := range rows {
		v = append(v, r...)
	}
	return v
}

// want computes with infer what a part of b gives for the rows: the named outputs, flat.
func want(t *testing.T, b *format.Bundle, part Part, rows [][]float64) map[string][]float64 {
	t.Helper()
	m, err := infer.New(b)
	require.NoError(t, err)
	out := map[string][]float64{}
	switch part {
	case PartClassifier:
		for _, r := range rows {
			out["scores"] = append(out["scores"], m.Scores(nil, r)...)
			out["class"] = append(out["class"], float64(m.Classify(r)))
		}
	case PartEncoder:
		for _, r := range rows {
			out["code"] = append(out["code"], m.Encode(nil, r)...)
		}
	case PartDecoder:
		for _, r := range rows {
			out["data"] = append(out["data"], m.Decode(nil, r)...)
		}
	case PartFilter:
		f, err := infer.New(&format.Bundle{Kind: format.KindClassifier, Network: b.Generator.Filter})
		require.NoError(t, err)
		for _, r := range rows {
			out["scores"] = append(out["scores"], f.Scores(nil, r)...)
			out["class"] = append(out["class"], float64(f.Classify(r)))
		}
	}
	return out
}

// TestExportMatchesInfer: every exported model decodes back into the model that was
// encoded (graph, weights, metadata), and the decoded model, run by the reference
// evaluator, gives infer's outputs: classes equal, values within 1e-12 in float64 and
// 1e-5 (of max(1, |value|)) in float32.
func TestExportMatchesInfer(t *testing.T) {
	type input func(t *testing.T, b *format.Bundle) [][]float64
	mnist := func(t *testing.T, _ *format.Bundle) [][]float64 { return mnistItems(t, 12) }
	codesOf := func(items input) input {
		return func(t *testing.T, b *format.Bundle) [][]float64 {
			m, err := infer.New(b)
			require.NoError(t, err)
			var codes [][]float64
			for _, r := range items(t, b) {
				codes = append(codes, m.Encode(nil, r))
			}
			return codes
		}
	}
	hot := func(*testing.T, *format.Bundle) [][]float64 { return oneHot(32) }
	general := func(*testing.T, *format.Bundle) [][]float64 {
		return [][]float64{{0, 0, 0, 0}, {1, -1, 0.5, 2}, {-0.3, 0.7, 1.2, -0.4}, {0.2, 0.2, -0.2, 0.9}}
	}
	cases := []struct {
		name   string
		bundle func(t *testing.T) *format.Bundle
		part   Part
		conv   bool // ConvAsMatMul
		items  input
		ops    []string // operators the model must use
	}{
		{"mnist-classifier", func(t *testing.T) *format.Bundle { return load(t, "mnist-classifier.lwlb") }, PartClassifier, false, mnist, []string{"MatMul", "Relu", "ArgMax"}},
		{"mnist-conv-classifier", func(t *testing.T) *format.Bundle { return load(t, "mnist-conv-classifier.lwlb") }, PartClassifier, false, mnist, []string{"Reshape", "MatMul"}},
		{"mnist-conv-classifier conv matmul", func(t *testing.T) *format.Bundle { return load(t, "mnist-conv-classifier.lwlb") }, PartClassifier, true, mnist, []string{"Gather", "MatMul"}},
		{"mnist-generator encoder", func(t *testing.T) *format.Bundle { return load(t, "mnist-generator.lwlb") }, PartEncoder, false, mnist, []string{"Clip"}},
		{"mnist-generator decoder", func(t *testing.T) *format.Bundle { return load(t, "mnist-generator.lwlb") }, PartDecoder, false, codesOf(mnist), []string{"Clip"}},
		{"mnist-generator filter", func(t *testing.T) *format.Bundle { return load(t, "mnist-generator.lwlb") }, PartFilter, false, codesOf(mnist), []string{"Relu", "ArgMax"}},
		{"binary5-generator encoder", func(t *testing.T) *format.Bundle { return load(t, "binary5-generator.lwlb") }, PartEncoder, false, hot, []string{"Greater", "Cast"}},
		{"binary5-generator decoder", func(t *testing.T) *format.Bundle { return load(t, "binary5-generator.lwlb") }, PartDecoder, false, codesOf(hot), []string{"Greater", "Cast"}},
		{"binary5-generator filter", func(t *testing.T) *format.Bundle { return load(t, "binary5-generator.lwlb") }, PartFilter, false, codesOf(hot), []string{"ArgMax"}},
		{"general form relu", func(*testing.T) *format.Bundle { return generalNet(format.ActReLU, 0) }, PartClassifier, false, general, []string{"Gather", "Concat"}},
		{"general form step", func(*testing.T) *format.Bundle { return generalNet(format.ActStep, 0.2) }, PartClassifier, false, general, []string{"Greater"}},
		{"general form zigmoid", func(*testing.T) *format.Bundle { return generalNet(format.ActZigmoid, 0.6) }, PartClassifier, false, general, []string{"Clip"}},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			t.Run(fmt.Sprintf("%s %s", c.name, dt), func(t *testing.T) {
				b := c.bundle(t)
				rows := c.items(t, b)
				m, err := build(b, Options{Part: c.part, DType: dt, ConvAsMatMul: c.conv})
				require.NoError(t, err)
				d, err := decodeModel(m.marshal())
				require.NoError(t, err)
				require.Equal(t, m, d, "the model decodes back into the one encoded")
				assert.EqualValues(t, irVersion, d.IRVersion)
				assert.Equal(t, []opsetID{{"", opsetVersion}}, d.Opsets)
				ops := map[string]bool{}
				for _, n := range d.Graph.Nodes {
					ops[n.OpType] = true
				}
				for _, op := range c.ops {
					assert.True(t, ops[op], "uses %s", op)
				}
				if c.name == "mnist-conv-classifier" {
					assert.Equal(t, dt == Float32, ops["Conv"], "Conv op in float32 only")
				}
				md := map[string]string{}
				for _, e := range d.Metadata {
					md[e.Key] = e.Value
				}
				assert.Equal(t, string(c.part), md["lwl.part"])
				assert.Equal(t, b.Kind.String(), md["lwl.kind"])
				var hyper map[string]float64
				require.NoError(t, json.Unmarshal([]byte(md["lwl.hyper"]), &hyper))
				assert.Equal(t, b.Provenance.Hyper, hyper)

				width := len(rows[0])
				got, err := evalModel(d, flat(rows), width)
				require.NoError(t, err)
				tol := 1e-12
				if dt == Float32 {
					tol = 1e-5
				}
				for name, w := range want(t, b, c.part, rows) {
					g := got[name]
					require.Len(t, g.v, len(w), name)
					for i := range w {
						if name == "class" {
							require.Equal(t, w[i], g.v[i], "class of item %d", i)
							continue
						}
						require.LessOrEqual(t, math.Abs(g.v[i]-w[i]), tol*math.Max(1, math.Abs(w[i])), "%s[%d]: %v, infer %v", name, i, g.v[i], w[i])
					}
				}
			})
		}
	}
}

// TestActivations: step and zigmoid as compositions of standard operators agree with
// infer.Activate at and around their corners.
func TestActivations(t *testing.T) {
	for _, c := range []struct {
		act   format.Activation
		delta float64
	}{{format.ActStep, 0.25}, {format.ActZigmoid, 0.25}, {format.ActZigmoid, 1}, {format.ActReLU, 0}} {
		for _, dt := range []DType{Float32, Float64} {
			t.Run(fmt.Sprintf("%v %v %s", c.act, c.delta, dt), func(t *testing.T) {
				// data → hidden (f) → class, all weights 1 and Ω 1: the score is f(input).
				n := format.NewLayered([]int{1, 1, 1}, false, 1,
					[]format.Group{{Name: "data"}, {Name: "h", Activation: c.act, Delta: c.delta}, {Name: "class", Delta: 0.1}},
					[]format.Role{format.RoleData, format.RoleHidden, format.RoleClass})
				n.W[0], n.W[1] = 1, 1
				b := &format.Bundle{Kind: format.KindClassifier, Network: n}
				m, err := build(b, Options{DType: dt})
				require.NoError(t, err)
				zs := []float64{-2, -c.delta - 1e-3, -c.delta, -c.delta / 2, -1e-9, 0, 1e-9, c.delta / 3, c.delta, c.delta + 1e-3, 3}
				got, err := evalModel(m, zs, 1)
				require.NoError(t, err)
				for i, z := range zs {
					w := infer.Activate(c.act, z, c.delta)
					if dt == Float32 {
						w = infer.Activate(c.act, float64(float32(z)), float64(float32(c.delta)))
					}
					assert.InDelta(t, w, got["scores"].v[i], 1e-7, "f(%v)", z)
				}
			})
		}
	}
}

// TestExportRefuses: what cannot be exported is refused with an error saying what and why.
func TestExportRefuses(t *testing.T) {
	s := 1 / math.Sqrt2
	nmf := &format.Bundle{Kind: format.KindNMF, NMF: &format.NMF{Data: 4, Codes: 2, Omega: 1, Features: []float64{s, 0, s, 0, 0, s, 0, s}}}
	for _, c := range []struct {
		name string
		b    *format.Bundle
		opt  Options
		msg  string
	}{
		{"nmf", nmf, Options{}, "an nmf bundle cannot be exported to ONNX"},
		{"nmf as classifier", nmf, Options{Part: PartClassifier}, "an nmf bundle cannot be exported to ONNX"},
		{"classifier has no filter", generalNet(format.ActReLU, 0), Options{Part: PartFilter}, "a classifier bundle has no filter to export"},
		{"classifier has no decoder", generalNet(format.ActReLU, 0), Options{Part: PartDecoder}, "a classifier bundle has no decoder to export"},
		{"unknown part", generalNet(format.ActReLU, 0), Options{Part: "scores"}, `unknown part "scores"`},
		{"unknown dtype", generalNet(format.ActReLU, 0), Options{DType: "float16"}, `unknown dtype "float16"`},
		{"invalid bundle", &format.Bundle{Kind: format.KindClassifier}, Options{}, "network"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Marshal(c.b, c.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

// TestDecodeRejects: malformed protobuf gives an error, not a panic or a silent success.
func TestDecodeRejects(t *testing.T) {
	good, err := Marshal(load(t, "binary5-generator.lwlb"), Options{})
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"truncated", good[:len(good)-3]},
		{"bad tag", []byte{0x00}},
		{"graph as varint", []byte{fModelGraph << 3, 1}},
		{"ir_version as bytes", []byte{fModelIRVersion<<3 | 2, 1, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeModel(c.b)
			require.ErrorIs(t, err, errDecode)
		})
	}
}

// TestLayeredWeights: a layered classifier's MatMul weights are its layer matrices
// transposed (ONNX rows are sending nodes), its biases and Ω as stored, bit for bit in
// float64 and rounded to float32 (exact for the weights and biases, which a bundle holds in
// float32).
func TestLayeredWeights(t *testing.T) {
	b := load(t, "mnist-classifier.lwlb")
	n := b.Network
	for _, dt := range []DType{Float32, Float64} {
		t.Run(string(dt), func(t *testing.T) {
			m, err := Marshal(b, Options{DType: dt})
			require.NoError(t, err)
			d, err := decodeModel(m)
			require.NoError(t, err)
			init := map[string]tval{}
			for _, ti := range d.Graph.Initializers {
				v, err := tensorValue(ti)
				require.NoError(t, err)
				init[ti.Name] = v
			}
			var mats, biases []tval
			for _, node := range d.Graph.Nodes {
				switch node.OpType {
				case "MatMul":
					mats = append(mats, init[node.Inputs[1]])
				case "Sub":
					biases = append(biases, init[node.Inputs[1]])
				case "Div":
					for _, v := range init[node.Inputs[1]].v {
						require.Equal(t, n.Omega, v)
					}
				}
			}
			require.Len(t, mats, len(n.Layers)-1)
			require.Len(t, biases, len(n.Layers)-1)
			round := func(v float64) float64 {
				if dt == Float32 {
					return float64(float32(v))
				}
				return v
			}
			off := 0
			for l := range mats {
				in, out := n.Layers[l], n.Layers[l+1]
				require.Equal(t, []int{in, out}, mats[l].shape)
				for j := range out {
					for i := range in {
						require.Equal(t, round(n.W[off+j*in+i]), mats[l].v[i*out+j], "layer %d edge %d→%d", l, i, j)
					}
					require.Equal(t, round(n.B[n.LayerStart(l+1)+j]), biases[l].v[j])
				}
				off += in * out
			}
		})
	}
}
