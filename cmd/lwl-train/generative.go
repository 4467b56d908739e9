package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/figure"
	"github.com/lwl-go/lwl/internal/progress"
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

Trains the generative model of section 6 on MNIST and writes one generator bundle for
lwl-gen:
  1. the autoencoder with iDE codes (784→H→C→H→784, zigmoid Δ 0.4, Ω 10, β 1, batches of
     200 data items + 20 iDE codes, 50 RRR iterations each);
  2. the code marginals: the encodings of the training items;
  3. the fake/genuine filter (C→50→50→50→2 ReLU, β 1, Ω 5, Υ 1, Δ 0.1, false-positive
     allowance -fpa) on those encodings (genuine) and twice as many iDE samples (fakes).
fp (fakes accepted) and tn (genuine codes rejected) are reported per filter epoch on the
batches, the training codes and test codes (encodings of -test-items MNIST test digits
and twice as many fresh fakes), as in figures 22 and 23.

The paper's run is -items 10000 -epochs 40 -filter-epochs 20 -filter-iter 1000 (about
7000 + 3400 GWMs); the defaults are a small run of minutes. The autoencoder writes a
checkpoint after every epoch (-checkpoint, default OUT.ckpt); with -resume a stopped run
goes on from it and ends with the parameters an uninterrupted run would have. -epochs
larger than the checkpoint's extends a finished run. The checkpoint file has the format of
the classify and filter checkpoints (named fields under a CRC-32); a gob checkpoint that
an lwl-train up to commit 1f07cf6 wrote is refused: run without -resume to start afresh
(it overwrites the file), or resume it with a build of that commit. Progress and ETA go to
stderr; with -figures DIR the figures 20–23 are written there as PNG.

-net FILE trains the autoencoder on the graph of a net file as the reference programs'
autonet writes them (data, encoder hidden, code and decoder hidden nodes; see docs/cli.md,
"Net files") instead of 784→H→C→H; it has 784 data nodes, and -hidden and -codes do not
apply. The bundle stores such a graph in the general edge-list form.
`, stderr)
	out := fs.String("o", "", "output bundle (required)")
	items := fs.Int("items", 2000, "MNIST training items (paper 10000)")
	testItems := fs.Int("test-items", 2000, "MNIST test items for the test fp and tn")
	epochs := fs.Int("epochs", 1, "autoencoder epochs (paper 40)")
	hidden := fs.Int("hidden", 200, "autoencoder hidden width")
	codes := fs.Int("codes", 10, "code nodes")
	var fc filterConfig
	fs.IntVar(&fc.epochs, "filter-epochs", 5, "filter epochs (paper 20)")
	fs.IntVar(&fc.iter, "filter-iter", 200, "filter RRR iterations per batch (paper 1000)")
	fs.IntVar(&fc.batch, "filter-batch", 500, "filter batch size")
	fs.Float64Var(&fc.fpa, "fpa", 0.25, "false-positive allowance rate")
	seed := fs.Uint64("seed", 1, "seed")
	zdelta := fs.Float64("delta", 0.4, "zigmoid Δ as in the reference programs: the ramp from 0 to 1 spans z ∈ [−Δ, Δ]")
	ckpt := fs.String("checkpoint", "", "autoencoder checkpoint file (default OUT.ckpt)")
	resume := fs.Bool("resume", false, "go on from the checkpoint if it exists")
	figDir := fs.String("figures", "", "directory for the PNG figures 20–23 (none if empty)")
	workers := fs.Int("workers", 0, "parallel parts of each RRR iteration of the autoencoder and the filter (0: one per core)")
	netPath := fs.String("net", "", "autoencoder graph from a reference autonet net file instead of 784→H→C→H")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	graph, err := mnistAutoencoderNet(fs.FlagSet, *netPath, codes)
	if err != nil {
		return err
	}
	if *out == "" {
		return &usageError{"-o is required"}
	}
	if *workers < 0 {
		return &usageError{"-workers must not be negative"}
	}
	fc.workers = *workers
	if *items < 1 || *testItems < 1 || *epochs < 1 || *hidden < 1 || *codes < 1 || fc.epochs < 1 || fc.iter < 1 || fc.fpa < 0 || fc.fpa > 1 {
		return &usageError{"-items, -test-items, -epochs, -hidden, -codes, -filter-epochs and -filter-iter must be positive and -fpa in [0, 1]"}
	}
	if *ckpt == "" {
		*ckpt = *out + ".ckpt"
	}
	for _, p := range []string{*out, *ckpt} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	start := time.Now()
	trainSet, err := dataset.MNIST(true, *items)
	if err != nil {
		return err
	}
	testSet, err := dataset.MNIST(false, *testItems)
	if err != nil {
		return err
	}
	var (
		bar     *progress.Bar
		a       *train.Autoencoder
		ckptErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err = train.NewAutoencoder(train.AutoencoderSettings{Sizes: []int{784, *hidden, *codes, *hidden}, Code: 2, Graph: graph,
		NetworkConfig: train.NetworkConfig{Omega: 10, Activation: train.Zigmoid{Delta: *zdelta},
			Workers: *workers, Reducer: reducer},
		Beta: 1, IterPerBatch: 50, DataBatch: 200, CodeBatch: 20, Epochs: *epochs, Seed: *seed,
		OnBatch: func(done, total int) {
			if bar == nil {
				bar = progress.New(stderr, "autoencoder batches", total, 0)
			}
			bar.Add(1, "")
		},
		OnEpoch: func(s train.AutoEpochStats) {
			bar.Add(0, fmt.Sprintf("epoch %d data_err %.4f", s.Epoch, s.DataErr))
			fmt.Fprintf(stderr, "autoencoder epoch %d/%d: data_err %.4f code_err %.4f  RRR_err %.4g→%.4g  %.1f GWMs  %.0fs\n",
				s.Epoch, *epochs, s.DataErr, s.CodeErr, s.ErrStart, s.ErrStop, s.GWMs, s.Seconds)
			if !leader() { // rank 0 of an MPI run writes it
				return
			}
			if err := a.Checkpoint().WriteFile(*ckpt); err != nil {
				ckptErr = fmt.Errorf("checkpoint: %w", err)
				cancel()
			}
		}})
	if err != nil {
		return err
	}
	defer a.Close()
	if *resume {
		c, err := train.ReadAutoencoderCheckpoint(*ckpt)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			fmt.Fprintf(stderr, "no checkpoint %s: starting afresh\n", *ckpt)
		case err != nil:
			return err
		default:
			if err := a.Restore(c); err != nil {
				return fmt.Errorf("%s: %w", *ckpt, err)
			}
			fmt.Fprintf(stderr, "resuming from %s after epoch %d (%.1f GWMs, %.0fs)\n", *ckpt, c.Epoch, float64(c.Work)*1e-9, c.Seconds)
		}
	}
	_, err = a.Train(ctx, trainSet.X)
	if bar != nil {
		bar.Finish()
	}
	if ckptErr != nil {
		return ckptErr
	}
	if err != nil {
		return err
	}

	m, C := trainSet.X.Rows, *codes
	enc := make([]float64, m*C)
	dataErr := a.Encode(enc, nil, trainSet.X.Data, m)
	tm := testSet.X.Rows
	testEnc := make([]float64, tm*C)
	testDataErr := a.Encode(testEnc, nil, testSet.X.Data, tm)
	fcodes := experiment.NewFilterCodes(enc, testEnc, C, *seed)
	dec := make([]float64, 2*m*784)
	codeErr := a.Decode(dec, fcodes.Fake, 2*m)
	fmt.Fprintf(stderr, "final autoencoder: data_err %.4f train, %.4f test; code_err of %d fakes %.4f\n", dataErr, testDataErr, 2*m, codeErr)

	var fe []train.FilterEpoch
	fset := fc.options().TrainSettings(fcodes, *seed)
	fset.OnEpoch = func(e train.FilterEpoch) {
		fe = append(fe, e)
		printFilterEpoch(stderr, e, fc.epochs)
	}
	filter, _, err := train.TrainFilter(ctx, fcodes.Genuine, fcodes.Fake, C, fset)
	if err != nil {
		return err
	}
	last := fe[len(fe)-1]
	autoNet, err := a.Format()
	if err != nil {
		return err
	}
	autoNet.DataShape = []int{28, 28}
	fn, err := experiment.FormatFilter(filter)
	if err != nil {
		return err
	}
	marg := make([][]float64, C)
	for c := range marg {
		marg[c] = make([]float64, m)
		for k := 0; k < m; k++ {
			marg[c][k] = enc[k*C+c]
		}
	}
	gwm := float64(a.Work())*1e-9 + last.GWMs
	layersNote := fmt.Sprintf("-hidden %d -codes %d", *hidden, *codes)
	if graph != nil {
		layersNote = "-net " + *netPath
	}
	// data_err and code_err as the paper reports them: the last epoch's means. A checkpoint
	// holds the figures of every whole epoch, so the history ends with the last epoch; the
	// final model's errors stand in only for a run with no epochs recorded.
	final := train.AutoEpochStats{DataErr: dataErr, CodeErr: codeErr}
	if h := a.History(); len(h) > 0 && h[len(h)-1].Epoch == a.Epoch() {
		final = h[len(h)-1]
	}
	b := &format.Bundle{Kind: format.KindGenerator, Network: autoNet,
		Generator: &format.Generator{Marginals: marg, Filter: fn, FPA: fc.fpa},
		Provenance: format.Provenance{Seed: *seed, Dataset: trainSet.Name, DatasetSize: m, Created: time.Now().UTC(),
			Hyper: map[string]float64{"omega": 10, "delta": *zdelta, "beta": 1, "epochs": float64(*epochs), "hidden": float64(*hidden)},
			Metrics: map[string]float64{"data_err": final.DataErr, "code_err": final.CodeErr,
				"data_err_final_train": dataErr, "data_err_final_test": testDataErr,
				"fp": last.FP, "tn": last.TN, "test_fp": last.TestFP, "test_tn": last.TestTN, "gwms": gwm,
				"autoencoder_seconds": a.Seconds(), "filter_seconds": last.Seconds},
			Notes: fmt.Sprintf("lwl-train generative -items %d -test-items %d -delta %g -epochs %d %s -filter-epochs %d -filter-iter %d -filter-batch %d -fpa %g -seed %d",
				*items, tm, *zdelta, *epochs, layersNote, fc.epochs, fc.iter, fc.batch, fc.fpa, *seed)}}
	fc.options().RecordHyper(b.Provenance.Hyper)
	if graph != nil {
		delete(b.Provenance.Hyper, "hidden") // the net file gives the layers (Notes)
	}
	if !leader() { // rank 0 of an MPI run writes the bundle and the figures
		return nil
	}
	if err := format.Save(*out, b); err != nil {
		return err
	}
	if *figDir != "" {
		var testErr float64
		if err := autoFigures(a, *figDir, enc, m, C, testSet.X, *seed, &testErr); err != nil {
			return err
		}
		if err := filterFigures(*figDir, fe); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s: data_err %.4f code_err %.4f (epoch means); fp %.3f train %.3f test, tn %.3f train %.3f test; %.1f GWMs; autoencoder %.0fs, filter %.0fs, this process %.0fs\n", *out,
		final.DataErr, final.CodeErr, last.FP, last.TestFP, last.TN, last.TestTN, gwm, a.Seconds(), last.Seconds, time.Since(start).Seconds())
	return nil
}

// mnistAutoencoderNet reads the -net file of an MNIST autoencoder command (nil without
// one): an autoencoder net with 784 data nodes, whose code nodes set *codes. -hidden and
// -codes cannot be given with it.
func mnistAutoencoderNet(fs *flag.FlagSet, path string, codes *int) (*train.Graph, error) {
	if path == "" {
		return nil, nil
	}
	var clash error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "hidden" || f.Name == "codes" {
			clash = &usageError{"-net gives the layers: -hidden and -codes do not apply"}
		}
	})
	if clash != nil {
		return nil, clash
	}
	g, err := train.ReadAutoencoderNet(path)
	if err != nil {
		return nil, err
	}
	if d := len(g.NodesOf(train.Data)); d != 784 {
		return nil, fmt.Errorf("%s: %d data nodes; MNIST items have 784", path, d)
	}
	*codes = len(g.NodesOf(train.Code))
	return g, nil
}

// filterFigures writes the fp and tn of the filter epochs (figures 22 and 23).
func filterFigures(dir string, fe []train.FilterEpoch) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// fp[0], fp[1], fp[2] are the batch, training and test series; tn likewise.
	var fp, tn [3][]float64
	for _, e := range fe {
		for i, v := range [3]float64{e.BatchFP, e.FP, e.TestFP} {
			fp[i] = append(fp[i], v)
		}
		for i, v := range [3]float64{e.BatchTN, e.TN, e.TestTN} {
			tn[i] = append(tn[i], v)
		}
	}
	for _, fig := range []struct {
		file, title string
		y           [3][]float64
	}{
		{"filter-fp.png", "false positives (fakes accepted), figure 22", fp},
		{"filter-tn.png", "true negatives (genuine rejected), figure 23", tn},
	} {
		series := []figure.Series{{Name: "batch", Y: fig.y[0]}, {Name: "train", Y: fig.y[1]}}
		if !math.IsNaN(fig.y[2][0]) { // no test codes
			series = append(series, figure.Series{Name: "test", Y: fig.y[2]})
		}
		if err := (figure.Plot{Title: fig.title, XLabel: "epoch", YLabel: "rate"}).Write(filepath.Join(dir, fig.file), series...); err != nil {
			return err
		}
	}
	return nil
}
