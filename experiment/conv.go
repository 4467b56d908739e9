package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/atomicfile"
	"github.com/lwl-go/lwl/train"
)

// MNISTConvOptions are the settings of MNISTConv; DefaultMNISTConvOptions gives the
// best configuration of the search in docs/experiments/conv-classifier.md.
type MNISTConvOptions struct {
	N       int    // training and test items (the first of each MNIST set)
	Arch    string // architecture, train.ArchSyntax
	Runs    int    // independent runs, seeds Seed, Seed+1, …
	Epochs  int    // epochs per run
	Batch   int    // items per batch |K|
	Iter    int    // RRR iterations per batch
	Beta    float64
	Omega   float64 // norm Ω of every node's in-weights (26g), kernels included
	Upsilon float64 // metric weight Υ of the class nodes (eq. 31)
	// WMetric is the per-layer weight metric γ² (WeightMetric): "auto" for AutoWMetric (0.1
	// on convolutions, 1 on dense layers), "" or "none" for the paper's metric.
	WMetric string
	Delta   float64 // class margin Δ
	EE      float64 // eccentric exemption as a fraction of the batch (rounded to a count per batch)
	Seed    uint64  // seed of the first run
	Workers int     // parallel parts per iteration (0: all cores)
	Jobs    int     // runs at a time (0: one per core)
	// Checkpoints, if set, keep every run's state (runNNN.ckpt after every epoch and when ctx
	// is cancelled) and resume from it.
	Checkpoints
	// UntiedEpochs is the tie schedule (train.ClassifierSettings.UntiedEpochs): the first
	// UntiedEpochs epochs untied, then tied; ≥ Epochs trains the locally connected network.
	UntiedEpochs int
	// Average reports and saves each epoch's mean of the batch consensuses
	// (train.ClassifierSettings.Average).
	Average bool
	// Out, if set, is the directory for the best run's classifier.lwlb and kernels.png.
	Out string
}

// DefaultMNISTConvOptions are the best configuration found in
// docs/experiments/conv-classifier.md: conv5s2x8,conv5s2x16,dense10, batches of 100 with 1% exempted, 20
// iterations per batch, -wmetric auto, 60 epochs with each epoch's model the mean of its
// batch consensuses (Average), 3 runs.
func DefaultMNISTConvOptions() MNISTConvOptions {
	return MNISTConvOptions{N: 10000, Arch: "conv5s2x8,conv5s2x16,dense10", Runs: 3, Epochs: 60, Batch: 100, Iter: 20, Average: true,
		Beta: 1, Omega: 2, Upsilon: 1, WMetric: "auto", Delta: 0.7, EE: 0.01, Seed: 1, Jobs: 1}
}

// ConvRun is one run of MNISTConv.
type ConvRun struct {
	Seed     uint64  `json:"seed"`
	TrainErr float64 `json:"train_err"`
	TestErr  float64 `json:"test_err"`
	ErrStop  float64 `json:"errstop"` // mean last RRR_err of the final epoch's batches
	GWMs     float64 `json:"gwms"`
	Seconds  float64 `json:"seconds"`
	// Moved is, per layer after the data, how far its weights went from their random start:
	// ‖w − w₀‖/‖w₀‖ over the layer's edges (docs/experiments/conv-classifier.md's measure of how much kernels learn).
	Moved []float64 `json:"moved"`
}

// ConvResult is the outcome of MNISTConv.
type ConvResult struct {
	Arch           string             `json:"arch"`
	Shapes         string             `json:"shapes"` // the layers' shapes, as train.Arch prints them
	Hyper          map[string]float64 `json:"hyper"`
	WeightMetric   string             `json:"wmetric,omitempty"` // the metric used ("" the paper's)
	Runs           int                `json:"runs"`
	Epochs         int                `json:"epochs"`
	TestErrMedian  float64            `json:"test_err_median"`
	TestErrMin     float64            `json:"test_err_min"`
	TrainErrMedian float64            `json:"train_err_median"`
	GWMsMean       float64            `json:"gwms_mean"`
	SecondsMedian  float64            `json:"seconds_median"`
	PerRun         []ConvRun          `json:"per_run"`
	Out            string             `json:"out,omitempty"`
	// Best is the index in PerRun of the run of lowest test_err, the one saved in Out.
	Best int `json:"-"`
}

// ConvDenseBaseline is the fully connected classifier that MNISTConv is compared with:
// MNISTClassifier's 784→20→10 on the same items (docs/experiments/mnist-classifier.md).
const ConvDenseBaseline = "784→20→10 (repro mnist-classifier, Δ 0.7, ee 0.005, batch 1000 × 100 iterations): test_err 0.059 at 60 epochs"

// AutoWMetric is MNISTConv's "auto" weight metric for a network of the given layers: γ² 0.1
// on every convolution, 1 on dense layers (docs/experiments/conv-classifier.md: the best of
// the search).
func AutoWMetric(specs []train.LayerSpec) string {
	v := make([]string, len(specs))
	for l, s := range specs {
		v[l] = "1"
		if s.Kernel > 0 {
			v[l] = "0.1"
		}
	}
	return strings.Join(v, ",")
}

// MNISTConv trains weight-tied convolutional ReLU classifiers (o.Arch) by RRR on the first
// o.N MNIST training items and tests them on the first o.N test items, the items of
// MNISTClassifier. A convolution's kernels are tied: the weight consensus (26f) averages
// each kernel weight over the batch's items and the edges that carry it, the bias consensus
// (26i) each channel's bias over its nodes; kernels have norm Ω (26g). The paper has no such
// experiment: section 6.3 names convolutional layers as the enhancement that comparisons
// with other methods wait for. Progress counts epochs over all runs.
func MNISTConv(ctx context.Context, o MNISTConvOptions, progress Progress) (ConvResult, error) {
	if o.N < o.Batch || o.Runs <= 0 || o.Epochs <= 0 || o.Iter <= 0 || o.Batch <= 0 {
		return ConvResult{}, optionsErr("N must be at least Batch; Runs, Epochs, Iter and Batch positive")
	}
	tr, te, err := MNISTTrainTest(o.N)
	if err != nil {
		return ConvResult{}, err
	}
	a, err := BuildArch(o.Arch, tr.X.Cols, 10, []int{28, 28})
	if err != nil {
		return ConvResult{}, err
	}
	count := int(math.Round(o.EE * float64(o.Batch)))
	rule := train.ClassRule{Margin: o.Delta}
	if count > 0 {
		rule.Mode, rule.Count = train.ClassExempt, count
	}
	switch o.WMetric {
	case "auto":
		o.WMetric = AutoWMetric(a.Specs)
	case "none":
		o.WMetric = ""
	}
	metric, err := WeightMetric(o.WMetric, a.Graph, a.Sizes)
	if err != nil {
		return ConvResult{}, err
	}
	wm := "1 (the paper's metric)"
	if o.WMetric != "" {
		wm = o.WMetric
	}
	bar := reporter{progress}
	bar.Printf("repro mnist-conv: %d/%d items, %v (%d edges, %d weights, %d biases), %d runs × %d epochs, batch %d × %d iterations, β %g Ω %g Υ %g Δ %g, ee %g, weight metric γ² %s\n",
		tr.X.Rows, te.X.Rows, a, a.Graph.Edges(), a.Ties.WeightParams, a.Ties.BiasParams-tr.X.Cols, o.Runs, o.Epochs, o.Batch, o.Iter, o.Beta, o.Omega, o.Upsilon, o.Delta, o.EE, wm)
	if err := o.Checkpoints.prepare(); err != nil {
		return ConvResult{}, err
	}
	res := make([]ConvRun, o.Runs)
	results := make([]*train.ClassifierResult, o.Runs)
	bar.Start("epochs (all runs)", o.Runs*o.Epochs)
	err = runParallel(ctx, o.Runs, o.Jobs, func(ctx context.Context, i int) error {
		s := train.ClassifierSettings{Graph: a.Graph,
			NetworkConfig: train.NetworkConfig{Omega: o.Omega, Upsilon: o.Upsilon, Class: rule, Workers: o.Workers, Ties: a.Ties, WeightMetric: metric},
			Beta:          o.Beta, IterPerBatch: o.Iter, BatchSize: o.Batch, Epochs: o.Epochs, Seed: o.Seed + uint64(i), UntiedEpochs: o.UntiedEpochs, Average: o.Average}
		s.OnEpoch = func(e train.EpochStats) {
			bar.Add(1, fmt.Sprintf("run %d epoch %d: errstop %.4g train_err %.4f test_err %.4f", i+1, e.Epoch, e.ErrStop, e.TrainErr, e.TestErr))
		}
		r, err := o.Checkpoints.train(ctx, i, tr, te, s, bar, o.Epochs)
		if err != nil {
			return err
		}
		last := r.Epochs[len(r.Epochs)-1]
		moved, err := movedFromStart(a, s.NetworkConfig, s.Seed, r.Classifier.Weights)
		if err != nil {
			return err
		}
		res[i] = ConvRun{Seed: s.Seed, TrainErr: last.TrainErr, TestErr: last.TestErr, ErrStop: last.ErrStop, GWMs: r.GWMs(), Seconds: r.Elapsed.Seconds(), Moved: moved}
		results[i] = r
		return nil
	}, func(int) {})
	bar.Finish()
	if errors.Is(err, train.ErrInterrupted) || (err != nil && ctx.Err() != nil) {
		return ConvResult{}, o.Checkpoints.interrupted()
	}
	if err != nil {
		return ConvResult{}, err
	}
	sum := ConvResult{Arch: o.Arch, Shapes: a.String(), WeightMetric: o.WMetric, Runs: o.Runs, Epochs: o.Epochs, PerRun: res, TestErrMin: math.Inf(1),
		Hyper: map[string]float64{"beta": o.Beta, "omega": o.Omega, "upsilon": o.Upsilon, "delta": o.Delta, "ee": o.EE,
			"batch": float64(o.Batch), "iter": float64(o.Iter), "epochs": float64(o.Epochs)}}
	if o.UntiedEpochs > 0 {
		sum.Hyper["untied_epochs"] = float64(o.UntiedEpochs)
	}
	if o.Average {
		sum.Hyper["average"] = 1
	}
	var trs, tes, secs []float64
	for i, r := range res {
		trs, tes, secs = append(trs, r.TrainErr), append(tes, r.TestErr), append(secs, r.Seconds)
		sum.GWMsMean += r.GWMs / float64(o.Runs)
		if r.TestErr < sum.TestErrMin {
			sum.TestErrMin, sum.Best = r.TestErr, i
		}
	}
	sum.TrainErrMedian, sum.TestErrMedian, sum.SecondsMedian = Median(trs), Median(tes), Median(secs)
	if o.Out != "" {
		if err := writeConvBest(o, a, results[sum.Best], res[sum.Best], tr); err != nil {
			return ConvResult{}, err
		}
		sum.Out = o.Out
	}
	return sum, nil
}

// movedFromStart is ‖w − w₀‖/‖w₀‖ per layer of a, w₀ the random start that TrainClassifier
// draws from seed (train.NewNetwork with train.NewRand(seed), as section 5.4 initialises).
func movedFromStart(a *train.Arch, cfg train.NetworkConfig, seed uint64, w []float64) ([]float64, error) {
	cfg.Workers = 1
	n, err := train.NewNetwork(a.Graph, cfg, train.NewRand(seed))
	if err != nil {
		return nil, err
	}
	defer n.Close()
	w0 := n.Weights()
	g := a.Graph
	var moved []float64
	j := a.Sizes[0]
	for _, size := range a.Sizes[1:] {
		var d2, n2 float64
		for e := g.InStart[j]; e < g.InStart[j+size]; e++ {
			d := w[e] - w0[e]
			d2 += d * d
			n2 += w0[e] * w0[e]
		}
		moved = append(moved, math.Sqrt(d2/n2))
		j += size
	}
	return moved, nil
}

// writeConvBest saves a run's classifier (with its provenance) and its first layer's kernels
// in o.Out.
func writeConvBest(o MNISTConvOptions, a *train.Arch, r *train.ClassifierResult, run ConvRun, tr dataset.Labelled) error {
	dir := o.Out
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := ClassifierBundle(r, tr, ClassifierBundleInfo{Arch: o.Arch, Built: a, WMetric: o.WMetric, UntiedEpochs: o.UntiedEpochs, Average: o.Average, Sizes: a.Sizes, Shape: []int{28, 28},
		Beta: o.Beta, Omega: o.Omega, Upsilon: o.Upsilon, Delta: o.Delta, EE: o.EE, Batch: o.Batch, Iter: o.Iter, Epochs: o.Epochs, Seed: run.Seed},
		ClassifierMetrics(r, r.Epochs[len(r.Epochs)-1]))
	if err != nil {
		return err
	}
	wm := ""
	if o.WMetric != "" {
		wm = ", -wmetric " + o.WMetric
	}
	if o.UntiedEpochs > 0 {
		wm += fmt.Sprintf(", -untied-epochs %d", o.UntiedEpochs)
	}
	if !o.Average {
		wm += ", -average=false"
	}
	b.Provenance.Notes = fmt.Sprintf("lwl-train repro mnist-conv -arch %s%s, seed %d, %d epochs of batch %d × %d iterations; %s; %s",
		o.Arch, wm, run.Seed, o.Epochs, o.Batch, o.Iter, a, time.Now().UTC().Format(time.DateOnly))
	if err := format.Save(filepath.Join(dir, "classifier.lwlb"), b); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "kernels.png"), func(w io.Writer) error {
		return WriteKernels(w, a, r.Classifier.Weights)
	})
}
