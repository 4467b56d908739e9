package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/nmfcert"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

// ledmPaper is table 1 of the paper.
var ledmPaper = map[int]struct {
	rank         int
	beta, omega  float64
	seconds, gwm float64
}{
	6:  {5, 0.3, 0.6, 2, 0.02},
	8:  {6, 0.3, 0.7, 59, 0.61},
	12: {7, 0.3, 0.8, 567, 6.27},
	16: {8, 0.3, 0.9, 3677, 41.52},
}

const ledmSolvedBelow = 1e-5 // a run is solved when recon_err < 1e-5

// ledmBreak is the largest m that the paper's schedule gives rank r. Table 1 has rank 5, 6,
// 7, 8 for m = 6, 8, 12, 16: m grows alternately by 4/3 and 3/2 per rank, so the schedule
// continues 24, 32, 48, 64 for ranks 9, 10, 11, 12 (and starts 3, 4 for ranks 3, 4, where
// rank m is the only choice).
func ledmBreak(r int) int {
	if r%2 == 1 {
		return 3 << ((r - 3) / 2)
	}
	return 1 << (r / 2)
}

// ledmScheduleRank is the default rank for an m×m LEDM: the smallest r whose break is ≥ m.
func ledmScheduleRank(m int) int {
	r := 3
	for ledmBreak(r) < m {
		r++
	}
	return r
}

// ledmScheduleOmega is the default Ω: 0.1·(r+1) at the break of rank r (table 1: 0.6, 0.7,
// 0.8, 0.9 at m = 6, 8, 12, 16), interpolated linearly in log m between breaks and rounded
// to two decimals.
func ledmScheduleOmega(m int) float64 {
	r := ledmScheduleRank(m)
	if r == 3 {
		return 0.4
	}
	lo, hi := float64(ledmBreak(r-1)), float64(ledmBreak(r))
	om := 0.1*float64(r) + 0.1*math.Log(float64(m)/lo)/math.Log(hi/lo)
	return math.Round(om*100) / 100
}

// ledmPaperWork is the paper's mean work of a solved run at m in GWMs (table 1),
// interpolated log-log in m between its rows and held at the end rows outside them. Work
// caps are multiples of it.
func ledmPaperWork(m int) float64 {
	ms := []int{6, 8, 12, 16}
	if m <= ms[0] {
		return ledmPaper[ms[0]].gwm
	}
	for i := 1; i < len(ms); i++ {
		if m <= ms[i] {
			a, b := ledmPaper[ms[i-1]].gwm, ledmPaper[ms[i]].gwm
			t := math.Log(float64(m)/float64(ms[i-1])) / math.Log(float64(ms[i])/float64(ms[i-1]))
			return a * math.Pow(b/a, t)
		}
	}
	return ledmPaper[16].gwm
}

// ledmRun is one run from one random start, as -json lists it.
type ledmRun struct {
	M           int     `json:"m"`
	Rank        int     `json:"rank"`
	Seed        uint64  `json:"seed"`
	Omega       float64 `json:"omega"`
	Solved      bool    `json:"solved"`
	ReconErr    float64 `json:"recon_err"`
	GWMs        float64 `json:"gwms"`
	Seconds     float64 `json:"seconds"`
	Iterations  int     `json:"iterations"`
	Certificate string  `json:"certificate,omitempty"`  // directory of the checked certificate
	CertError   string  `json:"cert_error,omitempty"`   // why a solved run has no certificate
	MaxResidual float64 `json:"max_residual,omitempty"` // of the certificate, by the independent check
	Checkpoint  string  `json:"checkpoint,omitempty"`   // the run's last state (-checkpoint), for -resume
}

// ledmResult is the JSON of a fixed-rank repro ledm.
type ledmResult struct {
	M             int       `json:"m"`
	Rank          int       `json:"rank"`
	Omega         float64   `json:"omega"`
	Beta          float64   `json:"beta"`
	Runs          int       `json:"runs"`
	Solved        int       `json:"solved"`
	GWMMean       float64   `json:"gwm_mean"`
	SecondsMedian float64   `json:"seconds_median"`
	Each          []ledmRun `json:"each"`
}

// ledmRankTry sums up the runs at one rank of a sweep.
type ledmRankTry struct {
	Rank   int     `json:"rank"`
	Runs   int     `json:"runs"`
	Solved int     `json:"solved"`
	GWMs   float64 `json:"gwms"` // all the work spent at this rank
}

// ledmSweepRow is the sweep's finding for one m.
type ledmSweepRow struct {
	M     int     `json:"m"`
	Omega float64 `json:"omega"`
	// Rank is the smallest rank at which some run was solved (0: none up to rank m);
	// Solved of Runs were, with GWMMean and SecondsMedian over the solved ones.
	Rank          int     `json:"rank"`
	Runs          int     `json:"runs"`
	Solved        int     `json:"solved"`
	GWMMean       float64 `json:"gwm_mean_solved"`
	SecondsMedian float64 `json:"seconds_median_solved"`
	// Below is the rank under it, where no run was solved within the cap (nil when Rank is
	// 3, the ordinary rank of an LEDM, which no non-negative factorisation can go under).
	Below *ledmRankTry `json:"below,omitempty"`
	Paper int          `json:"paper_rank,omitempty"` // r⁺ of table 1, where it has m
}

type ledmSweepResult struct {
	MFrom  int            `json:"m_from"`
	MTo    int            `json:"m_to"`
	Runs   int            `json:"runs_per_rank"`
	Beta   float64        `json:"beta"`
	MaxGWM float64        `json:"max_gwm,omitempty"` // the cap of every run, if set; else
	Cap    float64        `json:"cap,omitempty"`     // the cap as a multiple of the paper's work at m
	Rows   []ledmSweepRow `json:"results"`
	Each   []ledmRun      `json:"each"`
}

// ledmSolver runs single LEDM factorisations with shared settings and writes certificates.
type ledmSolver struct {
	beta, tol float64
	maxGWM    float64 // the work cap of a run in GWMs, if > 0; else
	capTimes  float64 // the cap is this multiple of the paper's mean work at m
	certDir   string
	ckptDir   string               // save each run's state here (-checkpoint), if set
	resume    *train.NMFCheckpoint // go on from this state (-resume), if set
	bar       *progress.Bar        // counts work in MWMs (10⁶ weight-multiplies), if set
}

// ledmCheckpointGWM is the work between two checkpoints of a run (about a minute on one core).
const ledmCheckpointGWM = 10

// ledmCheckpointPath is where -checkpoint DIR keeps the state of run (m, rank, seed).
func ledmCheckpointPath(dir string, m, rank int, seed uint64) string {
	return filepath.Join(dir, fmt.Sprintf("m%d-r%d-s%d.ckpt", m, rank, seed))
}

// capUnits is a run's cap in the bar's units: a run that stops early counts the rest of its
// cap when it ends, so the bar's total is exact and its ETA an upper bound.
func (s *ledmSolver) capUnits(m int) int { return int(math.Round(s.capGWM(m) * 1e3)) }

func (s *ledmSolver) capGWM(m int) float64 {
	if s.maxGWM > 0 {
		return s.maxGWM
	}
	return s.capTimes * ledmPaperWork(m)
}

func (s *ledmSolver) run(ctx context.Context, m, rank int, omega float64, seed uint64) (ledmRun, error) {
	y := dataset.LEDM(m)
	budget := s.capGWM(m)
	wm := float64(m * m * rank) // weight-multiplies per iteration (eq. 24)
	iters := int(math.Max(1, math.Min(budget*1e9/wm, math.MaxInt32)))
	settings := train.FactorizeSettings{
		NMFConfig:    train.NMFConfig{Rank: rank, Omega: omega, Workers: 1},
		Beta:         s.beta,
		Tol:          s.tol,
		IterPerBatch: iters,
		Seed:         seed,
	}
	var ckptPath string
	if s.ckptDir != "" {
		ckptPath = ledmCheckpointPath(s.ckptDir, m, rank, seed)
		settings.CheckpointEvery = max(1, int(ledmCheckpointGWM*1e9/wm))
		settings.Checkpoint = func(c *train.NMFCheckpoint) error { return c.WriteFile(ckptPath) }
	}
	settings.Resume = s.resume
	if s.bar != nil {
		step := max(1, int(1e7/wm)) // iterations per report: about 10 MWMs
		units := int(math.Round(float64(step) * wm / 1e6))
		reported, capUnits := 0, s.capUnits(m)-s.resumedUnits()
		settings.Trace = func(i int, e float64) {
			if i%step == 0 && reported+units <= capUnits {
				reported += units
				s.bar.Add(units, fmt.Sprintf("m=%d rank %d seed %d: RRR_err %.2g", m, rank, seed, e))
			}
		}
		defer func() {
			if reported < capUnits {
				s.bar.Add(capUnits-reported, "")
			}
		}()
	}
	f, err := train.Factorize(ctx, y.Data, y.Rows, y.Cols, settings)
	if err != nil {
		if ckptPath != "" && ctx.Err() != nil {
			return ledmRun{}, fmt.Errorf("m=%d rank %d seed %d: %w; its state is in %s (go on with -resume %s)", m, rank, seed, err, ckptPath, ckptPath)
		}
		return ledmRun{}, err
	}
	r := ledmRun{M: m, Rank: rank, Seed: seed, Omega: omega, Solved: f.ReconErr < ledmSolvedBelow, ReconErr: f.ReconErr,
		GWMs: f.GWMs(), Seconds: f.Elapsed.Seconds(), Iterations: f.Iterations, Checkpoint: ckptPath}
	if r.Solved && s.certDir != "" {
		dir := filepath.Join(s.certDir, fmt.Sprintf("m%d-r%d-s%d", m, rank, seed))
		meta := nmfcert.Meta{M: m, Rank: rank, Seed: seed, Beta: s.beta, Omega: omega, Tol: s.tol,
			Iterations: f.Iterations, GWMs: f.GWMs(), Seconds: f.Elapsed.Seconds(), ReconErr: f.ReconErr,
			Command: fmt.Sprintf("lwl-train repro ledm -m %d -rank %d -omega %g -beta %g -tol %g -max-gwm %g -runs 1 -seed %d -cert DIR",
				m, rank, omega, s.beta, s.tol, budget, seed)}
		rep, err := nmfcert.Write(dir, meta, f.Codes, f.Features, nmfcert.DefaultTol)
		if err != nil {
			r.CertError = err.Error()
		} else {
			r.Certificate, r.MaxResidual = dir, rep.MaxResidual
		}
	}
	return r, nil
}

func (r ledmRun) line() string {
	s := fmt.Sprintf("m=%d rank %d seed %d: ", r.M, r.Rank, r.Seed)
	if r.Solved {
		s += "solved"
	} else {
		s += "not solved"
	}
	s += fmt.Sprintf(", recon_err %.2g, %.3g GWMs, %.1f s", r.ReconErr, r.GWMs, r.Seconds)
	if r.Certificate != "" {
		s += fmt.Sprintf("; certificate %s (max residual %.2g)", r.Certificate, r.MaxResidual)
	}
	if r.CertError != "" {
		s += "; NO CERTIFICATE: " + r.CertError
	}
	if r.Checkpoint != "" && !r.Solved {
		s += "; state in " + r.Checkpoint
	}
	return s
}

// resumedUnits is the work of the resumed state in the bar's units (0 without -resume).
func (s *ledmSolver) resumedUnits() int {
	if s.resume == nil {
		return 0
	}
	return int(math.Round(float64(s.resume.Work) * 1e-6))
}

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
	s := &ledmSolver{beta: *beta, tol: *tol, maxGWM: *maxGWM, capTimes: *capTimes, certDir: *certDir, ckptDir: *ckptDir, resume: resume}
	if resume != nil {
		if work := float64(resume.Work) * 1e-9; work >= s.capGWM(lo) {
			return &usageError{fmt.Sprintf("the checkpoint %s has spent %.4g GWMs, the cap is %.4g: raise -max-gwm", *resumeFrom, work, s.capGWM(lo))}
		}
	}
	if *ckptDir != "" && *fromCert == "" {
		if err := os.MkdirAll(*ckptDir, 0o755); err != nil {
			return err
		}
	}
	if *fromCert != "" {
		if *certDir == "" {
			return &usageError{"-from-cert needs -cert DIR for the derived certificates"}
		}
		return deriveLEDM(*fromCert, *certDir, lo, hi, stdout)
	}
	if *sweep {
		return runLEDMSweep(ctx, s, lo, hi, *rank, *omega, *runs, *seed, *workers, *asJSON, stdout, stderr)
	}
	m := lo
	r, om := *rank, *omega
	if r == 0 {
		r = ledmScheduleRank(m)
	}
	if om == 0 {
		om = ledmScheduleOmega(m)
	}
	fmt.Fprintf(stderr, "repro ledm: m=%d rank %d β %g Ω %g, %d runs, tol %g, cap %.3g GWMs per run\n",
		m, r, *beta, om, *runs, *tol, s.capGWM(m))
	if resume != nil {
		fmt.Fprintf(stderr, "repro ledm: going on from %s after %d iterations (%.4g GWMs, RRR_err %.2g)\n",
			*resumeFrom, resume.Iter, float64(resume.Work)*1e-9, resume.RRRErr)
	}
	res := make([]ledmRun, *runs)
	bar := progress.New(stderr, "work in MWMs (runs' caps)", *runs*(s.capUnits(m)-s.resumedUnits()), 0)
	s.bar = bar
	err = runParallel(ctx, *runs, *workers, func(ctx context.Context, i int) error {
		var err error
		res[i], err = s.run(ctx, m, r, om, *seed+uint64(i))
		return err
	}, func(i int) {
		if res[i].M != 0 { // a run that ended in an error (or was interrupted) has no line
			bar.Printf("%s\n", res[i].line())
		}
	})
	bar.Finish()
	if err != nil {
		return err
	}
	out := ledmResult{M: m, Rank: r, Omega: om, Beta: *beta, Runs: *runs, Each: res}
	var secs []float64
	for _, x := range res {
		if x.Solved {
			out.Solved++
		}
		out.GWMMean += x.GWMs / float64(*runs)
		secs = append(secs, x.Seconds)
	}
	out.SecondsMedian = median(secs)
	tw := newTable(stdout)
	tw.row("run", "seed", "solved", "recon_err", "iterations", "GWMs", "seconds", "certificate")
	for i, x := range res {
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
	if p, ok := ledmPaper[m]; ok {
		tw.row("paper (table 1)", fmt.Sprint(p.rank), fmt.Sprint(p.omega), "100%", fmt.Sprintf("%.4g", p.gwm), fmt.Sprintf("%.4g (serial C)", p.seconds))
	}
	tw.row("lwl", fmt.Sprint(r), fmt.Sprint(om), fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(out.Solved)/float64(*runs), out.Solved, *runs),
		fmt.Sprintf("%.4g", out.GWMMean), fmt.Sprintf("%.3g (median)", out.SecondsMedian))
	tw.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

// deriveLEDM writes certificates for m = lo … hi restricted from the certificate in src
// (rows and columns 0 … m−1), each checked as it is written.
func deriveLEDM(src, certDir string, lo, hi int, stdout io.Writer) error {
	rep, err := nmfcert.Check(src, nmfcert.DefaultTol)
	if err != nil {
		return err
	}
	if hi >= rep.M {
		return &usageError{fmt.Sprintf("-m %d-%d: the certificate in %s is for m = %d; derive only smaller m", lo, hi, src, rep.M)}
	}
	for m := lo; m <= hi; m++ {
		dir := filepath.Join(certDir, fmt.Sprintf("m%d-r%d-from-m%d", m, rep.Rank, rep.M))
		cmd := fmt.Sprintf("lwl-train repro ledm -m %d -from-cert %s -cert DIR", m, src)
		r, err := nmfcert.Derive(src, dir, m, 0, cmd, nmfcert.DefaultTol)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "m=%d rank %d: certificate %s (max residual %.2g), restricted from %s\n", m, r.Rank, dir, r.MaxResidual, src)
	}
	return nil
}

// ledmSearch is the state of one m in a sweep.
type ledmSearch struct {
	m       int
	omega   float64
	rank    int // rank in progress
	dir     int // −1 searching down, +1 up, 0 at the start rank
	pending int // runs at rank not yet finished
	byRank  map[int][]ledmRun
	best    int // smallest rank solved so far
	below   int // the failed rank under best, once known
	done    bool
}

// advance decides what follows a finished rank: the next rank to try, or done.
func (s *ledmSearch) advance() {
	solved := 0
	for _, r := range s.byRank[s.rank] {
		if r.Solved {
			solved++
		}
	}
	switch {
	case solved > 0 && s.dir > 0: // first success going up: the rank below failed already
		s.best, s.below, s.done = s.rank, s.rank-1, true
	case solved > 0 && s.rank <= 3: // the ordinary rank of an LEDM: nothing below
		s.best, s.done = s.rank, true
	case solved > 0:
		s.best, s.rank, s.dir = s.rank, s.rank-1, -1
	case s.dir < 0: // the first failure going down
		s.below, s.done = s.rank, true
	case s.rank >= s.m: // nothing solved up to rank m
		s.done = true
	default:
		s.rank, s.dir = s.rank+1, 1
	}
}

func runLEDMSweep(ctx context.Context, solver *ledmSolver, lo, hi, rank int, omega float64, runs int, seed uint64, workers int,
	asJSON bool, stdout, stderr io.Writer) error {
	var searches []*ledmSearch
	for m := lo; m <= hi; m++ {
		s := &ledmSearch{m: m, omega: omega, rank: rank, byRank: map[int][]ledmRun{}}
		if s.omega == 0 {
			s.omega = ledmScheduleOmega(m)
		}
		if s.rank == 0 || s.rank > m {
			s.rank = min(ledmScheduleRank(m), m)
		}
		searches = append(searches, s)
	}
	capNote := fmt.Sprintf("%g GWMs", solver.maxGWM)
	if solver.maxGWM == 0 {
		capNote = fmt.Sprintf("%g× the paper's mean work at m (%.3g GWMs at m=%d … %.3g at m=%d)",
			solver.capTimes, solver.capGWM(lo), lo, solver.capGWM(hi), hi)
	}
	fmt.Fprintf(stderr, "repro ledm -sweep: m = %d…%d, %d runs per rank from seed %d, β %g, tol %g, cap %s per run, %d at a time\n",
		lo, hi, runs, seed, solver.beta, solver.tol, capNote, workers)
	bar := progress.New(stderr, "work in MWMs (runs' caps; grows as ranks are queued)", 0, 0)
	solver.bar = bar
	var all []ledmRun
	err := runSearch(ctx, searches, runs, seed, workers, solver.run, func(r ledmRun) {
		all = append(all, r)
		bar.Printf("%s\n", r.line())
	}, func(m, n int) { bar.AddTotal(n * solver.capUnits(m)) })
	bar.Finish()
	if err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.M != b.M {
			return a.M < b.M
		}
		if a.Rank != b.Rank {
			return a.Rank > b.Rank
		}
		return a.Seed < b.Seed
	})
	out := ledmSweepResult{MFrom: lo, MTo: hi, Runs: runs, Beta: solver.beta, MaxGWM: solver.maxGWM, Each: all}
	if solver.maxGWM == 0 {
		out.Cap = solver.capTimes
	}
	tw := newTable(stdout)
	tw.row("m", "Ω", "smallest rank solved", "paper r⁺", "rate", "GWMs (mean, solved)", "s (median, solved)", "rank below: solved", "GWMs spent below")
	for _, s := range searches {
		row := ledmSweepRow{M: s.m, Omega: s.omega, Rank: s.best, Paper: ledmPaper[s.m].rank}
		var secs []float64
		for _, r := range s.byRank[s.best] {
			row.Runs++
			if r.Solved {
				row.Solved++
				row.GWMMean += r.GWMs
				secs = append(secs, r.Seconds)
			}
		}
		if row.Solved > 0 {
			row.GWMMean /= float64(row.Solved)
			row.SecondsMedian = median(secs)
		}
		if s.below > 0 {
			b := &ledmRankTry{Rank: s.below}
			for _, r := range s.byRank[s.below] {
				b.Runs++
				b.GWMs += r.GWMs
				if r.Solved {
					b.Solved++
				}
			}
			row.Below = b
		}
		out.Rows = append(out.Rows, row)
		paper, best, rate, gwm, sec, below, spent := "—", "none", "—", "—", "—", "—", "—"
		if row.Paper > 0 {
			paper = fmt.Sprint(row.Paper)
		}
		if row.Rank > 0 {
			best = fmt.Sprint(row.Rank)
			rate = fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(row.Solved)/float64(row.Runs), row.Solved, row.Runs)
			gwm, sec = fmt.Sprintf("%.3g", row.GWMMean), fmt.Sprintf("%.3g", row.SecondsMedian)
		} else {
			best = fmt.Sprintf("none ≤ %d", s.m)
		}
		switch {
		case row.Below != nil:
			below = fmt.Sprintf("rank %d: %d/%d", row.Below.Rank, row.Below.Solved, row.Below.Runs)
			spent = fmt.Sprintf("%.3g", row.Below.GWMs)
		case row.Rank == 3:
			below = "— (3 is the ordinary rank)"
		}
		tw.row(fmt.Sprint(s.m), fmt.Sprint(s.omega), best, paper, rate, gwm, sec, below, spent)
	}
	tw.flush()
	fmt.Fprintln(stdout, "\nA rank-r factorisation proves rank⁺ ≤ r; no run solved at the rank below proves nothing about it.")
	if asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

// runSearch runs the searches' runs on workers goroutines, runs from every m sharing the
// workers. When all runs of a rank have finished, the search moves to its next rank and
// queues that rank's runs (seeds seed … seed+runs−1), announcing them through grow. done
// sees every finished run, in the order they finish, on the calling goroutine.
func runSearch(ctx context.Context, searches []*ledmSearch, runs int, seed uint64, workers int,
	run func(ctx context.Context, m, rank int, omega float64, seed uint64) (ledmRun, error),
	done func(ledmRun), grow func(m, runs int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		s    *ledmSearch
		rank int
		seed uint64
	}
	type result struct {
		j   job
		r   ledmRun
		err error
	}
	jobs := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r, err := run(ctx, j.s.m, j.rank, j.s.omega, j.seed)
				results <- result{j, r, err}
			}
		}()
	}
	var queue []job
	enqueue := func(s *ledmSearch) {
		for i := range runs {
			queue = append(queue, job{s, s.rank, seed + uint64(i)})
		}
		s.pending = runs
		grow(s.m, runs)
	}
	for _, s := range searches {
		enqueue(s)
	}
	inflight := 0
	var firstErr error
	for {
		var send chan job
		var head job
		if len(queue) > 0 && firstErr == nil {
			send, head = jobs, queue[0]
		}
		if send == nil && inflight == 0 {
			break
		}
		select {
		case send <- head:
			queue = queue[1:]
			inflight++
		case res := <-results:
			inflight--
			if res.err != nil {
				if firstErr == nil {
					firstErr = res.err
					cancel()
				}
				continue
			}
			s := res.j.s
			s.byRank[res.j.rank] = append(s.byRank[res.j.rank], res.r)
			done(res.r)
			if s.pending--; s.pending == 0 {
				if s.advance(); !s.done {
					enqueue(s)
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}
