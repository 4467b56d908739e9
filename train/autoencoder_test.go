package train

import (
	"context"
	"testing"
)

// The n = 3 binary encoding (section 6.3.1) is solved from most starts; a solved model
// encodes the eight one-hot vectors to eight distinct binary codes and decodes them back.
// With the margin Δ on each side of the step (docs/reference-programs.md) the code nodes can have at
// most 1/√|D| ≈ 0.354 at n = 3 (appendix C's bound 2/√|D| is for the whole gap), so the
// test uses Δ = 0.25 and β = 1, which solve 4 of 5 starts within 50000 iterations.
func TestTrainBinaryN3(t *testing.T) {
	solved := 0
	for seed := uint64(2); seed <= 4; seed++ {
		r, err := TrainBinary(context.Background(), BinarySettings{N: 3, Beta: 1, Delta: 0.5, MaxIter: 40000, Check: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: success %v after %d iterations (%.4f GWMs), RRR_err %.3g, data_err %.3g, code_err %.3g", seed, r.Success, r.Iterations, r.GWMs, r.Err, r.DataErr, r.CodeErr)
		if !r.Success {
			continue
		}
		solved++
		d := make([]float64, 64)
		for i := 0; i < 8; i++ {
			d[i*8+i] = 1
		}
		enc := make([]float64, 24)
		if e := r.Model.Encode(enc, nil, d, 8); e != 0 {
			t.Errorf("seed %d: solved but data_err %v", seed, e)
		}
		seen := map[[3]float64]bool{}
		for i := 0; i < 8; i++ {
			var c [3]float64
			copy(c[:], enc[i*3:])
			for _, v := range c {
				if v != 0 && v != 1 {
					t.Errorf("seed %d: code %v is not binary", seed, c)
				}
			}
			seen[c] = true
		}
		if len(seen) != 8 {
			t.Errorf("seed %d: %d distinct codes for 8 one-hot vectors", seed, len(seen))
		}
	}
	if solved < 2 {
		t.Errorf("n = 3 solved from %d of 3 starts; the paper reports 80%%", solved)
	}
}
