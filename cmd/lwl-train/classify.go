package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["classify"] = command{summary: "train a loss-free classifier (section 5)", run: runClassify}
}

const classifyUsage = `Usage: lwl-train classify [flags] (-majority DEPTH | -mnist N | -csv FILE | -reftext FILE |
                                 -idx-images FILE -idx-labels FILE)

Trains a layered, fully connected classifier (-layers) or a weight-tied convolutional one
(-arch) with RRR (section 5 of the paper) and prints
the per-epoch table of the reference programs: epoch, GWMs, iterations, errstart and
errstop (mean first and last RRR_err of the epoch's batches), batch_err, train_err,
test_err. The class of an item is the class node with the largest y − b in a forward pass
with the consensus weights and biases.

-net FILE trains on the graph of a net file as the reference programs write them (their
completenet, for instance) instead of the layered graph of -layers; the format is described
in docs/cli.md ("Net files"). The graph's nodes are data, hidden and class nodes in that
order, and the bundle stores it in the general edge-list form.

Compromised data (section 5.3): -ee (or -exempt) exempts that many items per batch from the
class constraints (32); with -relabel the same number may instead take the class nearest to
them (33). -fpa is the false-positive allowance of section 6.2 (two classes, 0 = fake).

Labelled IDX files (the MNIST distribution's format, gzip-compressed or not) give any
image data: -idx-images holds n items of unsigned bytes, scaled to [0, 1], -idx-labels
their n labels; -test-idx-images and -test-idx-labels the test set. The number of classes
is one more than the largest label.

Writes into -out: classifier.lwlb (the bundle), rrr_err.csv (RRR_err per iteration),
kernels.png with the learned kernels of the first convolution (-arch; one row per output
channel, one tile per input channel, mid-grey = 0) and, for image data, flagged.png with the training items exempted or relabeled in the final
epoch (figure 15) and flagged.csv listing them. These are the training iterate's last
decisions in each batch; -json's model_flagged counts instead the items that the trained
classifier flags when the rule is applied to its forward pass over the final epoch's
batches (see repro relabel).

Without test data the table's test_err column shows "-" and the JSON summary has
"test_err": null.

Long runs survive: with -checkpoint FILE a checkpoint is written after every epoch, and
-resume goes on from it (the same data and flags, -epochs may be larger) with exactly the
result of an unbroken run, given the same -workers and core count. Ctrl-C (SIGINT) or
SIGTERM ends the batch in progress, writes the checkpoint (to -checkpoint, or
classifier.ckpt in -out) and the bundle of the current weights, and prints the command
that resumes; a second Ctrl-C quits at once.
`

// classifyFlags are the hyperparameters of section 5, shared by classify and repro.
type classifyFlags struct {
	layers, arch                         string
	wmetric                              string      // -wmetric: per-layer weight metric γ²
	built                                *train.Arch // set by settings when -arch is given
	epochs, batch, iter, exempt, workers int
	untiedEpochs                         int    // -untied-epochs: the tie schedule (train.ClassifierSettings.UntiedEpochs)
	init                                 string // -init: a classifier bundle to start from
	average                              bool   // -average: train.ClassifierSettings.Average
	beta, tol, omega, upsilon, delta     float64
	ee, fpa, actDelta                    float64
	relabel                              bool
	activation                           string
	seed                                 uint64
	// graph, when not nil, is the network read from a net file (classify -net) instead of
	// the layered graph of -layers.
	graph *train.Graph
}

func (f *classifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.layers, "layers", "", "layer sizes from data to classes, e.g. 784,20,10 (default: inputs,20,classes; majority: 13,26…,2)")
	fs.StringVar(&f.arch, "arch", "", "architecture with convolutions after the data, e.g. conv5s2x8,conv5s2x16,dense10 (see below)")
	fs.IntVar(&f.epochs, "epochs", 10, "passes over the training data")
	fs.IntVar(&f.batch, "batch", 128, "items per batch |K|")
	fs.IntVar(&f.iter, "iter", 100, "RRR_iter: iteration cap per batch")
	fs.Float64Var(&f.tol, "tol", 0, "stop a batch when RRR_err ≤ tol (0: run to -iter)")
	fs.Float64Var(&f.beta, "beta", 1, "RRR step β")
	fs.Float64Var(&f.omega, "omega", 2, "norm Ω of every node's in-weights (26g)")
	fs.Float64Var(&f.upsilon, "upsilon", 1, "metric weight Υ of the class nodes (eq. 31)")
	fs.StringVar(&f.wmetric, "wmetric", "", wmetricUsage)
	fs.Float64Var(&f.delta, "delta", 0.1, "class margin Δ (26d)")
	fs.Float64Var(&f.ee, "ee", 0, "eccentric exemption as a fraction of the batch (e.g. 0.005)")
	fs.IntVar(&f.exempt, "exempt", 0, "eccentric exemption EE as a count per batch (overrides -ee)")
	fs.BoolVar(&f.relabel, "relabel", false, "relabel (33) the EE items instead of exempting them (32)")
	fs.Float64Var(&f.fpa, "fpa", 0, "false-positive allowance as a fraction of the batch (two classes, 0 = fake)")
	fs.StringVar(&f.activation, "activation", "relu", "hidden activation: relu, step or zigmoid")
	fs.Float64Var(&f.actDelta, "act-delta", 0.4, "Δ of the step and zigmoid activations: the step's gap width (margin Δ/2 each side, appendix C); the zigmoid's ramp spans z ∈ [−Δ, Δ] (reference programs)")
	fs.IntVar(&f.workers, "workers", 0, "parallel parts per iteration (0: all cores)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed (initial weights, shuffles)")
	fs.IntVar(&f.untiedEpochs, "untied-epochs", 0, untiedEpochsUsage)
	fs.BoolVar(&f.average, "average", false, averageUsage)
	fs.StringVar(&f.init, "init", "", "start from this classifier bundle's weights and biases (the same -layers, -arch or -net), moved to this run's ties and norm Ω, instead of a random start: a warm start, or another schedule after a run")
}

const averageUsage = "report and save each epoch's mean of the consensus after each batch (moved to norm Ω) instead of the last batch's: the weight consensus (26f) over the epoch's items; the iterates do not change (docs/experiments/conv-classifier.md)"

const untiedEpochsUsage = "with -arch: train the first N epochs untied (every edge its own weight: locally connected), then move to the nearest tied point and go on tied; N ≥ -epochs trains untied throughout and saves no convolutions (docs/experiments/conv-classifier.md)"

// settings turns the flags into training settings for data with d inputs and the given
// number of classes; defaultHidden fills in -layers when it is empty. shape is the image
// shape [height, width] of image data (nil otherwise), which -arch needs.
func (f *classifyFlags) settings(d, classes int, defaultHidden, shape []int) (train.ClassifierSettings, []int, error) {
	var s train.ClassifierSettings
	sizes := append(append([]int{d}, defaultHidden...), classes)
	f.built = nil
	if f.arch != "" {
		if f.layers != "" || f.graph != nil {
			return s, nil, &usageError{"give one of -layers, -net and -arch"}
		}
		a, err := archFor(f.arch, d, classes, shape)
		if err != nil {
			return s, nil, err
		}
		f.built, sizes = a, a.Sizes
	}
	if f.layers != "" {
		sizes = sizes[:0]
		for _, p := range strings.Split(f.layers, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || v <= 0 {
				return s, nil, &usageError{fmt.Sprintf("-layers %q: %q is not a positive layer size", f.layers, p)}
			}
			sizes = append(sizes, v)
		}
		if len(sizes) < 2 || sizes[0] != d || sizes[len(sizes)-1] < classes {
			return s, nil, &usageError{fmt.Sprintf("-layers %q: the data have %d inputs and %d classes", f.layers, d, classes)}
		}
	}
	if f.graph != nil {
		if f.layers != "" {
			return s, nil, &usageError{"-net and -layers exclude each other"}
		}
		d0, h, c := len(f.graph.NodesOf(train.Data)), len(f.graph.NodesOf(train.Hidden)), len(f.graph.NodesOf(train.Class))
		if d0 != d || c < classes {
			return s, nil, fmt.Errorf("the net file's graph has %d data and %d class nodes; the data have %d inputs and %d classes", d0, c, d, classes)
		}
		sizes = []int{d0, h, c}
	}
	if f.epochs <= 0 || f.iter <= 0 || f.batch <= 0 {
		return s, nil, &usageError{"-epochs, -iter and -batch must be positive"}
	}
	var act train.Activation
	switch f.activation {
	case "relu":
		act = train.ReLU{}
	case "step":
		act = train.Step{Delta: f.actDelta / 2}
	case "zigmoid":
		act = train.Zigmoid{Delta: f.actDelta}
	default:
		return s, nil, &usageError{fmt.Sprintf("-activation %q: want relu, step or zigmoid", f.activation)}
	}
	rule := train.ClassRule{Margin: f.delta}
	count := f.exempt
	if count == 0 && f.ee > 0 {
		count = int(math.Round(f.ee * float64(f.batch)))
	}
	switch {
	case f.fpa > 0:
		if f.relabel || count > 0 {
			return s, nil, &usageError{"-fpa cannot be combined with -ee/-exempt or -relabel"}
		}
		rule.Mode, rule.Count = train.ClassFalsePositive, int(math.Round(f.fpa*float64(f.batch)))
	case f.relabel:
		rule.Mode, rule.Count = train.ClassRelabel, count
	case count > 0:
		rule.Mode, rule.Count = train.ClassExempt, count
	}
	g := f.graph
	var ties *train.Ties
	if f.built != nil {
		g, ties = f.built.Graph, f.built.Ties
	}
	if g == nil {
		var err error
		if g, err = train.Layered(sizes...); err != nil {
			return s, nil, &usageError{err.Error()}
		}
	}
	metric, err := f.weightMetric(g, sizes)
	if err != nil {
		return s, nil, err
	}
	s = train.ClassifierSettings{
		Graph: g,
		NetworkConfig: train.NetworkConfig{Omega: f.omega, Upsilon: f.upsilon, Activation: act,
			Class: rule, Workers: f.workers, Ties: ties, WeightMetric: metric, Reducer: reducer},
		Beta: f.beta, Tol: f.tol, IterPerBatch: f.iter, BatchSize: f.batch, Epochs: f.epochs, Seed: f.seed,
		UntiedEpochs: f.untiedEpochs, Average: f.average,
	}
	if f.untiedEpochs < 0 || f.untiedEpochs > 0 && f.built == nil {
		return s, nil, &usageError{"-untied-epochs needs -arch and a count ≥ 0"}
	}
	if f.init != "" {
		if s.InitWeights, s.InitBiases, err = experiment.ClassifierStart(f.init, g); err != nil {
			return s, nil, err
		}
	}
	return s, sizes, nil
}

const wmetricUsage = "per-layer metric weight γ² of the weight copies in the distance (27), one per layer after the data, e.g. 0.1,0.1,1 (empty: 1 everywhere, the paper's metric); γ² < 1 makes a layer's weights more compliant in the bilinear projection (26h), the same as Ω·γ on that layer alone (docs/experiments/conv-classifier.md)"

// weightMetric parses -wmetric into the per-node weight metric of train.NetworkConfig for an
// -arch or layered network (nil when the flag is empty).
func (f *classifyFlags) weightMetric(g *train.Graph, sizes []int) ([]float64, error) {
	if f.wmetric != "" && f.graph != nil {
		return nil, &usageError{"-wmetric needs -arch or -layers, not -net"}
	}
	return experiment.WeightMetric(f.wmetric, g, sizes)
}

// classifyResult is classify's JSON summary.
type classifyResult = experiment.ClassifyResult

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", classifyUsage+"\n"+train.ArchSyntax+"\n", stderr)
	var cf classifyFlags
	cf.register(fs.FlagSet)
	majority := fs.Int("majority", 0, "train on majority-gate data of this circuit depth (section 5.5.1)")
	dataSeed := fs.Uint64("data-seed", 1, "seed of the majority circuit and split")
	mnist := fs.Int("mnist", 0, "train on the first N MNIST training items, test on the first N test items")
	csvPath := fs.String("csv", "", "training data: CSV, label in the last column")
	testCSV := fs.String("test-csv", "", "test data for -csv")
	reftext := fs.String("reftext", "", "training data in the reference programs' text format")
	testRef := fs.String("test-reftext", "", "test data for -reftext")
	var idx experiment.ClassifyData
	fs.StringVar(&idx.IDXImages, "idx-images", "", "training images: IDX file of unsigned bytes (n × …), scaled to [0, 1]")
	fs.StringVar(&idx.IDXLabels, "idx-labels", "", "training labels for -idx-images: IDX file of n unsigned bytes")
	fs.StringVar(&idx.TestIDXImages, "test-idx-images", "", "test images for -idx-images")
	fs.StringVar(&idx.TestIDXLabels, "test-idx-labels", "", "test labels for -test-idx-images")
	out := fs.String("out", "classify-out", "directory for the output files")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	ckptPath := fs.String("checkpoint", "", "write a checkpoint here after every epoch (on Ctrl-C: classifier.ckpt in -out)")
	resume := fs.Bool("resume", false, "go on from the checkpoint (-checkpoint, or classifier.ckpt in -out)")
	netPath := fs.String("net", "", "the network graph from a net file of the reference programs (as completenet writes them) instead of -layers")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	savePath := *ckptPath
	if savePath == "" {
		savePath = filepath.Join(*out, "classifier.ckpt")
	}
	src := idx
	src.Majority, src.DataSeed, src.MNIST, src.CSV, src.TestCSV, src.RefText, src.TestRefText = *majority, *dataSeed, *mnist, *csvPath, *testCSV, *reftext, *testRef
	trainSet, testSet, hidden, shape, err := src.Load()
	if err != nil {
		return err
	}
	classes := max(trainSet.Classes, testSet.Classes, 2)
	if *netPath != "" {
		if cf.graph, err = train.ReadClassifierNet(*netPath); err != nil {
			return err
		}
	}
	s, sizes, err := cf.settings(trainSet.X.Cols, classes, hidden, shape)
	if err != nil {
		return err
	}
	arch := fmt.Sprint(sizes)
	if cf.built != nil {
		arch = cf.built.String()
	}
	fmt.Fprintf(stderr, "classify: %s, %d train / %d test items, layers %s, β %g Ω %g Υ %g Δ %g, class rule %v (%d per batch)\n",
		trainSet.Name, trainSet.X.Rows, testSet.X.Rows, arch, cf.beta, cf.omega, cf.upsilon, cf.delta, s.Class.Mode, s.Class.Count)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var restored []train.EpochStats
	if *resume {
		c, err := train.ReadClassifierCheckpoint(savePath)
		if err != nil {
			return err
		}
		s.Resume, restored = c, c.History
		fmt.Fprintf(stderr, "resuming from %s: epoch %d, item %d of %d (%.4g GWMs, %.0fs so far)\n",
			savePath, c.Epoch, c.Next, c.Items, float64(c.Work)*1e-9, c.Seconds)
	}
	series := make([]float64, 0, 1<<16)
	firstIter := 0 // run-wide number of the first iteration in series
	s.Trace = func(i int, e float64) {
		if firstIter == 0 {
			firstIter = i
		}
		if len(series) < 1<<22 {
			series = append(series, e)
		}
	}
	tw := newTable(stdout)
	tw.row("epoch", "GWMs", "iterations", "errstart", "errstop", "batch_err", "train_err", "test_err")
	row := func(st train.EpochStats) {
		tw.row(fmt.Sprint(st.Epoch), fmt.Sprintf("%.4g", st.GWMs), fmt.Sprint(st.Iterations), fmt.Sprintf("%.4g", st.ErrStart),
			fmt.Sprintf("%.4g", st.ErrStop), fmt.Sprintf("%.4f", st.BatchErr), fmt.Sprintf("%.4f", st.TrainErr), fmtErr(st.TestErr))
	}
	for _, st := range restored {
		row(st)
	}
	bar := progress.New(stderr, "epoch", cf.epochs, time.Second)
	bar.Add(min(len(restored), cf.epochs), "")
	s.OnEpoch = func(st train.EpochStats) {
		row(st)
		bar.Add(1, fmt.Sprintf("train_err %.4f test_err %s", st.TrainErr, fmtErr(st.TestErr)))
	}
	if *ckptPath != "" {
		s.Checkpoint = func(c *train.ClassifierCheckpoint) error {
			if !leader() { // rank 0 of an MPI run writes it
				return nil
			}
			return c.WriteFile(*ckptPath)
		}
	}
	// The first SIGINT or SIGTERM (ctx's cancellation) ends the run after the batch in
	// progress; the batches themselves run on a context that the signal does not cancel. A
	// signal that came while the data loaded stops the run before its first batch, with a
	// checkpoint of the starting point.
	interrupt := make(chan struct{})
	s.Interrupt = interrupt
	stopWatch := context.AfterFunc(ctx, func() {
		signal.Reset(os.Interrupt) // a second Ctrl-C quits at once
		bar.Printf("interrupted: finishing the batch in progress, then writing %s (Ctrl-C again quits at once)\n", savePath)
		close(interrupt)
	})
	defer stopWatch()
	res, err := train.TrainClassifier(context.WithoutCancel(ctx), trainSet, testSet, s)
	bar.Finish()
	tw.flush()
	if errors.Is(err, train.ErrCheckpoint) {
		return fmt.Errorf("%s: %w", savePath, err)
	}
	if errors.Is(err, train.ErrInterrupted) {
		return saveInterrupted(res, savePath, args, *ckptPath == "", *out, series, firstIter, trainSet, testSet, shape, cf, sizes, stderr)
	}
	if err != nil {
		return err
	}
	last := res.Epochs[len(res.Epochs)-1]
	r := classifyResult{Source: trainSet.Name, Train: trainSet.X.Rows, Test: testSet.X.Rows, Layers: sizes, Epochs: len(res.Epochs),
		TrainErr: last.TrainErr, BatchErr: last.BatchErr, GWMs: res.GWMs(), Seconds: res.Elapsed.Seconds(), Flagged: len(res.Flagged),
		ModelFlagged: len(res.ModelFlagged), Out: *out}
	if !math.IsNaN(last.TestErr) {
		r.TestErr = &last.TestErr
	}
	for _, f := range res.Flagged {
		if f.Assigned == train.Exempted {
			r.Exempted = append(r.Exempted, f.Item)
		} else {
			r.Relabeled = append(r.Relabeled, [2]int{f.Item, f.Assigned})
		}
	}
	if err := writeClassifyOutputs(*out, res, series, firstIter, trainSet, shape, cf, sizes, classifyMetrics(res, last)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "train_err %.4f  test_err %s  GWMs %.4g  seconds %.2f  flagged %d\nwrote %s\n",
		last.TrainErr, fmtErr(last.TestErr), res.GWMs(), res.Elapsed.Seconds(), len(res.Flagged), *out)
	if *asJSON {
		return printJSON(stdout, r)
	}
	return nil
}

// fmtErr formats an error rate for the table, "-" when there is none (no test data).
func fmtErr(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}

// classifyMetrics are the bundle's metrics of a finished run (experiment.ClassifierMetrics).
func classifyMetrics(res *train.ClassifierResult, last train.EpochStats) map[string]float64 {
	return experiment.ClassifierMetrics(res, last)
}

// interruptedError is the outcome of a classify run stopped by a signal: the checkpoint and
// the bundle are written, and the message says how to go on.
type interruptedError struct{ msg string }

func (e *interruptedError) Error() string { return e.msg }
func (e *interruptedError) Unwrap() error { return train.ErrInterrupted }

// saveInterrupted writes the checkpoint and the outputs of an interrupted run (the bundle
// holds the consensus weights after the last whole batch, its metrics measured on them now)
// and returns the error that tells the user how to resume.
func saveInterrupted(res *train.ClassifierResult, path string, args []string, addCkptFlag bool, out string, series []float64, firstIter int,
	tr, te dataset.Labelled, shape []int, cf classifyFlags, sizes []int, stderr io.Writer) error {
	c := res.Checkpoint
	if !leader() {
		return nil // rank 0 writes the checkpoint and says how to resume
	}
	if err := c.WriteFile(path); err != nil {
		return fmt.Errorf("interrupted, and the checkpoint could not be written: %w", err)
	}
	m := map[string]float64{"train_err": res.Classifier.ErrorRate(tr.X, tr.Labels), "gwms": res.GWMs(), "seconds": res.Elapsed.Seconds()}
	if te.X.Rows > 0 {
		m["test_err"] = res.Classifier.ErrorRate(te.X, te.Labels)
	}
	if err := writeClassifyOutputs(out, res, series, firstIter, tr, shape, cf, sizes, m); err != nil {
		return fmt.Errorf("interrupted; wrote checkpoint %s, but not the outputs: %w", path, err)
	}
	resume := []string{"lwl-train", "classify"}
	for _, a := range args {
		if a != "-resume" && a != "--resume" && a != "-resume=true" {
			resume = append(resume, shellQuote(a))
		}
	}
	if addCkptFlag {
		resume = append(resume, "-checkpoint", shellQuote(path))
	}
	resume = append(resume, "-resume")
	fmt.Fprintf(stderr, "interrupted in epoch %d after %d of its %d items (train_err now %.4f): wrote %s and %s\nresume with:\n\t%s\n",
		c.Epoch, c.Next, c.Items, m["train_err"], path, filepath.Join(out, "classifier.lwlb"), strings.Join(resume, " "))
	return &interruptedError{fmt.Sprintf("interrupted in epoch %d; resume from %s with -resume", c.Epoch, path)}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,=:+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeClassifyOutputs(dir string, res *train.ClassifierResult, series []float64, firstIter int, tr dataset.Labelled, shape []int, cf classifyFlags, sizes []int, metrics map[string]float64) error {
	if !leader() { // rank 0 of an MPI run writes them
		return nil
	}
	return experiment.WriteClassifierOutputs(dir, res, series, firstIter, tr, cf.bundleInfo(shape, sizes), metrics)
}

// bundleInfo is what a classifier bundle records of cf.
func (cf classifyFlags) bundleInfo(shape, sizes []int) experiment.ClassifierBundleInfo {
	return experiment.ClassifierBundleInfo{Arch: cf.arch, Built: cf.built, WMetric: cf.wmetric, UntiedEpochs: cf.untiedEpochs, Average: cf.average,
		FromNet: cf.graph != nil, Sizes: sizes, Shape: shape, Beta: cf.beta, Tol: cf.tol, Omega: cf.omega, Upsilon: cf.upsilon,
		Delta: cf.delta, EE: cf.ee, FPA: cf.fpa, Batch: cf.batch, Iter: cf.iter, Epochs: cf.epochs, Exempt: cf.exempt, Seed: cf.seed}
}
