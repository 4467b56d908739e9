package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/internal/nmfcert"
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
		if r, om := ledmScheduleRank(tc.m), ledmScheduleOmega(tc.m); r != tc.rank || om != tc.omega {
			t.Errorf("m=%d: rank %d, Ω %v; want %d, %v", tc.m, r, om, tc.rank, tc.omega)
		}
	}
	for m, p := range ledmPaper {
		if ledmScheduleRank(m) != p.rank || ledmScheduleOmega(m) != p.omega {
			t.Errorf("m=%d: the schedule departs from table 1", m)
		}
	}
	for m, want := range map[int]float64{5: 0.02, 6: 0.02, 8: 0.61, 10: 2.20, 16: 41.52, 24: 41.52} {
		if w := ledmPaperWork(m); math.Abs(w-want) > 0.005 {
			t.Errorf("paper's work at m=%d: %v GWMs, want %v", m, w, want)
		}
	}
}

// The sweep on m = 6…8 finds the paper's non-negative ranks 5 and 6 at m = 6 and 8, reports
// what it finds at m = 7, lists every run, and leaves certificates that pass the independent
// check, which rejects one of them once tampered with.
//
// Work: each run may spend twice the paper's mean work at its m (0.04, 0.25 and 1.2 GWMs at
// m = 6, 7, 8), which the 4 runs of the rank below each spend: about 6 GWMs for those and
// at most 6 more for the solved ranks.
func TestReproLEDMSweep(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"repro", "ledm", "-sweep", "-m", "6-8", "-runs", "4", "-cap", "2", "-cert", dir, "-json"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var got ledmSweepResult
	lastJSON(t, stdout.String(), &got)
	if got.MFrom != 6 || got.MTo != 8 || got.Runs != 4 || len(got.Rows) != 3 {
		t.Fatalf("sweep %+v: want m = 6…8, 4 runs per rank", got)
	}
	runsAt := map[[2]int]int{}
	for _, r := range got.Each {
		runsAt[[2]int{r.M, r.Rank}]++
	}
	for _, row := range got.Rows {
		t.Logf("m=%d: smallest rank solved %d (%d/%d runs, %.3g GWMs mean); below: %+v", row.M, row.Rank, row.Solved, row.Runs, row.GWMMean, row.Below)
		if want := map[int]int{6: 5, 8: 6}[row.M]; want != 0 && row.Rank != want {
			t.Errorf("m=%d: smallest rank %d, want the paper's %d", row.M, row.Rank, want)
		}
		if row.Rank == 0 || row.Solved == 0 || row.Runs != 4 || !(row.GWMMean > 0) {
			t.Errorf("m=%d: row %+v: want a solved rank with its rate and work", row.M, row)
			continue
		}
		// Below the smallest rank solved, all 4 runs failed and each spent the cap.
		capGWM := 2 * ledmPaperWork(row.M)
		if b := row.Below; b == nil || b.Rank != row.Rank-1 || b.Runs != 4 || b.Solved != 0 || b.GWMs < 4*capGWM*0.999 {
			t.Errorf("m=%d: below %+v, want rank %d with 4 failed runs spending 4×%.3g GWMs", row.M, row.Below, row.Rank-1, capGWM)
		}
		if runsAt[[2]int{row.M, row.Rank}] != 4 || runsAt[[2]int{row.M, row.Rank - 1}] != 4 {
			t.Errorf("m=%d: each lists %v", row.M, runsAt)
		}
	}
	certs := 0
	for _, r := range got.Each {
		if r.Seed < 1 || r.Seed > 4 || !(r.GWMs > 0) || !(r.Seconds > 0) || r.Iterations <= 0 {
			t.Errorf("run %+v: want seeds 1…4 with work, time and iterations", r)
		}
		if r.Solved != (r.ReconErr < 1e-5) {
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
		certs++
	}
	// The command-line check agrees, and fails loudly on a tampered certificate.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"verify", dir}, &stdout, &stderr); code != 0 || strings.Count(stdout.String(), "ok ") != certs {
		t.Fatalf("verify: exit %d, want 0 and %d certificates ok\n%s%s", code, certs, stdout.String(), stderr.String())
	}
	m6 := filepath.Join(dir, "m6-r5-s1")
	codes, err := os.ReadFile(filepath.Join(m6, nmfcert.CodesFile))
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(codes), "0", "1", 1)
	if err := os.WriteFile(filepath.Join(m6, nmfcert.CodesFile), []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"verify", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "m6-r5-s1: certificate INVALID") ||
		!strings.Contains(stderr.String(), "1 of") {
		t.Fatalf("verify of a tampered certificate: exit %d, want 1 naming it\n%s%s", code, stdout.String(), stderr.String())
	}
}

// Every certificate shipped under docs/ledm passes the independent check.
func TestShippedLEDMCertificates(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"verify", "-json", "../../docs/ledm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	var got []verifyResult
	lastJSON(t, stdout.String(), &got)
	ranks := map[int]int{}
	for _, r := range got {
		if !r.OK || r.Rank > ledmScheduleRank(r.M) {
			t.Errorf("%+v: want a passing certificate at most the schedule's rank", r)
		}
		ranks[r.M] = r.Rank
	}
	if ranks[17] != 9 {
		t.Errorf("certificates %v: want m = 17 with rank 9 among them", ranks)
	}
}

// A certificate for m = 17 gives checked ones for smaller m by restriction, and only those.
func TestReproLEDMFromCert(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"repro", "ledm", "-m", "15-16", "-from-cert", "../../docs/ledm/m17-r9-s2", "-cert", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, m := range []int{15, 16} {
		rep, err := nmfcert.Check(filepath.Join(dir, fmt.Sprintf("m%d-r9-from-m17", m)), nmfcert.DefaultTol)
		if err != nil || rep.M != m || rep.Rank != 9 {
			t.Errorf("m=%d: %+v, %v", m, rep, err)
		}
	}
	if code := run([]string{"repro", "ledm", "-m", "17", "-from-cert", "../../docs/ledm/m17-r9-s2", "-cert", dir}, &stdout, &stderr); code != 2 {
		t.Errorf("deriving m = 17 from m = 17: exit %d, want 2", code)
	}
}

// A run stopped at its cap with -checkpoint goes on with -resume to the result of an
// unbroken run with the larger cap, iteration for iteration; -resume refuses flags that
// contradict its checkpoint and a cap it has already spent.
func TestReproLEDMResume(t *testing.T) {
	dir := t.TempDir()
	ledm := func(args ...string) ledmResult {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"repro", "ledm", "-json"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d\nstderr: %s", args, code, stderr.String())
		}
		var got ledmResult
		lastJSON(t, stdout.String(), &got)
		return got
	}
	// m = 8 at rank 5, below its non-negative rank 6: both legs run to their caps.
	whole := ledm("-m", "8", "-rank", "5", "-runs", "1", "-seed", "2", "-max-gwm", "0.002")
	first := ledm("-m", "8", "-rank", "5", "-runs", "1", "-seed", "2", "-max-gwm", "0.001", "-checkpoint", dir)
	path := filepath.Join(dir, "m8-r5-s2.ckpt")
	if first.Each[0].Checkpoint != path || first.Each[0].Solved {
		t.Fatalf("first leg %+v: want an unsolved run with its state in %s", first.Each[0], path)
	}
	again := ledm("-resume", path, "-max-gwm", "0.002", "-checkpoint", dir)
	w, a := whole.Each[0], again.Each[0]
	if a.Iterations != w.Iterations || a.ReconErr != w.ReconErr || a.GWMs != w.GWMs || a.Seed != 2 || a.Rank != 5 || a.M != 8 {
		t.Errorf("resumed run %+v, unbroken run %+v: want the same iterations and recon_err", a, w)
	}
	for _, args := range [][]string{
		{"-resume", path, "-max-gwm", "0.002", "-rank", "6"},
		{"-resume", path, "-max-gwm", "0.002", "-seed", "3"},
		{"-resume", path, "-max-gwm", "0.0015"}, // the checkpoint holds 0.002 GWMs of work
		{"-resume", path, "-max-gwm", "0.004", "-sweep"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"repro", "ledm"}, args...), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(dir, "nothing.ckpt")
	if code := run([]string{"repro", "ledm", "-resume", missing, "-max-gwm", "1"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), missing) {
		t.Errorf("a missing checkpoint: exit %d, %q; want 1 and the file named", code, stderr.String())
	}
}
