package train

import "github.com/lwl-go/lwl/internal/asm/f64"

// bilinearRoots solves the roots of a sweep of independent bilinear constraints in place:
// on entry u[j] is the previous root of constraint j (the starting guess), on return its new
// root, for A = a[j], B = b[j] and right-hand side r[j] (h of eq. 52 in the sum and
// difference form, c as in BilinearRoot). It stores the projection's factors
// fs[j] = 1/(2(1−u)) and fd[j] = 1/(2(1+u)).
//
// There is one root finder: solveBilinear's iteration, in the distance to the pole on the
// root's side, so that roots next to a pole (x ≈ ±w) keep their relative precision. The
// common case is Newton steps from the previous root, four roots at a time with no
// data-dependent branch but the common exit (f64.NewtonRoots); a root not converged within
// f64.NewtonSteps (a poor start, or a step out of (−1, 1)) is finished by the safeguarded
// solveBilinearFrom from where Newton got to, so the result is the same root either way (to
// rounding).
//
// It reports whether some constraint is degenerate (x = ±w at the reflected point with no
// root in (−1, 1), appendix B): its fs is then NaN, u[j] is its limiting multiplier ∓1, and
// the caller projects that row with projectBilinear (degenerateRow).
func bilinearRoots(u, fs, fd, a, b, r []float64, c float64) (degenerate bool) {
	if f64.NewtonRoots(u, fs, fd, a, b, r, c) {
		return false
	}
	for j, v := range fs[:len(u)] {
		if v != v { // NaN: not converged
			sol := solveBilinearFrom(a[j], b[j], c, r[j], u[j])
			u[j] = sol.u()
			if sol.sp == 0 || sol.sm == 0 {
				degenerate = true
				continue
			}
			fs[j], fd[j] = 0.5/sol.sm, 0.5/sol.sp
		}
	}
	return degenerate
}

// degenerateRow is the fused projection and update of one (item, row) through the plain
// projection projectBilinear, for blocks with a degenerate root, which the kernels' factor
// form cannot express; it is rare enough to need no speed. The row's edge variables are
// x[i·st], w[i·st], its sources' consensus x xa[i·sa] (new x summed into xs[i·sa]), its
// consensus weights wa[i] (new w summed into ws[i·st]); rx and rw are scratch of c values.
// It returns the squared flow and the multiplier u of the projection (for y).
func degenerateRow(x, w []float64, st int, xa, xs []float64, sa int, wa, ws, rx, rw []float64, c int, cc, r, beta float64) (errSq, u float64) {
	rx, rw = rx[:c], rw[:c]
	for i := range rx {
		rx[i] = 2*xa[i*sa] - x[i*st]
		rw[i] = 2*wa[i] - w[i*st]
	}
	sol := projectBilinear(rx, rw, cc, r)
	for i := range rx {
		dx, dw := rx[i]-xa[i*sa], rw[i]-wa[i]
		errSq += dx*dx + dw*dw
		nx, nw := x[i*st]+beta*dx, w[i*st]+beta*dw
		x[i*st], w[i*st] = nx, nw
		xs[i*sa] += nx
		ws[i*st] += nw
	}
	switch {
	case sol.sp == 0:
		return errSq, -1
	case sol.sm == 0:
		return errSq, 1
	}
	return errSq, sol.u()
}
