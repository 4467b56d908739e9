package train

import "math"

// The bilinear projection (section 4.2, appendix B). With the Lagrange multiplier u the nearest
// point of x'·w' = Ω·y' is
//
//	x' = (x + u w)/(1−u²),  w' = (w + u x)/(1−u²),  y' = y − Ω u/g²,
//
// where u ∈ (−1, 1) is the root of h (eq. 52). Written in the sum and difference directions,
//
//	x' + w' = (x+w)/(1−u),  x' − w' = (x−w)/(1+u),
//	h(u) = ¼[A/(1−u)² − B/(1+u)²] + c·u − r,  A = |x+w|² = q+2p,  B = |x−w|² = q−2p,
//
// which is how this file evaluates it: the solver tracks 1+u and 1−u as separate variables, so
// a root next to a pole (nearly degenerate x ≈ ±w) keeps full relative precision in the
// factor that divides, and ProjectBilinear takes A and B from x±w directly instead of from the
// cancelling q−2|p|.

// bilinearMaxSteps and bilinearStepTol are the reference program's root-finding limits: at
// most 50 Newton or bisection steps, stopping once a step is below 1e-12 (appendix B's method
// with the reference program's limits, docs/reference-programs.md).
const (
	bilinearMaxSteps = 50
	bilinearStepTol  = 1e-12
)

// BilinearRoot returns the unique root u ∈ (−1, 1) of
//
//	h(u) = (p(1+u²) + q·u)/(1−u²)² + c·u − r,
//
// eq. (52) of appendix B with c = Ω²/g2 (g2 the paper's g²) and r = Ω·y; the NMF form
// (g → ∞, Ω = 1) has c = 0 and r = y. p = x·w, q = |x|²+|w|² and q > 2|p| (eq. 18), c ≥ 0.
//
// It takes Newton steps from u = 0 with a bracketing/bisection fallback as in appendix B, at
// most 50 steps, stopping when a step is below 1e-12 relative to the distance to the root's
// pole (the reference's absolute 1e-12 at u = 0; relative keeps precision near ±1). The
// Newton steps are taken in z = 1/(1∓u)² rather than in u (see solveBilinear): the same root,
// but quadratic convergence also for roots next to a pole, where Newton in u is linear.
//
// Degenerate parameters, q ≤ 2|p| (x = ±w), have no root when the pole is missing on the side
// where h does not change sign; BilinearRoot then returns the limiting multiplier −1 (for
// q−2p ≤ 0, h(−1⁺) ≥ 0) or +1 (for q+2p ≤ 0, h(1⁻) ≤ 0), where ProjectBilinear switches to the
// degenerate family of nearest points. It never returns NaN for finite arguments.
func BilinearRoot(p, q, c, r float64) float64 {
	s := solveBilinear(q+2*p, q-2*p, c, r)
	return s.u()
}

// bilinearSol is a root of h given as 1+u and 1−u (each to full relative precision); e2 > 0
// only in the degenerate case (u = ±1 exactly), where it is the squared length of the free
// component of the nearest point (see ProjectBilinear).
type bilinearSol struct {
	sp, sm, e2 float64
}

func (s bilinearSol) u() float64 {
	if s.sp < s.sm {
		return s.sp - 1
	}
	return 1 - s.sm
}

// solveBilinear finds the root of h in the (A, B) form described at the top of the file.
// A, B ≥ 0 are |x+w|² and |x−w|² (negative rounding residue counts as 0).
func solveBilinear(a, b, c, r float64) bilinearSol { return solveBilinearFrom(a, b, c, r, 0) }

// solveBilinearFrom is solveBilinear started from u0 when u0 lies strictly between 0 and the
// root's pole (the hot loop's previous root), else from 0.
func solveBilinearFrom(a, b, c, r, u0 float64) bilinearSol {
	a, b = max(a, 0), max(b, 0)
	// Without its pole at −1 (B = 0, x = w) h stays bounded there: h(−1⁺) = A/16 − c − r. If
	// that is ≥ 0 there is no root in (−1, 1) and the minimiser is the u = −1 family.
	if b == 0 {
		if h := a/16 - c - r; h >= 0 {
			return bilinearSol{sp: 0, sm: 2, e2: h}
		}
	}
	// Likewise at +1 when A = 0 (x = −w): h(1⁻) = −B/16 + c − r.
	if a == 0 {
		if h := -b/16 + c - r; h <= 0 {
			return bilinearSol{sp: 2, sm: 0, e2: -h}
		}
	}
	// The sign of h(0) = A/4 − B/4 − r picks the half of (−1, 1) holding the root (appendix B's
	// first bracket). On the right half h is concave and increasing as a function of
	// z = 1/(1−u)² (the pole term A·z/4 is linear in z), so Newton's method in z from u = 0
	// rises monotonically to the root and converges quadratically even when the root is next
	// to the pole, where Newton in u crawls; the left half is the mirror image with
	// z = 1/(1+u)². The bracket below guards against rounding: a step leaving it bisects.
	h0 := 0.25*(a-b) - r
	if h0 == 0 {
		return bilinearSol{sp: 1, sm: 1}
	}
	right := h0 < 0
	s := 1.0 // distance from u to the pole on the root's side: 1−u (right) or 1+u
	if !right {
		u0 = -u0
	}
	if u0 > 0 && u0 < 1 {
		s = 1 - u0
	}
	lo, hi := 0.0, 1.0 // bracket on s
	for range bilinearMaxSteps {
		sp, sm := 2-s, s
		if !right {
			sp, sm = s, 2-s
		}
		u := 0.5 * (sp - sm)
		sp2, sm2 := sp*sp, sm*sm
		ps := sp * sm
		ps3 := ps * ps * ps
		// h and h' multiplied by 4(1+u)³(1−u)³ > 0: their ratio is the Newton step in u.
		num := ps*(a*sp2-b*sm2) + 4*(c*u-r)*ps3
		den := 2*(a*sp2*sp+b*sm2*sm) + 4*c*ps3
		if num == 0 {
			break
		}
		// s moves toward the pole (shrinks) exactly when h < 0 on the right, h > 0 on the left.
		if (num < 0) == right {
			hi = s
		} else {
			lo = s
		}
		ds := num / den // Newton in u is u ← u − num/den, i.e. s ← s + ds
		if !right {
			ds = -ds
		}
		// Newton in z = 1/s² instead: s ← s/√(1 − 2·ds/s), which is s + ds to first order.
		rho := 1 - 2*ds/s
		ns := s / math.Sqrt(rho)
		if rho > 0 && den > 0 && math.Abs(ns-s) < bilinearStepTol*s {
			// Converged. Test this before the bracket: rounding can put a negligible step
			// a hair outside it, and bisecting from there would stop short of the root.
			s = min(max(ns, lo), hi)
			break
		}
		if !(rho > 0 && den > 0 && ns > lo && ns < hi) {
			ns = 0.5 * (lo + hi)
			if ns == s {
				break
			}
		}
		done := math.Abs(ns-s) < bilinearStepTol*s
		s = ns
		if done {
			break
		}
	}
	if right {
		return bilinearSol{sp: 2 - s, sm: s}
	}
	return bilinearSol{sp: s, sm: 2 - s}
}

// ProjectBilinear moves (x, w, y) in place to the nearest point of x'·w' = Ω·y' in the metric
// |x'−x|² + |w'−w|² + g2·(y'−y)², returning y': x' = (x+u w)/(1−u²), w' = (w+u x)/(1−u²),
// y' = y − Ω u/g2 with u = BilinearRoot (appendix B). This is the B-set projection of the
// network trainers; g2 > 0 (+Inf gives the fixed-y form). len(w) must equal len(x).
//
// Degenerate inputs (x = w or x = −w exactly, q = 2|p|) with no root in (−1, 1): the nearest
// points form a family, for x = w: x' = x/2 + e, w' = x/2 − e, y' = y + Ω/g2 with |e|² = h(−1⁺);
// for x = −w: x' = x/2 + e, w' = −x/2 + e, y' = y − Ω/g2 with |e|² = −h(1⁻). All members are
// equally near; this returns the one with e parallel to x (or to the first axis when x = 0).
// Zero-length vectors: the constraint is 0 = Ω·y', so the result is 0 (y itself when Ω = 0).
func ProjectBilinear(x, w []float64, y, omega, g2 float64) float64 {
	if len(x) == 0 {
		if omega == 0 {
			return y
		}
		return 0
	}
	c := omega * omega / g2
	s := projectBilinear(x, w, c, omega*y)
	if s.sp == 0 {
		return y + omega/g2
	}
	if s.sm == 0 {
		return y - omega/g2
	}
	return y - omega*s.u()/g2
}

// ProjectBilinearFixed is the NMF form (eq. 16): it moves (x, w) in place to the nearest
// (x', w') with x'·w' = y, y fixed (ProjectBilinear with Ω = 1, g2 → ∞). Degenerate inputs
// are treated as in ProjectBilinear; zero-length vectors are left as they are (the constraint
// then holds only for y = 0).
func ProjectBilinearFixed(x, w []float64, y float64) {
	if len(x) == 0 {
		return
	}
	projectBilinear(x, w, 0, y)
}

// projectBilinear applies the projection with h's constants c and r to x and w, len(x) > 0.
func projectBilinear(x, w []float64, c, r float64) bilinearSol {
	w = w[:len(x)]
	var a, b float64
	for i, xi := range x {
		s, d := xi+w[i], xi-w[i]
		a += s * s
		b += d * d
	}
	sol := solveBilinear(a, b, c, r)
	switch {
	case sol.sp == 0: // x = w: x' = v/2 + e, w' = v/2 − e, v = (x+w)/2
		degenerateBilinear(x, w, a, sol.e2, 1)
	case sol.sm == 0: // x = −w: x' = v/2 + e, w' = −v/2 + e, v = (x−w)/2
		degenerateBilinear(x, w, b, sol.e2, -1)
	default:
		fs, fd := 0.5/sol.sm, 0.5/sol.sp
		for i, xi := range x {
			s, d := (xi+w[i])*fs, (xi-w[i])*fd
			x[i], w[i] = s+d, s-d
		}
	}
	return sol
}

// degenerateBilinear writes the chosen member of the degenerate family: sign = +1 for x = w
// (n2 = |x+w|²), −1 for x = −w (n2 = |x−w|²); e has length √e2 along x (or the first axis).
func degenerateBilinear(x, w []float64, n2, e2 float64, sign float64) {
	e := math.Sqrt(e2)
	if n2 > 0 {
		// v = (x + sign·w)/2 = x, |v| = √n2/2; x' = v/2 + e v̂, w' = sign(v/2 − e v̂).
		f := 0.5 + e/(0.5*math.Sqrt(n2))
		g := 0.5 - e/(0.5*math.Sqrt(n2))
		for i, xi := range x {
			v := 0.5 * (xi + sign*w[i])
			x[i], w[i] = f*v, sign*g*v
		}
		return
	}
	for i := range x {
		x[i], w[i] = 0, 0
	}
	// v = 0: x' = e·e0 and w' = −e·e0 (x = w) or +e·e0 (x = −w).
	x[0] = e
	w[0] = -sign * e
}
