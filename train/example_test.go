package train_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/train"
)

// Exact non-negative factorisation of the 6×6 linear Euclidean distance matrix with rank 5
// (section 4.4.1, table 1), by RRR on one batch of all rows.
func ExampleFactorize() {
	y := dataset.LEDM(6)
	f, err := train.Factorize(context.Background(), y.Data, y.Rows, y.Cols, train.FactorizeSettings{
		NMFConfig:    train.NMFConfig{Rank: 5, Omega: 0.6, Workers: 1},
		Beta:         0.3,
		Tol:          1e-9,
		IterPerBatch: 100000,
		Seed:         2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("features:", f.D, "×", f.C)
	fmt.Println("exact:", f.ReconErr < 1e-5)
	// Output:
	// features: 6 × 5
	// exact: true
}

// The 4 → 2 → 4 binary encoding of section 6.3.1: the autoencoder with the gapped step
// activation learns to send each one-hot vector to its own 2-bit code and back.
func ExampleTrainBinary() {
	r, err := train.TrainBinary(context.Background(), train.BinarySettings{N: 2, MaxIter: 20000, Seed: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Model.Close()
	enc := make([]float64, 4*2)
	onehot := []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	r.Model.Encode(enc, nil, onehot, 4)
	distinct := map[[2]float64]bool{}
	for k := 0; k < 4; k++ {
		distinct[[2]float64{enc[2*k], enc[2*k+1]}] = true
	}
	fmt.Println("solved:", r.Success)
	fmt.Println("distinct binary codes:", len(distinct))
	// Output:
	// solved: true
	// distinct binary codes: 4
}

// A long autoencoder run saves a checkpoint after each epoch; a new process restores it
// and goes on, ending where an uninterrupted run would.
func ExampleAutoencoder_Checkpoint() {
	settings := train.AutoencoderSettings{Sizes: []int{16, 8, 3, 8}, Code: 2,
		NetworkConfig: train.NetworkConfig{Omega: 4, Activation: train.Zigmoid{Delta: 0.2}},
		IterPerBatch:  10, DataBatch: 20, CodeBatch: 4, Epochs: 1, Seed: 1}
	rng := train.NewRand(2)
	data := dataset.Matrix{Rows: 40, Cols: 16, Data: make([]float64, 40*16)}
	for i := range data.Data {
		data.Data[i] = rng.Float64()
	}
	dir, _ := os.MkdirTemp("", "lwl-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")

	a, _ := train.NewAutoencoder(settings)
	a.Train(context.Background(), data)
	a.Checkpoint().WriteFile(path)
	a.Close()

	settings.Epochs = 3 // go on to epoch 3
	b, _ := train.NewAutoencoder(settings)
	defer b.Close()
	c, err := train.ReadAutoencoderCheckpoint(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := b.Restore(c); err != nil {
		fmt.Println(err)
		return
	}
	stats, _ := b.Train(context.Background(), data)
	fmt.Println("restored after epoch", c.Epoch, "then trained epochs", stats[0].Epoch, "to", stats[len(stats)-1].Epoch)
	// Output:
	// restored after epoch 1 then trained epochs 2 to 3
}

// The fake/genuine filter of a generator (section 6.2): genuine codes are near the corners
// of even parity, fakes near the odd ones; with a false-positive allowance of 25% the
// filter may call a quarter of the fakes genuine, and rejects no genuine code.
func ExampleTrainFilter() {
	rng := train.NewRand(1)
	corners := func(n, parity int) []float64 {
		var out []float64
		for len(out) < 3*n {
			c := rng.IntN(8)
			if (c&1+c>>1&1+c>>2&1)%2 == parity {
				out = append(out, float64(c&1), float64(c>>1&1), float64(c>>2&1))
			}
		}
		return out
	}
	genuine, fakes := corners(100, 0), corners(200, 1)
	_, epochs, err := train.TrainFilter(context.Background(), genuine, fakes, 3, train.FilterSettings{
		Hidden: []int{8, 8}, FPA: 0.25, IterPerBatch: 200, BatchSize: 150, Epochs: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	last := epochs[len(epochs)-1]
	fmt.Println("genuine rejected (tn):", last.TN)
	fmt.Println("fakes accepted within the allowance:", last.FP <= 0.3)
	// Output:
	// genuine rejected (tn): 0
	// fakes accepted within the allowance: true
}

// A classifier run stopped between two batches (Interrupt, as Ctrl-C does in lwl-train)
// returns a checkpoint; a run resumed from it ends with the weights of an unbroken run.
func ExampleTrainClassifier_resume() {
	tr, te, _ := dataset.Majority(2, 1)
	settings := func() train.ClassifierSettings {
		return train.ClassifierSettings{Hidden: []int{26}, NetworkConfig: train.NetworkConfig{Omega: 2, Workers: 1},
			IterPerBatch: 10, BatchSize: 128, Epochs: 2, Seed: 1}
	}
	whole, _ := train.TrainClassifier(context.Background(), tr, te, settings())

	s := settings()
	stop := make(chan struct{})
	s.Interrupt = stop
	s.OnBatch = func(epoch int, _, _ []int) {
		if epoch == 2 {
			close(stop) // after the first batch of epoch 2
			s.OnBatch = nil
		}
	}
	part, err := train.TrainClassifier(context.Background(), tr, te, s)
	fmt.Println(err)
	// part.Checkpoint.WriteFile(path) saves it; train.ReadClassifierCheckpoint(path) reads it.
	s = settings()
	s.Resume = part.Checkpoint
	rest, _ := train.TrainClassifier(context.Background(), tr, te, s)
	fmt.Println("stopped in epoch", part.Checkpoint.Epoch, "after item", part.Checkpoint.Next)
	fmt.Println("same weights:", slices.Equal(whole.Classifier.Weights, rest.Classifier.Weights))
	// Output:
	// train: interrupted between batches
	// stopped in epoch 2 after item 128
	// same weights: true
}

// WriteNet writes a graph as a net file of the reference programs (here what their
// completenet 3 2 2 writes); ReadClassifierNet and ParseClassifierNet read one back.
func ExampleWriteNet() {
	g, _ := train.Layered(3, 2, 2)
	var b strings.Builder
	train.WriteNet(&b, g)
	fmt.Print(b.String())
	back, err := train.ParseClassifierNet(strings.NewReader(b.String()), "example.net")
	fmt.Println(back.Nodes(), "nodes,", back.Edges(), "edges,", err)
	_, err = train.ParseClassifierNet(strings.NewReader("3 2 2  3 3 0 1 2  4 3 0 1 7"), "bad.net")
	fmt.Println(err)
	// Output:
	// 3 2 2
	// 3 3
	// 0 1 2
	// 4 3
	// 0 1 2
	// 5 2
	// 3 4
	// 6 2
	// 3 4
	// 7 nodes, 10 edges, <nil>
	// bad.net: record 2 (node 4): in-edge from node 7; the nodes are 0..6
}
