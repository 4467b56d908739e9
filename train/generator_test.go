package train

import (
	"context"
	"math"
	"testing"
)

// parityCodes returns n codes of C = 3 values near the corners of the unit cube whose
// parity is par.
func parityCodes(n, par int, seed uint64) []float64 {
	rng := NewRand(seed)
	out := make([]float64, 0, 3*n)
	for len(out) < 3*n {
		c := rng.IntN(8)
		if (c&1+c>>1&1+c>>2&1)%2 != par {
			continue
		}
		for b := 0; b < 3; b++ {
			out = append(out, float64(c>>b&1)+0.1*(rng.Float64()-0.5))
		}
	}
	return out
}

// On separable codes the filter learns to accept the genuine ones (tn → 0) and uses at most
// about its false-positive allowance on the fakes, on training and on held-out codes alike.
func TestTrainFilterSeparableCodes(t *testing.T) {
	gen, fake := parityCodes(200, 0, 1), parityCodes(400, 1, 2)
	s := FilterSettings{Hidden: []int{8, 8}, FPA: 0.25, IterPerBatch: 200, BatchSize: 150, Epochs: 4, Seed: 3,
		TestGenuine: parityCodes(200, 0, 4), TestFake: parityCodes(400, 1, 5)}
	model, epochs, err := TrainFilter(context.Background(), gen, fake, 3, s)
	if err != nil {
		t.Fatal(err)
	}
	last := epochs[len(epochs)-1]
	t.Logf("%+v", last)
	if last.TN > 0.05 || last.TestTN > 0.05 {
		t.Errorf("genuine codes rejected: tn %.3f train, %.3f test", last.TN, last.TestTN)
	}
	if last.FP > s.FPA+0.05 || last.TestFP > s.FPA+0.05 {
		t.Errorf("fp %.3f train, %.3f test: more fakes accepted than the allowance %.2f", last.FP, last.TestFP, s.FPA)
	}
	if fp, tn := codeRates(model, s.TestGenuine, s.TestFake, 3); fp != last.TestFP || tn != last.TestTN {
		t.Errorf("returned model gives fp %v tn %v on the test codes, the epoch report %v %v", fp, tn, last.TestFP, last.TestTN)
	}
	if len(epochs) != 4 || math.IsNaN(last.BatchFP) || last.GWMs <= 0 {
		t.Errorf("epoch reports %+v", epochs)
	}
}

func TestTrainFilterRejectsBadSettings(t *testing.T) {
	gen := parityCodes(10, 0, 1)
	for _, s := range []FilterSettings{{FPA: 0.25}, {FPA: 1.5, IterPerBatch: 10}, {FPA: -0.1, IterPerBatch: 10}} {
		if _, _, err := TrainFilter(context.Background(), gen, gen, 3, s); err == nil {
			t.Errorf("TrainFilter(%+v) accepted", s)
		}
	}
}
