package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// An Iterator performs RRR iterations on a problem whose state it owns.
//
// Iterate applies one update z ← z + β·(P_B(2P_A(z) − z) − P_A(z)) (eq. 45) and returns
// RRR_err, the flow speed ‖P_B(2P_A(z) − z) − P_A(z)‖ normalised as the model's paper
// section does, measured at this iteration. Work is the number of weight-multiplies of
// one iteration, |K|·|E| (eq. 24).
type Iterator interface {
	Iterate(beta float64) float64
	Work() int64
}

// Stop says why Solve returned.
type Stop int

const (
	StopTol       Stop = iota + 1 // RRR_err fell to Settings.Tol or below
	StopMaxIter                   // the iteration cap was reached
	StopCancelled                 // the context was cancelled
	StopDiverged                  // RRR_err became NaN or infinite
)

func (s Stop) String() string {
	switch s {
	case StopTol:
		return "tol reached"
	case StopMaxIter:
		return "iteration cap reached"
	case StopCancelled:
		return "cancelled"
	case StopDiverged:
		return "diverged"
	}
	return fmt.Sprintf("Stop(%d)", int(s))
}

// Settings controls one call of Solve. The zero value of every field but MaxIter means
// the paper's default.
type Settings struct {
	// Beta is the RRR step β of eq. (45); 0 means 1 (the Douglas–Rachford step).
	Beta float64
	// Tol stops the iteration as soon as RRR_err ≤ Tol; 0 means iterate to MaxIter.
	Tol float64
	// MaxIter is the iteration cap (RRR_iter in the paper); it must be positive.
	MaxIter int
	// Trace, if not nil, is called after every iteration with the iteration number
	// (1-based, counted within this call) and its RRR_err.
	Trace func(iter int, rrrErr float64)
}

// Status reports the outcome of Solve.
type Status struct {
	Stop       Stop
	Iterations int     // iterations performed, the first included
	Err        float64 // RRR_err of the last iteration (NaN if none ran)
	Work       int64   // weight-multiplies performed: Iterations × |K|·|E|
	Elapsed    time.Duration
}

// GWMs is the work in giga-weight-multiplies (eq. 24).
func (s Status) GWMs() float64 { return float64(s.Work) * 1e-9 }

// ErrSettings reports settings that Solve cannot run with.
var ErrSettings = errors.New("train: invalid settings")

// Solve runs RRR iterations on it until RRR_err ≤ s.Tol, s.MaxIter iterations have run, or
// ctx is cancelled (checked between iterations). It returns a non-nil error only for
// invalid settings; cancellation is reported in Status.Stop.
func Solve(ctx context.Context, it Iterator, s Settings) (Status, error) {
	beta := s.Beta
	if beta == 0 {
		beta = 1
	}
	if !(beta > 0) || math.IsInf(beta, 0) {
		return Status{}, fmt.Errorf("%w: beta = %v, want a positive step", ErrSettings, s.Beta)
	}
	if s.MaxIter <= 0 {
		return Status{}, fmt.Errorf("%w: MaxIter = %d, want a positive iteration cap", ErrSettings, s.MaxIter)
	}
	if s.Tol < 0 || math.IsNaN(s.Tol) {
		return Status{}, fmt.Errorf("%w: tol = %v, want ≥ 0", ErrSettings, s.Tol)
	}
	start := time.Now()
	st := Status{Err: math.NaN()}
	done := ctx.Done()
	work := it.Work()
	for st.Iterations < s.MaxIter {
		select {
		case <-done:
			st.Stop = StopCancelled
			return st.finish(start, work), nil
		default:
		}
		e := it.Iterate(beta)
		st.Iterations++
		st.Err = e
		if s.Trace != nil {
			s.Trace(st.Iterations, e)
		}
		if math.IsNaN(e) || math.IsInf(e, 0) {
			st.Stop = StopDiverged
			return st.finish(start, work), nil
		}
		if e <= s.Tol {
			st.Stop = StopTol
			return st.finish(start, work), nil
		}
	}
	st.Stop = StopMaxIter
	return st.finish(start, work), nil
}

func (st Status) finish(start time.Time, work int64) Status {
	st.Work = int64(st.Iterations) * work
	st.Elapsed = time.Since(start)
	return st
}
