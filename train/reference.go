package train

import "math"

// A Problem is a constraint-satisfaction problem given by its two projections on a flat
// search vector of length Dim: find z ∈ A ∩ B. ProjectA and ProjectB write the nearest
// point of A (or B) to z into dst; dst and z do not overlap.
type Problem interface {
	Dim() int
	ProjectA(dst, z []float64)
	ProjectB(dst, z []float64)
}

// A Metric normalises the flow speed of a Problem the way its model reports RRR_err: given
// the two projections pa and pb of one iteration, FlowSpeed returns the model's RRR_err.
// Problems that do not implement it use the plain Euclidean ‖pb − pa‖.
type Metric interface {
	FlowSpeed(pa, pb []float64) float64
}

// Reference is the plain RRR iteration, written straight from the paper, over any Problem:
//
//	z' = z + β·(P_B((1+γ)P_A(z) − γz) − P_A((1−γ)P_B(z) + γz))    (eq. 47)
//
// which for γ = 1 is the RRR update of eq. (45). It allocates its buffers once and is
// meant as the yardstick that fast, fused iterators are tested against, and as the way to
// run γ ≠ 1 on any problem.
type Reference struct {
	P     Problem
	Gamma float64   // γ of eq. (47); 0 means 1 (plain RRR)
	Z     []float64 // the current point, updated in place

	pa, pb, t1, t2 []float64
}

// NewReference returns the reference iteration of p started at z0 (copied).
func NewReference(p Problem, z0 []float64, gamma float64) *Reference {
	n := p.Dim()
	if len(z0) != n {
		panic("train: NewReference: len(z0) != p.Dim()")
	}
	r := &Reference{P: p, Gamma: gamma, Z: append([]float64(nil), z0...)}
	r.pa, r.pb, r.t1, r.t2 = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	return r
}

// Work reports one weight-multiply per coordinate when the problem does not say otherwise.
func (r *Reference) Work() int64 {
	if w, ok := r.P.(interface{ Work() int64 }); ok {
		return w.Work()
	}
	return int64(len(r.Z))
}

// Iterate performs one update of eq. (47) and returns the flow speed.
func (r *Reference) Iterate(beta float64) float64 {
	g := r.Gamma
	if g == 0 {
		g = 1
	}
	z := r.Z
	// pa = P_A((1−γ)P_B(z) + γz); for γ = 1 this is P_A(z).
	if g == 1 {
		r.P.ProjectA(r.pa, z)
	} else {
		r.P.ProjectB(r.t1, z)
		for i := range z {
			r.t2[i] = (1-g)*r.t1[i] + g*z[i]
		}
		r.P.ProjectA(r.pa, r.t2)
	}
	// pb = P_B((1+γ)P_A(z) − γz). For γ ≠ 1 it needs P_A(z) itself.
	pz := r.pa
	if g != 1 {
		r.P.ProjectA(r.t1, z)
		pz = r.t1
	}
	for i := range z {
		r.t2[i] = (1+g)*pz[i] - g*z[i]
	}
	r.P.ProjectB(r.pb, r.t2)
	var speed float64
	if m, ok := r.P.(Metric); ok {
		speed = m.FlowSpeed(r.pa, r.pb)
	} else {
		var s float64
		for i := range z {
			d := r.pb[i] - r.pa[i]
			s += d * d
		}
		speed = math.Sqrt(s)
	}
	for i := range z {
		z[i] += beta * (r.pb[i] - r.pa[i])
	}
	return speed
}
