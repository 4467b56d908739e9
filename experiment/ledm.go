package experiment

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/nmfcert"
	"github.com/lwl-go/lwl/train"
)

// LEDMPaperRow is a row of table 1 of the paper: the rank⁺ found for an m×m LEDM, the
// settings β and Ω, and the mean time and work of a solved run.
type LEDMPaperRow struct {
	Rank          int
	Beta, Omega   float64
	Seconds, GWMs float64 // Seconds of the paper's serial C program
}

// LEDMTable1 is table 1 of the paper (section 4.4.1), by m.
var LEDMTable1 = map[int]LEDMPaperRow{
	6:  {5, 0.3, 0.6, 2, 0.02},
	8:  {6, 0.3, 0.7, 59, 0.61},
	12: {7, 0.3, 0.8, 567, 6.27},
	16: {8, 0.3, 0.9, 3677, 41.52},
}

// LEDMSolvedBelow is the recon_err under which an LEDM run counts as solved (exact).
const LEDMSolvedBelow = 1e-5

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

// LEDMScheduleRank is the default rank for an m×m LEDM: table 1's where it has m, and in
// general the smallest r whose break (the largest m the schedule gives rank r: 6, 8, 12, 16,
// then 24, 32, 48, …, m growing alternately by 4/3 and 3/2 per rank) is ≥ m.
func LEDMScheduleRank(m int) int {
	r := 3
	for ledmBreak(r) < m {
		r++
	}
	return r
}

// LEDMScheduleOmega is the default Ω for an m×m LEDM: 0.1·(r+1) at the break of rank r
// (table 1: 0.6, 0.7, 0.8, 0.9 at m = 6, 8, 12, 16), interpolated linearly in log m between
// breaks and rounded to two decimals.
func LEDMScheduleOmega(m int) float64 {
	r := LEDMScheduleRank(m)
	if r == 3 {
		return 0.4
	}
	lo, hi := float64(ledmBreak(r-1)), float64(ledmBreak(r))
	om := 0.1*float64(r) + 0.1*math.Log(float64(m)/lo)/math.Log(hi/lo)
	return math.Round(om*100) / 100
}

// LEDMPaperWork is the paper's mean work of a solved run at m in GWMs (table 1),
// interpolated log-log in m between its rows and held at the end rows outside them. Work
// caps (LEDMRunSettings.Cap) are multiples of it.
func LEDMPaperWork(m int) float64 {
	ms := []int{6, 8, 12, 16}
	if m <= ms[0] {
		return LEDMTable1[ms[0]].GWMs
	}
	for i := 1; i < len(ms); i++ {
		if m <= ms[i] {
			a, b := LEDMTable1[ms[i-1]].GWMs, LEDMTable1[ms[i]].GWMs
			t := math.Log(float64(m)/float64(ms[i-1])) / math.Log(float64(ms[i])/float64(ms[i-1]))
			return a * math.Pow(b/a, t)
		}
	}
	return LEDMTable1[16].GWMs
}

// LEDMRun is one LEDM factorisation from one random start.
type LEDMRun struct {
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
	Checkpoint  string  `json:"checkpoint,omitempty"`   // the run's last state (CheckpointDir), to resume from
}

// LEDMResult is the outcome of LEDM: the runs at one m and rank, and their summary.
type LEDMResult struct {
	M             int       `json:"m"`
	Rank          int       `json:"rank"`
	Omega         float64   `json:"omega"`
	Beta          float64   `json:"beta"`
	Runs          int       `json:"runs"`
	Solved        int       `json:"solved"`
	GWMMean       float64   `json:"gwm_mean"`
	SecondsMedian float64   `json:"seconds_median"`
	Each          []LEDMRun `json:"each"`
}

// LEDMRankTry sums up the runs at one rank of a sweep.
type LEDMRankTry struct {
	Rank   int     `json:"rank"`
	Runs   int     `json:"runs"`
	Solved int     `json:"solved"`
	GWMs   float64 `json:"gwms"` // all the work spent at this rank
}

// LEDMSweepRow is the sweep's finding for one m.
type LEDMSweepRow struct {
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
	Below *LEDMRankTry `json:"below,omitempty"`
	Paper int          `json:"paper_rank,omitempty"` // r⁺ of table 1, where it has m
}

// LEDMSweepResult is the outcome of LEDMSweep.
type LEDMSweepResult struct {
	MFrom  int            `json:"m_from"`
	MTo    int            `json:"m_to"`
	Runs   int            `json:"runs_per_rank"`
	Beta   float64        `json:"beta"`
	MaxGWM float64        `json:"max_gwm,omitempty"` // the cap of every run, if set; else
	Cap    float64        `json:"cap,omitempty"`     // the cap as a multiple of the paper's work at m
	Rows   []LEDMSweepRow `json:"results"`
	Each   []LEDMRun      `json:"each"` // by m, rank downward, seed
}

// LEDMRunSettings are the settings that every run of LEDM and LEDMSweep shares.
type LEDMRunSettings struct {
	Beta float64 // RRR step β (table 1: 0.3)
	Tol  float64 // stop a run when RRR_err ≤ Tol
	// MaxGWM, if > 0, caps each run's work in GWMs; otherwise the cap is Cap times the
	// paper's mean work at m (LEDMPaperWork).
	MaxGWM, Cap float64
	Runs        int    // independent runs (per rank in a sweep), seeds Seed … Seed+Runs−1
	Seed        uint64 // seed of the first run
	Jobs        int    // runs at a time (0: one per core)
	// CertDir, if set, receives a checked certificate of every solved run, in
	// CertDir/m<M>-r<R>-s<SEED> (internal/nmfcert).
	CertDir string
	// CheckpointDir, if set, receives each run's state every 10 GWMs and when it stops, in
	// LEDMCheckpointPath(CheckpointDir, m, rank, seed).
	CheckpointDir string
}

// CapGWM is the work cap of a run at m in GWMs.
func (s LEDMRunSettings) CapGWM(m int) float64 {
	if s.MaxGWM > 0 {
		return s.MaxGWM
	}
	return s.Cap * LEDMPaperWork(m)
}

func (s LEDMRunSettings) check() error {
	switch {
	case s.Runs <= 0:
		return optionsErr("Runs must be positive")
	case s.MaxGWM < 0 || !(s.Beta > 0) || !(s.Tol >= 0) || !(s.MaxGWM > 0 || s.Cap > 0):
		return optionsErr("MaxGWM and Tol must be ≥ 0, Beta > 0, and MaxGWM or Cap > 0")
	}
	return nil
}

// LEDMOptions are the settings of LEDM.
type LEDMOptions struct {
	LEDMRunSettings
	M     int     // the matrix size, ≥ 3
	Rank  int     // 0: LEDMScheduleRank(M)
	Omega float64 // 0: LEDMScheduleOmega(M)
	// Resume, if set, goes on with one run from this state (of a run with CheckpointDir);
	// M, Rank, Omega, Beta and Seed are taken from it, and the cap covers the whole run, the
	// work before included. A resumed run repeats an unbroken one bit for bit.
	Resume *train.NMFCheckpoint
}

// LEDMSweepOptions are the settings of LEDMSweep.
type LEDMSweepOptions struct {
	LEDMRunSettings
	MFrom, MTo int     // the sizes m searched, 3 ≤ MFrom ≤ MTo
	Rank       int     // where each search starts (0, or above m: the schedule's)
	Omega      float64 // 0: LEDMScheduleOmega(m)
}

// ledmCheckpointGWM is the work between two checkpoints of a run (about a minute on one core).
const ledmCheckpointGWM = 10

// LEDMCheckpointPath is where a run (m, rank, seed) keeps its state under dir.
func LEDMCheckpointPath(dir string, m, rank int, seed uint64) string {
	return filepath.Join(dir, fmt.Sprintf("m%d-r%d-s%d.ckpt", m, rank, seed))
}

// ledmSolver runs single LEDM factorisations with shared settings and writes certificates.
type ledmSolver struct {
	LEDMRunSettings
	resume *train.NMFCheckpoint
	bar    reporter // counts work in MWMs (10⁶ weight-multiplies)
}

// capUnits is a run's cap in the bar's units: a run that stops early counts the rest of its
// cap when it ends, so the bar's total is exact and its ETA an upper bound.
func (s *ledmSolver) capUnits(m int) int { return int(math.Round(s.CapGWM(m) * 1e3)) }

// resumedUnits is the work of the resumed state in the bar's units (0 without Resume).
func (s *ledmSolver) resumedUnits() int {
	if s.resume == nil {
		return 0
	}
	return int(math.Round(float64(s.resume.Work) * 1e-6))
}

func (s *ledmSolver) run(ctx context.Context, m, rank int, omega float64, seed uint64) (LEDMRun, error) {
	y := dataset.LEDM(m)
	budget := s.CapGWM(m)
	wm := float64(m * m * rank) // weight-multiplies per iteration (eq. 24)
	iters := int(math.Max(1, math.Min(budget*1e9/wm, math.MaxInt32)))
	settings := train.FactorizeSettings{
		NMFConfig:    train.NMFConfig{Rank: rank, Omega: omega, Workers: 1},
		Beta:         s.Beta,
		Tol:          s.Tol,
		IterPerBatch: iters,
		Seed:         seed,
	}
	var ckptPath string
	if s.CheckpointDir != "" {
		ckptPath = LEDMCheckpointPath(s.CheckpointDir, m, rank, seed)
		settings.CheckpointEvery = max(1, int(ledmCheckpointGWM*1e9/wm))
		settings.Checkpoint = func(c *train.NMFCheckpoint) error { return c.WriteFile(ckptPath) }
	}
	settings.Resume = s.resume
	if s.bar.p != nil {
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
			return LEDMRun{}, fmt.Errorf("m=%d rank %d seed %d: %w; its state is in %s (go on with -resume %s)", m, rank, seed, err, ckptPath, ckptPath)
		}
		return LEDMRun{}, err
	}
	r := LEDMRun{M: m, Rank: rank, Seed: seed, Omega: omega, Solved: f.ReconErr < LEDMSolvedBelow, ReconErr: f.ReconErr,
		GWMs: f.GWMs(), Seconds: f.Elapsed.Seconds(), Iterations: f.Iterations, Checkpoint: ckptPath}
	if r.Solved && s.CertDir != "" {
		dir := filepath.Join(s.CertDir, fmt.Sprintf("m%d-r%d-s%d", m, rank, seed))
		meta := nmfcert.Meta{M: m, Rank: rank, Seed: seed, Beta: s.Beta, Omega: omega, Tol: s.Tol,
			Iterations: f.Iterations, GWMs: f.GWMs(), Seconds: f.Elapsed.Seconds(), ReconErr: f.ReconErr,
			Command: fmt.Sprintf("lwl-train repro ledm -m %d -rank %d -omega %g -beta %g -tol %g -max-gwm %g -runs 1 -seed %d -cert DIR",
				m, rank, omega, s.Beta, s.Tol, budget, seed)}
		rep, err := nmfcert.Write(dir, meta, f.Codes, f.Features, nmfcert.DefaultTol)
		if err != nil {
			r.CertError = err.Error()
		} else {
			r.Certificate, r.MaxResidual = dir, rep.MaxResidual
		}
	}
	return r, nil
}

// String is the one-line report of a finished run.
func (r LEDMRun) String() string {
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

// LEDM runs exact NMF of the m×m linear Euclidean distance matrix (section 4.4.1, table 1)
// from o.Runs random starts at one rank, one core per run; a run is solved when recon_err <
// LEDMSolvedBelow. Progress counts work in MWMs against the runs' caps and reports each
// finished run.
func LEDM(ctx context.Context, o LEDMOptions, progress Progress) (LEDMResult, error) {
	if c := o.Resume; c != nil {
		if c.Rows != c.D || !(c.Rows >= 3) {
			return LEDMResult{}, fmt.Errorf("a checkpoint of a %d×%d matrix, not of an LEDM", c.Rows, c.D)
		}
		o.M, o.Rank, o.Omega, o.Beta, o.Seed, o.Runs = c.D, c.Rank, c.Omega, c.Beta, c.Seed, 1
	}
	if err := o.check(); err != nil {
		return LEDMResult{}, err
	}
	m := o.M
	switch {
	case m < 3:
		return LEDMResult{}, optionsErr(fmt.Sprintf("M %d: want M ≥ 3 (an LEDM has ordinary rank 3 from m = 3)", m))
	case o.Rank < 0 || o.Omega < 0:
		return LEDMResult{}, optionsErr("Rank and Omega must be ≥ 0")
	case o.Rank > m:
		return LEDMResult{}, optionsErr(fmt.Sprintf("Rank %d exceeds m = %d", o.Rank, m))
	}
	s := &ledmSolver{LEDMRunSettings: o.LEDMRunSettings, resume: o.Resume, bar: reporter{progress}}
	if o.Resume != nil {
		if work := float64(o.Resume.Work) * 1e-9; work >= s.CapGWM(m) {
			return LEDMResult{}, optionsErr(fmt.Sprintf("the checkpoint has spent %.4g GWMs, the cap is %.4g: raise MaxGWM", work, s.CapGWM(m)))
		}
	}
	if o.CheckpointDir != "" {
		if err := os.MkdirAll(o.CheckpointDir, 0o755); err != nil {
			return LEDMResult{}, err
		}
	}
	r, om := o.Rank, o.Omega
	if r == 0 {
		r = LEDMScheduleRank(m)
	}
	if om == 0 {
		om = LEDMScheduleOmega(m)
	}
	res := make([]LEDMRun, o.Runs)
	s.bar.Start("work in MWMs (runs' caps)", o.Runs*(s.capUnits(m)-s.resumedUnits()))
	err := runParallel(ctx, o.Runs, o.Jobs, func(ctx context.Context, i int) error {
		var err error
		res[i], err = s.run(ctx, m, r, om, o.Seed+uint64(i))
		return err
	}, func(i int) {
		if res[i].M != 0 { // a run that ended in an error (or was interrupted) has no line
			s.bar.Printf("%s\n", res[i])
		}
	})
	s.bar.Finish()
	if err != nil {
		return LEDMResult{}, err
	}
	out := LEDMResult{M: m, Rank: r, Omega: om, Beta: o.Beta, Runs: o.Runs, Each: res}
	var secs []float64
	for _, x := range res {
		if x.Solved {
			out.Solved++
		}
		out.GWMMean += x.GWMs / float64(o.Runs)
		secs = append(secs, x.Seconds)
	}
	out.SecondsMedian = Median(secs)
	return out, nil
}

// LEDMDerived is a certificate that DeriveLEDM wrote.
type LEDMDerived struct {
	M, Rank     int
	Dir         string  // where it is
	MaxResidual float64 // by the independent check
}

// DeriveLEDM solves nothing: it writes certificates for m = mFrom … mTo restricted from
// the certificate in src, of a larger m (rows and columns 0 … m−1 of the M×M LEDM are
// ((M−1)/(m−1))⁻² times the m×m one, so a factorisation for M gives one of the same rank
// for every smaller m), each checked as it is written, into
// certDir/m<m>-r<R>-from-m<M>. On an error it returns the certificates written before.
func DeriveLEDM(src, certDir string, mFrom, mTo int) ([]LEDMDerived, error) {
	rep, err := nmfcert.Check(src, nmfcert.DefaultTol)
	if err != nil {
		return nil, err
	}
	if mTo >= rep.M {
		return nil, optionsErr(fmt.Sprintf("-m %d-%d: the certificate in %s is for m = %d; derive only smaller m", mFrom, mTo, src, rep.M))
	}
	var out []LEDMDerived
	for m := mFrom; m <= mTo; m++ {
		dir := filepath.Join(certDir, fmt.Sprintf("m%d-r%d-from-m%d", m, rep.Rank, rep.M))
		cmd := fmt.Sprintf("lwl-train repro ledm -m %d -from-cert %s -cert DIR", m, src)
		r, err := nmfcert.Derive(src, dir, m, 0, cmd, nmfcert.DefaultTol)
		if err != nil {
			return out, err
		}
		out = append(out, LEDMDerived{M: m, Rank: r.Rank, Dir: dir, MaxResidual: r.MaxResidual})
	}
	return out, nil
}

// ledmSearch is the state of one m in a sweep.
type ledmSearch struct {
	m       int
	omega   float64
	rank    int // rank in progress
	dir     int // −1 searching down, +1 up, 0 at the start rank
	pending int // runs at rank not yet finished
	byRank  map[int][]LEDMRun
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

// LEDMSweep searches each m of o.MFrom … o.MTo for the smallest rank at which some of the
// o.Runs starts is solved within the cap (section 4.4.1's rank⁺, beyond table 1): from
// o.Rank (default the schedule's) downward, upward first if none is solved at the start.
// Runs from every m share the o.Jobs workers. Finding rank r proves rank⁺ ≤ r; failing at
// r−1 proves nothing. Progress counts work in MWMs against the caps of the runs queued so
// far and reports each finished run.
func LEDMSweep(ctx context.Context, o LEDMSweepOptions, progress Progress) (LEDMSweepResult, error) {
	if err := o.check(); err != nil {
		return LEDMSweepResult{}, err
	}
	lo, hi := o.MFrom, o.MTo
	switch {
	case lo < 3 || hi < lo:
		return LEDMSweepResult{}, optionsErr(fmt.Sprintf("MFrom %d, MTo %d: want 3 ≤ MFrom ≤ MTo (an LEDM has ordinary rank 3 from m = 3)", lo, hi))
	case o.Rank < 0 || o.Omega < 0:
		return LEDMSweepResult{}, optionsErr("Rank and Omega must be ≥ 0")
	}
	if o.CheckpointDir != "" {
		if err := os.MkdirAll(o.CheckpointDir, 0o755); err != nil {
			return LEDMSweepResult{}, err
		}
	}
	workers := o.Jobs
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var searches []*ledmSearch
	for m := lo; m <= hi; m++ {
		s := &ledmSearch{m: m, omega: o.Omega, rank: o.Rank, byRank: map[int][]LEDMRun{}}
		if s.omega == 0 {
			s.omega = LEDMScheduleOmega(m)
		}
		if s.rank == 0 || s.rank > m {
			s.rank = min(LEDMScheduleRank(m), m)
		}
		searches = append(searches, s)
	}
	bar := reporter{progress}
	solver := &ledmSolver{LEDMRunSettings: o.LEDMRunSettings, bar: bar}
	bar.Start("work in MWMs (runs' caps; grows as ranks are queued)", 0)
	var all []LEDMRun
	err := runSearch(ctx, searches, o.Runs, o.Seed, workers, solver.run, func(r LEDMRun) {
		all = append(all, r)
		bar.Printf("%s\n", r)
	}, func(m, n int) { bar.Grow(n * solver.capUnits(m)) })
	bar.Finish()
	if err != nil {
		return LEDMSweepResult{}, err
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
	out := LEDMSweepResult{MFrom: lo, MTo: hi, Runs: o.Runs, Beta: o.Beta, MaxGWM: o.MaxGWM, Each: all}
	if o.MaxGWM == 0 {
		out.Cap = o.Cap
	}
	for _, s := range searches {
		row := LEDMSweepRow{M: s.m, Omega: s.omega, Rank: s.best, Paper: LEDMTable1[s.m].Rank}
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
			row.SecondsMedian = Median(secs)
		}
		if s.below > 0 {
			b := &LEDMRankTry{Rank: s.below}
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
	}
	return out, nil
}

// runSearch runs the searches' runs on workers goroutines, runs from every m sharing the
// workers. When all runs of a rank have finished, the search moves to its next rank and
// queues that rank's runs (seeds seed … seed+runs−1), announcing them through grow. done
// sees every finished run, in the order they finish, on the calling goroutine.
func runSearch(ctx context.Context, searches []*ledmSearch, runs int, seed uint64, workers int,
	run func(ctx context.Context, m, rank int, omega float64, seed uint64) (LEDMRun, error),
	done func(LEDMRun), grow func(m, runs int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		s    *ledmSearch
		rank int
		seed uint64
	}
	type result struct {
		j   job
		r   LEDMRun
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
