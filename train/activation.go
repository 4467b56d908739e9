package train

import (
	"math"

	"github.com/lwl-go/lwl/internal/asm/f64"
)

// An Activation is the constraint set of a hidden node (eq. 26c): the triples (x, y, b) of
// the node's consensus output x, pre-activation y and bias b that the activation allows.
// Constraint sets need not be graphs of functions (figure 2), so an activation is given by
// its projection, not by f.
//
// The network's metric on the triple is isotropic (eqs. 28, 30: the consensus x carries
// weight outdeg, and so do y and b), so Project is the Euclidean nearest point. Adding an
// activation means writing Project and Eval; the engine does not change.
type Activation interface {
	// Project returns the point of the set nearest to (x, y, b) in the Euclidean metric.
	// It is called per item and node inside the RRR loop and must not allocate.
	Project(x, y, b float64) (x2, y2, b2 float64)
	// ProjectFixed returns the nearest (y2, b2) with (x, y2, b2) in the set when x is held
	// fixed, as at an autoencoder's data nodes for data items and code nodes for code items
	// (section 6.1): y and b move equally and oppositely until z = y − b lies in the set
	// of z allowed with this x. It must not allocate.
	ProjectFixed(x, y, b float64) (y2, b2 float64)
	// Eval is the forward evaluation f(z) at z = y − b, used for the warm start and for
	// classification.
	Eval(z float64) float64
}

// ReLU is the rectifier x = max(0, y − b), whose locus is two half-lines (section 5.2).
type ReLU struct{}

// Project implements Activation. It takes the nearer of (a) x = 0, y − b ≤ 0 (y and b move to
// their midpoint when y > b) and (b) x = y − b ≥ 0 (the perpendicular foot on the line
// x = y − b, s = (x − y + b)/3, replaced by (a)'s point when it would have x < 0), as the
// reference programs do.
func (ReLU) Project(x, y, b float64) (float64, float64, float64) {
	// (a) the half-line x = 0, z ≤ 0.
	ay, ab := y, b
	if y > b {
		m := 0.5 * (y + b)
		ay, ab = m, m
	}
	da := x*x + (ay-y)*(ay-y) + (ab-b)*(ab-b)
	// (b) the half-line x = z ≥ 0.
	s := (x - y + b) / 3
	bx, by, bb := x-s, y+s, b-s
	if bx < 0 {
		return 0, ay, ab
	}
	db := 3 * s * s
	if db < da {
		return bx, by, bb
	}
	return 0, ay, ab
}

// ProjectFixed implements Activation: x ≤ 0 needs z ≤ 0 (x below the set is taken as 0),
// x > 0 needs z = x.
func (ReLU) ProjectFixed(x, y, b float64) (float64, float64) {
	if x > 0 {
		return shiftInto(x, x, y, b)
	}
	return shiftInto(math.Inf(-1), 0, y, b)
}

// shiftInto moves y and b equally and oppositely by the least amount that brings z = y − b
// into [lo, hi]: the Euclidean projection of (y, b) onto that strip.
func shiftInto(lo, hi, y, b float64) (float64, float64) {
	z := y - b
	var h float64
	switch {
	case z < lo:
		h = 0.5 * (lo - z)
	case z > hi:
		h = 0.5 * (hi - z)
	default:
		return y, b
	}
	return y + h, b - h
}

// stepFixed is ProjectFixed of the step and the zigmoid (section 6.1, with the reference
// programs' rule, docs/reference-programs.md): x ≤ 0 needs z ≤ −Δ, x ≥ 1 needs z ≥ Δ,
// 0 < x < 1 needs z = Δ(2x − 1), the zigmoid's inverse.
func stepFixed(delta, x, y, b float64) (float64, float64) {
	return f64.StepFixedPoint(x, y, b, delta) // one copy of the arithmetic, shared with the kernels' twin
}

// Eval implements Activation.
func (ReLU) Eval(z float64) float64 { return math.Max(z, 0) }

// Step is the step activation with a gap (figure 2): the union of {x = 0, y − b ≤ −Δ} and
// {x = 1, y − b ≥ Δ}. Its forward evaluation is the plain step (z ≤ 0 → 0, else 1).
//
// Delta is the margin on each side of z = 0, half the gap's width. The paper's Δ is the
// whole width: appendix C imposes w/Ω − b ≥ Δ/2 and ≤ −Δ/2 (eq. 54), which is what makes
// its Δ = 0.4 feasible at n = 3 (eq. 43). So the paper's Δ is Step{Delta: Δ/2}. The
// reference programs' margin reading (docs/reference-programs.md), Step{Delta: Δ}, is infeasible at
// every n of section 6.3.1 and solves none of 8 starts at n = 3 within 100 000 iterations,
// where Step{Delta: 0.2} solves 6.
type Step struct{ Delta float64 }

// Project implements Activation: the nearer of the two pieces, each reached by moving y and b
// equally and oppositely onto the boundary of its half-plane when outside it. Ties go to x = 0.
func (s Step) Project(x, y, b float64) (float64, float64, float64) {
	return f64.StepPoint(x, y, b, s.Delta) // one copy of the arithmetic, shared with the kernels' twin
}

// ProjectFixed implements Activation (see stepFixed).
func (s Step) ProjectFixed(x, y, b float64) (float64, float64) { return stepFixed(s.Delta, x, y, b) }

// Eval implements Activation.
func (Step) Eval(z float64) float64 {
	if z <= 0 {
		return 0
	}
	return 1
}

// Zigmoid is the step with its gap bridged (figure 17): the pieces of Step plus the segment
// x = (z + Δ)/(2Δ) for |z| < Δ, z = y − b. Its forward evaluation is the same piecewise-linear
// function.
//
// Delta is the paper's Δ as the reference programs use it (docs/reference-programs.md): the ramp
// spans z ∈ [−Δ, Δ]. The paper's text says the zigmoid "interpolates between 0 and 1 over
// the range Δ" (figure 17), which would be Zigmoid{Delta: Δ/2}; but with that reading the
// MNIST autoencoder of section 6.3.2 trains far slower than the paper reports (data_err
// 0.262 against 0.200 after the same 70 GWMs, 2 epochs of 2000 items), so the paper's
// Δ = 0.4 is Zigmoid{Delta: 0.4}. For Step the evidence goes the other way (see Step).
type Zigmoid struct{ Delta float64 }

// Project implements Activation: the nearest of the three pieces. The segment's candidate is
// the foot on its line; when that falls outside |z| < Δ the nearest point of the segment is an
// end point, which lies on a step piece and so is never nearer than that piece's projection.
func (s Zigmoid) Project(x, y, b float64) (float64, float64, float64) {
	bx, by, bb := Step(s).Project(x, y, b)
	best := (bx-x)*(bx-x) + (by-y)*(by-y) + (bb-b)*(bb-b)
	// Line x − (y − b + Δ)/(2Δ) = 0, normal a = (1, −k, k), k = 1/(2Δ).
	k := 0.5 / s.Delta
	g := x - k*(y-b+s.Delta)
	t := g / (1 + 2*k*k)
	lx, ly, lb := x-t, y+k*t, b-k*t
	if z := ly - lb; math.Abs(z) < s.Delta && t*t*(1+2*k*k) < best {
		return lx, ly, lb
	}
	return bx, by, bb
}

// ProjectFixed implements Activation (see stepFixed).
func (s Zigmoid) ProjectFixed(x, y, b float64) (float64, float64) {
	return stepFixed(s.Delta, x, y, b)
}

// Eval implements Activation.
func (s Zigmoid) Eval(z float64) float64 {
	switch {
	case z <= -s.Delta:
		return 0
	case z >= s.Delta:
		return 1
	}
	return (z + s.Delta) / (2 * s.Delta)
}

// runProjector projects a run of nodes of one item: for each i, (xa, ya, ba)[i] =
// Project(xs[i]/g2[i], y[i], b[i]), the consensus of the out-edge copies of x (weight g² =
// outdeg, lemma 4.1) with the activation as side constraint. The activations of this package
// implement it with their projection inlined, so the network's node pass makes one call per
// run of nodes instead of an interface call per (item, node); others get a loop over Project.
//
// projectFixedRun is ProjectFixed over a run of fixed nodes: for each i, (ya, ba)[i] =
// ProjectFixed(v[i], y[i], b[i]).
type runProjector interface {
	projectRun(xa, ya, ba, xs, y, b, g2 []float64)
	projectFixedRun(ya, ba, v, y, b []float64)
}

func runProjectorOf(a Activation) runProjector {
	if p, ok := a.(runProjector); ok {
		return p
	}
	return anyProjector{a}
}

type anyProjector struct{ a Activation }

func (p anyProjector) projectRun(xa, ya, ba, xs, y, b, g2 []float64) {
	for i := range xa {
		xa[i], ya[i], ba[i] = p.a.Project(xs[i]/g2[i], y[i], b[i])
	}
}

func (p anyProjector) projectFixedRun(ya, ba, v, y, b []float64) {
	for i := range ya {
		ya[i], ba[i] = p.a.ProjectFixed(v[i], y[i], b[i])
	}
}

func (ReLU) projectFixedRun(ya, ba, v, y, b []float64) {
	n := len(ya)
	ba, v, y, b = ba[:n], v[:n], y[:n], b[:n]
	for i := range ya {
		ya[i], ba[i] = ReLU{}.ProjectFixed(v[i], y[i], b[i])
	}
}

// projectFixedRun is stepFixed over a run of nodes, as a kernel (f64.StepFixed, the same
// arithmetic).
func (a Step) projectFixedRun(ya, ba, v, y, b []float64) { f64.StepFixed(ya, ba, v, y, b, a.Delta) }

func (a Zigmoid) projectFixedRun(ya, ba, v, y, b []float64) {
	f64.StepFixed(ya, ba, v, y, b, a.Delta)
}

// projectRun is ReLU.Project over a run of nodes, as a kernel (f64.ReLUProject: the same
// arithmetic, four nodes at a time, choices by masks).
func (ReLU) projectRun(xa, ya, ba, xs, y, b, g2 []float64) {
	f64.ReLUProject(xa, ya, ba, xs, y, b, g2)
}

// projectRun is Step.Project over a run of nodes, as a kernel (f64.StepProject: the same
// arithmetic, four nodes at a time).
func (a Step) projectRun(xa, ya, ba, xs, y, b, g2 []float64) {
	f64.StepProject(xa, ya, ba, xs, y, b, g2, a.Delta)
}

func (a Zigmoid) projectRun(xa, ya, ba, xs, y, b, g2 []float64) {
	n := len(xa)
	ya, ba, xs, y, b, g2 = ya[:n], ba[:n], xs[:n], y[:n], b[:n], g2[:n]
	for i := range xa {
		xa[i], ya[i], ba[i] = a.Project(xs[i]/g2[i], y[i], b[i])
	}
}
