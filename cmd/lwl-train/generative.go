package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["generative"] = command{
		summary: "train an iDE generator on MNIST: autoencoder, code marginals, fake/genuine filter",
		run:     runGenerative,
	}
}

func runGenerative(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generative", `Usage: lwl-train generative [flags] -o OUT.lwlb

Trains the generative model of section 6 on MNIST: the autoencoder with iDE codes
(784→H→C→H→784, zigmoid Δ 0.4, Ω 10, β 1, batches of 200 data + 20 codes, 50 iterations
each), then the code marginals (the encodings of the training items), then the fake/genuine
filter (C→50→50→50→2 ReLU, β 1, Ω 5, Υ 1, Δ 0.1, fpa) on the encodings (genuine) and twice as
many iDE samples (fakes), and writes one generator bundle for lwl-gen. Progress goes to
stderr; fp and tn are reported per filter epoch on the training codes.
`, stderr)
	out := fs.String("o", "", "output bundle (required)")
	items := fs.Int("items", 2000, "MNIST training items")
	epochs := fs.Int("epochs", 1, "autoencoder epochs")
	hidden := fs.Int("hidden", 200, "autoencoder hidden width")
	codes := fs.Int("codes", 10, "code nodes")
	fEpochs := fs.Int("filter-epochs", 5, "filter epochs")
	fIter := fs.Int("filter-iter", 200, "filter RRR iterations per batch (paper 1000)")
	fBatch := fs.Int("filter-batch", 500, "filter batch size")
	fpa := fs.Float64("fpa", 0.25, "false-positive allowance rate")
	seed := fs.Uint64("seed", 1, "seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return &usageError{"-o is required"}
	}
	start := time.Now()
	trainSet, err := dataset.MNIST(true, *items)
	if err != nil {
		return err
	}
	a, err := train.NewAutoencoder(train.AutoencoderSettings{Sizes: []int{784, *hidden, *codes, *hidden}, Code: 2,
		NetworkConfig: train.NetworkConfig{Omega: 10, Activation: train.Zigmoid{Delta: 0.2}}, // the paper's range Δ = 0.4,
		Beta:          1, IterPerBatch: 50, DataBatch: 200, CodeBatch: 20, Epochs: *epochs, Seed: *seed,
		OnEpoch: func(s train.AutoEpochStats) {
			fmt.Fprintf(stderr, "autoencoder epoch %d: data_err %.4f code_err %.4f  %.1f GWMs  %.0fs\n", s.Epoch, s.DataErr, s.CodeErr, s.GWMs, s.Seconds)
		}})
	if err != nil {
		return err
	}
	defer a.Close()
	stats, err := a.Train(ctx, trainSet.X)
	if err != nil {
		return err
	}
	m, C := trainSet.X.Rows, *codes
	enc := make([]float64, m*C)
	dataErr := a.Encode(enc, nil, trainSet.X.Data, m)
	fakes := make([]float64, 2*m*C)
	train.SampleIDE(fakes, enc, m, C, 2*m, train.NewRand(*seed+1))
	dec := make([]float64, 2*m*784)
	codeErr := a.Decode(dec, fakes, 2*m)
	fmt.Fprintf(stderr, "marginals from %d encodings: data_err %.4f, code_err of the fakes %.4f\n", m, dataErr, codeErr)
	var last train.FilterEpoch
	filter, _, err := train.TrainFilter(ctx, enc, fakes, C, train.FilterSettings{Hidden: []int{50, 50, 50}, FPA: *fpa,
		IterPerBatch: *fIter, BatchSize: *fBatch, Epochs: *fEpochs, Seed: *seed + 2,
		OnEpoch: func(e train.FilterEpoch) {
			last = e
			fmt.Fprintf(stderr, "filter epoch %d: fp %.3f tn %.3f  RRR_err %.4g  %.1f GWMs\n", e.Epoch, e.FP, e.TN, e.ErrStop, e.GWMs)
		}})
	if err != nil {
		return err
	}
	auto, err := a.Format()
	if err != nil {
		return err
	}
	auto.DataShape = []int{28, 28}
	fn, err := train.FormatNetwork(filter.Graph, train.ReLU{}, filter.Omega, 0.1, filter.Weights, filter.Biases)
	if err != nil {
		return err
	}
	fn.ClassNames = []string{"fake", "genuine"}
	marg := make([][]float64, C)
	for c := range marg {
		marg[c] = make([]float64, m)
		for k := 0; k < m; k++ {
			marg[c][k] = enc[k*C+c]
		}
	}
	gwm := float64(a.Work())*1e-9 + last.GWMs
	b := &format.Bundle{Kind: format.KindGenerator, Network: auto,
		Generator: &format.Generator{Marginals: marg, Filter: fn, FPA: *fpa},
		Provenance: format.Provenance{Seed: *seed, Dataset: trainSet.Name, DatasetSize: m, Created: time.Now().UTC(),
			Hyper: map[string]float64{"omega": 10, "delta": 0.4, "beta": 1, "epochs": float64(*epochs), "filter_omega": 5, "filter_delta": 0.1, "fpa": *fpa},
			Metrics: map[string]float64{"data_err": stats[len(stats)-1].DataErr, "code_err": stats[len(stats)-1].CodeErr,
				"fp": last.FP, "tn": last.TN, "gwms": gwm},
			Notes: fmt.Sprintf("lwl-train generative -items %d -epochs %d -hidden %d -codes %d -filter-epochs %d -filter-iter %d", *items, *epochs, *hidden, *codes, *fEpochs, *fIter)}}
	if err := format.Save(*out, b); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: data_err %.4f code_err %.4f fp %.3f tn %.3f, %.1f GWMs, %.0fs\n", *out,
		stats[len(stats)-1].DataErr, stats[len(stats)-1].CodeErr, last.FP, last.TN, gwm, time.Since(start).Seconds())
	return nil
}
