package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/internal/nmfcert"
)

// verify checks every certificate under a directory and fails loudly on a tampered one;
// the certificates come from "repro ledm -from-cert" (experiment's TestLEDMSweep checks the
// certificates that solved runs leave).
func TestVerifyTamperedCertificate(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"repro", "ledm", "-m", "15-16", "-from-cert", "../../docs/ledm/m17-r9-s2", "-cert", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, m := range []int{15, 16} {
		if want := fmt.Sprintf("m=%d rank 9: certificate %s", m, filepath.Join(dir, fmt.Sprintf("m%d-r9-from-m17", m))); !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"verify", dir}, &stdout, &stderr); code != 0 || strings.Count(stdout.String(), "ok ") != 2 {
		t.Fatalf("verify: exit %d, want 0 and 2 certificates ok\n%s%s", code, stdout.String(), stderr.String())
	}
	m15 := filepath.Join(dir, "m15-r9-from-m17")
	codes, err := os.ReadFile(filepath.Join(m15, nmfcert.CodesFile))
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(codes), "0", "1", 1)
	if err := os.WriteFile(filepath.Join(m15, nmfcert.CodesFile), []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"verify", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "m15-r9-from-m17: certificate INVALID") ||
		!strings.Contains(stderr.String(), "1 of") {
		t.Fatalf("verify of a tampered certificate: exit %d, want 1 naming it\n%s%s", code, stdout.String(), stderr.String())
	}
	// Deriving m = 17 from the certificate of m = 17 is a usage error.
	if code := run([]string{"repro", "ledm", "-m", "17", "-from-cert", "../../docs/ledm/m17-r9-s2", "-cert", dir}, &stdout, &stderr); code != 2 {
		t.Errorf("deriving m = 17 from m = 17: exit %d, want 2", code)
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
		if !r.OK || r.Rank > experiment.LEDMScheduleRank(r.M) {
			t.Errorf("%+v: want a passing certificate at most the schedule's rank", r)
		}
		ranks[r.M] = r.Rank
	}
	if ranks[17] != 9 {
		t.Errorf("certificates %v: want m = 17 with rank 9 among them", ranks)
	}
}

// -checkpoint leaves the state of a run stopped at its cap, and -resume goes on from it (the
// run itself repeats an unbroken one: experiment's TestLEDMResume); -resume refuses flags
// that contradict its checkpoint, a cap it has already spent, and a missing file.
func TestReproLEDMResume(t *testing.T) {
	dir := t.TempDir()
	ledm := func(args ...string) experiment.LEDMResult {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"repro", "ledm", "-json"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d\nstderr: %s", args, code, stderr.String())
		}
		var got experiment.LEDMResult
		lastJSON(t, stdout.String(), &got)
		return got
	}
	// m = 8 at rank 5, below its non-negative rank 6: both legs run to their caps.
	first := ledm("-m", "8", "-rank", "5", "-runs", "1", "-seed", "2", "-max-gwm", "0.001", "-checkpoint", dir)
	path := filepath.Join(dir, "m8-r5-s2.ckpt")
	if first.Each[0].Checkpoint != path || first.Each[0].Solved {
		t.Fatalf("first leg %+v: want an unsolved run with its state in %s", first.Each[0], path)
	}
	again := ledm("-resume", path, "-max-gwm", "0.002", "-checkpoint", dir)
	if a := again.Each[0]; a.Seed != 2 || a.Rank != 5 || a.M != 8 || a.Iterations <= first.Each[0].Iterations {
		t.Errorf("resumed run %+v after %+v: want m = 8, rank 5, seed 2 and more iterations", a, first.Each[0])
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
