package f64

import "math"

// ReLUProjectGo is the reference for ReLUProject, the node side of a ReLU network's set A
// (eqs. 26c with the consensus of 26b): for each i it projects (xs[i]/g2[i], y[i], b[i]),
// the consensus of the out-edge copies of x (weight g² = outdeg) with the node's y and b,
// onto the rectifier's locus x = max(0, y − b) and stores the result in xa[i], ya[i], ba[i].
// It takes the nearer of (a) x = 0, y − b ≤ 0 (y and b move to their midpoint when y > b)
// and (b) x = y − b ≥ 0 (the perpendicular foot on the line x = y − b, s = (x − y + b)/3,
// replaced by (a)'s point when it would have x < 0). The choices are made by bit masks
// rather than branches (which piece is nearer is data-dependent and mispredicts about half
// the time), with the arithmetic of train.ReLU.Project, so the two agree bit for bit.
func ReLUProjectGo(xa, ya, ba, xs, y, b, g2 []float64) {
	n := len(xa)
	ya, ba, xs, y, b, g2 = ya[:n], ba[:n], xs[:n], y[:n], b[:n], g2[:n]
	for i := range xa {
		x, yi, bi := xs[i]/g2[i], y[i], b[i]
		mid := maskOf(yi > bi)
		m := 0.5 * (yi + bi)
		ay, ab := sel(mid, m, yi), sel(mid, m, bi)
		da := x*x + (ay-yi)*(ay-yi) + (ab-bi)*(ab-bi)
		s := (x - yi + bi) / 3
		bx := x - s
		useB := maskOf(bx >= 0) & maskOf(3*s*s < da)
		xa[i], ya[i], ba[i] = sel(useB, bx, 0), sel(useB, yi+s, ay), sel(useB, bi-s, ab)
	}
}

// maskOf is all ones for true, zero for false, without a branch.
func maskOf(c bool) uint64 {
	var v uint64
	if c {
		v = 1
	}
	return -v
}

// sel is a where mask is all ones, b where it is zero.
func sel(mask uint64, a, b float64) float64 {
	return math.Float64frombits(math.Float64bits(a)&mask | math.Float64bits(b)&^mask)
}

// reluShort reports whether one of ReLUProject's slices is shorter than xa.
func reluShort(xa, ya, ba, xs, y, b, g2 []float64) bool {
	n := len(xa)
	return len(ya) < n || len(ba) < n || len(xs) < n || len(y) < n || len(b) < n || len(g2) < n
}

// StepProjectGo is the reference for StepProject: for each i it projects
// (xs[i]/g2[i], y[i], b[i]) onto the step with a gap, the union of {x = 0, y − b ≤ −Δ} and
// {x = 1, y − b ≥ Δ} (Δ = delta), and stores the result in xa[i], ya[i], ba[i]: the nearer
// of the two pieces, each reached by moving y and b equally and oppositely onto the boundary
// of its half-plane when outside it, ties to x = 0. The arithmetic is train.Step.Project's,
// so the two agree bit for bit.
func StepProjectGo(xa, ya, ba, xs, y, b, g2 []float64, delta float64) {
	n := len(xa)
	ya, ba, xs, y, b, g2 = ya[:n], ba[:n], xs[:n], y[:n], b[:n], g2[:n]
	for i := range xa {
		xa[i], ya[i], ba[i] = StepPoint(xs[i]/g2[i], y[i], b[i], delta)
	}
}

// StepPoint is the projection of one (x, y, b) onto the step with a gap Δ = delta (see
// StepProjectGo): the arithmetic of train.Step.Project, kept here once for the kernels'
// sake.
func StepPoint(x, y, b, delta float64) (x2, y2, b2 float64) {
	y0, b0, d0 := stepPiece(0, -1, delta, x, y, b)
	y1, b1, d1 := stepPiece(1, 1, delta, x, y, b)
	if d1 < d0 {
		return 1, y1, b1
	}
	return 0, y0, b0
}

// stepPiece projects (x, y, b) onto {x = level, sign·(y − b) ≥ Δ} and returns the new y, b
// and the squared distance.
func stepPiece(level, sign, delta, x, y, b float64) (float64, float64, float64) {
	dx := x - level
	v := delta - sign*(y-b) // violation of sign·z ≥ Δ
	if v <= 0 {
		return y, b, dx * dx
	}
	h := 0.5 * v * sign
	return y + h, b - h, dx*dx + 2*h*h
}

// StepFixedGo is the reference for StepFixed, the projection at a node whose x is held
// fixed at v[i] (an autoencoder's data nodes for data items, code nodes for code items):
// y and b move equally and oppositely by the least amount that brings z = y − b into the
// values the step (and the zigmoid) allow with that x: z ≤ −Δ for x ≤ 0, z ≥ Δ for x ≥ 1,
// z = Δ(2x − 1) in between. The arithmetic is train's stepFixed.
func StepFixedGo(ya, ba, v, y, b []float64, delta float64) {
	n := len(ya)
	ba, v, y, b = ba[:n], v[:n], y[:n], b[:n]
	for i := range ya {
		ya[i], ba[i] = StepFixedPoint(v[i], y[i], b[i], delta)
	}
}

// StepFixedPoint is StepFixedGo for one node: the (y, b) nearest to the given ones with
// z = y − b allowed at the fixed x (the arithmetic of train's fixed step projection).
func StepFixedPoint(x, y, b, delta float64) (y2, b2 float64) {
	var lo, hi float64
	switch {
	case x <= 0:
		lo, hi = math.Inf(-1), -delta
	case x >= 1:
		lo, hi = delta, math.Inf(1)
	default:
		z := delta * (2*x - 1)
		lo, hi = z, z
	}
	z := y - b
	switch {
	case z < lo:
		h := 0.5 * (lo - z)
		return y + h, b - h
	case z > hi:
		h := 0.5 * (hi - z)
		return y + h, b - h
	}
	return y, b
}

// fixedShort reports whether one of StepFixed's slices is shorter than ya.
func fixedShort(ya, ba, v, y, b []float64) bool {
	n := len(ya)
	return len(ba) < n || len(v) < n || len(y) < n || len(b) < n
}
