package experiment

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/train"
)

// ClassifyData loads one source, with its default hidden layers, and refuses none or two.
func TestClassifyDataLoad(t *testing.T) {
	tr, te, hidden, shape, err := ClassifyData{Majority: 3, DataSeed: 1}.Load()
	if err != nil || tr.X.Cols != 13 || te.X.Rows == 0 || len(hidden) != 2 || hidden[0] != 26 || shape != nil {
		t.Fatalf("majority 3: %d×%d, %d test, hidden %v, shape %v, %v", tr.X.Rows, tr.X.Cols, te.X.Rows, hidden, shape, err)
	}
	for _, src := range []ClassifyData{{}, {Majority: 2, MNIST: 5}, {IDXImages: "x"}, {MNIST: -1}} {
		if _, _, _, _, err := src.Load(); err == nil {
			t.Errorf("%+v loaded", src)
		} else if _, ok := err.(*OptionsError); !ok {
			t.Errorf("%+v: %v, want an *OptionsError", src, err)
		}
	}
}

// WriteClassifierOutputs writes the files of a run, and its bundle holds the trained
// classifier with the given metrics.
func TestWriteClassifierOutputs(t *testing.T) {
	tr, te, hidden, _, err := ClassifyData{Majority: 2, DataSeed: 1}.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.TrainClassifier(context.Background(), tr, te, train.ClassifierSettings{Hidden: hidden,
		NetworkConfig: train.NetworkConfig{Omega: 2, Upsilon: 1, Class: train.ClassRule{Margin: 0.1}, Workers: 1},
		Beta:          1, IterPerBatch: 20, BatchSize: 128, Epochs: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sizes := append(append([]int{tr.X.Cols}, hidden...), 2)
	metrics := ClassifierMetrics(res, res.Epochs[0])
	if err := WriteClassifierOutputs(dir, res, []float64{1, 0.5}, 1, tr, ClassifierBundleInfo{Sizes: sizes, Omega: 2, Upsilon: 1, Delta: 0.1, Beta: 1, Batch: 128, Iter: 20, Epochs: 1, Seed: 1}, metrics); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"rrr_err.csv", "flagged.csv", "classifier.lwlb"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	b, err := format.Load(filepath.Join(dir, "classifier.lwlb"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != format.KindClassifier || b.Provenance.Metrics["train_err"] != res.Epochs[0].TrainErr || b.Provenance.Seed != 1 {
		t.Errorf("bundle %v, provenance %+v", b.Kind, b.Provenance)
	}
}
