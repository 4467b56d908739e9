package train

import (
	"context"
	"errors"
	"math"
	"testing"
)

// lines is a problem in space: A is the x axis, B the line through (1, 0, 0) with direction
// (1, slope, 0). They meet at (1, 0, 0); the z axis is orthogonal to both.
type lines struct{ slope float64 }

func (l lines) Dim() int { return 3 }
func (l lines) ProjectA(dst, z []float64) {
	dst[0], dst[1], dst[2] = z[0], 0, 0
}
func (l lines) ProjectB(dst, z []float64) {
	n := math.Hypot(1, l.slope)
	ux, uy := 1/n, l.slope/n
	t := (z[0]-1)*ux + z[1]*uy
	dst[0], dst[1], dst[2] = 1+t*ux, t*uy, 0
}

func TestReferenceFindsIntersection(t *testing.T) {
	for _, tc := range []struct {
		name        string
		beta, gamma float64
	}{
		{"RRR beta 1", 1, 1},
		{"RRR beta 0.3", 0.3, 0},
		{"generalised gamma 0.5", 0.5, 0.5},
		{"generalised gamma 1.5", 0.5, 1.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := lines{slope: 0.7}
			r := NewReference(p, []float64{-3, 2, 1}, tc.gamma)
			st, err := Solve(context.Background(), r, Settings{Beta: tc.beta, Tol: 1e-12, MaxIter: 100000})
			if err != nil {
				t.Fatal(err)
			}
			if st.Stop != StopTol {
				t.Fatalf("stopped with %v after %d iterations, err %g", st.Stop, st.Iterations, st.Err)
			}
			sol := make([]float64, 3)
			p.ProjectA(sol, r.Z)
			if math.Abs(sol[0]-1) > 1e-9 || math.Abs(sol[1]) > 1e-9 {
				t.Fatalf("P_A at the fixed point is %v, want (1, 0)", sol)
			}
		})
	}
}

// A fixed point of RRR is in general not itself a solution (appendix A.5): the component
// orthogonal to both sets is free, so the iterate converges above the solution, and its
// projection is the solution.
func TestFixedPointIsNotTheSolution(t *testing.T) {
	p := lines{slope: 1}
	r := NewReference(p, []float64{5, 5, 5}, 1)
	if _, err := Solve(context.Background(), r, Settings{Tol: 1e-14, MaxIter: 10000}); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Z[2]-5) > 1e-12 {
		t.Fatalf("fixed point %v: the orthogonal coordinate moved from 5", r.Z)
	}
	if math.Abs(r.Z[0]-1)+math.Abs(r.Z[1]) > 1e-9 {
		t.Fatalf("fixed point %v does not lie above the solution (1, 0, 0)", r.Z)
	}
}

type countingIterator struct {
	errs []float64
	n    int
}

func (c *countingIterator) Iterate(beta float64) float64 {
	e := c.errs[min(c.n, len(c.errs)-1)]
	c.n++
	return e
}
func (c *countingIterator) Work() int64 { return 1000 }

func TestSolveStops(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		errs  []float64
		s     Settings
		stop  Stop
		iters int
	}{
		{"tol", context.Background(), []float64{3, 2, 1, 0.5}, Settings{Tol: 1, MaxIter: 10}, StopTol, 3},
		{"cap", context.Background(), []float64{3}, Settings{Tol: 1, MaxIter: 7}, StopMaxIter, 7},
		{"no tol", context.Background(), []float64{0}, Settings{MaxIter: 4}, StopTol, 1},
		{"cancelled", cancelled, []float64{3}, Settings{MaxIter: 7}, StopCancelled, 0},
		{"diverged", context.Background(), []float64{3, math.NaN()}, Settings{MaxIter: 7}, StopDiverged, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := &countingIterator{errs: tc.errs}
			var traced int
			tc.s.Trace = func(iter int, e float64) {
				traced++
				if iter != traced {
					t.Errorf("trace iteration %d, want %d", iter, traced)
				}
			}
			st, err := Solve(tc.ctx, it, tc.s)
			if err != nil {
				t.Fatal(err)
			}
			if st.Stop != tc.stop || st.Iterations != tc.iters || it.n != tc.iters || traced != tc.iters {
				t.Fatalf("got %v after %d iterations (%d run, %d traced), want %v after %d", st.Stop, st.Iterations, it.n, traced, tc.stop, tc.iters)
			}
			if st.Work != int64(tc.iters)*1000 || math.Abs(st.GWMs()-float64(tc.iters)*1e-6) > 1e-18 {
				t.Fatalf("work %d (%g GWMs) for %d iterations of 1000", st.Work, st.GWMs(), tc.iters)
			}
		})
	}
}

func TestSolveRejectsBadSettings(t *testing.T) {
	for _, s := range []Settings{{MaxIter: 0}, {MaxIter: 1, Beta: -1}, {MaxIter: 1, Tol: -1}, {MaxIter: 1, Beta: math.NaN()}} {
		if _, err := Solve(context.Background(), &countingIterator{errs: []float64{1}}, s); !errors.Is(err, ErrSettings) {
			t.Errorf("Solve(%+v) error = %v, want ErrSettings", s, err)
		}
	}
}

// stateful is a fused iterator whose search vector can be read, to compare with Reference.
type stateful interface {
	Iterator
	State() []float64
}

// checkAgainstReference runs fast and its plain Reference iteration side by side for iters
// iterations of step beta and fails at the first coordinate or RRR_err that differs by more
// than 1e-12 (relative for RRR_err above 1).
func checkAgainstReference(t *testing.T, fast stateful, ref *Reference, beta float64, iters int) {
	t.Helper()
	for it := 1; it <= iters; it++ {
		ef := fast.Iterate(beta)
		er := ref.Iterate(beta)
		compareIterates(t, it, fast.State(), ref.Z, ef, er)
	}
}

// compareIterates fails unless the fast iterate z and RRR_err ef equal the reference ones to
// 1e-12.
func compareIterates(t *testing.T, it int, z, ref []float64, ef, er float64) {
	t.Helper()
	for i := range z {
		if d := math.Abs(z[i] - ref[i]); d > 1e-12 {
			t.Fatalf("iteration %d: z[%d] = %.17g, reference %.17g (|Δ| = %.3g)", it, i, z[i], ref[i], d)
		}
	}
	if math.Abs(ef-er) > 1e-12*math.Max(1, er) {
		t.Fatalf("iteration %d: RRR_err %.17g, reference %.17g", it, ef, er)
	}
}
