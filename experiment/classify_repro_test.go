package experiment

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
)

func needMNIST(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("reads MNIST and trains for seconds")
	}
	if _, err := dataset.MNISTDir(); err != nil {
		t.Skipf("MNIST data not available: %v", err)
	}
}

// Majority keeps a checkpoint per run; a shorter run extended with Resume ends with the
// errors of the full-length run.
func TestMajorityResume(t *testing.T) {
	o := DefaultMajorityOptions()
	o.Depth, o.Runs, o.Jobs = 2, 2, 2
	o.Epochs = 2
	whole, err := Majority(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Experiment != "majority depth 2" || whole.Runs != 2 || len(whole.PerRun) != 2 {
		t.Fatalf("got %+v", whole)
	}
	o.Epochs, o.Dir = 1, t.TempDir()
	if _, err := Majority(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	o.Epochs, o.Resume = 2, true
	rest, err := Majority(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole.PerRun {
		if whole.PerRun[i] != (ClassifierRun{TrainErr: rest.PerRun[i].TrainErr, TestErr: rest.PerRun[i].TestErr, GWMs: rest.PerRun[i].GWMs, Seconds: whole.PerRun[i].Seconds}) {
			t.Errorf("run %d: resumed %+v, unbroken %+v", i+1, rest.PerRun[i], whole.PerRun[i])
		}
	}
	o.Dir = ""
	if _, err := Majority(context.Background(), o, nil); err == nil {
		t.Error("Resume without Dir ran")
	}
}

// Relabel's counts are consistent on a short run: 5% of 1000 labels flipped, at most EE = 60
// relabels in the one batch, recovered items among the relabeled and the flipped.
func TestRelabelCounts(t *testing.T) {
	needMNIST(t)
	o := DefaultRelabelOptions()
	o.N, o.Epochs, o.Workers = 1000, 1, 2
	got, err := Relabel(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", got)
	if got.Flipped != 50 || got.EE != 60 || got.Epochs != 1 ||
		got.Relabeled > 60 || got.RelabeledIterate > 60 ||
		got.Recovered > min(got.Relabeled, got.Flipped) || got.RecoveredIterate > min(got.RelabeledIterate, got.Flipped) ||
		got.PredictedTrue > got.Flipped || got.Recovered == 0 {
		t.Errorf("inconsistent counts %+v", got)
	}
}

// runtimeErr is the fraction of the items of set that the runtime model misclassifies.
func runtimeErr(m *infer.Model, set dataset.Labelled) float64 {
	items := make([][]float64, set.X.Rows)
	for k := range items {
		items[k] = set.X.Row(k)
	}
	wrong := 0
	for k, c := range m.ClassifyBatch(nil, items) {
		if c != set.Labels[k] {
			wrong++
		}
	}
	return float64(wrong) / float64(set.X.Rows)
}

// MNISTConv on a short run: the summary holds its fields, and the saved best classifier
// reproduces the reported test_err in the runtime, also when trained with a weight metric
// (the bundle's weights are the model's, of norm Ω, whatever the engine's coordinates).
func TestMNISTConv(t *testing.T) {
	needMNIST(t)
	out := filepath.Join(t.TempDir(), "best")
	o := DefaultMNISTConvOptions()
	o.N, o.Batch, o.Runs, o.Epochs, o.Iter, o.Arch, o.WMetric, o.Workers, o.Jobs, o.Out = 1000, 500, 2, 1, 3, "conv7s3x4,dense10", "0.1,1", 1, 2, out
	got, err := MNISTConv(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Runs != 2 || got.Epochs != 1 || len(got.PerRun) != 2 || got.GWMsMean <= 0 || got.SecondsMedian <= 0 ||
		got.TestErrMin > got.TestErrMedian || got.TrainErrMedian <= 0 || got.Shapes != "28×28×1 → conv7s3x4 8×8×4 → 10" ||
		got.Out != out || got.PerRun[got.Best].TestErr != got.TestErrMin {
		t.Fatalf("summary %+v", got)
	}
	for _, r := range got.PerRun {
		if len(r.Moved) != 2 || !(r.Moved[0] > 0) || !(r.Moved[1] > 0) {
			t.Errorf("run %d: moved %v, want two positive layers", r.Seed, r.Moved)
		}
	}
	if got.WeightMetric != "0.1,1" {
		t.Errorf("wmetric %q", got.WeightMetric)
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
	if len(m.Bundle().Network.Conv) != 1 || !strings.Contains(m.Bundle().Provenance.Notes, "repro mnist-conv -arch conv7s3x4,dense10, -wmetric 0.1,1") ||
		m.Bundle().Provenance.Hyper["average"] != 1 {
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
		if got := AutoWMetric(specs); got != want {
			t.Errorf("%s: %q, want %q", arch, got, want)
		}
	}
}

// The figures that docs/experiments/conv-classifier.md ("Copies of a kernel weight") takes
// the bilinear projection's share on w from: the 5×5 stride-2 patches that the first
// convolution of conv5s2x8,conv5s2x16,dense10 reads (11×11 positions) of the first 10⁴
// MNIST training images have ‖x‖² 4.28 on average, 38% of them are blank, 6.9 on average
// over the others. go test ./experiment -run TestMNISTPatchNorms -v prints them.
func TestMNISTPatchNorms(t *testing.T) {
	needMNIST(t)
	tr, _, err := MNISTTrainTest(10000)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	blank, n := 0, 0
	for k := 0; k < tr.X.Rows; k++ {
		img := tr.X.Row(k)
		for oy := 0; oy < 11; oy++ {
			for ox := 0; ox < 11; ox++ {
				var s float64
				for dy := 0; dy < 5; dy++ {
					for dx := 0; dx < 5; dx++ {
						v := img[(2*oy+dy)*28+2*ox+dx]
						s += v * v
					}
				}
				sum += s
				n++
				if s == 0 {
					blank++
				}
			}
		}
	}
	mean, frac := sum/float64(n), float64(blank)/float64(n)
	nonBlank := sum / float64(n-blank)
	t.Logf("‖x‖² mean %.3f, blank %.1f%%, mean over the others %.2f", mean, 100*frac, nonBlank)
	if math.Abs(mean-4.28) > 0.01 || math.Abs(frac-0.379) > 0.001 || math.Abs(nonBlank-6.9) > 0.05 {
		t.Errorf("‖x‖² mean %v, blank fraction %v, non-blank mean %v; the docs say 4.28, 38%%, 6.9", mean, frac, nonBlank)
	}
}
