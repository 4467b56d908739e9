package experiment

import (
	"context"
	"fmt"
	"math"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/train"
)

// MontageOptions are the settings of Montage; the paper's (section 4.4.2) are those of
// DefaultMontageOptions.
type MontageOptions struct {
	Runs     int    // independent runs, seeds Seed … Seed+Runs−1
	Seed     uint64 // seed of the first run
	DataSeed uint64 // seed of the montage generator
	Epochs   int    // passes over the data (the paper: 30)
	Jobs     int    // runs at a time (0: one per core)
}

// DefaultMontageOptions are section 4.4.2's settings: 10 runs of 30 epochs.
func DefaultMontageOptions() MontageOptions {
	return MontageOptions{Runs: 10, Seed: 1, DataSeed: 1, Epochs: 30}
}

// MontageRun is one run of Montage.
type MontageRun struct {
	ReconErr   float64
	Seconds    float64
	PartsFound int // of the 16 letter/position parts, those some feature matches
}

// MontageResult is the outcome of Montage.
type MontageResult struct {
	Runs           int     `json:"runs"`
	ReconErrMedian float64 `json:"recon_err_median"`
	AllPartsFound  int     `json:"all_parts_found"` // runs that found all 16 parts
	SecondsMedian  float64 `json:"seconds_median"`
	// Each is every run, in seed order (not in the JSON summary).
	Each []MontageRun `json:"-"`
}

// Montage runs online NMF of 2000 synthetic 40×40 letter montages with the settings of
// section 4.4.2 (figure 7): 16 features, 40 batches of 50, 4 RRR iterations per batch,
// β 1, Ω 2. It reports recon_err and whether the 16 features cover the 16 letter/position
// parts. Progress counts runs.
func Montage(ctx context.Context, o MontageOptions, progress Progress) (MontageResult, error) {
	if o.Runs <= 0 || o.Epochs <= 0 {
		return MontageResult{}, optionsErr("Runs and Epochs must be positive")
	}
	y, err := dataset.Montage(2000, o.DataSeed)
	if err != nil {
		return MontageResult{}, err
	}
	parts, err := dataset.MontagePartsMatrix()
	if err != nil {
		return MontageResult{}, err
	}
	res := make([]MontageRun, o.Runs)
	bar := reporter{progress}
	bar.Start("runs", o.Runs)
	err = runParallel(ctx, o.Runs, o.Jobs, func(ctx context.Context, i int) error {
		f, err := train.Factorize(ctx, y.Data, y.Rows, y.Cols, train.FactorizeSettings{
			NMFConfig:    train.NMFConfig{Rank: 16, Omega: 2, Workers: 1},
			Beta:         1,
			IterPerBatch: 4,
			BatchSize:    50,
			Epochs:       o.Epochs,
			Seed:         o.Seed + uint64(i),
		})
		if err != nil {
			return err
		}
		res[i] = MontageRun{ReconErr: f.ReconErr, Seconds: f.Elapsed.Seconds(), PartsFound: partsFound(f, parts)}
		return nil
	}, func(i int) {
		bar.Add(1, fmt.Sprintf("run %d: recon_err %.4f, %d/16 parts", i+1, res[i].ReconErr, res[i].PartsFound))
	})
	bar.Finish()
	if err != nil {
		return MontageResult{}, err
	}
	out := MontageResult{Runs: o.Runs, Each: res}
	var recon, secs []float64
	for _, r := range res {
		recon = append(recon, r.ReconErr)
		secs = append(secs, r.Seconds)
		if r.PartsFound == 16 {
			out.AllPartsFound++
		}
	}
	out.ReconErrMedian, out.SecondsMedian = Median(recon), Median(secs)
	return out, nil
}

// partsFound counts the letter/position parts that some feature matches: each part is
// assigned the feature of largest cosine similarity, and counts when that similarity is at
// least 0.8 and no other part claimed the same feature first.
func partsFound(f *train.Factorization, parts dataset.Matrix) int {
	used := make([]bool, f.C)
	found := 0
	for p := 0; p < parts.Rows; p++ {
		part := parts.Data[p*parts.Cols : (p+1)*parts.Cols]
		best, bestCos := -1, 0.0
		for i := 0; i < f.C; i++ {
			var dot, nf, np float64
			for j, v := range part {
				w := f.Features[j*f.C+i]
				dot += v * w
				nf += w * w
				np += v * v
			}
			if c := dot / math.Sqrt(nf*np); c > bestCos {
				best, bestCos = i, c
			}
		}
		if best >= 0 && bestCos >= 0.8 && !used[best] {
			used[best] = true
			found++
		}
	}
	return found
}
