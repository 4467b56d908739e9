package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"strings"
	"testing"

	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/format"
)

// lastJSON decodes the JSON object on the last line of a command's stdout.
func lastJSON(t *testing.T, stdout string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, stdout)
	}
}

// The paper's first experiment end to end: exact NMF of the m = 6 LEDM, solved in every
// run (table 1: 100%).
func TestReproLEDM6(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"repro", "ledm", "-m", "6", "-runs", "4", "-json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var got experiment.LEDMResult
	lastJSON(t, stdout.String(), &got)
	if got.M != 6 || got.Runs != 4 || got.Solved != 4 {
		t.Fatalf("got %+v, want all 4 runs of m=6 solved\n%s", got, stdout.String())
	}
	if !(got.GWMMean > 0 && got.SecondsMedian > 0) {
		t.Fatalf("work and time not reported: %+v", got)
	}
	if !strings.Contains(stdout.String(), "paper (table 1)") {
		t.Fatalf("no comparison with the paper in\n%s", stdout.String())
	}
}

func TestNMFCommandWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"nmf", "-ledm", "6", "-rank", "5", "-omega", "0.6", "-beta", "0.3", "-batch", "0",
		"-epochs", "1", "-iter", "2000000", "-tol", "1e-9", "-out", dir, "-json"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var got nmfResult
	lastJSON(t, stdout.String(), &got)
	if got.ReconErr >= 1e-5 || got.Rows != 6 || got.Rank != 5 {
		t.Fatalf("got %+v, want an exact factorisation of the 6×6 LEDM", got)
	}
	// An exact LEDM factorisation may have linearly dependent features (the matrix has
	// rank 3), so it need not have a pseudo-inverse encoder: check the bundle itself.
	b, err := format.Load(filepath.Join(dir, "model.lwlb"))
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	if b.Kind != format.KindNMF || b.NMF.Codes != 5 || b.NMF.Data != 6 || b.Provenance.Metrics["recon_err"] != got.ReconErr {
		t.Fatalf("bundle holds %v %+v, provenance %+v; want the 6×5 NMF just trained", b.Kind, b.NMF, b.Provenance)
	}
	for _, name := range []string{"features.png", "features.csv", "codes.csv", "rrr_err.csv", "rrr_err.png"} {
		if _, err := readFile(dir, name); err != nil {
			t.Errorf("output %s: %v", name, err)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nosuch"},
		{"nmf"},
		{"nmf", "-ledm", "6", "-montage"},
		{"repro", "ledm", "-m", "2"},
		{"repro", "ledm", "-m", "6-8"},
		{"repro", "ledm", "-m", "8-6", "-sweep"},
		{"repro", "ledm", "-m", "6", "-rank", "7"},
		{"verify"},
		{"repro", "nosuch"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)\nstderr: %s", args, code, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: nothing on stderr", args)
		}
	}
}

func TestMissingCSVNamesTheFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"nmf", "-csv", "/nonexistent/data.csv"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "/nonexistent/data.csv") {
		t.Fatalf("error does not name the file: %s", stderr.String())
	}
}

func readFile(dir, name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
