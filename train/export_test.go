package train

import (
	"math"
	"slices"
	"testing"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// The trainer evaluates networks with the runtime's forward pass (infer) whenever the
// activation has a bundle format, and with forwardPass otherwise: the two must agree, and a
// network written out through FormatNetwork must validate as a bundle.
func TestFormatNetworkForwardAgrees(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Graph
		act  Activation
	}{
		{"layered relu", mustLayered(t, 5, 7, 6, 3), ReLU{}},
		{"non-layered relu", nonLayered(t), ReLU{}},
		{"layered step", mustLayered(t, 4, 6, 2), Step{Delta: 0.3}},
		{"non-layered zigmoid", nonLayered(t), Zigmoid{Delta: 0.4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := NewNetwork(tc.g, NetworkConfig{Omega: 1.7, Activation: tc.act, Workers: 1}, NewRand(4))
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			rng := NewRand(5)
			for j := range n.bB {
				if tc.g.Roles[j] != Data {
					n.bB[j] = 0.3 * rng.NormFloat64()
				}
			}
			fn, err := FormatNetwork(tc.g, tc.act, 1.7, 0.1, n.wA, n.bB)
			if err != nil {
				t.Fatal(err)
			}
			if err := (&format.Bundle{Kind: format.KindClassifier, Network: fn}).Validate(); err != nil {
				t.Fatalf("exported network does not validate: %v", err)
			}
			if n.eval == nil {
				t.Fatal("portable activation but no runtime evaluator")
			}
			N := tc.g.Nodes()
			d, _ := randomBatch(20, len(n.data), 2, 6)
			v1, y1, v2, y2 := make([]float64, N), make([]float64, N), make([]float64, N), make([]float64, N)
			for k := 0; k < 20; k++ {
				item := d[k*len(n.data) : (k+1)*len(n.data)]
				n.eval.Forward(v1, y1, item)
				forwardPass(n.g, n.order, n.data, n.act, n.wA, n.bB, n.omega, v2, y2, item)
				for j := 0; j < N; j++ {
					if math.Abs(v1[j]-v2[j]) > 1e-12 || math.Abs(y1[j]-y2[j]) > 1e-12 {
						t.Fatalf("item %d node %d: runtime (x, y) = (%v, %v), trainer (%v, %v)", k, j, v1[j], y1[j], v2[j], y2[j])
					}
				}
			}
		})
	}
}

// An autoencoder's feed-around is the same through the runtime on the general form
// (FormatNetwork, which the trainer uses), the runtime on the compact layered form
// (FormatAutoencoder, which bundles store) and the trainer's own feedAround, for data items
// and code items.
func TestFormatAutoencoderForwardAgrees(t *testing.T) {
	sizes, code := []int{6, 4, 3, 5}, 2
	g := mustAutoencoder(t, code, sizes...)
	for _, act := range []Activation{Step{Delta: 0.4}, Zigmoid{Delta: 0.3}, ReLU{}} {
		n, err := NewNetwork(g, NetworkConfig{Omega: 1.7, Activation: act, Workers: 1}, NewRand(4))
		if err != nil {
			t.Fatal(err)
		}
		rng := NewRand(5)
		for j := range n.bB {
			n.bB[j] = 0.3 * rng.NormFloat64()
		}
		fl, err := FormatAutoencoder(g, sizes, code, act, 1.7, n.wA, n.bB)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&format.Bundle{Kind: format.KindAutoencoder, Network: fl}).Validate(); err != nil {
			t.Fatalf("layered autoencoder does not validate: %v", err)
		}
		lay, err := infer.NewNetwork(fl)
		if err != nil {
			t.Fatal(err)
		}
		N := g.Nodes()
		d, c := autoBatch(g, 10, 10, 6)
		v := [3][]float64{make([]float64, N), make([]float64, N), make([]float64, N)}
		y := [3][]float64{make([]float64, N), make([]float64, N), make([]float64, N)}
		for k := 0; k < 20; k++ {
			if k < 10 {
				item := d[k*6 : (k+1)*6]
				n.eval.Forward(v[0], y[0], item)
				lay.Forward(v[1], y[1], item)
				feedAround(g, n.order, n.data, act, n.wA, n.bB, n.omega, v[2], y[2], item)
			} else {
				item := c[(k-10)*3 : (k-9)*3]
				n.eval.ForwardCode(v[0], y[0], item)
				lay.ForwardCode(v[1], y[1], item)
				feedAround(g, n.fromCode, n.codes, act, n.wA, n.bB, n.omega, v[2], y[2], item)
			}
			for s := 1; s < 3; s++ {
				for j := 0; j < N; j++ {
					if math.Abs(v[0][j]-v[s][j]) > 1e-12 || math.Abs(y[0][j]-y[s][j]) > 1e-12 {
						t.Fatalf("%T item %d node %d: (x, y) = (%v, %v) by the general form, (%v, %v) by path %d", act, k, j, v[0][j], y[0][j], v[s][j], y[s][j], s)
					}
				}
			}
		}
		n.Close()
	}
	if _, err := FormatAutoencoder(g, []int{6, 4, 3, 4}, code, ReLU{}, 1, make([]float64, g.Edges()), make([]float64, g.Nodes())); err == nil {
		t.Error("mismatched sizes: no error")
	}
}

// A bundle holds only the activation groups its nodes use: a classifier (the generator's
// fake/genuine filter among them) has no code group, a network without hidden nodes no
// hidden group, and the roles keep their order data, hidden, code, class.
func TestFormatNetworkGroupsUsed(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Graph
		want []string
	}{
		{"classifier", mustLayered(t, 5, 7, 6, 3), []string{"data", "hidden", "class"}},
		{"no hidden layer", mustLayered(t, 5, 2), []string{"data", "class"}},
		{"non-layered", nonLayered(t), []string{"data", "hidden", "class"}},
		{"autoencoder", mustAutoencoder(t, 2, 6, 4, 3, 5), []string{"data", "hidden", "code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, b := make([]float64, tc.g.Edges()), make([]float64, tc.g.Nodes())
			fn, err := FormatNetwork(tc.g, Step{Delta: 0.3}, 1, 0.1, w, b)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, gr := range fn.Groups {
				names = append(names, gr.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Fatalf("groups %q, want %q", names, tc.want)
			}
			nodes := make([]int, len(fn.Groups))
			for j, gi := range fn.NodeGroup {
				nodes[gi]++
				if name, role := fn.Groups[gi].Name, fn.Roles[j].String(); name != role {
					t.Errorf("node %d (%s) is in group %q", j, role, name)
				}
			}
			for gi, k := range nodes {
				if k == 0 {
					t.Errorf("group %q has no nodes", fn.Groups[gi].Name)
				}
			}
		})
	}
}
