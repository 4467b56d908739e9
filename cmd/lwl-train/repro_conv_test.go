package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/experiment"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
)

// The shipped convolutional classifier (docs/experiments/conv-classifier.md, issue 22)
// describes its convolutions, records its schedule (60 epochs, -average), and classifies the
// 10⁴ test items in the runtime with the test_err recorded in its provenance, which beats the
// first attempt's shipped bundle (0.0672) and the shipped 784→20→10 (0.0738).
func TestShippedConvClassifier(t *testing.T) {
	needMNIST(t)
	m, err := infer.Load("../../testdata/mnist-conv-classifier.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	b := m.Bundle()
	if len(b.Network.Conv) != 2 || !strings.Contains(b.Provenance.Notes, "-wmetric 0.1,0.1,1") ||
		b.Provenance.Hyper["average"] != 1 || b.Provenance.Hyper["epochs"] != 60 {
		t.Fatalf("conv %v, notes %q", b.Network.Conv, b.Provenance.Notes)
	}
	te, err := dataset.MNIST(false, 10000)
	if err != nil {
		t.Fatal(err)
	}
	e := runtimeErr(m, te)
	if want := b.Provenance.Metrics["test_err"]; e != want || e >= 0.0672 {
		t.Errorf("runtime test_err %v, provenance %v (first attempt: 0.0672)", e, want)
	}
}

// repro mnist-conv keeps a checkpoint per run: one epoch, then -resume with two, ends where
// an unbroken two-epoch run ends; the schedule (-untied-epochs) is part of the settings a
// checkpoint must match, and shows in the JSON's hyperparameters.
func TestReproMNISTConvCheckpointResume(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	base := []string{"repro", "mnist-conv", "-n", "200", "-runs", "1", "-batch", "100", "-iter", "3", "-workers", "1", "-untied-epochs", "1", "-json"}
	stdout, _ := runOK(t, append(base, "-epochs", "2")...)
	var whole experiment.ConvResult
	lastJSON(t, stdout, &whole)
	ck := filepath.Join(dir, "ck")
	runOK(t, append(base, "-epochs", "1", "-checkpoint", ck)...)
	if _, err := os.Stat(filepath.Join(ck, "run001.ckpt")); err != nil {
		t.Fatal(err)
	}
	stdout, _ = runOK(t, append(base, "-epochs", "2", "-checkpoint", ck, "-resume")...)
	var resumed experiment.ConvResult
	lastJSON(t, stdout, &resumed)
	w, r := whole.PerRun[0], resumed.PerRun[0]
	if w.TrainErr != r.TrainErr || w.TestErr != r.TestErr || w.ErrStop != r.ErrStop || !slices.Equal(w.Moved, r.Moved) {
		t.Errorf("resumed %+v, unbroken %+v", r, w)
	}
	if whole.Hyper["untied_epochs"] != 1 {
		t.Errorf("hyper %v", whole.Hyper)
	}
	var errb bytes.Buffer
	if code := run([]string{"repro", "mnist-conv", "-n", "200", "-runs", "1", "-batch", "100", "-iter", "3", "-workers", "1", "-epochs", "2", "-checkpoint", ck, "-resume"}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "untied_epochs") {
		t.Errorf("resume with another schedule: exit %d, %s", code, errb.String())
	}
}
