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
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

func init() {
	reproCommands["majority"] = command{summary: "classifiers of majority-gate circuit data (section 5.5.1)", run: runReproMajority}
	reproCommands["mnist-classifier"] = command{summary: "MNIST 784→20→10 with eccentric exemptions (section 5.5.2)", run: runReproMNISTClassifier}
	reproCommands["relabel"] = command{summary: "recovering flipped MNIST labels by relabeling (section 5.3.2)", run: runReproRelabel}
}

// classRun is the outcome of one training run of a repro experiment.
type classRun struct {
	TrainErr float64 `json:"train_err"`
	TestErr  float64 `json:"test_err"`
	GWMs     float64 `json:"gwms"`
	Seconds  float64 `json:"seconds"`
}

type classReproResult struct {
	Experiment     string     `json:"experiment"`
	Runs           int        `json:"runs"`
	TrainErrMedian float64    `json:"train_err_median"`
	TestErrMedian  float64    `json:"test_err_median"`
	TestErrMin     float64    `json:"test_err_min"`
	TrainErrZero   int        `json:"train_err_zero"`
	TestErrZero    int        `json:"test_err_zero"`
	GWMMean        float64    `json:"gwm_mean"`
	SecondsMedian  float64    `json:"seconds_median"`
	PerRun         []classRun `json:"per_run"`
}

// reproCheckpoints are the -checkpoint and -resume flags of the classifier experiments.
type reproCheckpoints struct {
	dir    string
	resume bool
}

func (c *reproCheckpoints) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "checkpoint", "", "directory for a checkpoint of every run (runNNN.ckpt), written after each epoch and on Ctrl-C")
	fs.BoolVar(&c.resume, "resume", false, "go on from the checkpoints in -checkpoint (runs without one start afresh)")
}

func (c *reproCheckpoints) check() error {
	if c.resume && c.dir == "" {
		return &usageError{"-resume needs -checkpoint DIR"}
	}
	if c.dir != "" {
		return os.MkdirAll(c.dir, 0o755)
	}
	return nil
}

// runClassRepro trains runs classifiers (seed+i each) and prints the per-run table and
// summary. data returns the data of run i. With ck.dir each run keeps a checkpoint there;
// Ctrl-C ends every run after its batch in progress (saving the checkpoints).
func runClassRepro(ctx context.Context, name string, runs, jobs int, data func(i int) (dataset.Labelled, dataset.Labelled, error),
	settings func(i int) train.ClassifierSettings, ck reproCheckpoints, stdout, stderr io.Writer, asJSON bool) error {
	if err := ck.check(); err != nil {
		return err
	}
	res := make([]classRun, runs)
	// Progress counts epochs over all runs, so that a long run shows how far it has got.
	epochs := settings(0).Epochs
	bar := progress.New(stderr, "epochs (all runs)", runs*epochs, 0)
	stopWatch := context.AfterFunc(ctx, func() {
		signal.Reset(os.Interrupt) // a second Ctrl-C quits at once
		bar.Printf("interrupted: ending each run after its batch in progress (Ctrl-C again quits at once)\n")
	})
	defer stopWatch()
	err := runParallel(ctx, runs, jobs, func(ctx context.Context, i int) error {
		tr, te, err := data(i)
		if err != nil {
			return err
		}
		s := settings(i)
		s.OnEpoch = func(e train.EpochStats) {
			bar.Add(1, fmt.Sprintf("run %d epoch %d: train_err %.4f test_err %.4f", i+1, e.Epoch, e.TrainErr, e.TestErr))
		}
		path := ""
		if ck.dir != "" {
			path = filepath.Join(ck.dir, fmt.Sprintf("run%03d.ckpt", i+1))
			s.Checkpoint = func(c *train.ClassifierCheckpoint) error { return c.WriteFile(path) }
		}
		if ck.resume {
			c, err := train.ReadClassifierCheckpoint(path)
			switch {
			case errors.Is(err, iofs.ErrNotExist):
			case err != nil:
				return err
			default:
				s.Resume = c
				bar.Add(min(len(c.History), epochs), "")
			}
		}
		s.Interrupt = ctx.Done()
		r, err := train.TrainClassifier(context.WithoutCancel(ctx), tr, te, s)
		if errors.Is(err, train.ErrInterrupted) && path != "" {
			if werr := r.Checkpoint.WriteFile(path); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
		last := r.Epochs[len(r.Epochs)-1]
		res[i] = classRun{TrainErr: last.TrainErr, TestErr: last.TestErr, GWMs: r.GWMs(), Seconds: r.Elapsed.Seconds()}
		return nil
	}, func(int) {})
	bar.Finish()
	if errors.Is(err, train.ErrInterrupted) || (err != nil && ctx.Err() != nil) {
		if ck.dir == "" {
			return &interruptedError{"interrupted (no -checkpoint DIR: the runs are lost)"}
		}
		return &interruptedError{fmt.Sprintf("interrupted; the runs' checkpoints are in %s: run the same command with -resume to go on", ck.dir)}
	}
	if err != nil {
		return err
	}
	out := classReproResult{Experiment: name, Runs: runs, PerRun: res, TestErrMin: math.Inf(1)}
	var trs, tes, secs []float64
	tw := newTable(stdout)
	tw.row("run", "train_err", "test_err", "GWMs", "seconds")
	for i, r := range res {
		tw.row(fmt.Sprint(i+1), fmt.Sprintf("%.4f", r.TrainErr), fmt.Sprintf("%.4f", r.TestErr), fmt.Sprintf("%.4g", r.GWMs), fmt.Sprintf("%.1f", r.Seconds))
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
	tw.flush()
	out.TrainErrMedian, out.TestErrMedian, out.SecondsMedian = median(trs), median(tes), median(secs)
	fmt.Fprintf(stdout, "\n%s: train_err median %.4f (0 in %d/%d runs), test_err median %.4f min %.4f (0 in %d/%d), GWMs mean %.4g, seconds median %.1f\n",
		name, out.TrainErrMedian, out.TrainErrZero, runs, out.TestErrMedian, out.TestErrMin, out.TestErrZero, runs, out.GWMMean, out.SecondsMedian)
	if asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

func runReproMajority(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro majority", `Usage: lwl-train repro majority [flags]

Trains 13→26…→2 ReLU classifiers (n − 1 hidden layers of 26) on majority-gate circuit data
of depth n with the paper's settings (section 5.5.1): batch 128, 100 iterations per batch,
β 1, Ω 2, Υ 1, Δ 0.1 (0.2 at depth 4). Run i uses a fresh circuit, split and initial
weights from seed+i. The paper trains up to 1000 epochs; -epochs sets the budget here.
`, stderr)
	depth := fs.Int("depth", 3, "circuit depth n")
	runs := fs.Int("runs", 10, "independent runs")
	epochs := fs.Int("epochs", 100, "epochs per run")
	seed := fs.Uint64("seed", 1, "seed of the first run")
	delta := fs.Float64("delta", 0, "margin Δ (0: the paper's 0.1, or 0.2 at depth 4)")
	workers := fs.Int("workers", 1, "parallel parts per iteration of one run")
	jobs := fs.Int("jobs", 0, "runs at a time (0: cores / workers)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	var ck reproCheckpoints
	ck.register(fs.FlagSet)
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *depth < 1 || *runs <= 0 || *epochs <= 0 {
		return &usageError{"-depth, -runs and -epochs must be positive"}
	}
	d := *delta
	if d == 0 {
		d = 0.1
		if *depth >= 4 {
			d = 0.2
		}
	}
	hidden := slices.Repeat([]int{2 * dataset.MajorityInputs}, max(*depth-1, 1))
	fmt.Fprintf(stderr, "repro majority: depth %d, layers 13→%v→2, %d runs × %d epochs, Δ %g\n", *depth, hidden, *runs, *epochs, d)
	return runClassRepro(ctx, fmt.Sprintf("majority depth %d", *depth), *runs, jobsFor(*jobs, *workers),
		func(i int) (dataset.Labelled, dataset.Labelled, error) {
			return dataset.Majority(*depth, *seed+uint64(i))
		},
		func(i int) train.ClassifierSettings {
			return train.ClassifierSettings{Hidden: hidden,
				NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Class: train.ClassRule{Margin: d}, Workers: *workers},
				Beta:          1, IterPerBatch: 100, BatchSize: 128, Epochs: *epochs, Seed: *seed + uint64(i)}
		}, ck, stdout, stderr, *asJSON)
}

func jobsFor(jobs, workers int) int {
	if jobs > 0 {
		return jobs
	}
	return max(1, runtimeProcs()/max(workers, 1))
}

func runReproMNISTClassifier(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro mnist-classifier", `Usage: lwl-train repro mnist-classifier [flags]

Trains 784→20→10 ReLU classifiers on the first -n MNIST training items and tests on the
first -n test items with the paper's settings (section 5.5.2): batch 1000, 100 iterations
per batch, β 1, Ω 2, Υ 1, Δ 0.7, ee 0.5% (5 exempted items per batch); the paper runs
200 epochs. The paper's SGD baseline: mean test_err 0.073, never below 0.061.
`, stderr)
	n := fs.Int("n", 10000, "training and test items")
	runs := fs.Int("runs", 10, "independent runs")
	epochs := fs.Int("epochs", 200, "epochs per run")
	ee := fs.Float64("ee", 0.005, "eccentric exemption as a fraction of the batch")
	delta := fs.Float64("delta", 0.7, "margin Δ")
	seed := fs.Uint64("seed", 1, "seed of the first run")
	workers := fs.Int("workers", 0, "parallel parts per iteration (0: all cores)")
	jobs := fs.Int("jobs", 1, "runs at a time")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	var ck reproCheckpoints
	ck.register(fs.FlagSet)
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *n < 1000 || *runs <= 0 || *epochs <= 0 {
		return &usageError{"-n must be at least the batch size 1000; -runs and -epochs positive"}
	}
	tr, te, err := mnistTrainTest(*n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "repro mnist-classifier: %d/%d items, 784→20→10, %d runs × %d epochs, Δ %g, ee %g\n", tr.X.Rows, te.X.Rows, *runs, *epochs, *delta, *ee)
	return runClassRepro(ctx, "mnist 784-20-10", *runs, *jobs,
		func(int) (dataset.Labelled, dataset.Labelled, error) { return tr, te, nil },
		func(i int) train.ClassifierSettings {
			return train.ClassifierSettings{Hidden: []int{20},
				NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Workers: *workers,
					Class: train.ClassRule{Margin: *delta, Mode: train.ClassExempt, Count: int(math.Round(*ee * 1000))}},
				Beta: 1, IterPerBatch: 100, BatchSize: 1000, Epochs: *epochs, Seed: *seed + uint64(i)}
		}, ck, stdout, stderr, *asJSON)
}

// relabelResult is the JSON summary of repro relabel. Relabeled and Recovered are the
// trained classifier's verdict (train.ClassifierResult.ModelFlagged): rule (33) with the
// same EE per batch applied to a forward pass of the final weights over the final epoch's
// batches. The *Iterate fields count the training-time decisions instead: the RRR iterate's
// last projection in each batch of the final epoch (the last time each item was seen).
type relabelResult struct {
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

func runReproRelabel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro relabel", `Usage: lwl-train repro relabel [flags]

Flips a fraction -flip of the first -n MNIST training labels, each to a random other
class, and trains a 784→20→10 relabeling classifier (33) with the paper's MNIST settings
(section 5.5.2: batch 1000, 100 iterations per batch, β 1, Ω 2, Υ 1, Δ 0.7) that may
relabel EE items per batch: -ee, by default the flip fraction plus 1% (60 of 1000 for
-flip 0.05), so that a batch with more flipped items than average still has room. The
paper gives no relabeling experiment on MNIST; EE and the epoch count are our choices.

Reported (and in -json):
  relabeled, recovered   the trained classifier's verdict: rule (33) with the same EE per
                         batch applied to a forward pass of the final weights and biases
                         over the final epoch's batches; recovered counts the flipped
                         items relabeled to their true class
  relabeled_iterate,     the training-time decisions: the RRR iterate's last projection
  recovered_iterate      in each batch of the final epoch (the last time each item was
                         seen); after 100 iterations the iterate has not converged and
                         still pulls unrelabeled items toward their given labels, so
                         these are fewer
  predicted_true         flipped items that the classifier predicts as their true class
  train_err, test_err    train_err against the flipped labels
`, stderr)
	n := fs.Int("n", 10000, "training and test items")
	flip := fs.Float64("flip", 0.05, "fraction of training labels flipped")
	ee := fs.Float64("ee", 0, "relabel allowance as a fraction of the batch (0: flip + 0.01)")
	epochs := fs.Int("epochs", 30, "epochs")
	delta := fs.Float64("delta", 0.7, "margin Δ")
	seed := fs.Uint64("seed", 1, "seed of the flips and the run")
	workers := fs.Int("workers", 0, "parallel parts per iteration (0: all cores)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *n < 1000 || !(*flip >= 0 && *flip < 1) || *epochs <= 0 {
		return &usageError{"-n ≥ 1000, 0 ≤ -flip < 1 and -epochs > 0 are required"}
	}
	tr, te, err := mnistTrainTest(*n)
	if err != nil {
		return err
	}
	truth := append([]int(nil), tr.Labels...)
	tr.Labels = append([]int(nil), tr.Labels...)
	rng := train.NewRand(*seed ^ 0xf1f1)
	nf := int(math.Round(*flip * float64(tr.X.Rows)))
	for _, k := range rng.Perm(tr.X.Rows)[:nf] {
		tr.Labels[k] = (truth[k] + 1 + rng.IntN(tr.Classes-1)) % tr.Classes
	}
	frac := *ee
	if frac == 0 {
		frac = *flip + 0.01
	}
	count := int(math.Round(frac * 1000))
	fmt.Fprintf(stderr, "repro relabel: %d/%d items, %d labels flipped, 784→20→10, EE %d per batch of 1000, Δ %g, %d epochs\n",
		tr.X.Rows, te.X.Rows, nf, count, *delta, *epochs)
	res, err := train.TrainClassifier(ctx, tr, te, train.ClassifierSettings{Hidden: []int{20},
		NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Workers: *workers,
			Class: train.ClassRule{Margin: *delta, Mode: train.ClassRelabel, Count: count}},
		Beta: 1, IterPerBatch: 100, BatchSize: 1000, Epochs: *epochs, Seed: *seed,
		OnEpoch: func(s train.EpochStats) {
			fmt.Fprintf(stderr, "epoch %d: train_err %.4f test_err %.4f (%.0f s)\n", s.Epoch, s.TrainErr, s.TestErr, s.Seconds)
		}})
	if err != nil {
		return err
	}
	last := res.Epochs[len(res.Epochs)-1]
	out := relabelResult{Flipped: nf, EE: count, Epochs: len(res.Epochs), Relabeled: len(res.ModelFlagged), RelabeledIterate: len(res.Flagged),
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
	pct := func(k int) float64 { return 100 * float64(k) / math.Max(1, float64(nf)) }
	fmt.Fprintf(stdout, "flipped %d  relabeled %d  recovered %d (%.1f%% of flipped)  test_err %.4f  GWMs %.4g  seconds %.1f\n",
		out.Flipped, out.Relabeled, out.Recovered, pct(out.Recovered), out.TestErr, out.GWMs, out.Seconds)
	fmt.Fprintf(stdout, "training iterate, final epoch: relabeled %d  recovered %d (%.1f%%); classifier predicts the true class of %d flipped items (%.1f%%)\n",
		out.RelabeledIterate, out.RecoveredIterate, pct(out.RecoveredIterate), out.PredictedTrue, pct(out.PredictedTrue))
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// mnistTrainTest reads the first n training and the first n test items of MNIST, the data
// of the MNIST classifier experiments.
func mnistTrainTest(n int) (tr, te dataset.Labelled, err error) {
	if tr, err = dataset.MNIST(true, n); err != nil {
		return tr, te, err
	}
	te, err = dataset.MNIST(false, n)
	return tr, te, err
}
