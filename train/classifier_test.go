package train

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/lwl-go/lwl/dataset"
)

// Depth-2 majority data (13→26→2, the paper's settings) are learned within a few epochs.
func TestTrainClassifierMajorityDepth2(t *testing.T) {
	tr, te, err := dataset.Majority(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	var epochs []EpochStats
	res, err := TrainClassifier(context.Background(), tr, te, ClassifierSettings{
		Hidden:        []int{26},
		NetworkConfig: NetworkConfig{Omega: 2, Upsilon: 1, Class: ClassRule{Margin: 0.1}, Workers: 2},
		Beta:          1, IterPerBatch: 100, BatchSize: 128, Epochs: 3, Seed: 1,
		OnEpoch: func(s EpochStats) { epochs = append(epochs, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Epochs[len(res.Epochs)-1]
	t.Logf("%+v (%.2fs)", last, res.Elapsed.Seconds())
	if len(epochs) != 3 || last.Epoch != 3 {
		t.Fatalf("OnEpoch saw %d epochs", len(epochs))
	}
	if last.TrainErr > 0.02 || last.TestErr > 0.05 {
		t.Errorf("depth 2 after 3 epochs: train_err %v, test_err %v", last.TrainErr, last.TestErr)
	}
	// 32 batches of 128, 100 iterations each, 13·26 + 26·2 edges.
	wantGWM := 1e-9 * 3 * 32 * 100 * 128 * (13*26 + 26*2)
	if math.Abs(last.GWMs-wantGWM) > 1e-9 {
		t.Errorf("GWMs %v, want %v", last.GWMs, wantGWM)
	}
	if got := res.Classifier.ErrorRate(tr.X, tr.Labels); got != last.TrainErr {
		t.Errorf("result classifier train_err %v, epoch table %v", got, last.TrainErr)
	}
}

// Training is reproducible for a fixed seed and worker count.
func TestTrainClassifierReproducible(t *testing.T) {
	tr, te, _ := dataset.Majority(2, 3)
	tr.X.Rows, tr.X.Data, tr.Labels = 512, tr.X.Data[:512*13], tr.Labels[:512]
	run := func() *ClassifierResult {
		res, err := TrainClassifier(context.Background(), tr, te, ClassifierSettings{
			Hidden:        []int{10},
			NetworkConfig: NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.1, Mode: ClassExempt, Count: 2}, Workers: 2},
			IterPerBatch:  20, BatchSize: 100, Epochs: 2, Seed: 5,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	for e := range a.Classifier.Weights {
		if a.Classifier.Weights[e] != b.Classifier.Weights[e] {
			t.Fatalf("weight %d differs", e)
		}
	}
	if len(a.Flagged) != len(b.Flagged) || len(a.Flagged) > 2*5 {
		t.Fatalf("flagged %d and %d items (at most 10 with 5 batches of EE 2)", len(a.Flagged), len(b.Flagged))
	}
	for _, f := range a.Flagged {
		if f.Assigned != Exempted || tr.Labels[f.Item] != f.Label {
			t.Fatalf("flagged %+v", f)
		}
	}
}

// Relabeling recovers flipped labels: train on depth-1 data (a single majority gate, which
// 13→4→2 represents easily) with 3% of the training labels flipped; most of the items the
// classifier relabels in the final epoch are flipped ones, relabeled to their true class.
func TestTrainClassifierRelabelsFlipped(t *testing.T) {
	tr, te, _ := dataset.Majority(1, 2)
	truth := append([]int(nil), tr.Labels...)
	rng := NewRand(8)
	flipped := map[int]bool{}
	for len(flipped) < 120 {
		k := rng.IntN(tr.X.Rows)
		if !flipped[k] {
			flipped[k] = true
			tr.Labels[k] = 1 - tr.Labels[k]
		}
	}
	res, err := TrainClassifier(context.Background(), tr, te, ClassifierSettings{
		Hidden:        []int{6},
		NetworkConfig: NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.1, Mode: ClassRelabel, Count: 8}, Workers: 2},
		IterPerBatch:  50, BatchSize: 256, Epochs: 4, Seed: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for _, f := range res.Flagged {
		if flipped[f.Item] && f.Assigned == truth[f.Item] {
			right++
		}
	}
	t.Logf("relabeled %d, of which %d flipped items restored; test_err %v", len(res.Flagged), right, res.Epochs[len(res.Epochs)-1].TestErr)
	if len(res.Flagged) == 0 || float64(right) < 0.8*float64(len(res.Flagged)) {
		t.Errorf("relabeled %d items, only %d of them flipped ones restored", len(res.Flagged), right)
	}
	// The trained model's verdict under the same rule: at most Count per batch of the
	// final epoch, each a label that differs from the model's assignment.
	modelRight := 0
	for _, f := range res.ModelFlagged {
		if f.Assigned == f.Label || f.Assigned == Exempted {
			t.Fatalf("model flagged %+v", f)
		}
		if flipped[f.Item] && f.Assigned == truth[f.Item] {
			modelRight++
		}
	}
	t.Logf("model verdict: relabeled %d, of which %d flipped items restored (of %d flipped)", len(res.ModelFlagged), modelRight, len(flipped))
	if n := len(res.ModelFlagged); n > 8*(tr.X.Rows/256) || float64(modelRight) < 0.8*float64(n) || modelRight < len(flipped)/2 {
		t.Errorf("model verdict relabeled %d items, %d of them flipped ones restored (of %d flipped)", n, modelRight, len(flipped))
	}
}

func TestTrainClassifierErrors(t *testing.T) {
	tr, te, _ := dataset.Majority(1, 1)
	bad := tr
	bad.Labels = append([]int(nil), tr.Labels...)
	bad.Labels[3] = 7
	for _, tc := range []struct {
		name string
		tr   dataset.Labelled
		s    ClassifierSettings
	}{
		{"no iterations", tr, ClassifierSettings{}},
		{"label out of range", bad, ClassifierSettings{IterPerBatch: 1}},
		{"negative margin", tr, ClassifierSettings{IterPerBatch: 1, NetworkConfig: NetworkConfig{Class: ClassRule{Margin: -1}}}},
		{"fpa with three classes", tr, ClassifierSettings{IterPerBatch: 1, Graph: mustLayered(t, 13, 3), NetworkConfig: NetworkConfig{Class: ClassRule{Mode: ClassFalsePositive, Count: 1}}}},
		{"wrong input count", tr, ClassifierSettings{IterPerBatch: 1, Graph: mustLayered(t, 12, 2)}},
	} {
		if _, err := TrainClassifier(context.Background(), tc.tr, te, tc.s); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	if _, err := TrainClassifier(ctx, tr, te, ClassifierSettings{IterPerBatch: 10, Epochs: 5}); err == nil {
		t.Error("cancelled: no error")
	}
}
