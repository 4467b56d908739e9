package train

import (
	"context"
	"fmt"
	"time"
)

// BinarySettings configures one run of the binary encoding experiment (section 6.3.1): the
// 2ⁿ → n → 2ⁿ autoencoder with the step activation everywhere, trained on the 2ⁿ one-hot
// vectors and all 2ⁿ binary codes in one batch.
type BinarySettings struct {
	N       int     // code length n (1..10)
	Beta    float64 // 0 means the paper's 0.5
	Omega   float64 // 0 means the paper's 100
	Delta   float64 // the paper's gap Δ, the step's whole gap width (Step{Delta: Δ/2}); 0 means 0.4 (0.34 at n = 5)
	MaxIter int     // iteration cap of the run; 0 means 20000
	Tol     float64 // stop when RRR_err ≤ Tol; 0 means 1e-10
	Check   int     // iterations between success checks; 0 means 100
	Seed    uint64
	Rewarm  bool // warm-start again after every Check iterations (one batch per epoch)
	Workers int  // 0 means 1: the problem is tiny
	// Progress, if not nil, is called after every Check iterations with the number of
	// iterations just done (for a progress bar over long runs).
	Progress func(iterations int)
}

// BinaryResult is the outcome of one binary encoding run.
type BinaryResult struct {
	Success    bool    // every one-hot vector and every code round-trips through the plain step
	Iterations int     // RRR iterations run
	GWMs       float64 // 1e-9 × |E| × |K| × Iterations
	Err        float64 // last RRR_err
	DataErr    float64 // data_err of the final parameters over the one-hot vectors
	CodeErr    float64 // code_err of the final parameters over all codes
	Elapsed    time.Duration
	Model      *Autoencoder // the trained autoencoder (closed)
}

// TrainBinary runs the binary encoding experiment once. It iterates until the parameters
// solve the problem (checked every Check iterations with the plain step of the runtime:
// each one-hot vector's feed-around reproduces it and each code's reproduces it), until
// RRR_err ≤ Tol, or until MaxIter iterations.
func TrainBinary(ctx context.Context, s BinarySettings) (*BinaryResult, error) {
	if s.N < 1 || s.N > 10 {
		return nil, fmt.Errorf("%w: binary encoding n = %d, want 1..10", ErrSettings, s.N)
	}
	if s.Beta == 0 {
		s.Beta = 0.5
	}
	if s.Omega == 0 {
		s.Omega = 100
	}
	if s.Delta == 0 {
		s.Delta = 0.4
		if s.N == 5 {
			s.Delta = 0.34
		}
	}
	if s.MaxIter == 0 {
		s.MaxIter = 20000
	}
	if s.Tol == 0 {
		s.Tol = 1e-10
	}
	if s.Check == 0 {
		s.Check = 100
	}
	if s.Workers == 0 {
		s.Workers = 1
	}
	m := 1 << s.N
	a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{m, s.N}, Code: 1,
		NetworkConfig: NetworkConfig{Omega: s.Omega, Activation: Step{Delta: s.Delta / 2}, Workers: s.Workers},
		Beta:          s.Beta, Tol: s.Tol, IterPerBatch: s.Check, CodeBatch: m, Seed: s.Seed})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	d := make([]float64, m*m)
	for i := 0; i < m; i++ {
		d[i*m+i] = 1
	}
	start := time.Now()
	res := &BinaryResult{Model: a}
	if err := a.net.SetIDEBatch(d, m, m, a.rng); err != nil {
		return nil, err
	}
	codes := append([]float64(nil), a.net.cv...)
	enc, dec := make([]float64, m*s.N), make([]float64, m*m) // success-check scratch
	for res.Iterations < s.MaxIter {
		if res.Iterations > 0 && s.Rewarm {
			if err := a.net.SetIDEBatch(d, m, m, a.rng); err != nil {
				return nil, err
			}
		}
		st, err := Solve(ctx, a.net, Settings{Beta: s.Beta, Tol: s.Tol, MaxIter: min(s.Check, s.MaxIter-res.Iterations)})
		if err != nil {
			return nil, err
		}
		a.work += st.Work
		res.Iterations += st.Iterations
		if s.Progress != nil {
			s.Progress(st.Iterations)
		}
		res.Err = st.Err
		if st.Stop == StopCancelled {
			return nil, ctx.Err()
		}
		if st.Stop == StopDiverged {
			break
		}
		// data_err over the one-hot vectors and code_err over all codes, with the consensus
		// parameters and the plain step.
		res.DataErr, res.CodeErr = a.Encode(enc, nil, d, m), a.Decode(dec, codes, m)
		if res.DataErr == 0 && res.CodeErr == 0 {
			res.Success = true
			break
		}
		if st.Stop == StopTol {
			break
		}
	}
	res.GWMs = float64(a.work) * 1e-9
	res.Elapsed = time.Since(start)
	return res, nil
}
