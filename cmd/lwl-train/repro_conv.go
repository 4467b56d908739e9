package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/train"
)

func init() {
	reproCommands["mnist-conv"] = command{summary: "MNIST with weight-tied convolutional layers (beyond the paper, section 6.3's future work)", run: runReproMNISTConv}
}

func runReproMNISTConv(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro mnist-conv", `Usage: lwl-train repro mnist-conv [flags]

Trains weight-tied convolutional ReLU classifiers (-arch, see below) by RRR on the first -n
MNIST training items and tests them on the first -n test items, the items of repro
mnist-classifier, and prints the figures beside that fully connected 784→20→10. A
convolution's kernels are tied: the weight consensus (26f) averages each kernel weight
over the batch's items and the edges that carry it, the bias consensus (26i) each channel's
bias over its nodes; kernels have norm Ω (26g). The paper has no such experiment: section
6.3 names convolutional layers as the enhancement that comparisons with other methods
wait for. With -out, the run with the lowest test_err is saved as classifier.lwlb with
kernels.png beside it.

The defaults are the best configuration found in docs/experiments/conv-classifier.md:
batches of 100 with 1% exempted, 20 iterations per batch, the weight metric γ² 0.1 on the
w copies of every convolution and 1 on dense layers (-wmetric auto; for the default
network 0.1,0.1,1: the kernels more compliant in the bilinear projection, the same as
Ω 0.63 on those layers alone), 60 epochs, and each epoch's model the mean of the
consensus after each of its batches (-average: the weight consensus over the epoch's
items; the iterates are those of -average=false). A run takes about 45 CPU-minutes
(-workers 1) on the 2-core machine of that page. -wmetric none gives the paper's metric,
-epochs 4 -average=false the first attempt's schedule.

Long runs survive: with -checkpoint DIR every run keeps runNNN.ckpt there (after every
epoch and on Ctrl-C), -resume goes on from them, and "lwl-train curves" draws them.

`+train.ArchSyntax+"\n", stderr)
	d := experiment.DefaultMNISTConvOptions()
	n := fs.Int("n", d.N, "training and test items")
	arch := fs.String("arch", d.Arch, "architecture (see above)")
	runs := fs.Int("runs", d.Runs, "independent runs (seeds seed, seed+1, …)")
	epochs := fs.Int("epochs", d.Epochs, "epochs per run")
	batch := fs.Int("batch", d.Batch, "items per batch |K| (100: ten times the kernel consensus steps of 1000 at equal work; see docs/experiments/conv-classifier.md)")
	iter := fs.Int("iter", d.Iter, "RRR_iter: iterations per batch")
	beta := fs.Float64("beta", d.Beta, "RRR step β")
	omega := fs.Float64("omega", d.Omega, "norm Ω of every node's in-weights (26g), kernels included")
	upsilon := fs.Float64("upsilon", d.Upsilon, "metric weight Υ of the class nodes (eq. 31)")
	wmetric := fs.String("wmetric", d.WMetric, wmetricUsage+`; "auto": 0.1 on convolutions, 1 on dense layers; "none": 1 everywhere`)
	delta := fs.Float64("delta", d.Delta, "class margin Δ")
	ee := fs.Float64("ee", d.EE, "eccentric exemption as a fraction of the batch (rounded to a count per batch)")
	seed := fs.Uint64("seed", d.Seed, "seed of the first run")
	workers := fs.Int("workers", 0, "parallel parts per iteration (0: all cores)")
	jobs := fs.Int("jobs", d.Jobs, "runs at a time")
	untiedEpochs := fs.Int("untied-epochs", d.UntiedEpochs, untiedEpochsUsage)
	average := fs.Bool("average", d.Average, averageUsage+"; -average=false: the last batch's, as before")
	out := fs.String("out", "", "directory for the best run's classifier.lwlb and kernels.png (empty: none)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	var ckf reproCheckpoints
	ckf.register(fs.FlagSet)
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	cks, err := ckf.check()
	if err != nil {
		return err
	}
	if *n < *batch || *runs <= 0 || *epochs <= 0 || *iter <= 0 || *batch <= 0 || *untiedEpochs < 0 {
		return &usageError{"-n must be at least -batch; -runs, -epochs, -iter and -batch positive, -untied-epochs not negative"}
	}
	p := newBarProgress(stderr)
	stopWatch := context.AfterFunc(ctx, func() {
		signal.Reset(os.Interrupt) // a second Ctrl-C quits at once
		p.Printf("interrupted: ending each run after its batch in progress (Ctrl-C again quits at once)\n")
	})
	defer stopWatch()
	sum, err := experiment.MNISTConv(ctx, experiment.MNISTConvOptions{N: *n, Arch: *arch, Runs: *runs, Epochs: *epochs, Batch: *batch, Iter: *iter,
		Beta: *beta, Omega: *omega, Upsilon: *upsilon, WMetric: *wmetric, Delta: *delta, EE: *ee, Seed: *seed, Workers: *workers, Jobs: *jobs, Out: *out, UntiedEpochs: *untiedEpochs, Average: *average, Checkpoints: cks},
		p)
	if errors.Is(err, train.ErrInterrupted) {
		return reproInterrupted(cks)
	}
	if err != nil {
		return err
	}
	tw := newTable(stdout)
	tw.row("run", "seed", "errstop", "train_err", "test_err", "GWMs", "seconds", "moved by layer")
	for i, r := range sum.PerRun {
		mv := make([]string, len(r.Moved))
		for l, v := range r.Moved {
			mv[l] = fmt.Sprintf("%.3g%%", 100*v)
		}
		tw.row(fmt.Sprint(i+1), fmt.Sprint(r.Seed), fmt.Sprintf("%.4g", r.ErrStop), fmt.Sprintf("%.4f", r.TrainErr), fmt.Sprintf("%.4f", r.TestErr),
			fmt.Sprintf("%.4g", r.GWMs), fmt.Sprintf("%.1f", r.Seconds), strings.Join(mv, " "))
	}
	tw.flush()
	fmt.Fprintf(stdout, "\nconvolutional %s: train_err median %.4f, test_err median %.4f min %.4f, GWMs mean %.4g, seconds median %.1f (%d runs × %d epochs)\n",
		sum.Shapes, sum.TrainErrMedian, sum.TestErrMedian, sum.TestErrMin, sum.GWMsMean, sum.SecondsMedian, *runs, *epochs)
	fmt.Fprintf(stdout, "fully connected %s\n", experiment.ConvDenseBaseline)
	if sum.Out != "" {
		fmt.Fprintf(stdout, "wrote %s (run %d)\n", sum.Out, sum.Best+1)
	}
	if *asJSON {
		return printJSON(stdout, sum)
	}
	return nil
}
