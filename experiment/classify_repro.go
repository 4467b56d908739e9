package experiment

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/train"
)

// ClassifierRun is the outcome of one training run of a classifier experiment.
type ClassifierRun struct {
	TrainErr float64 `json:"train_err"`
	TestErr  float64 `json:"test_err"`
	GWMs     float64 `json:"gwms"`
	Seconds  float64 `json:"seconds"`
}

// ClassifierResult is the outcome of Majority and MNISTClassifier: every run and their
// summary.
type ClassifierResult struct {
	Experiment     string          `json:"experiment"` // e.g. "majority depth 3"
	Runs           int             `json:"runs"`
	TrainErrMedian float64         `json:"train_err_median"`
	TestErrMedian  float64         `json:"test_err_median"`
	TestErrMin     float64         `json:"test_err_min"`
	TrainErrZero   int             `json:"train_err_zero"` // runs with train_err 0
	TestErrZero    int             `json:"test_err_zero"`  // runs with test_err 0
	GWMMean        float64         `json:"gwm_mean"`
	SecondsMedian  float64         `json:"seconds_median"`
	PerRun         []ClassifierRun `json:"per_run"`
}

// Checkpoints are where the runs of a classifier experiment keep their state.
type Checkpoints struct {
	// Dir, if set, receives a checkpoint of every run (runNNN.ckpt), written after each
	// epoch and when the run is interrupted.
	Dir string
	// Resume goes on from the checkpoints in Dir (runs without one start afresh), with
	// exactly the result of unbroken runs.
	Resume bool
}

// train runs TrainClassifier for run i (0-based) with the run's checkpoint in ck.Dir
// (runNNN.ckpt: written after every epoch and when ctx is cancelled, resumed from with
// ck.Resume). When ctx is cancelled the run ends after its batch in progress and the error
// wraps train.ErrInterrupted. Resumed epochs advance bar.
func (ck Checkpoints) train(ctx context.Context, i int, tr, te dataset.Labelled, s train.ClassifierSettings, bar reporter, epochs int) (*train.ClassifierResult, error) {
	path := ""
	if ck.Dir != "" {
		path = filepath.Join(ck.Dir, fmt.Sprintf("run%03d.ckpt", i+1))
		s.Checkpoint = func(c *train.ClassifierCheckpoint) error { return c.WriteFile(path) }
	}
	if ck.Resume {
		c, err := train.ReadClassifierCheckpoint(path)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			s.Resume = c
			bar.Add(min(len(c.History), epochs), "")
		}
	}
	s.Interrupt = ctx.Done()
	r, err := train.TrainClassifier(context.WithoutCancel(ctx), tr, te, s)
	if errors.Is(err, train.ErrInterrupted) && path != "" {
		if werr := r.Checkpoint.WriteFile(path); werr != nil {
			return nil, werr
		}
	}
	return r, err
}

// prepare checks ck and makes its directory.
func (ck Checkpoints) prepare() error {
	if ck.Resume && ck.Dir == "" {
		return optionsErr("Checkpoints.Resume needs Checkpoints.Dir")
	}
	if ck.Dir != "" {
		return os.MkdirAll(ck.Dir, 0o755)
	}
	return nil
}

// interrupted is the error of runs that ctx stopped.
func (ck Checkpoints) interrupted() error {
	if ck.Dir == "" {
		return fmt.Errorf("%w (no checkpoint directory: the runs are lost)", train.ErrInterrupted)
	}
	return fmt.Errorf("%w; the runs' checkpoints are in %s", train.ErrInterrupted, ck.Dir)
}

// classifierRuns trains runs classifiers (seed+i each) and sums them up. data returns the
// data of run i. With ck.Dir each run keeps a checkpoint there. When ctx is cancelled
// every run ends after its batch in progress (saving its checkpoint) and the error wraps
// train.ErrInterrupted.
func classifierRuns(ctx context.Context, name string, runs, jobs int, data func(i int) (dataset.Labelled, dataset.Labelled, error),
	settings func(i int) train.ClassifierSettings, ck Checkpoints, progress Progress) (ClassifierResult, error) {
	if err := ck.prepare(); err != nil {
		return ClassifierResult{}, err
	}
	res := make([]ClassifierRun, runs)
	// Progress counts epochs over all runs, so that a long run shows how far it has got.
	epochs := settings(0).Epochs
	bar := reporter{progress}
	bar.Start("epochs (all runs)", runs*epochs)
	err := runParallel(ctx, runs, jobs, func(ctx context.Context, i int) error {
		tr, te, err := data(i)
		if err != nil {
			return err
		}
		s := settings(i)
		s.OnEpoch = func(e train.EpochStats) {
			bar.Add(1, fmt.Sprintf("run %d epoch %d: train_err %.4f test_err %.4f", i+1, e.Epoch, e.TrainErr, e.TestErr))
		}
		r, err := ck.train(ctx, i, tr, te, s, bar, epochs)
		if err != nil {
			return err
		}
		last := r.Epochs[len(r.Epochs)-1]
		res[i] = ClassifierRun{TrainErr: last.TrainErr, TestErr: last.TestErr, GWMs: r.GWMs(), Seconds: r.Elapsed.Seconds()}
		return nil
	}, func(int) {})
	bar.Finish()
	if errors.Is(err, train.ErrInterrupted) || (err != nil && ctx.Err() != nil) {
		return ClassifierResult{}, ck.interrupted()
	}
	if err != nil {
		return ClassifierResult{}, err
	}
	out := ClassifierResult{Experiment: name, Runs: runs, PerRun: res, TestErrMin: math.Inf(1)}
	var trs, tes, secs []float64
	for _, r := range res {
		trs, tes, secs = append(trs, r.TrainErr), append(tes, r.TestErr), append(secs, r.Seconds)
		out.GWMMean += r.GWMs / float64(runs)
		out.TestErrMin = math.Min(out.TestErrMin, r.TestErr)
		if r.TrainErr == 0 {
			out.TrainErrZero++
		}
		if r.TestErr == 0 {
			out.TestErrZero++
		}
	}
	out.TrainErrMedian, out.TestErrMedian, out.SecondsMedian = Median(trs), Median(tes), Median(secs)
	return out, nil
}

// MajorityOptions are the settings of Majority; DefaultMajorityOptions gives section
// 5.5.1's.
type MajorityOptions struct {
	Depth   int     // circuit depth n
	Runs    int     // independent runs; run i uses a fresh circuit, split and start from Seed+i
	Epochs  int     // epochs per run (the paper trains up to 1000)
	Seed    uint64  // seed of the first run
	Delta   float64 // margin Δ (0: the paper's 0.1, or 0.2 at depth ≥ 4)
	Workers int     // parallel parts per iteration of one run
	Jobs    int     // runs at a time (0: cores / Workers)
	Checkpoints
}

// DefaultMajorityOptions are section 5.5.1's settings at depth 3, with 10 runs of 100 epochs.
func DefaultMajorityOptions() MajorityOptions {
	return MajorityOptions{Depth: 3, Runs: 10, Epochs: 100, Seed: 1, Workers: 1}
}

// Margin is the margin Δ that Majority uses: Delta, or the paper's.
func (o MajorityOptions) Margin() float64 {
	if o.Delta != 0 {
		return o.Delta
	}
	if o.Depth >= 4 {
		return 0.2
	}
	return 0.1
}

// Hidden are the hidden layers of the depth-n network: n − 1 layers of 26 (one at depth 1).
func (o MajorityOptions) Hidden() []int {
	return slices.Repeat([]int{2 * dataset.MajorityInputs}, max(o.Depth-1, 1))
}

// jobsFor is the runs at a time for jobs (0: the cores shared among runs of workers parts).
func jobsFor(jobs, workers int) int {
	if jobs > 0 {
		return jobs
	}
	return max(1, runtime.GOMAXPROCS(0)/max(workers, 1))
}

// Majority trains 13→26…→2 ReLU classifiers (Depth − 1 hidden layers of 26) on
// majority-gate circuit data of depth n with the paper's settings (section 5.5.1): batch
// 128, 100 iterations per batch, β 1, Ω 2, Υ 1, Δ 0.1 (0.2 at depth 4). Progress counts
// epochs over all runs.
func Majority(ctx context.Context, o MajorityOptions, progress Progress) (ClassifierResult, error) {
	if o.Depth < 1 || o.Runs <= 0 || o.Epochs <= 0 {
		return ClassifierResult{}, optionsErr("Depth, Runs and Epochs must be positive")
	}
	d, hidden := o.Margin(), o.Hidden()
	return classifierRuns(ctx, fmt.Sprintf("majority depth %d", o.Depth), o.Runs, jobsFor(o.Jobs, o.Workers),
		func(i int) (dataset.Labelled, dataset.Labelled, error) {
			return dataset.Majority(o.Depth, o.Seed+uint64(i))
		},
		func(i int) train.ClassifierSettings {
			return train.ClassifierSettings{Hidden: hidden,
				NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Class: train.ClassRule{Margin: d}, Workers: o.Workers},
				Beta:          1, IterPerBatch: 100, BatchSize: 128, Epochs: o.Epochs, Seed: o.Seed + uint64(i)}
		}, o.Checkpoints, progress)
}

// MNISTClassifierOptions are the settings of MNISTClassifier; DefaultMNISTClassifierOptions
// gives section 5.5.2's.
type MNISTClassifierOptions struct {
	N       int     // training and test items (the first of each MNIST set), ≥ 1000
	Runs    int     // independent runs, seeds Seed … Seed+Runs−1
	Epochs  int     // epochs per run
	EE      float64 // eccentric exemption as a fraction of the batch
	Delta   float64 // margin Δ
	Seed    uint64  // seed of the first run
	Workers int     // parallel parts per iteration (0: all cores)
	Jobs    int     // runs at a time (0: one per core)
	Checkpoints
}

// DefaultMNISTClassifierOptions are section 5.5.2's settings: 10⁴ items, 10 runs of 200
// epochs, Δ 0.7, ee 0.5%.
func DefaultMNISTClassifierOptions() MNISTClassifierOptions {
	return MNISTClassifierOptions{N: 10000, Runs: 10, Epochs: 200, EE: 0.005, Delta: 0.7, Seed: 1, Jobs: 1}
}

// MNISTClassifier trains 784→20→10 ReLU classifiers on the first o.N MNIST training items
// and tests on the first o.N test items with the paper's settings (section 5.5.2): batch
// 1000, 100 iterations per batch, β 1, Ω 2, Υ 1, Δ 0.7, ee 0.5% (5 exempted items per
// batch). Progress counts epochs over all runs.
func MNISTClassifier(ctx context.Context, o MNISTClassifierOptions, progress Progress) (ClassifierResult, error) {
	if o.N < 1000 || o.Runs <= 0 || o.Epochs <= 0 {
		return ClassifierResult{}, optionsErr("N must be at least the batch size 1000; Runs and Epochs positive")
	}
	tr, te, err := MNISTTrainTest(o.N)
	if err != nil {
		return ClassifierResult{}, err
	}
	reporter{progress}.Printf("repro mnist-classifier: %d/%d items, 784→20→10, %d runs × %d epochs, Δ %g, ee %g\n", tr.X.Rows, te.X.Rows, o.Runs, o.Epochs, o.Delta, o.EE)
	return classifierRuns(ctx, "mnist 784-20-10", o.Runs, o.Jobs,
		func(int) (dataset.Labelled, dataset.Labelled, error) { return tr, te, nil },
		func(i int) train.ClassifierSettings {
			return train.ClassifierSettings{Hidden: []int{20},
				NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Workers: o.Workers,
					Class: train.ClassRule{Margin: o.Delta, Mode: train.ClassExempt, Count: int(math.Round(o.EE * 1000))}},
				Beta: 1, IterPerBatch: 100, BatchSize: 1000, Epochs: o.Epochs, Seed: o.Seed + uint64(i)}
		}, o.Checkpoints, progress)
}

// RelabelOptions are the settings of Relabel; DefaultRelabelOptions gives ours.
type RelabelOptions struct {
	N       int     // training and test items, ≥ 1000
	Flip    float64 // fraction of training labels flipped, in [0, 1)
	EE      float64 // relabel allowance as a fraction of the batch (0: Flip + 0.01)
	Epochs  int
	Delta   float64 // margin Δ
	Seed    uint64  // seed of the flips and the run
	Workers int     // parallel parts per iteration (0: all cores)
}

// DefaultRelabelOptions are Relabel's defaults: 10⁴ items, 5% flipped, 30 epochs, Δ 0.7.
func DefaultRelabelOptions() RelabelOptions {
	return RelabelOptions{N: 10000, Flip: 0.05, Epochs: 30, Delta: 0.7, Seed: 1}
}

// RelabelResult is the outcome of Relabel. Relabeled and Recovered are the trained
// classifier's verdict (train.ClassifierResult.ModelFlagged): rule (33) with the same EE per
// batch applied to a forward pass of the final weights over the final epoch's batches. The
// *Iterate fields count the training-time decisions instead: the RRR iterate's last
// projection in each batch of the final epoch (the last time each item was seen).
type RelabelResult struct {
	Flipped          int     `json:"flipped"`
	EE               int     `json:"ee"` // relabel allowance per batch of 1000
	Epochs           int     `json:"epochs"`
	Relabeled        int     `json:"relabeled"`
	Recovered        int     `json:"recovered"` // flipped items relabeled to their true class
	RelabeledIterate int     `json:"relabeled_iterate"`
	RecoveredIterate int     `json:"recovered_iterate"`
	PredictedTrue    int     `json:"predicted_true"` // flipped items the classifier predicts as their true class
	TrainErr         float64 `json:"train_err"`      // against the flipped labels
	TestErr          float64 `json:"test_err"`
	GWMs             float64 `json:"gwms"`
	Seconds          float64 `json:"seconds"`
}

// Relabel flips a fraction o.Flip of the first o.N MNIST training labels, each to a random
// other class, and trains a 784→20→10 relabeling classifier (rule 33, section 5.3.2) with
// the paper's MNIST settings (section 5.5.2: batch 1000, 100 iterations per batch, β 1,
// Ω 2, Υ 1, Δ 0.7) that may relabel EE items per batch. The paper gives no relabeling
// experiment on MNIST; EE and the epoch count are our choices. Progress reports each epoch
// as a line.
func Relabel(ctx context.Context, o RelabelOptions, progress Progress) (RelabelResult, error) {
	if o.N < 1000 || !(o.Flip >= 0 && o.Flip < 1) || o.Epochs <= 0 {
		return RelabelResult{}, optionsErr("N ≥ 1000, 0 ≤ Flip < 1 and Epochs > 0 are required")
	}
	tr, te, err := MNISTTrainTest(o.N)
	if err != nil {
		return RelabelResult{}, err
	}
	truth := append([]int(nil), tr.Labels...)
	tr.Labels = append([]int(nil), tr.Labels...)
	rng := train.NewRand(o.Seed ^ 0xf1f1)
	nf := int(math.Round(o.Flip * float64(tr.X.Rows)))
	for _, k := range rng.Perm(tr.X.Rows)[:nf] {
		tr.Labels[k] = (truth[k] + 1 + rng.IntN(tr.Classes-1)) % tr.Classes
	}
	frac := o.EE
	if frac == 0 {
		frac = o.Flip + 0.01
	}
	count := int(math.Round(frac * 1000))
	log := reporter{progress}
	log.Printf("repro relabel: %d/%d items, %d labels flipped, 784→20→10, EE %d per batch of 1000, Δ %g, %d epochs\n",
		tr.X.Rows, te.X.Rows, nf, count, o.Delta, o.Epochs)
	res, err := train.TrainClassifier(ctx, tr, te, train.ClassifierSettings{Hidden: []int{20},
		NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Workers: o.Workers,
			Class: train.ClassRule{Margin: o.Delta, Mode: train.ClassRelabel, Count: count}},
		Beta: 1, IterPerBatch: 100, BatchSize: 1000, Epochs: o.Epochs, Seed: o.Seed,
		OnEpoch: func(s train.EpochStats) {
			log.Printf("epoch %d: train_err %.4f test_err %.4f (%.0f s)\n", s.Epoch, s.TrainErr, s.TestErr, s.Seconds)
		}})
	if err != nil {
		return RelabelResult{}, err
	}
	last := res.Epochs[len(res.Epochs)-1]
	out := RelabelResult{Flipped: nf, EE: count, Epochs: len(res.Epochs), Relabeled: len(res.ModelFlagged), RelabeledIterate: len(res.Flagged),
		TrainErr: last.TrainErr, TestErr: last.TestErr, GWMs: res.GWMs(), Seconds: res.Elapsed.Seconds()}
	restored := func(fl []train.Flagged) int {
		r := 0
		for _, f := range fl {
			if f.Assigned == truth[f.Item] && f.Label != truth[f.Item] {
				r++
			}
		}
		return r
	}
	out.Recovered, out.RecoveredIterate = restored(res.ModelFlagged), restored(res.Flagged)
	pred := make([]int, tr.X.Rows)
	res.Classifier.Predict(pred, tr.X.Data, tr.X.Rows)
	for k, p := range pred {
		if tr.Labels[k] != truth[k] && p == truth[k] {
			out.PredictedTrue++
		}
	}
	return out, nil
}

// MNISTTrainTest reads the first n training and the first n test items of MNIST, the data
// of the MNIST classifier experiments.
func MNISTTrainTest(n int) (tr, te dataset.Labelled, err error) {
	if tr, err = dataset.MNIST(true, n); err != nil {
		return tr, te, err
	}
	te, err = dataset.MNIST(false, n)
	return tr, te, err
}
