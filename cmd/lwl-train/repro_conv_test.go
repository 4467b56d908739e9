package main

import (
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
)

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
