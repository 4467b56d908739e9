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
