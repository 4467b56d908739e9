package train

import (
	"math"

	"github.com/lwl-go/lwl/internal/asm/f64"
	"github.com/lwl-go/lwl/internal/par"
)

// initA computes P_A of the current point from scratch: the out-edge sums of x, the weight
// consensus (when recomputeW), and the node projections.
func (n *Network) initA(recomputeW bool) {
	N, E, D := n.N, n.E, len(n.data)
	clear(n.xsum)
	for k := 0; k < n.K; k++ {
		xk, xs := n.x[k*E:(k+1)*E], n.xsum[k*N:(k+1)*N]
		for e, s := range n.g.Src {
			xs[s] += xk[e]
		}
		if !n.auto { // an autoencoder's fixed x are set by nodePass
			for c, i := range n.data {
				n.xA[k*N+i] = n.d[k*D+c]
			}
		}
	}
	if recomputeW {
		clear(n.wA)
		for k := 0; k < n.K; k++ {
			for e, v := range n.w[k*E : (k+1)*E] {
				n.wA[e] += v
			}
		}
		n.normWeights()
	}
	n.updB = false
	n.pool.Run(n.pass2)
	n.projectClasses()
}

// normWeights turns the summed weights in wA into their P_A: mean over items, then each node's
// in-weights scaled to norm Ω (26f, g).
func (n *Network) normWeights() {
	if n.ties != nil {
		n.ties.tiedWeights(n.wA, n.wA, n.tw, n.K, n.omega)
		return
	}
	inv := 1 / float64(n.K)
	for e := range n.wA {
		n.wA[e] *= inv
	}
	for j := 0; j < n.N; j++ {
		if v := n.wA[n.g.InStart[j]:n.g.InStart[j+1]]; len(v) > 0 {
			projectNorm(v, n.omega)
		}
	}
}

// Iterate performs one fused RRR iteration (eq. 45) and returns RRR_err,
// sqrt(Σ_k [Σ_e (Δx² + Δw²) + Σ_j g²(j)(Δy² + Δb²)] / |K|).
func (n *Network) Iterate(beta float64) float64 {
	n.beta = beta
	n.pool.Run(n.pass1)
	// Reduce: next weight consensus and this iteration's bias consensus b_B.
	copy(n.wA, n.parts[0].wsum)
	copy(n.bB, n.parts[0].bsum)
	errSum := n.parts[0].err
	for p := 1; p < len(n.parts); p++ {
		pt := &n.parts[p]
		for e, v := range pt.wsum {
			n.wA[e] += v
		}
		for j, v := range pt.bsum {
			n.bB[j] += v
		}
		errSum += pt.err
	}
	n.normWeights()
	n.meanBiases()
	n.updB = true
	n.pool.Run(n.pass2)
	for p := range n.parts {
		errSum += n.parts[p].err2
	}
	n.projectClasses()
	return math.Sqrt(errSum / float64(n.K))
}

// edgePass runs one part's items through the reflection, the bilinear projections (26h) and
// the update of x, w and y, accumulating the sums of the next weight consensus, the
// out-edge sums of x, and the reflected biases.
func (n *Network) edgePass(part int) {
	lo, hi := par.Span(n.K, len(n.parts), part)
	pt := &n.parts[part]
	clear(pt.wsum)
	clear(pt.bsum)
	N, E := n.N, n.E
	beta, omega := n.beta, n.omega
	var errSum float64
	for k := lo; k < hi; k++ {
		xk, wk := n.x[k*E:(k+1)*E], n.w[k*E:(k+1)*E]
		xak, xsk := n.xA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
		yk, yak := n.y[k*N:(k+1)*N], n.yA[k*N:(k+1)*N]
		bk, bak := n.b[k*N:(k+1)*N], n.bA[k*N:(k+1)*N]
		uk := n.u[k*N : (k+1)*N]
		clear(xsk)
		for bi := range n.blocks {
			bl := &n.blocks[bi]
			rows, c := bl.j1-bl.j0, bl.c
			e0, e1 := bl.e0, bl.e0+rows*c
			r := pt.r[:rows]
			for t := range r {
				j := bl.j0 + t
				r[t] = omega * (2*yak[j] - yk[j])
			}
			cc := omega * omega / bl.g2
			if !bl.gather {
				xa, xs := xak[bl.src0:bl.src0+c], xsk[bl.src0:bl.src0+c]
				f64.ReflectDotsRows(pt.p, pt.q, xk[e0:e1], wk[e0:e1], xa, n.wA[e0:e1], rows, c)
				bilinearRoots(uk[bl.j0:bl.j1], pt.s, pt.p, pt.q, r, cc)
				errSum += f64.BilinearUpdateRows(xk[e0:e1], wk[e0:e1], xa, n.wA[e0:e1], xs, pt.wsum[e0:e1], uk[bl.j0:bl.j1], pt.s, rows, c, beta)
			} else {
				src := n.g.Src[e0:e1]
				gx, gs := pt.gx[:c], pt.gs[:c]
				for t, s := range src {
					gx[t] = xak[s]
				}
				clear(gs)
				f64.ReflectDotsRows(pt.p, pt.q, xk[e0:e1], wk[e0:e1], gx, n.wA[e0:e1], 1, c)
				bilinearRoots(uk[bl.j0:bl.j1], pt.s, pt.p, pt.q, r, cc)
				errSum += f64.BilinearUpdateRows(xk[e0:e1], wk[e0:e1], gx, n.wA[e0:e1], gs, pt.wsum[e0:e1], uk[bl.j0:bl.j1], pt.s, 1, c, beta)
				for t, s := range src {
					xsk[s] += gs[t]
				}
			}
			// y' = y − Ω u/g² at the reflected point, and the update of y.
			inv := omega / bl.g2
			for t := 0; t < rows; t++ {
				j := bl.j0 + t
				dy := r[t]/omega - inv*uk[j] - yak[j]
				yk[j] += beta * dy
				errSum += bl.g2 * dy * dy
			}
		}
		for j, g2 := range n.g2 {
			if g2 != 0 {
				pt.bsum[j] += 2*bak[j] - bk[j]
			}
		}
	}
	pt.err = errSum
}

// nodePass updates b toward the bias consensus (when updB) and projects the node values of
// the new point to A: activation sets (38d) on hidden nodes and on the unfixed data and code
// nodes of an autoencoder; at fixed nodes (38b, c) x is the item's value and only y and b
// move; class nodes only record y − b for projectClasses, which needs the whole batch.
func (n *Network) nodePass(part int) {
	lo, hi := par.Span(n.K, len(n.parts), part)
	pt := &n.parts[part]
	N, C, D, CC := n.N, len(n.classes), len(n.data), len(n.codes)
	beta := n.beta
	var errSum float64
	for k := lo; k < hi; k++ {
		yk, bk := n.y[k*N:(k+1)*N], n.b[k*N:(k+1)*N]
		xak, yak, bak, xsk := n.xA[k*N:(k+1)*N], n.yA[k*N:(k+1)*N], n.bA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
		fixed, vals := Role(255), []float64(nil) // a classifier's data nodes are not variables
		if n.auto {
			fixed, vals = Data, n.d[k*D:(k+1)*D]
			if k >= n.Kd {
				fixed, vals = Code, n.cv[(k-n.Kd)*CC:(k-n.Kd+1)*CC]
			}
		}
		for j, r := range n.g.Roles {
			g2 := n.g2[j]
			if g2 == 0 {
				continue
			}
			if n.updB {
				db := n.bB[j] - bak[j]
				bk[j] += beta * db
				errSum += g2 * db * db
			}
			switch r {
			case Class:
			case fixed:
				v := vals[n.col[j]]
				xak[j] = v
				yak[j], bak[j] = n.act.ProjectFixed(v, yk[j], bk[j])
			default:
				xak[j], yak[j], bak[j] = n.act.Project(xsk[j]/g2, yk[j], bk[j])
			}
		}
		zk := n.zc[k*C : (k+1)*C]
		for c, j := range n.classes {
			zk[c] = yk[j] - bk[j]
		}
	}
	pt.err2 = errSum
}

// projectClasses decides the batch's class assignment (EE, relabeling, false positives) and
// projects the class nodes' (y, b) to A.
func (n *Network) projectClasses() {
	C, N := len(n.classes), n.N
	if C == 0 {
		return
	}
	m := n.cfg.Class.Margin
	n.assigner.Assign(n.assign, n.zc, n.labels, C)
	for k := 0; k < n.K; k++ {
		a := n.assign[k]
		zk := n.zc[k*C : (k+1)*C]
		for c, j := range n.classes {
			y, b := n.y[k*N+j], n.b[k*N+j]
			var h float64
			if a != Exempted {
				h = classShift(zk[c], c == a, m)
			}
			n.yA[k*N+j], n.bA[k*N+j] = y+h, b-h
		}
	}
}
