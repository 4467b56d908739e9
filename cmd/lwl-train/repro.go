package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/lwl-go/lwl/experiment"
)

// reproCommands are the paper's experiments, each registered from the file that runs it.
var reproCommands = map[string]command{}

func init() {
	commands["repro"] = command{
		summary: "rerun one of the paper's experiments with its settings and compare",
		run:     runRepro,
	}
	reproCommands["ledm"] = command{summary: "exact NMF of linear Euclidean distance matrices (table 1)", run: runReproLEDM}
	reproCommands["montage"] = command{summary: "online NMF of the synthetic letter montages (section 4.4.2)", run: runReproMontage}
}

func runRepro(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(reproCommands))
	for n := range reproCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintf(stderr, "Usage: lwl-train repro <experiment> [flags]\n\nReruns an experiment of the paper with the paper's settings, prints our figures beside\nthe paper's, and with -json ends with one JSON line of them.\n\nExperiments:\n\n")
		for _, n := range names {
			fmt.Fprintf(stderr, "\t%-18s %s\n", n, reproCommands[n].summary)
		}
		fmt.Fprintf(stderr, "\nExamples:\n  lwl-train repro ledm -m 6 -runs 20 -json      # table 1, m = 6\n  lwl-train repro binary -h                     # the flags of one experiment\n")
		if len(args) == 0 {
			return &usageError{"name an experiment"}
		}
		return nil
	}
	c, ok := reproCommands[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("unknown experiment %q (have %s)", args[0], strings.Join(names, ", "))}
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func runReproMontage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro montage", `Usage: lwl-train repro montage [flags]

Online NMF of 2000 synthetic 40×40 letter montages with the settings of section 4.4.2:
16 features, 40 batches of 50, 30 epochs, 4 RRR iterations per batch, β 1, Ω 2. Reports
recon_err and whether the 16 features cover the 16 letter/position parts.
`, stderr)
	d := experiment.DefaultMontageOptions()
	runs := fs.Int("runs", d.Runs, "independent runs")
	seed := fs.Uint64("seed", d.Seed, "seed of the first run; run i uses seed+i")
	dataSeed := fs.Uint64("data-seed", d.DataSeed, "seed of the montage generator")
	epochs := fs.Int("epochs", d.Epochs, "passes over the data")
	workers := fs.Int("jobs", 0, "runs at a time (0: one per core)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *runs <= 0 {
		return &usageError{"-runs must be positive"}
	}
	start := time.Now()
	out, err := experiment.Montage(ctx, experiment.MontageOptions{Runs: *runs, Seed: *seed, DataSeed: *dataSeed, Epochs: *epochs, Jobs: *workers},
		newBarProgress(stderr))
	if err != nil {
		return err
	}
	tw := newTable(stdout)
	tw.row("run", "recon_err", "parts found", "seconds")
	for i, r := range out.Each {
		tw.row(fmt.Sprint(i+1), fmt.Sprintf("%.4f", r.ReconErr), fmt.Sprintf("%d/16", r.PartsFound), fmt.Sprintf("%.1f", r.Seconds))
	}
	tw.flush()
	fmt.Fprintln(stdout)
	tw.row("letter montages", "recon_err", "all 16 parts", "seconds per run")
	tw.row("paper (fig. 7)", "≈0.089 when all parts found", "most runs", "—")
	tw.row("lwl", fmt.Sprintf("%.4f (median)", out.ReconErrMedian), fmt.Sprintf("%d of %d runs", out.AllPartsFound, *runs),
		fmt.Sprintf("%.1f (median; %s wall in all)", out.SecondsMedian, time.Since(start).Round(time.Second)))
	tw.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}
