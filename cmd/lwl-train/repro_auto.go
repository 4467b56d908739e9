package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/train"
)

func init() {
	reproCommands["binary"] = command{summary: "binary encoding 2ⁿ → n → 2ⁿ with the step activation (section 6.3.1)", run: runReproBinary}
	reproCommands["mnist-autoencoder"] = command{summary: "MNIST autoencoder 784→200→10→200→784 with iDE codes (section 6.3.2)", run: runReproMNISTAuto}
}

func runReproBinary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro binary", `Usage: lwl-train repro binary [flags]

Trains the 2ⁿ → n → 2ⁿ autoencoder with the step activation at every node on the 2ⁿ one-hot
vectors and all 2ⁿ binary codes in one batch (β 0.5, Ω 100, Δ 0.4, 0.34 at n = 5 by
default), -runs times from random starts. A run succeeds when, with the plain step, every
one-hot vector and every code round-trips through the feed-around; success is checked every
-check iterations, and a run stops at success, at RRR_err ≤ -tol, or after -max-iter
iterations. Runs go to separate cores.
`, stderr)
	n := fs.Int("n", 3, "code length n")
	runs := fs.Int("runs", 20, "independent runs")
	seed := fs.Uint64("seed", 1, "seed of the first run; run i uses seed+i")
	beta := fs.Float64("beta", 0.5, "RRR step β")
	omega := fs.Float64("omega", 100, "weight norm Ω")
	delta := fs.Float64("delta", 0, "the step's gap width Δ as in the paper, a margin Δ/2 on each side (0: 0.4, or 0.34 at n = 5)")
	maxIter := fs.Int("max-iter", 200000, "iteration cap per run")
	check := fs.Int("check", 200, "iterations between success checks")
	rewarm := fs.Bool("rewarm", false, "warm-start the batch again (feed-around from the consensus parameters) at every check, as an epoch of one batch")
	tol := fs.Float64("tol", 1e-10, "stop a run when RRR_err ≤ tol")
	workers := fs.Int("jobs", 0, "runs at a time (0: one per core)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *n < 1 || *n > 10 || *runs < 1 {
		return &usageError{fmt.Sprintf("-n %d -runs %d: want 1 ≤ n ≤ 10 and runs ≥ 1", *n, *runs)}
	}
	out, err := experiment.Binary(ctx, experiment.BinaryOptions{N: *n, Runs: *runs, Seed: *seed, Beta: *beta, Omega: *omega, Delta: *delta,
		MaxIter: *maxIter, Check: *check, Rewarm: *rewarm, Tol: *tol, Jobs: *workers}, newBarProgress(stderr))
	if err != nil {
		return err
	}
	t := newTable(stdout)
	t.row("n", "runs", "successes", "rate", "paper", "GWMs (mean)")
	paper := "—"
	if p, ok := experiment.BinaryPaper[*n]; ok {
		paper = fmt.Sprintf("%.0f%%", 100*p)
	}
	t.row(fmt.Sprint(*n), fmt.Sprint(*runs), fmt.Sprint(out.Successes), fmt.Sprintf("%.0f%%", 100*float64(out.Successes)/float64(*runs)), paper, fmt.Sprintf("%.4f", out.GWMMean))
	t.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

func runReproMNISTAuto(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro mnist-autoencoder", `Usage: lwl-train repro mnist-autoencoder [flags]

Trains the 784→200→10→200→784 autoencoder with iDE codes on MNIST (section 6.3.2): zigmoid
Δ 0.4, Ω 10, β 1, batches of 200 data items and 20 iDE codes, 50 iterations per batch. The
paper's run is 40 epochs of 10⁴ items (~7000 GWMs: about 7 hours on two cores at 3.8 ns
per weight-multiply); the defaults here, 1 epoch of 2000 items (~35 GWMs), take minutes. data_err and code_err are the
epoch means of the batches' warm-start errors (eqs. 40, 41), as the paper reports them.
Writes, into -out, test digits through the autoencoder (figure 21 top), decoded iDE
samples (figure 21 bottom) and the code marginals as histograms (figure 20).
`, stderr)
	epochs := fs.Int("epochs", 1, "epochs")
	items := fs.Int("items", 2000, "training items")
	iter := fs.Int("iter", 50, "RRR iterations per batch")
	dataBatch := fs.Int("data-batch", 200, "data items per batch")
	codeBatch := fs.Int("code-batch", 20, "iDE codes per batch")
	hidden := fs.Int("hidden", 200, "hidden layer width")
	codes := fs.Int("codes", 10, "code nodes")
	seed := fs.Uint64("seed", 1, "seed")
	zdelta := fs.Float64("delta", 0.4, "zigmoid Δ as in the reference programs: the ramp from 0 to 1 spans z ∈ [−Δ, Δ]")
	outDir := fs.String("out", ".", "directory for the PNG figures")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	netPath := fs.String("net", "", "autoencoder graph from a reference autonet net file instead of 784→H→C→H (-hidden and -codes do not apply)")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	graph, err := mnistAutoencoderNet(fs.FlagSet, *netPath, codes)
	if err != nil {
		return err
	}
	res, err := experiment.MNISTAutoencoder(ctx, experiment.MNISTAutoencoderOptions{Epochs: *epochs, Items: *items, Iter: *iter,
		DataBatch: *dataBatch, CodeBatch: *codeBatch, Hidden: *hidden, Codes: *codes, Seed: *seed, Delta: *zdelta, Graph: graph, Out: *outDir},
		newBarProgress(stderr))
	if err != nil {
		return err
	}
	t := newTable(stdout)
	t.row("", "ours", "paper (40 epochs × 10⁴ items)")
	t.row("data_err", fmt.Sprintf("%.4f", res.DataErr), "0.153")
	t.row("code_err", fmt.Sprintf("%.4f", res.CodeErr), "0.040")
	t.row("GWMs", fmt.Sprintf("%.1f", res.GWM), "~7000")
	t.row("data_err train/test (final model)", fmt.Sprintf("%.4f / %.4f", res.TrainErr, res.TestErr), "")
	t.flush()
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// autoFigures writes figures 20 and 21 of an MNIST autoencoder (experiment.AutoencoderFigures)
// and sets *testErr to the test items' data_err.
func autoFigures(a *train.Autoencoder, dir string, enc []float64, m, C int, test dataset.Matrix, seed uint64, testErr *float64) error {
	var err error
	*testErr, err = experiment.AutoencoderFigures(a, dir, enc, m, C, test, seed)
	return err
}

// writeGrid writes 28×28 images as a PNG grid (experiment.WriteDigitGrid).
func writeGrid(path string, imgs [][]float64) error { return experiment.WriteDigitGrid(path, imgs) }

// mnistAutoResult is the JSON summary of repro mnist-autoencoder (kept under this name for
// generative_test.go, which another branch changes).
type mnistAutoResult = experiment.MNISTAutoencoderResult
