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
	"strings"
	"sync"
	"time"

	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["filter"] = command{
		summary: "retrain the fake/genuine filter of a generator bundle on its own codes",
		run:     runFilter,
	}
}

// filterConfig is the filter training that the command line chooses (experiment.FilterOptions
// without the files); generative.go uses it for its filter stage.
type filterConfig struct {
	epochs, iter, batch, workers int
	fpa                          float64
}

// options are the experiment.FilterOptions of fc, with the MPI reducer (dist.go).
func (f filterConfig) options() experiment.FilterOptions {
	return experiment.FilterOptions{Epochs: f.epochs, Iter: f.iter, Batch: f.batch, FPA: f.fpa, Workers: f.workers, Reducer: reducer}
}

// printFilterEpoch writes the progress line of one filter epoch.
func printFilterEpoch(w io.Writer, e train.FilterEpoch, epochs int) {
	fmt.Fprint(w, experiment.FilterEpochLine(e, epochs))
}

func runFilter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("filter", `Usage: lwl-train filter [flags] -generator GEN.lwlb -o OUT.lwlb

Retrains the fake/genuine filter of a generator bundle (section 6.2) and writes the bundle
again with the new filter: the autoencoder and the code marginals are kept bit for bit,
the provenance records the new filter's settings and figures beside the old run's.

The filter learns the codes of the generative command's filter stage. The genuine codes are
the encodings of the bundle's training items, which its code marginals hold (for an MNIST
generator the bundle's encoder checks them against the MNIST training images); the fakes
are twice as many iDE samples of them. The test codes are the encodings of -test-items
MNIST test digits and twice as many fresh fakes (none for a generator of other data).
With the bundle's seed (the default) these are the codes its filter was trained on.

The filter is C→50→50→50→2 with ReLU, β 1, Ω 5, Υ 1, Δ 0.1 and the false-positive
allowance -fpa, trained in batches of -batch codes with -iter RRR iterations each. fp
(fakes accepted) and tn (genuine codes rejected) are printed per epoch on the batches, the
training and the test codes (figures 22 and 23, drawn with -figures DIR); at the end the
new and the old filter, both as the runtime (lwl-gen) applies them, are measured on the
same codes beside the paper's fp of 28.5% (training) and 31.6% (test). The new filter is
at least as good as the old when neither fp nor tn is higher on either set of codes.

The paper's run on the shipped generator:
  lwl-train filter -generator testdata/mnist-generator.lwlb -epochs 20 -iter 1000 -o new.lwlb
costs 3360 GWMs (10⁴ items, 3×10⁴ codes per epoch). Progress and ETA go to stderr.

Long runs survive: a checkpoint is written after every epoch (-checkpoint, default
OUT.ckpt), and -resume goes on from it with the filter an unbroken run would have had
(with the same -workers). The first Ctrl-C (or SIGTERM) ends the batch in progress,
writes the checkpoint, prints the figures of the filter so far and the command that
resumes; it writes no bundle. -epochs larger than the checkpoint's extends a finished run.
`, stderr)
	genPath := fs.String("generator", "", "generator bundle whose filter is retrained (required)")
	out := fs.String("o", "", "output bundle (required; may not be the -generator file)")
	var fc filterConfig
	fs.IntVar(&fc.epochs, "epochs", 5, "filter epochs (paper 20)")
	fs.IntVar(&fc.iter, "iter", 200, "RRR iterations per batch (paper 1000)")
	fs.IntVar(&fc.batch, "batch", 500, "codes per batch (paper 500)")
	fs.Float64Var(&fc.fpa, "fpa", 0.25, "false-positive allowance rate (paper 0.25)")
	fs.IntVar(&fc.workers, "workers", 0, "parallel parts of each RRR iteration (0: one per core)")
	testItems := fs.Int("test-items", 10000, "MNIST test digits whose encodings are the genuine test codes (0: none; the shipped generator was measured on all 10000)")
	seed := fs.Uint64("seed", 0, "seed of the fakes and the filter, as generative's -seed (default: the bundle's seed)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	ckptPath := fs.String("checkpoint", "", "checkpoint file, written after every epoch and on Ctrl-C (default OUT.ckpt)")
	resume := fs.Bool("resume", false, "go on from the checkpoint")
	figDir := fs.String("figures", "", "directory for filter-fp.png and filter-tn.png, fp and tn per epoch (figures 22, 23; none if empty)")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *ckptPath == "" && *out != "" {
		*ckptPath = *out + ".ckpt"
	}
	opts := fc.options()
	opts.Generator, opts.Out, opts.TestItems, opts.Seed = *genPath, *out, *testItems, *seed
	opts.Checkpoint, opts.Resume = *ckptPath, *resume
	opts.BundleSeed = true
	fs.Visit(func(f *flag.Flag) { opts.BundleSeed = opts.BundleSeed && f.Name != "seed" })
	start := time.Now()

	// The first SIGINT or SIGTERM (ctx's cancellation) ends the run after the batch in
	// progress: it cancels run, which RetrainFilter watches, after a second Ctrl-C has been
	// set to quit at once. A signal that came before the run stops it before its first batch.
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			signal.Reset(os.Interrupt) // a second Ctrl-C quits at once
			fmt.Fprintf(stderr, "interrupted: finishing the batch in progress, then writing %s (Ctrl-C again quits at once)\n", *ckptPath)
			cancel()
		})
	}
	if ctx.Err() != nil {
		stop()
	}
	stopWatch := context.AfterFunc(ctx, stop)
	defer stopWatch()
	res, err := experiment.RetrainFilter(run, opts, newBarProgress(stderr))
	if errors.Is(err, train.ErrInterrupted) {
		return filterInterrupted(res, *genPath, args, *ckptPath, stderr)
	}
	if err != nil {
		return err
	}
	if !leader() { // rank 0 of an MPI run writes the bundle and the figures
		return nil
	}
	if *figDir != "" {
		if err := filterFigures(*figDir, res.History); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "wrote %s: filter %d epochs × %d iterations per batch of %d, fpa %g, %.1f GWMs, %.0fs\n",
		*out, fc.epochs, fc.iter, fc.batch, fc.fpa, res.GWMs, res.Seconds)
	printFilterTable(stdout, "old: "+*genPath, res.Old, "new: "+*out, res.New)
	verdict := "the new filter is at least as good as the old (fp and tn no higher on training and test codes)"
	if !res.NoWorse {
		verdict = "the new filter is worse than the old in fp or tn on the training or test codes"
	}
	fmt.Fprintf(stdout, "%s; this process %.0fs\n", verdict, time.Since(start).Seconds())
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// printFilterTable prints the fp and tn of two filters beside the paper's.
func printFilterTable(w io.Writer, oldName string, old experiment.FilterRates, newName string, new experiment.FilterRates) {
	t := newTable(w)
	t.row("filter", "fp train", "fp test", "tn train", "tn test")
	pct := func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	t.row("paper (figures 22, 23)", pct(experiment.PaperFilterFP), pct(experiment.PaperFilterTestFP), "—", "—")
	t.row(oldName, pct(old.FP), pct(old.TestFP), pct(old.TN), pct(old.TestTN))
	t.row(newName, pct(new.FP), pct(new.TestFP), pct(new.TN), pct(new.TestTN))
	t.flush()
}

// filterInterrupted reports a run stopped by a signal: the checkpoint is written (by
// experiment.RetrainFilter); the filter so far is measured beside the old one (on stderr:
// the run failed, stdout stays empty), and the message says how to go on.
func filterInterrupted(res experiment.FilterResult, genPath string, args []string, ckptPath string, stderr io.Writer) error {
	saved := res.Saved
	where := fmt.Sprintf("so far (epoch %d, %d of %d codes)", saved.Epoch, saved.Next, saved.Genuine+saved.Fake)
	printFilterTable(stderr, "old: "+genPath, res.Old, where, res.New)
	resume := []string{"lwl-train", "filter"}
	for _, a := range args {
		if a != "-resume" && a != "--resume" && a != "-resume=true" {
			resume = append(resume, shellQuote(a))
		}
	}
	resume = append(resume, "-resume")
	fmt.Fprintf(stderr, "interrupted in epoch %d after %d of its %d codes: wrote %s\nresume with:\n\t%s\n", saved.Epoch, saved.Next, saved.Genuine+saved.Fake, ckptPath, strings.Join(resume, " "))
	return &interruptedError{fmt.Sprintf("interrupted; resume from %s with -resume", ckptPath)}
}
