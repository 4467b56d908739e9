package experiment

import (
	"context"
	"fmt"

	"github.com/lwl-go/lwl/train"
)

// BinaryPaper is the success rate of the binary encoding experiment by code length n
// (section 6.3.1).
var BinaryPaper = map[int]float64{3: 0.80, 4: 0.30, 5: 0.25}

// BinaryOptions are the settings of Binary; DefaultBinaryOptions gives section 6.3.1's.
type BinaryOptions struct {
	N     int     // code length n, 1 … 10
	Runs  int     // independent runs, seeds Seed … Seed+Runs−1
	Seed  uint64  // seed of the first run
	Beta  float64 // RRR step β
	Omega float64 // weight norm Ω
	// Delta is the step's gap width Δ as in the paper, a margin Δ/2 on each side (0: 0.4,
	// or 0.34 at n = 5).
	Delta   float64
	MaxIter int     // iteration cap per run
	Check   int     // iterations between success checks
	Rewarm  bool    // warm-start the batch again at every check, as an epoch of one batch
	Tol     float64 // stop a run when RRR_err ≤ Tol
	Jobs    int     // runs at a time (0: one per core)
}

// DefaultBinaryOptions are section 6.3.1's settings for n = 3: β 0.5, Ω 100, Δ 0.4,
// 20 runs of at most 200000 iterations.
func DefaultBinaryOptions() BinaryOptions {
	return BinaryOptions{N: 3, Runs: 20, Seed: 1, Beta: 0.5, Omega: 100, MaxIter: 200000, Check: 200, Tol: 1e-10}
}

// BinaryRun is one run of Binary: when it succeeded, or where it stopped.
type BinaryRun struct {
	Seed       uint64  `json:"seed"`
	Success    bool    `json:"success"`
	Iterations int     `json:"iterations"`
	DataErr    float64 `json:"data_err"`
	CodeErr    float64 `json:"code_err"`
}

// BinaryResult is the outcome of Binary.
type BinaryResult struct {
	N         int         `json:"n"`
	Runs      int         `json:"runs"`
	Successes int         `json:"successes"`
	GWMMean   float64     `json:"gwm_mean"`
	Beta      float64     `json:"beta"`
	Delta     float64     `json:"delta"` // the Δ used
	MaxIter   int         `json:"max_iter"`
	Omega     float64     `json:"omega"`
	Each      []BinaryRun `json:"each"` // every run, in seed order
}

// Binary trains the 2ⁿ → n → 2ⁿ autoencoder with the step activation at every node on the
// 2ⁿ one-hot vectors and all 2ⁿ binary codes in one batch (section 6.3.1), o.Runs times
// from random starts, one core per run. A run succeeds when, with the plain step, every
// one-hot vector and every code round-trips through the feed-around (train.TrainBinary).
// Progress counts iterations against every run's cap (a run that stops early counts its
// remainder) and reports each finished run.
func Binary(ctx context.Context, o BinaryOptions, progress Progress) (BinaryResult, error) {
	if o.N < 1 || o.N > 10 || o.Runs < 1 {
		return BinaryResult{}, optionsErr(fmt.Sprintf("N %d, Runs %d: want 1 ≤ N ≤ 10 and Runs ≥ 1", o.N, o.Runs))
	}
	res := make([]*train.BinaryResult, o.Runs)
	done := 0
	bar := reporter{progress}
	bar.Start("iterations (runs × cap)", o.Runs*o.MaxIter)
	defer bar.Finish()
	err := runParallel(ctx, o.Runs, o.Jobs, func(ctx context.Context, i int) error {
		r, err := train.TrainBinary(ctx, train.BinarySettings{N: o.N, Beta: o.Beta, Omega: o.Omega, Delta: o.Delta,
			MaxIter: o.MaxIter, Tol: o.Tol, Check: o.Check, Rewarm: o.Rewarm, Seed: o.Seed + uint64(i),
			Progress: func(it int) { bar.Add(it, "") }})
		res[i] = r
		if r != nil && r.Iterations < o.MaxIter {
			bar.Add(o.MaxIter-r.Iterations, "")
		}
		return err
	}, func(i int) {
		done++
		if r := res[i]; r != nil {
			bar.Printf("run %d/%d (seed %d): success %v after %d iterations, %.4f GWMs, data_err %.3g, code_err %.3g\n",
				done, o.Runs, o.Seed+uint64(i), r.Success, r.Iterations, r.GWMs, r.DataErr, r.CodeErr)
		}
	})
	if err != nil {
		return BinaryResult{}, err
	}
	out := BinaryResult{N: o.N, Runs: o.Runs, Beta: o.Beta, Delta: o.Delta, MaxIter: o.MaxIter, Omega: o.Omega}
	if out.Delta == 0 {
		out.Delta = 0.4
		if o.N == 5 {
			out.Delta = 0.34
		}
	}
	for i, r := range res {
		if r.Success {
			out.Successes++
		}
		out.GWMMean += r.GWMs / float64(o.Runs)
		out.Each = append(out.Each, BinaryRun{Seed: o.Seed + uint64(i), Success: r.Success, Iterations: r.Iterations, DataErr: r.DataErr, CodeErr: r.CodeErr})
	}
	return out, nil
}
