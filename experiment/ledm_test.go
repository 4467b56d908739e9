package experiment

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lwl-go/lwl/internal/nmfcert"
	"github.com/lwl-go/lwl/train"
)

// The defaults reproduce table 1 where it has m and continue its schedule beyond.
func TestLEDMSchedule(t *testing.T) {
	for _, tc := range []struct {
		m     int
		rank  int
		omega float64
	}{
		{3, 3, 0.4}, {4, 4, 0.5}, {5, 5, 0.56}, {6, 5, 0.6}, {7, 6, 0.65}, {8, 6, 0.7}, {9, 7, 0.73},
		{12, 7, 0.8}, {13, 8, 0.83}, {16, 8, 0.9}, {17, 9, 0.91}, {24, 9, 1}, {25, 10, 1.01}, {32, 10, 1.1}, {33, 11, 1.11},
	} {
		if r, om := LEDMScheduleRank(tc.m), LEDMScheduleOmega(tc.m); r != tc.rank || om != tc.omega {
			t.Errorf("m=%d: rank %d, Ω %v; want %d, %v", tc.m, r, om, tc.rank, tc.omega)
		}
	}
	for m, p := range LEDMTable1 {
		if LEDMScheduleRank(m) != p.Rank || LEDMScheduleOmega(m) != p.Omega {
			t.Errorf("m=%d: the schedule departs from table 1", m)
		}
	}
	for m, want := range map[int]float64{5: 0.02, 6: 0.02, 8: 0.61, 10: 2.20, 16: 41.52, 24: 41.52} {
		if w := LEDMPaperWork(m); math.Abs(w-want) > 0.005 {
			t.Errorf("paper's work at m=%d: %v GWMs, want %v", m, w, want)
		}
	}
}

func ledmSettings(runs int) LEDMRunSettings {
	return LEDMRunSettings{Beta: 0.3, Tol: 1e-9, Cap: 25, Runs: runs, Seed: 1}
}

// The paper's first experiment: exact NMF of the m = 6 LEDM, solved in every run (table 1:
// 100%), with the schedule's rank and Ω.
func TestLEDM6(t *testing.T) {
	got, err := LEDM(context.Background(), LEDMOptions{LEDMRunSettings: ledmSettings(4), M: 6}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.M != 6 || got.Rank != 5 || got.Omega != 0.6 || got.Runs != 4 || got.Solved != 4 || len(got.Each) != 4 {
		t.Fatalf("got %+v, want all 4 runs of m=6 solved at rank 5, Ω 0.6", got)
	}
	if !(got.GWMMean > 0 && got.SecondsMedian > 0) {
		t.Fatalf("work and time not reported: %+v", got)
	}
	for i, r := range got.Each {
		if r.Seed != uint64(1+i) || !r.Solved || r.ReconErr >= LEDMSolvedBelow {
			t.Errorf("run %d: %+v", i, r)
		}
	}
}

func TestLEDMOptionsErrors(t *testing.T) {
	for _, o := range []LEDMOptions{
		{LEDMRunSettings: ledmSettings(1), M: 2},
		{LEDMRunSettings: ledmSettings(1), M: 6, Rank: 7},
		{LEDMRunSettings: ledmSettings(0), M: 6},
		{LEDMRunSettings: LEDMRunSettings{Runs: 1, Cap: 1}, M: 6},
	} {
		_, err := LEDM(context.Background(), o, nil)
		if _, ok := err.(*OptionsError); !ok {
			t.Errorf("%+v: got %v, want an *OptionsError", o, err)
		}
	}
	if _, err := LEDMSweep(context.Background(), LEDMSweepOptions{LEDMRunSettings: ledmSettings(1), MFrom: 8, MTo: 6}, nil); err == nil {
		t.Error("a sweep of m = 8…6 ran")
	}
}

// progressCount is a Progress that counts what it is told.
type progressCount struct {
	mu                 sync.Mutex
	total, done, lines int
}

func (p *progressCount) Start(_ string, total int) { p.total = total }
func (p *progressCount) Grow(n int)                { p.mu.Lock(); p.total += n; p.mu.Unlock() }
func (p *progressCount) Add(n int, _ string)       { p.mu.Lock(); p.done += n; p.mu.Unlock() }
func (p *progressCount) Printf(string, ...any)     { p.mu.Lock(); p.lines++; p.mu.Unlock() }
func (p *progressCount) Finish()                   {}
func (p *progressCount) String() string {
	return fmt.Sprintf("%d/%d, %d lines", p.done, p.total, p.lines)
}

// The sweep on m = 6…8 finds the paper's non-negative ranks 5 and 6 at m = 6 and 8, reports
// what it finds at m = 7, lists every run, and leaves certificates that pass the independent
// check. Progress counts every run's cap and reports each run.
//
// Work: each run may spend twice the paper's mean work at its m (0.04, 0.25 and 1.2 GWMs at
// m = 6, 7, 8), which the 4 runs of the rank below each spend: about 6 GWMs for those and
// at most 6 more for the solved ranks.
func TestLEDMSweep(t *testing.T) {
	dir := t.TempDir()
	s := ledmSettings(4)
	s.Cap, s.CertDir = 2, dir
	var p progressCount
	got, err := LEDMSweep(context.Background(), LEDMSweepOptions{LEDMRunSettings: s, MFrom: 6, MTo: 8}, &p)
	if err != nil {
		t.Fatal(err)
	}
	if got.MFrom != 6 || got.MTo != 8 || got.Runs != 4 || got.Cap != 2 || len(got.Rows) != 3 {
		t.Fatalf("sweep %+v: want m = 6…8, 4 runs per rank", got)
	}
	if p.total != p.done || p.lines != len(got.Each) {
		t.Errorf("progress %v; want every unit done and a line for each of %d runs", &p, len(got.Each))
	}
	runsAt := map[[2]int]int{}
	for _, r := range got.Each {
		runsAt[[2]int{r.M, r.Rank}]++
	}
	for _, row := range got.Rows {
		t.Logf("m=%d: smallest rank solved %d (%d/%d runs, %.3g GWMs mean); below: %+v", row.M, row.Rank, row.Solved, row.Runs, row.GWMMean, row.Below)
		if want := map[int]int{6: 5, 8: 6}[row.M]; want != 0 && (row.Rank != want || row.Paper != want) {
			t.Errorf("m=%d: smallest rank %d (paper %d), want the paper's %d", row.M, row.Rank, row.Paper, want)
		}
		if row.Rank == 0 || row.Solved == 0 || row.Runs != 4 || !(row.GWMMean > 0) {
			t.Errorf("m=%d: row %+v: want a solved rank with its rate and work", row.M, row)
			continue
		}
		// Below the smallest rank solved, all 4 runs failed and each spent the cap.
		capGWM := 2 * LEDMPaperWork(row.M)
		if b := row.Below; b == nil || b.Rank != row.Rank-1 || b.Runs != 4 || b.Solved != 0 || b.GWMs < 4*capGWM*0.999 {
			t.Errorf("m=%d: below %+v, want rank %d with 4 failed runs spending 4×%.3g GWMs", row.M, row.Below, row.Rank-1, capGWM)
		}
		if runsAt[[2]int{row.M, row.Rank}] != 4 || runsAt[[2]int{row.M, row.Rank - 1}] != 4 {
			t.Errorf("m=%d: each lists %v", row.M, runsAt)
		}
	}
	for _, r := range got.Each {
		if r.Seed < 1 || r.Seed > 4 || !(r.GWMs > 0) || !(r.Seconds > 0) || r.Iterations <= 0 {
			t.Errorf("run %+v: want seeds 1…4 with work, time and iterations", r)
		}
		if r.Solved != (r.ReconErr < LEDMSolvedBelow) {
			t.Errorf("run %+v: solved disagrees with recon_err", r)
		}
		if !r.Solved {
			if r.Certificate != "" {
				t.Errorf("unsolved run %+v has a certificate", r)
			}
			continue
		}
		if r.Certificate != filepath.Join(dir, fmt.Sprintf("m%d-r%d-s%d", r.M, r.Rank, r.Seed)) {
			t.Errorf("solved run %+v: certificate %q, cert error %q", r, r.Certificate, r.CertError)
			continue
		}
		rep, err := nmfcert.Check(r.Certificate, nmfcert.DefaultTol)
		if err != nil {
			t.Errorf("certificate of %+v: %v", r, err)
		} else if rep.M != r.M || rep.Rank != r.Rank {
			t.Errorf("certificate of %+v checks m=%d rank %d", r, rep.M, rep.Rank)
		}
	}
}

// A certificate for m = 17 gives checked ones for smaller m by restriction, and only those.
func TestDeriveLEDM(t *testing.T) {
	dir := t.TempDir()
	got, err := DeriveLEDM("../docs/ledm/m17-r9-s2", dir, 15, 16)
	if err != nil || len(got) != 2 {
		t.Fatalf("%+v, %v", got, err)
	}
	for i, m := range []int{15, 16} {
		want := filepath.Join(dir, fmt.Sprintf("m%d-r9-from-m17", m))
		rep, err := nmfcert.Check(want, nmfcert.DefaultTol)
		if err != nil || rep.M != m || rep.Rank != 9 || got[i].Dir != want || got[i].M != m || got[i].Rank != 9 {
			t.Errorf("m=%d: %+v, %+v, %v", m, got[i], rep, err)
		}
	}
	if _, err := DeriveLEDM("../docs/ledm/m17-r9-s2", dir, 17, 17); err == nil {
		t.Error("derived m = 17 from m = 17")
	} else if _, ok := err.(*OptionsError); !ok {
		t.Errorf("deriving m = 17 from m = 17: %v, want an *OptionsError", err)
	}
}

// A run stopped at its cap with CheckpointDir goes on with Resume to the result of an
// unbroken run with the larger cap, iteration for iteration; a spent cap is refused.
func TestLEDMResume(t *testing.T) {
	dir := t.TempDir()
	ledm := func(o LEDMOptions) LEDMResult {
		t.Helper()
		got, err := LEDM(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// m = 8 at rank 5, below its non-negative rank 6: both legs run to their caps.
	s := ledmSettings(1)
	s.Seed, s.MaxGWM = 2, 0.002
	whole := ledm(LEDMOptions{LEDMRunSettings: s, M: 8, Rank: 5})
	s.MaxGWM, s.CheckpointDir = 0.001, dir
	first := ledm(LEDMOptions{LEDMRunSettings: s, M: 8, Rank: 5})
	path := LEDMCheckpointPath(dir, 8, 5, 2)
	if first.Each[0].Checkpoint != path || first.Each[0].Solved {
		t.Fatalf("first leg %+v: want an unsolved run with its state in %s", first.Each[0], path)
	}
	c, err := train.ReadNMFCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	s.MaxGWM = 0.002
	again := ledm(LEDMOptions{LEDMRunSettings: s, Resume: c})
	w, a := whole.Each[0], again.Each[0]
	if a.Iterations != w.Iterations || a.ReconErr != w.ReconErr || a.GWMs != w.GWMs || a.Seed != 2 || a.Rank != 5 || a.M != 8 {
		t.Errorf("resumed run %+v, unbroken run %+v: want the same iterations and recon_err", a, w)
	}
	s.MaxGWM = 0.0015 // the checkpoint holds 0.002 GWMs of work
	if c, err = train.ReadNMFCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LEDM(context.Background(), LEDMOptions{LEDMRunSettings: s, Resume: c}, nil); err == nil {
		t.Error("resumed with a cap already spent")
	}
}
