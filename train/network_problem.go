package train

import (
	"math"
)

// Problem returns the plain two-projection form of the current batch on the search vector of
// State, written straight from eqs. (26) (a classifier) or (38) (an autoencoder) and lemma
// 4.1. It shares the batch data, not the iterate.
func (n *Network) Problem() Problem {
	return &networkProblem{g: n.g, K: n.K, act: n.act, omega: n.omega, omegas: n.omegas, g2: n.g2, d: n.d, data: n.data,
		classes: n.classes, labels: n.labels, rule: n.cfg.Class, auto: n.auto, kd: n.Kd, codes: n.codes, cv: n.cv, ties: n.ties}
}

type networkProblem struct {
	g       *Graph
	K       int
	act     Activation
	omega   float64
	omegas  []float64 // Ω(j) per node (the weight metric of Network); nil: omega everywhere
	g2      []float64
	d       []float64
	data    []int
	classes []int
	labels  []int
	rule    ClassRule

	auto  bool      // autoencoder (38): items < kd fix the data nodes, the others the code nodes
	kd    int       // number of data items
	codes []int     // code nodes
	cv    []float64 // (K − kd)×|C| code values

	ties *Ties // weight and bias ties (nil: none)
}

func (p *networkProblem) omegaOf(j int) float64 {
	if p.omegas != nil {
		return p.omegas[j]
	}
	return p.omega
}

func (p *networkProblem) Dim() int    { return 2*p.K*p.g.Edges() + 2*p.K*p.g.Nodes() }
func (p *networkProblem) Work() int64 { return int64(p.K * p.g.Edges()) }

func (p *networkProblem) split(z []float64) (x, w, y, b []float64) {
	KE, KN := p.K*p.g.Edges(), p.K*p.g.Nodes()
	return z[:KE], z[KE : 2*KE], z[2*KE : 2*KE+KN], z[2*KE+KN:]
}

func (p *networkProblem) ProjectA(dst, z []float64) {
	g, K, E, N := p.g, p.K, p.g.Edges(), p.g.Nodes()
	x, w, y, b := p.split(z)
	dx, dw, dy, db := p.split(dst)
	copy(dy, y)
	copy(db, b)
	if p.auto {
		p.projectAutoNodes(dx, dy, db, x, y, b)
	}
	for k := 0; k < K && !p.auto; k++ {
		for c, i := range p.data {
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = p.d[k*len(p.data)+c] // (26a, b)
			}
			dy[k*N+i], db[k*N+i] = 0, 0
		}
		for i, r := range g.Roles {
			if r != Hidden {
				continue
			}
			// (26a, c): the consensus of the out-edge copies with the activation as side
			// constraint; by lemma 4.1 its metric weight is outdeg, equal to g² (eq. 30).
			var mean float64
			for _, e := range g.OutEdges(i) {
				mean += x[k*E+e]
			}
			mean /= float64(g.OutDeg[i])
			xi, yi, bi := p.act.Project(mean, y[k*N+i], b[k*N+i])
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = xi
			}
			dy[k*N+i], db[k*N+i] = yi, bi
		}
	}
	// (26d, e) or (32), (33): class constraints, decided over the batch.
	C := len(p.classes)
	kc := K
	if C == 0 {
		kc = 0 // an autoencoder has no class constraints
	}
	z2 := make([]float64, kc*C)
	for k := 0; k < kc; k++ {
		for c, j := range p.classes {
			z2[k*C+c] = y[k*N+j] - b[k*N+j]
		}
	}
	assign := make([]int, kc)
	a := classAssigner{rule: p.rule}
	a.Assign(assign, z2, p.labels[:kc], C)
	for k := 0; k < kc; k++ {
		if assign[k] == Exempted {
			continue
		}
		for c, j := range p.classes {
			h := classShift(z2[k*C+c], c == assign[k], p.rule.Margin)
			dy[k*N+j] += h
			db[k*N+j] -= h
		}
	}
	// (26f, g): weight consensus over items, each node's in-weights of norm Ω.
	if p.ties != nil { // ... and over the edges of each tie group
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = w[k*E : (k+1)*E]
		}
		v := make([]float64, E)
		projectTiedWeights(v, copies, p.ties, p.omega, p.omegas)
		for k := 0; k < K; k++ {
			copy(dw[k*E:(k+1)*E], v)
		}
		return
	}
	for j := 0; j < N; j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = w[k*E+lo : k*E+hi]
		}
		v := make([]float64, hi-lo)
		ProjectConsensus(v, copies, Norm{Omega: p.omegaOf(j)})
		for k := 0; k < K; k++ {
			copy(dw[k*E+lo:k*E+hi], v)
		}
	}
}

// projectAutoNodes is P_A of the node variables of an autoencoder: at the fixed nodes of an
// item (38b, c) every x copy takes the item's value and (y, b) the nearest point allowed with
// it; every other node (38a, d) takes the consensus of its x copies (weight outdeg = g², lemma
// 4.1) with the activation as side constraint.
func (p *networkProblem) projectAutoNodes(dx, dy, db, x, y, b []float64) {
	g, E, N := p.g, p.g.Edges(), p.g.Nodes()
	for k := 0; k < p.K; k++ {
		fixed, vals := p.data, p.d[k*len(p.data):(k+1)*len(p.data)]
		if k >= p.kd {
			c := k - p.kd
			fixed, vals = p.codes, p.cv[c*len(p.codes):(c+1)*len(p.codes)]
		}
		isFixed := make(map[int]float64)
		for c, i := range fixed {
			isFixed[i] = vals[c]
		}
		for i := 0; i < N; i++ {
			var xi float64
			if v, ok := isFixed[i]; ok {
				xi = v
				dy[k*N+i], db[k*N+i] = p.act.ProjectFixed(v, y[k*N+i], b[k*N+i])
			} else {
				var mean float64
				for _, e := range g.OutEdges(i) {
					mean += x[k*E+e]
				}
				mean /= float64(g.OutDeg[i])
				xi, dy[k*N+i], db[k*N+i] = p.act.Project(mean, y[k*N+i], b[k*N+i])
			}
			for _, e := range g.OutEdges(i) {
				dx[k*E+e] = xi
			}
		}
	}
}

func (p *networkProblem) ProjectB(dst, z []float64) {
	g, K, E, N := p.g, p.K, p.g.Edges(), p.g.Nodes()
	copy(dst, z)
	dx, dw, dy, db := p.split(dst)
	for k := 0; k < K; k++ {
		for j := range g.Roles {
			if p.g2[j] == 0 {
				continue // a classifier's data nodes have no (y, b)
			}
			lo, hi := k*E+g.InStart[j], k*E+g.InStart[j+1]
			dy[k*N+j] = ProjectBilinear(dx[lo:hi], dw[lo:hi], dy[k*N+j], p.omegaOf(j), p.g2[j]) // (26h)
		}
	}
	if p.ties != nil { // (26i) over the items and the nodes of each tie group
		copies := make([][]float64, K)
		for k := range copies {
			copies[k] = db[k*N : (k+1)*N]
		}
		v := make([]float64, N)
		ProjectTiedBiases(v, copies, p.g2, p.ties)
		for k := 0; k < K; k++ {
			for j := range v {
				if p.g2[j] != 0 {
					db[k*N+j] = v[j]
				}
			}
		}
		return
	}
	for j := range g.Roles {
		if p.g2[j] == 0 {
			continue
		}
		var s float64 // (26i), (38h, i)
		for k := 0; k < K; k++ {
			s += db[k*N+j]
		}
		s /= float64(K)
		for k := 0; k < K; k++ {
			db[k*N+j] = s
		}
	}
}

// FlowSpeed is RRR_err with the metric of eq. (27), averaged over items.
func (p *networkProblem) FlowSpeed(pa, pb []float64) float64 {
	N := p.g.Nodes()
	xa, wa, ya, ba := p.split(pa)
	xb, wb, yb, bb := p.split(pb)
	var s float64
	for i := range xa {
		dx, dw := xb[i]-xa[i], wb[i]-wa[i]
		s += dx*dx + dw*dw
	}
	for i := range ya {
		dy, db := yb[i]-ya[i], bb[i]-ba[i]
		s += p.g2[i%N] * (dy*dy + db*db)
	}
	return math.Sqrt(s / float64(p.K))
}
