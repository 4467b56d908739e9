package train

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// BuildArch and the bundle format's description of a convolution (SPEC.md) agree: the
// golden 1.1 bundle's graph, written by hand from the spec, is the graph BuildArch makes.
func TestBuildArchMatchesFormatGolden(t *testing.T) {
	b, err := format.Load(filepath.Join("..", "format", "testdata", "stripes6.lwlb"))
	noErr(t, err)
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	from, to := b.Network.Edges()
	g := a.Graph
	gf, gt := make([]int, g.Edges()), make([]int, g.Edges())
	for j := 0; j < g.Nodes(); j++ {
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			gf[e], gt[e] = g.Src[e], j
		}
	}
	check(t, slices.Equal(from, gf) && slices.Equal(to, gt), "edges differ")
	fn, err := FormatArch(a, ReLU{}, 1, 0.1, b.Network.W, b.Network.B)
	noErr(t, err)
	eq(t, fn.Conv, b.Network.Conv)
}

// stripes returns n 6×6 images of horizontal (label 0) or vertical (label 1) stripes at a
// random phase and contrast, with noise.
func stripes(n int, seed uint64) dataset.Labelled {
	rng := NewRand(seed)
	x := make([]float64, n*36)
	l := make([]int, n)
	for k := range l {
		l[k] = rng.IntN(2)
		ph, c := rng.IntN(2), 0.5+0.5*rng.Float64()
		for y := range 6 {
			for xx := range 6 {
				p := y
				if l[k] == 1 {
					p = xx
				}
				v := 0.1 * rng.Float64()
				if (p+ph)%2 == 0 {
					v += c
				}
				x[k*36+y*6+xx] = v
			}
		}
	}
	return dataset.Labelled{Name: "stripes", X: dataset.Matrix{Rows: n, Cols: 36, Data: x}, Labels: l, Classes: 2}
}

// A trained convolutional classifier, saved as a bundle and loaded by the runtime, gives
// the trainer's classes; its weights stay tied through training.
func TestConvClassifierBundle(t *testing.T) {
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	tr, te := stripes(200, 1), stripes(200, 2)
	res, err := TrainClassifier(context.Background(), tr, te, ClassifierSettings{Graph: a.Graph,
		NetworkConfig: NetworkConfig{Omega: 1, Class: ClassRule{Margin: 0.1}, Ties: a.Ties, Workers: 1},
		Beta:          1, IterPerBatch: 30, BatchSize: 50, Epochs: 3, Seed: 1})
	noErr(t, err)
	c := res.Classifier
	checkTiesHold(t, a.Graph, a.Ties, c.Weights, 1)
	last := res.Epochs[len(res.Epochs)-1]
	check(t, last.TestErr < 0.2, "test_err %v on stripes", last.TestErr)
	fn, err := FormatArch(a, c.Activation, c.Omega, 0.1, c.Weights, c.Biases)
	noErr(t, err)
	fn.DataShape = []int{6, 6}
	data, err := format.Marshal(&format.Bundle{Kind: format.KindClassifier, Network: fn})
	noErr(t, err)
	m, err := infer.Read(bytes.NewReader(data))
	noErr(t, err)
	eq(t, len(m.Bundle().Network.Conv), 1)
	want := make([]int, te.X.Rows)
	c.Predict(want, te.X.Data, te.X.Rows)
	for k := range want {
		if got := m.Classify(te.X.Row(k)); got != want[k] {
			t.Fatalf("item %d: runtime class %d, trainer %d", k, got, want[k])
		}
	}
}

// A convolutional architecture for 28×28 MNIST digits: its shapes, its edges (one
// weight-multiply each per item and iteration) and the parameters that tying leaves.
func ExampleBuildArch() {
	specs, err := ParseArch("conv5s2x8,conv5s2x16,dense10")
	if err != nil {
		panic(err)
	}
	a, err := BuildArch(28, 28, 1, specs)
	if err != nil {
		panic(err)
	}
	fmt.Println(a)
	fmt.Println(a.Graph.Edges(), "edges,", a.Ties.WeightParams, "weights")
	for _, c := range a.Conv {
		fmt.Println(c)
	}
	// Output:
	// 28×28×1 → conv5s2x8 11×11×8 → conv5s2x16 4×4×16 → 10
	// 77960 edges, 5960 weights
	// 28×28×1 → conv 5×5 stride 2 → 11×11×8
	// 11×11×8 → conv 5×5 stride 2 → 4×4×16
}
