package train

import (
	"math"

	"github.com/lwl-go/lwl/internal/asm/f64"
)

// bilinearRootFrom is BilinearRoot for the hot loop: it starts Newton's method from u, the
// root of the same constraint in the previous iteration, which is usually within a step or
// two of the new root, and it needs one division per step.
//
// Multiplying h and its derivative by (1−u²)³ > 0 gives the Newton step N/D with
//
//	N = (p(1+u²) + q·u)(1−u²) + (c·u − r)(1−u²)³      (sign of h)
//	D = q(1+3u²) + 2p·u(3+u²) + c(1−u²)³               (positive when q > 2|p|)
//
// and the bracket [lo, hi] around the root shrinks with the sign of N. A Newton step that
// leaves the bracket is replaced by bisection (appendix B).
func bilinearRootFrom(p, q, c, r, u float64) float64 {
	lo, hi := -1.0, 1.0
	if !(u > lo && u < hi) {
		u = 0
	}
	for range 100 {
		u2 := u * u
		d := 1 - u2
		d3 := d * d * d
		n := (p*(1+u2)+q*u)*d + (c*u-r)*d3
		switch {
		case n > 0:
			hi = u
		case n < 0:
			lo = u
		default:
			return u
		}
		den := q*(1+3*u2) + 2*p*u*(3+u2) + c*d3
		step := n / den
		next := u - step
		if math.Abs(step) < 1e-13 {
			// Converged; rounding may put next a hair outside the bracket.
			return min(max(next, lo), hi)
		}
		if !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
			if hi-lo < 1e-15 {
				return next
			}
		}
		u = next
	}
	return u
}

// bilinearRoots solves the roots of a sweep of independent bilinear constraints in place:
// on entry u[j] is the previous root of constraint j (the starting guess), on return its new
// root, for the scalars p[j], q[j] and right-hand side r[j] (c as in BilinearRoot). It also
// stores the projection's factor 1/(1−u²) in s[j].
//
// The common case is three unguarded Newton steps, four roots at a time with no
// data-dependent branch (f64.NewtonRoots); a root whose last step was not negligible (a
// poor start, or a step out of (−1, 1)) is finished by the safeguarded bilinearRootFrom,
// so the result is the same root either way.
func bilinearRoots(u, s, p, q, r []float64, c float64) {
	f64.NewtonRoots(u, s, p, q, r, c)
	for j, sj := range s[:len(u)] {
		if sj != sj { // NaN: not converged; go on from where Newton got to, if inside (−1, 1)
			v := bilinearRootFrom(p[j], q[j], c, r[j], u[j])
			u[j], s[j] = v, 1/(1-v*v)
		}
	}
}
