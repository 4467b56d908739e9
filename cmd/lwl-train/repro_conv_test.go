package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
)

// repro mnist-conv on a short run: the JSON summary holds the fields, the table
// names the dense baseline, and the saved best classifier reproduces the reported test_err
// in the runtime, also when trained with a weight metric (the bundle's weights are the
// model's, of norm Ω, whatever the engine's coordinates).
func TestReproMNISTConv(t *testing.T) {
	needMNIST(t)
	out := filepath.Join(t.TempDir(), "best")
	stdout, _ := runOK(t, "repro", "mnist-conv", "-n", "1000", "-batch", "500", "-runs", "2", "-epochs", "1", "-iter", "3",
		"-arch", "conv7s3x4,dense10", "-wmetric", "0.1,1", "-workers", "1", "-jobs", "2", "-out", out, "-json")
	var got convReproResult
	lastJSON(t, stdout, &got)
	if got.Runs != 2 || got.Epochs != 1 || len(got.PerRun) != 2 || got.GWMsMean <= 0 || got.SecondsMedian <= 0 ||
		got.TestErrMin > got.TestErrMedian || got.TrainErrMedian <= 0 || got.Shapes != "28×28×1 → conv7s3x4 8×8×4 → 10" {
		t.Fatalf("JSON summary %+v", got)
	}
	for _, r := range got.PerRun {
		if len(r.Moved) != 2 || !(r.Moved[0] > 0) || !(r.Moved[1] > 0) {
			t.Errorf("run %d: moved %v, want two positive layers", r.Seed, r.Moved)
		}
	}
	if got.WeightMetric != "0.1,1" {
		t.Errorf("JSON wmetric %q", got.WeightMetric)
	}
	if !strings.Contains(stdout, "fully connected 784→20→10") {
		t.Errorf("no dense baseline in the output:\n%s", stdout)
	}
	m, err := infer.Load(filepath.Join(out, "classifier.lwlb"))
	if err != nil {
		t.Fatal(err)
	}
	te, err := dataset.MNIST(false, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if e := runtimeErr(m, te); e != got.TestErrMin {
		t.Errorf("saved classifier: runtime test_err %v, best run reported %v", e, got.TestErrMin)
	}
	if len(m.Bundle().Network.Conv) != 1 || !strings.Contains(m.Bundle().Provenance.Notes, "repro mnist-conv -arch conv7s3x4,dense10, -wmetric 0.1,1") {
		t.Errorf("bundle conv %v notes %q", m.Bundle().Network.Conv, m.Bundle().Provenance.Notes)
	}
}

func TestAutoWMetric(t *testing.T) {
	for arch, want := range map[string]string{
		"conv5s2x8,conv5s2x16,dense10": "0.1,0.1,1",
		"conv7s3x4,dense20,dense10":    "0.1,1,1",
		"dense20,dense10":              "1,1",
	} {
		specs, err := train.ParseArch(arch)
		if err != nil {
			t.Fatal(err)
		}
		if got := autoWMetric(specs); got != want {
			t.Errorf("%s: %q, want %q", arch, got, want)
		}
	}
}

// The shipped convolutional classifier (docs/experiments/conv-classifier.md) describes its
// convolutions and classifies the 10⁴ test items in the runtime with the test_err recorded
// in its provenance, which beats the shipped 784→20→10 (0.0738).
func TestShippedConvClassifier(t *testing.T) {
	needMNIST(t)
	m, err := infer.Load("../../testdata/mnist-conv-classifier.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	b := m.Bundle()
	if len(b.Network.Conv) != 2 || !strings.Contains(b.Provenance.Notes, "-wmetric 0.1,0.1,1") {
		t.Fatalf("conv %v, notes %q", b.Network.Conv, b.Provenance.Notes)
	}
	te, err := dataset.MNIST(false, 10000)
	if err != nil {
		t.Fatal(err)
	}
	e := runtimeErr(m, te)
	if want := b.Provenance.Metrics["test_err"]; e != want || e >= 0.0738 {
		t.Errorf("runtime test_err %v, provenance %v (dense: 0.0738)", e, want)
	}
}
