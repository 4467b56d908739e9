package train

import "math"

// Side is a side constraint on a consensus value (lemma 4.1). Project moves v in place to the
// nearest point of the set (Euclidean metric); it must not allocate.
type Side interface{ Project(v []float64) }

// Free is no side constraint: the consensus is the plain mean.
type Free struct{}

// NonNeg is v ≥ 0 (eq. 14a).
type NonNeg struct{}

// Norm is ‖v‖ = Ω (the network in-weight constraint). The zero vector, where every point of
// the sphere is nearest, goes to Ω·e0.
type Norm struct{ Omega float64 }

// NonNegNorm is v ≥ 0 and ‖v‖ = Ω (eqs. 14b, c). A v with no positive entry goes to Ω on its
// least negative (largest) entry, the first such, and 0 elsewhere (section 4.2).
type NonNegNorm struct{ Omega float64 }

// SparseNonNegNorm is s-sparse, non-negative and of norm Ω (section 1): negatives are clamped
// to 0, the S largest entries kept (ties: lowest index first), the rest zeroed, and the result
// scaled to Ω; with no positive entry it behaves as NonNegNorm. S ≤ 0 means no sparsity.
type SparseNonNegNorm struct {
	S     int
	Omega float64
}

// SparseNonNeg is s-sparse and non-negative: clamp, then keep the S largest (S ≤ 0: NonNeg).
type SparseNonNeg struct{ S int }

// Project implements Side.
func (Free) Project([]float64) {}

// Project implements Side.
func (NonNeg) Project(v []float64) { projectNonNeg(v) }

// Project implements Side.
func (s Norm) Project(v []float64) { projectNorm(v, s.Omega) }

// Project implements Side.
func (s NonNegNorm) Project(v []float64) { projectNonNegNorm(v, s.Omega) }

// Project implements Side.
func (s SparseNonNegNorm) Project(v []float64) { projectSparseNonNegNorm(v, s.S, s.Omega) }

// Project implements Side.
func (s SparseNonNeg) Project(v []float64) { projectSparseNonNeg(v, s.S) }

// ProjectConsensus sets dst to the projection of the consensus of copies (lemma 4.1): the mean
// of the copies, then side.Project (a nil side is Free). Every copy has len(dst); with no
// copies the mean is taken as 0. It does not allocate.
func ProjectConsensus(dst []float64, copies [][]float64, side Side) {
	if len(copies) == 0 {
		clear(dst)
	} else {
		copy(dst, copies[0])
		for _, c := range copies[1:] {
			c = c[:len(dst)]
			for i, ci := range c {
				dst[i] += ci
			}
		}
		if n := len(copies); n > 1 {
			f := 1 / float64(n)
			for i := range dst {
				dst[i] *= f
			}
		}
	}
	if side != nil {
		side.Project(dst)
	}
}

// projectNonNeg clamps the negative entries of v to 0 (−0 and NaN become +0 too).
func projectNonNeg(v []float64) {
	for i, vi := range v {
		if !(vi > 0) {
			v[i] = 0
		}
	}
}

// projectNorm scales v to norm omega; the zero vector becomes omega·e0. Zero-length v is left
// as it is (the set is empty unless omega = 0).
func projectNorm(v []float64, omega float64) {
	var s float64
	for _, vi := range v {
		s += vi * vi
	}
	scaleTo(v, s, omega)
}

// scaleTo scales v, whose squared norm is s2, to norm omega (zero v: omega·e0).
func scaleTo(v []float64, s2, omega float64) {
	if len(v) == 0 {
		return
	}
	if s2 == 0 {
		v[0] = omega
		return
	}
	f := omega / math.Sqrt(s2)
	for i := range v {
		v[i] *= f
	}
}

// projectNonNegNorm projects v onto {v ≥ 0, ‖v‖ = omega}: clamp negatives, then scale; with no
// positive entry the first largest entry becomes omega and the rest 0 (section 4.2).
// Zero-length v is left as it is.
func projectNonNegNorm(v []float64, omega float64) {
	if !clampLargest(v) {
		return
	}
	var s float64
	for _, vi := range v {
		s += vi * vi
	}
	scaleTo(v, s, omega)
}

// clampLargest clamps the negatives of v to 0; if no entry is positive it sets the first
// largest entry to 1 and the rest to 0, so that scaling to Ω gives the nearest point Ω·e_i of
// the non-negative sphere (section 4.2). It returns false only for zero-length v.
func clampLargest(v []float64) bool {
	if len(v) == 0 {
		return false
	}
	arg, best := 0, math.Inf(-1)
	pos := false
	for i, vi := range v {
		if vi > best {
			arg, best = i, vi
		}
		if vi > 0 {
			pos = true
		} else {
			v[i] = 0
		}
	}
	if !pos {
		v[arg] = 1
	}
	return true
}

// projectSparseNonNeg projects v onto the s-sparse non-negative vectors: clamp negatives to 0
// and keep the s largest entries (ties: lowest index). s ≤ 0 means no sparsity. In place,
// allocation-free.
func projectSparseNonNeg(v []float64, s int) {
	projectNonNeg(v)
	if s > 0 {
		keepLargest(v, s)
	}
}

// projectSparseNonNegNorm projects v onto the s-sparse non-negative vectors of norm omega
// (section 1): clamp, keep the s largest, scale to omega; with no positive entry, omega on the
// first largest entry. s ≤ 0 means no sparsity. Zero-length v is left as it is.
func projectSparseNonNegNorm(v []float64, s int, omega float64) {
	if !clampLargest(v) {
		return
	}
	if s > 0 {
		keepLargest(v, s)
	}
	var n2 float64
	for _, vi := range v {
		n2 += vi * vi
	}
	scaleTo(v, n2, omega)
}

// keepLargest zeroes all but the s largest entries of v ≥ 0, s ≥ 1, keeping the lowest indices
// among ties. It works in place without scratch: for small s by s scans for the maximum,
// marking picks by negation; otherwise it finds the s-th largest value exactly by bisection on
// the IEEE bit patterns, which order non-negative float64s like their values (≤ 64 counting
// passes).
func keepLargest(v []float64, s int) {
	npos := 0
	for _, vi := range v {
		if vi > 0 {
			npos++
		}
	}
	if npos <= s {
		return
	}
	// npos > s: every kept entry is positive.
	if s <= 16 {
		for range s {
			arg, best := -1, 0.0
			for i, vi := range v {
				if vi > best {
					arg, best = i, vi
				}
			}
			v[arg] = -best
		}
		for i, vi := range v {
			if vi < 0 {
				v[i] = -vi
			} else {
				v[i] = 0
			}
		}
		return
	}
	// Largest threshold t (as bits) with count(v ≥ t) ≥ s: the s-th largest value.
	lo, hi := uint64(0), uint64(0)
	for _, vi := range v {
		hi = max(hi, math.Float64bits(vi))
	}
	for lo < hi { // invariant: count(≥ lo) ≥ s; answer in [lo, hi]
		mid := lo + (hi-lo+1)/2
		t := math.Float64frombits(mid)
		n := 0
		for _, vi := range v {
			if vi >= t {
				n++
			}
		}
		if n >= s {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t := math.Float64frombits(lo)
	above := 0
	for _, vi := range v {
		if vi > t {
			above++
		}
	}
	ties := s - above // entries equal to t to keep, lowest index first
	for i, vi := range v {
		switch {
		case vi > t:
		case vi == t && ties > 0:
			ties--
		default:
			v[i] = 0
		}
	}
}
