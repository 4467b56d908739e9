package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/train"
)

// parseMRange reads "M" or "M1-M2".
func parseMRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := lo, error(nil)
	if isRange {
		hi, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("-m %q: want a size M or a range M1-M2", s)
	}
	if lo < 3 || hi < lo {
		return 0, 0, fmt.Errorf("-m %q: want 3 ≤ M1 ≤ M2 (an LEDM has ordinary rank 3 from m = 3)", s)
	}
	return lo, hi, nil
}

const ledmUsage = `Usage: lwl-train repro ledm [flags]

Exact NMF of the m×m linear Euclidean distance matrix (section 4.4.1, table 1) from -runs
random starts, one core per run. A run is solved when recon_err < 1e-5.

The defaults continue the paper's schedule: rank 5, 6, 7, 8 serve m ≤ 6, 8, 12, 16, and
m grows alternately by 4/3 and 3/2 per rank, so rank 9 serves m ≤ 24 and rank 10 m ≤ 32;
Ω is 0.6, 0.7, 0.8, 0.9 at m = 6, 8, 12, 16 and 1.0, 1.1 at 24, 32, interpolated linearly
in log m in between (m = 17: 0.91); β is 0.3.

With -sweep, -m may be a range M1-M2; for each m the sweep starts at -rank (default: the
schedule's) and searches downward for the smallest rank at which some of the -runs starts
is solved within the work cap (upward first if none is solved at the start). It reports
per m the smallest rank solved, its success rate and mean work, and the rank below it with
its attempts and work. Finding rank r proves rank⁺ ≤ r; failing at r−1 proves nothing.

With -cert DIR every solved run leaves a certificate in DIR/m<M>-r<R>-s<SEED>: the factors
as CSV at full precision, an NMF bundle, certificate.json, and the factors after the
rounding pass; each is read back and checked independently ("lwl-train verify").

With -checkpoint DIR every run saves its state to DIR/m<M>-r<R>-s<SEED>.ckpt every 10
GWMs and when it stops (at its cap, solved, or interrupted); -resume FILE goes on from such
a state, with m, rank, Ω, β and seed taken from it and -max-gwm (or -cap) capping the
whole run, the work before included. A resumed run repeats an unbroken one bit for bit,
so its certificate names the command of the unbroken run.

With -from-cert CERT nothing is solved: rows and columns 0 … m−1 of the M×M LEDM are
((M−1)/(m−1))⁻² times the m×m one, so a certificate for M gives one of the same rank for
every smaller m; they are written to -cert DIR as m<m>-r<R>-from-m<M>.

Examples:
  lwl-train repro ledm -m 6 -runs 20                      # table 1, m = 6
  lwl-train repro ledm -m 17 -rank 9 -runs 2 -cert docs/ledm
  lwl-train repro ledm -sweep -m 6-8 -runs 4 -cap 2 -json
  lwl-train repro ledm -m 17-19 -from-cert docs/ledm/m20-r9-s1 -cert docs/ledm
  lwl-train repro ledm -m 20 -rank 9 -runs 1 -max-gwm 100 -checkpoint ckpt
  lwl-train repro ledm -resume ckpt/m20-r9-s1.ckpt -max-gwm 300 -checkpoint ckpt
`

func runReproLEDM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro ledm", ledmUsage, stderr)
	mFlag := fs.String("m", "6", "matrix size m ≥ 3 (with -sweep also a range M1-M2)")
	sweep := fs.Bool("sweep", false, "search each m for the smallest rank solved")
	rank := fs.Int("rank", 0, "rank (with -sweep: where the search starts); 0: the schedule's")
	omega := fs.Float64("omega", 0, "feature norm Ω; 0: the schedule's")
	beta := fs.Float64("beta", 0.3, "RRR step β")
	runs := fs.Int("runs", 20, "independent runs (per rank in a sweep; default 4 there)")
	seed := fs.Uint64("seed", 1, "seed of the first run; run i uses seed+i (at every rank)")
	tol := fs.Float64("tol", 1e-9, "stop a run when RRR_err ≤ tol")
	capTimes := fs.Float64("cap", 25, "give up a run after this multiple of the paper's mean work at m (table 1, interpolated log-log in m; beyond m = 16, as at 16)")
	maxGWM := fs.Float64("max-gwm", 0, "if > 0, give up a run after this many GWMs instead (the same cap at every m)")
	workers := fs.Int("jobs", 0, "runs at a time (0: one per core)")
	certDir := fs.String("cert", "", "write a checked certificate of every solved run under this directory")
	fromCert := fs.String("from-cert", "", "solve nothing: derive certificates for the m of -m from this certificate of a larger m, by restriction")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	ckptDir := fs.String("checkpoint", "", "save each run's state in this directory every 10 GWMs and when it stops, for -resume")
	resumeFrom := fs.String("resume", "", "go on from this checkpoint (-checkpoint) of one run; m, rank, Ω, β and seed are its")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var resume *train.NMFCheckpoint
	if *resumeFrom != "" {
		if *sweep || *fromCert != "" || *runs != 1 && set["runs"] {
			return &usageError{"-resume goes on with one run: not with -sweep, -from-cert or -runs"}
		}
		c, err := train.ReadNMFCheckpoint(*resumeFrom)
		if err != nil {
			return err
		}
		if c.Rows != c.D || !(c.Rows >= 3) {
			return fmt.Errorf("%s: a checkpoint of a %d×%d matrix, not of an LEDM", *resumeFrom, c.Rows, c.D)
		}
		for name, differs := range map[string]bool{
			"m": set["m"] && *mFlag != strconv.Itoa(c.D), "rank": set["rank"] && *rank != c.Rank,
			"omega": set["omega"] && *omega != c.Omega, "beta": set["beta"] && *beta != c.Beta, "seed": set["seed"] && *seed != c.Seed,
		} {
			if differs {
				return &usageError{fmt.Sprintf("-%s differs from the checkpoint %s (m %d, rank %d, Ω %g, β %g, seed %d)", name, *resumeFrom, c.D, c.Rank, c.Omega, c.Beta, c.Seed)}
			}
		}
		*mFlag, *rank, *omega, *beta, *seed, *runs = strconv.Itoa(c.D), c.Rank, c.Omega, c.Beta, c.Seed, 1
		resume = c
	}
	lo, hi, err := parseMRange(*mFlag)
	if err != nil {
		return &usageError{err.Error()}
	}
	runsSet := set["runs"]
	if *sweep && !runsSet {
		*runs = 4
	}
	switch {
	case *runs <= 0:
		return &usageError{"-runs must be positive"}
	case *rank < 0 || *omega < 0 || *maxGWM < 0 || !(*beta > 0) || !(*tol >= 0) || !(*capTimes > 0):
		return &usageError{"-rank, -omega, -max-gwm and -tol must be ≥ 0, -beta and -cap > 0"}
	case lo != hi && !*sweep && *fromCert == "":
		return &usageError{fmt.Sprintf("-m %s is a range: add -sweep or -from-cert, or give one size", *mFlag)}
	case *rank > lo && !*sweep:
		return &usageError{fmt.Sprintf("-rank %d exceeds m = %d", *rank, lo)}
	}
	if *workers <= 0 {
		*workers = runtime.GOMAXPROCS(0)
	}
	rs := experiment.LEDMRunSettings{Beta: *beta, Tol: *tol, MaxGWM: *maxGWM, Cap: *capTimes, Runs: *runs, Seed: *seed, Jobs: *workers,
		CertDir: *certDir, CheckpointDir: *ckptDir}
	if resume != nil {
		if work := float64(resume.Work) * 1e-9; work >= rs.CapGWM(lo) {
			return &usageError{fmt.Sprintf("the checkpoint %s has spent %.4g GWMs, the cap is %.4g: raise -max-gwm", *resumeFrom, work, rs.CapGWM(lo))}
		}
	}
	if *fromCert != "" {
		if *certDir == "" {
			return &usageError{"-from-cert needs -cert DIR for the derived certificates"}
		}
		certs, err := experiment.DeriveLEDM(*fromCert, *certDir, lo, hi)
		for _, c := range certs {
			fmt.Fprintf(stdout, "m=%d rank %d: certificate %s (max residual %.2g), restricted from %s\n", c.M, c.Rank, c.Dir, c.MaxResidual, *fromCert)
		}
		return err
	}
	if *sweep {
		return runLEDMSweep(ctx, experiment.LEDMSweepOptions{LEDMRunSettings: rs, MFrom: lo, MTo: hi, Rank: *rank, Omega: *omega}, *asJSON, stdout, stderr)
	}
	m := lo
	r, om := *rank, *omega
	if r == 0 {
		r = experiment.LEDMScheduleRank(m)
	}
	if om == 0 {
		om = experiment.LEDMScheduleOmega(m)
	}
	fmt.Fprintf(stderr, "repro ledm: m=%d rank %d β %g Ω %g, %d runs, tol %g, cap %.3g GWMs per run\n",
		m, r, *beta, om, *runs, *tol, rs.CapGWM(m))
	if resume != nil {
		fmt.Fprintf(stderr, "repro ledm: going on from %s after %d iterations (%.4g GWMs, RRR_err %.2g)\n",
			*resumeFrom, resume.Iter, float64(resume.Work)*1e-9, resume.RRRErr)
	}
	out, err := experiment.LEDM(ctx, experiment.LEDMOptions{LEDMRunSettings: rs, M: m, Rank: r, Omega: om, Resume: resume}, newBarProgress(stderr))
	if err != nil {
		return err
	}
	tw := newTable(stdout)
	tw.row("run", "seed", "solved", "recon_err", "iterations", "GWMs", "seconds", "certificate")
	for i, x := range out.Each {
		cert := x.Certificate
		if x.CertError != "" {
			cert = "FAILED: " + x.CertError
		}
		tw.row(fmt.Sprint(i+1), fmt.Sprint(x.Seed), fmt.Sprint(x.Solved), fmt.Sprintf("%.3g", x.ReconErr), fmt.Sprint(x.Iterations),
			fmt.Sprintf("%.4g", x.GWMs), fmt.Sprintf("%.2f", x.Seconds), cert)
	}
	tw.flush()
	fmt.Fprintln(stdout)
	tw.row(fmt.Sprintf("LEDM m=%d", m), "rank", "Ω", "rate", "GWMs (mean)", "seconds")
	if p, ok := experiment.LEDMTable1[m]; ok {
		tw.row("paper (table 1)", fmt.Sprint(p.Rank), fmt.Sprint(p.Omega), "100%", fmt.Sprintf("%.4g", p.GWMs), fmt.Sprintf("%.4g (serial C)", p.Seconds))
	}
	tw.row("lwl", fmt.Sprint(out.Rank), fmt.Sprint(out.Omega), fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(out.Solved)/float64(out.Runs), out.Solved, out.Runs),
		fmt.Sprintf("%.4g", out.GWMMean), fmt.Sprintf("%.3g (median)", out.SecondsMedian))
	tw.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

func runLEDMSweep(ctx context.Context, o experiment.LEDMSweepOptions, asJSON bool, stdout, stderr io.Writer) error {
	capNote := fmt.Sprintf("%g GWMs", o.MaxGWM)
	if o.MaxGWM == 0 {
		capNote = fmt.Sprintf("%g× the paper's mean work at m (%.3g GWMs at m=%d … %.3g at m=%d)",
			o.Cap, o.CapGWM(o.MFrom), o.MFrom, o.CapGWM(o.MTo), o.MTo)
	}
	fmt.Fprintf(stderr, "repro ledm -sweep: m = %d…%d, %d runs per rank from seed %d, β %g, tol %g, cap %s per run, %d at a time\n",
		o.MFrom, o.MTo, o.Runs, o.Seed, o.Beta, o.Tol, capNote, o.Jobs)
	out, err := experiment.LEDMSweep(ctx, o, newBarProgress(stderr))
	if err != nil {
		return err
	}
	tw := newTable(stdout)
	tw.row("m", "Ω", "smallest rank solved", "paper r⁺", "rate", "GWMs (mean, solved)", "s (median, solved)", "rank below: solved", "GWMs spent below")
	for _, row := range out.Rows {
		paper, best, rate, gwm, sec, below, spent := "—", "none", "—", "—", "—", "—", "—"
		if row.Paper > 0 {
			paper = fmt.Sprint(row.Paper)
		}
		if row.Rank > 0 {
			best = fmt.Sprint(row.Rank)
			rate = fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(row.Solved)/float64(row.Runs), row.Solved, row.Runs)
			gwm, sec = fmt.Sprintf("%.3g", row.GWMMean), fmt.Sprintf("%.3g", row.SecondsMedian)
		} else {
			best = fmt.Sprintf("none ≤ %d", row.M)
		}
		switch {
		case row.Below != nil:
			below = fmt.Sprintf("rank %d: %d/%d", row.Below.Rank, row.Below.Solved, row.Below.Runs)
			spent = fmt.Sprintf("%.3g", row.Below.GWMs)
		case row.Rank == 3:
			below = "— (3 is the ordinary rank)"
		}
		tw.row(fmt.Sprint(row.M), fmt.Sprint(row.Omega), best, paper, rate, gwm, sec, below, spent)
	}
	tw.flush()
	fmt.Fprintln(stdout, "\nA rank-r factorisation proves rank⁺ ≤ r; no run solved at the rank below proves nothing about it.")
	if asJSON {
		return printJSON(stdout, out)
	}
	return nil
}
