package train

import (
	"math"

	"github.com/lwl-go/lwl/internal/asm/f64"
	"github.com/lwl-go/lwl/internal/par"
)

// initA computes P_A of the current point from scratch: the out-edge sums of x, the weight
// consensus (when recomputeW), and the node projections.
func (n *Network) initA(recomputeW bool) {
	N, D := n.N, len(n.data)
	clear(n.xsum)
	for k := 0; k < n.K; k++ {
		xs := n.xsum[k*N : (k+1)*N]
		for e, s := range n.g.Src {
			xs[s] += n.x[n.edgeAt(k, e)]
		}
		if !n.auto { // an autoencoder's fixed x are set by nodePass
			for c, i := range n.data {
				n.xA[k*N+i] = n.d[k*D+c]
			}
		}
	}
	if recomputeW {
		clear(n.wK)
		for k := 0; k < n.K; k++ {
			for e := range n.wK {
				n.wK[e] += n.w[n.edgeAt(k, e)]
			}
		}
		n.normWeights()
	}
	n.updB = false
	n.pool.Run(n.pass2)
	if n.sh.red != nil {
		n.exchangeNodes()
	}
	n.projectClasses()
}

// normWeights turns the summed weights in wK into their P_A: mean over items, then each node's
// in-weights scaled to norm Ω(j) (26f, g); and sets the model's weights wA from them.
func (n *Network) normWeights() {
	defer n.fromEngine()
	if n.ties != nil {
		n.ties.tiedWeights(n.wK, n.wK, n.tw, n.K, n.omega, n.omegas)
		return
	}
	inv := 1 / float64(n.K)
	for e := range n.wK {
		n.wK[e] *= inv
	}
	for j := 0; j < n.N; j++ {
		if v := n.wK[n.g.InStart[j]:n.g.InStart[j+1]]; len(v) > 0 {
			projectNorm(v, n.omegaOf(j))
		}
	}
}

// omegaOf is Ω(j), the norm of node j's in-weights in the engine's coordinates.
func (n *Network) omegaOf(j int) float64 {
	if n.omegas != nil {
		return n.omegas[j]
	}
	return n.omega
}

// Iterate performs one fused RRR iteration (eq. 45) and returns RRR_err,
// sqrt(Σ_k [Σ_e (Δx² + Δw²) + Σ_j g²(j)(Δy² + Δb²)] / |K|).
func (n *Network) Iterate(beta float64) float64 {
	n.beta = beta
	for m := range n.betas {
		for l := range n.betas[m] {
			n.betas[m][l] = 0
			if l < m {
				n.betas[m][l] = beta
			}
		}
	}
	if n.sh.red != nil {
		return n.iterateShard()
	}
	n.pool.Run(n.pass1)
	// Reduce: next weight consensus and this iteration's bias consensus b_B.
	n.reduceWeights()
	copy(n.bB, n.parts[0].bsum)
	errSum := n.parts[0].err
	for p := 1; p < len(n.parts); p++ {
		pt := &n.parts[p]
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

// reduceWeights sums the parts' weight sums (in the layout's per-tile span: one slot per
// edge in rows blocks, four lanes per edge in tiled blocks) into wK.
func (n *Network) reduceWeights() {
	for bi := range n.blocks {
		bl := &n.blocks[bi]
		ne, off := bl.edges(), lanes*bl.e0
		wa := n.wK[bl.e0 : bl.e0+ne]
		for p := range n.parts {
			ws := n.parts[p].wsum[off : off+lanes*ne]
			switch {
			case bl.tiled && p == 0:
				for i := range wa {
					v := ws[i*lanes : i*lanes+lanes : i*lanes+lanes]
					wa[i] = v[0] + v[1] + v[2] + v[3]
				}
			case bl.tiled:
				for i := range wa {
					v := ws[i*lanes : i*lanes+lanes : i*lanes+lanes]
					wa[i] += v[0] + v[1] + v[2] + v[3]
				}
			case p == 0:
				copy(wa, ws[:ne])
			default:
				for i, v := range ws[:ne] {
					wa[i] += v
				}
			}
		}
	}
}

// edgePass runs one part's tiles through the reflection, the bilinear projections (26h) and
// the update of x, w and y, accumulating the sums of the next weight consensus, the
// out-edge sums of x, and the reflected biases.
func (n *Network) edgePass(part int) {
	lo, hi := par.Span(tiles(n.K), n.sh.parts, n.sh.part0+part)
	pt := &n.parts[part]
	clear(pt.wsum)
	clear(pt.bsum)
	N := n.N
	var errSum float64
	for t := lo; t < hi; t++ {
		k0 := t * lanes
		m := min(lanes, n.K-k0)
		clear(n.xsum[k0*N : (k0+m)*N])
		for bi := range n.blocks {
			bl := &n.blocks[bi]
			if bl.tiled {
				errSum += n.tiledBlock(pt, bl, t, m)
				continue
			}
			for l := 0; l < m; l++ {
				errSum += n.rowsBlock(pt, bl, t, l)
			}
		}
		for k := k0; k < k0+m; k++ {
			bk, bak := n.b[k*N:(k+1)*N], n.bA[k*N:(k+1)*N]
			for _, run := range n.yRuns {
				bs := pt.bsum[run[0]:run[1]]
				for i, v := range bak[run[0]:run[1]] {
					bs[i] += 2*v - bk[run[0]+i]
				}
			}
		}
	}
	pt.err = errSum
}

// rowsBlock is the edge pass of a rows-layout block for item lane l of tile t: one item's
// rows of c in-edges, vectorised across the in-edges.
func (n *Network) rowsBlock(pt *netPart, bl *netBlock, t, l int) float64 {
	N, E := n.N, n.E
	k := t*lanes + l
	beta, omega := n.beta, bl.omega
	rows, c, ne := bl.rows(), bl.c, bl.edges()
	off := t*lanes*E + lanes*bl.e0 + l*ne
	xk, wk := n.x[off:off+ne], n.w[off:off+ne]
	uk := n.u[t*lanes*N+lanes*bl.j0+l*rows:][:rows]
	ws := pt.wsum[lanes*bl.e0:][:ne]
	wa := n.wK[bl.e0 : bl.e0+ne]
	xak, xsk := n.xA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
	yk, yak := n.y[k*N+bl.j0:][:rows], n.yA[k*N+bl.j0:][:rows]
	r := pt.r[:rows]
	for i := range r {
		r[i] = omega * (2*yak[i] - yk[i])
	}
	cc := omega * omega / bl.g2
	xa, xs := xak[bl.src0:bl.src0+c], xsk[bl.src0:bl.src0+c] // rows blocks are never gathered (makeBlocks)
	var errSum float64
	f64.ReflectDotsRows(pt.a, pt.b, xk, wk, xa, wa, rows, c)
	if bilinearRoots(uk, pt.fs, pt.fd, pt.a, pt.b, r, cc) {
		for i := range rows {
			e, u := degenerateRow(xk[i*c:], wk[i*c:], 1, xa, xs, 1, wa[i*c:], ws[i*c:], pt.rx, pt.rw, c, cc, r[i], beta)
			errSum += e
			uk[i] = u
		}
	} else {
		errSum += f64.BilinearUpdateRows(xk, wk, xa, wa, xs, ws, pt.fs, pt.fd, rows, c, beta)
	}
	// y' = y − Ω u/g² at the reflected point, and the update of y.
	inv := omega / bl.g2
	for i := range r {
		dy := r[i]/omega - inv*uk[i] - yak[i]
		yk[i] += beta * dy
		errSum += bl.g2 * dy * dy
	}
	return errSum
}

// tiledBlock is the edge pass of a tiled block for the m items of tile t (m < 4 in a last,
// partial tile): four items side by side, vectorised across items.
func (n *Network) tiledBlock(pt *netPart, bl *netBlock, t, m int) float64 {
	N, E := n.N, n.E
	k0 := t * lanes
	beta, omega := n.beta, bl.omega
	rows, c, ne := bl.rows(), bl.c, bl.edges()
	off := t*lanes*E + lanes*bl.e0
	xb, wb := n.x[off:off+lanes*ne], n.w[off:off+lanes*ne]
	ub := n.u[t*lanes*N+lanes*bl.j0:][:lanes*rows]
	ws := pt.wsum[lanes*bl.e0:][:lanes*ne]
	wa := n.wK[bl.e0 : bl.e0+ne]
	// The sources' consensus x, lane-interleaved: c values shared by the rows of a layer,
	// or each gathered row's own c (xaStride c).
	nsrc, xaStride := c, 0
	var src []int
	if bl.gather {
		nsrc, xaStride, src = ne, c, n.g.Src[bl.e0:bl.e0+ne]
	}
	xa4, xs4 := pt.xa4[:lanes*nsrc], pt.xs4[:lanes*nsrc]
	clear(xs4)
	r := pt.r[:lanes*rows]
	if m == lanes && !bl.gather {
		// A full tile of a layer: the four items' sources and right-hand sides interleaved
		// in one pass each (the common case; the loops below are its general form).
		x0, x1, x2, x3 := n.xA[k0*N+bl.src0:][:c], n.xA[(k0+1)*N+bl.src0:][:c], n.xA[(k0+2)*N+bl.src0:][:c], n.xA[(k0+3)*N+bl.src0:][:c]
		for i := range x0 {
			v := xa4[i*lanes : i*lanes+lanes : i*lanes+lanes]
			v[0], v[1], v[2], v[3] = x0[i], x1[i], x2[i], x3[i]
		}
		n.rhs4(r, k0, bl.j0, rows, omega)
	} else if m == lanes { // a full tile of gathered rows: each source's four lanes at once
		x0, x1, x2, x3 := n.xA[k0*N:][:N], n.xA[(k0+1)*N:][:N], n.xA[(k0+2)*N:][:N], n.xA[(k0+3)*N:][:N]
		for i, s := range src {
			v := xa4[i*lanes : i*lanes+lanes : i*lanes+lanes]
			v[0], v[1], v[2], v[3] = x0[s], x1[s], x2[s], x3[s]
		}
		n.rhs4(r, k0, bl.j0, rows, omega)
	} else {
		clear(xa4)
		for l := 0; l < m; l++ {
			xak := n.xA[(k0+l)*N : (k0+l+1)*N]
			if bl.gather {
				for i, s := range src {
					xa4[i*lanes+l] = xak[s]
				}
			} else {
				for i, v := range xak[bl.src0 : bl.src0+c] {
					xa4[i*lanes+l] = v
				}
			}
		}
		clear(r)
		for l := 0; l < m; l++ {
			k := k0 + l
			yk, yak := n.y[k*N+bl.j0:][:rows], n.yA[k*N+bl.j0:][:rows]
			for i := range rows {
				r[i*lanes+l] = omega * (2*yak[i] - yk[i])
			}
		}
	}
	cc := omega * omega / bl.g2
	var errSum float64
	f64.ReflectDotsTiled(pt.a, pt.b, xb, wb, xa4, wa, rows, c, xaStride, c)
	if bilinearRoots(ub, pt.fs, pt.fd, pt.a, pt.b, r, cc) {
		for i := range rows {
			for l := 0; l < m; l++ {
				p := (i*c)*lanes + l
				q := i*xaStride*lanes + l
				e, u := degenerateRow(xb[p:], wb[p:], lanes, xa4[q:], xs4[q:], lanes, wa[i*c:], ws[p:], pt.rx, pt.rw, c, cc, r[i*lanes+l], beta)
				errSum += e
				ub[i*lanes+l] = u
			}
		}
	} else {
		var e4 [lanes]float64
		f64.BilinearUpdateTiled(xb, wb, xa4, wa, xs4, ws, pt.fs, pt.fd, rows, c, xaStride, c, &n.betas[m], &e4)
		for l := 0; l < m; l++ {
			errSum += e4[l]
		}
	}
	// y' = y − Ω u/g² at the reflected point (r/Ω = 2y_A − y), and the update of y.
	inv := omega / bl.g2
	if m == lanes && !bl.gather {
		s0, s1, s2, s3 := n.xsum[k0*N+bl.src0:][:c], n.xsum[(k0+1)*N+bl.src0:][:c], n.xsum[(k0+2)*N+bl.src0:][:c], n.xsum[(k0+3)*N+bl.src0:][:c]
		for i := range s0 {
			v := xs4[i*lanes : i*lanes+lanes : i*lanes+lanes]
			s0[i] += v[0]
			s1[i] += v[1]
			s2[i] += v[2]
			s3[i] += v[3]
		}
		return errSum + bl.g2*n.yStep4(ub, k0, bl.j0, rows, inv)
	}
	if m == lanes { // gathered rows: scatter each source's four lanes at once
		s0, s1, s2, s3 := n.xsum[k0*N:][:N], n.xsum[(k0+1)*N:][:N], n.xsum[(k0+2)*N:][:N], n.xsum[(k0+3)*N:][:N]
		for i, s := range src {
			v := xs4[i*lanes : i*lanes+lanes : i*lanes+lanes]
			s0[s] += v[0]
			s1[s] += v[1]
			s2[s] += v[2]
			s3[s] += v[3]
		}
		return errSum + bl.g2*n.yStep4(ub, k0, bl.j0, rows, inv)
	}
	for l := 0; l < m; l++ {
		k := k0 + l
		xsk := n.xsum[k*N : (k+1)*N]
		if bl.gather {
			for i, s := range src {
				xsk[s] += xs4[i*lanes+l]
			}
		} else {
			xs := xsk[bl.src0 : bl.src0+c]
			for i := range xs {
				xs[i] += xs4[i*lanes+l]
			}
		}
		yk, yak := n.y[k*N+bl.j0:][:rows], n.yA[k*N+bl.j0:][:rows]
		for i := range rows {
			dy := r[i*lanes+l]/omega - inv*ub[i*lanes+l] - yak[i]
			yk[i] += beta * dy
			errSum += bl.g2 * dy * dy
		}
	}
	return errSum
}

// rhs4 writes the right-hand sides r = Ω(2y_A − y) of rows j0 … j0+rows−1 of the four items
// of a full tile from k0, lane-interleaved (r[i·4 + l]).
func (n *Network) rhs4(r []float64, k0, j0, rows int, omega float64) {
	N := n.N
	y0, y1, y2, y3 := n.y[k0*N+j0:][:rows], n.y[(k0+1)*N+j0:][:rows], n.y[(k0+2)*N+j0:][:rows], n.y[(k0+3)*N+j0:][:rows]
	a0, a1, a2, a3 := n.yA[k0*N+j0:][:rows], n.yA[(k0+1)*N+j0:][:rows], n.yA[(k0+2)*N+j0:][:rows], n.yA[(k0+3)*N+j0:][:rows]
	for i := range y0 {
		v := r[i*lanes : i*lanes+lanes : i*lanes+lanes]
		v[0], v[1], v[2], v[3] = omega*(2*a0[i]-y0[i]), omega*(2*a1[i]-y1[i]), omega*(2*a2[i]-y2[i]), omega*(2*a3[i]-y3[i])
	}
}

// yStep4 updates y of rows j0 … j0+rows−1 of the four items of a full tile from k0 by β·Δy,
// Δy = (2y_A − y) − inv·u − y_A (eq. 26h's y at the reflected point, inv = Ω/g², minus P_A),
// with the roots u lane-interleaved, and returns Σ Δy² (in four sums, one per item).
func (n *Network) yStep4(u []float64, k0, j0, rows int, inv float64) float64 {
	N, beta := n.N, n.beta
	y0, y1, y2, y3 := n.y[k0*N+j0:][:rows], n.y[(k0+1)*N+j0:][:rows], n.y[(k0+2)*N+j0:][:rows], n.y[(k0+3)*N+j0:][:rows]
	a0, a1, a2, a3 := n.yA[k0*N+j0:][:rows], n.yA[(k0+1)*N+j0:][:rows], n.yA[(k0+2)*N+j0:][:rows], n.yA[(k0+3)*N+j0:][:rows]
	var e0, e1, e2, e3 float64
	for i := range y0 {
		ui := u[i*lanes : i*lanes+lanes : i*lanes+lanes]
		d0 := a0[i] - y0[i] - inv*ui[0]
		d1 := a1[i] - y1[i] - inv*ui[1]
		d2 := a2[i] - y2[i] - inv*ui[2]
		d3 := a3[i] - y3[i] - inv*ui[3]
		y0[i] += beta * d0
		y1[i] += beta * d1
		y2[i] += beta * d2
		y3[i] += beta * d3
		e0 += d0 * d0
		e1 += d1 * d1
		e2 += d2 * d2
		e3 += d3 * d3
	}
	return (e0 + e1) + (e2 + e3)
}

// nodePass updates b toward the bias consensus (when updB) and projects the node values of
// the new point to A: activation sets (38d) on hidden nodes and on the unfixed data and code
// nodes of an autoencoder; at fixed nodes (38b, c) x is the item's value and only y and b
// move; class nodes only record y − b for projectClasses, which needs the whole batch. The
// projections go run by run (nodeRuns), one call per run of nodes rather than an interface
// call per (item, node).
func (n *Network) nodePass(part int) {
	lo, hi := par.Span(n.K, len(n.parts), part)
	e2, dist := n.e2, n.sh.red != nil
	if dist { // a distributed run: this part's share of the process's items
		lo, hi = par.Span(n.khi-n.klo, len(n.parts), part)
		lo, hi = lo+n.klo, hi+n.klo
	}
	pt := &n.parts[part]
	N, C, D, CC := n.N, len(n.classes), len(n.data), len(n.codes)
	beta := n.beta
	var errSum float64
	for k := lo; k < hi; k++ {
		yk, bk := n.y[k*N:(k+1)*N], n.b[k*N:(k+1)*N]
		xak, yak, bak, xsk := n.xA[k*N:(k+1)*N], n.yA[k*N:(k+1)*N], n.bA[k*N:(k+1)*N], n.xsum[k*N:(k+1)*N]
		if n.updB {
			for r, run := range n.yRuns {
				e := biasStep(bk[run[0]:run[1]], bak[run[0]:run[1]], n.bB[run[0]:run[1]], n.g2[run[0]:run[1]], beta)
				errSum += e
				if dist {
					e2[k*len(n.yRuns)+r] = e
				}
			}
		}
		runs := &n.runs[0] // a classifier's data nodes are not variables
		if n.auto {
			fixed, vals := n.data, n.d[k*D:(k+1)*D]
			runs = &n.runs[1]
			if k >= n.Kd {
				fixed, vals = n.codes, n.cv[(k-n.Kd)*CC:(k-n.Kd+1)*CC]
				runs = &n.runs[2]
			}
			if f0 := fixed[0]; fixed[len(fixed)-1] == f0+len(fixed)-1 { // a run of nodes
				f1 := f0 + len(fixed)
				copy(xak[f0:f1], vals)
				n.proj.projectFixedRun(yak[f0:f1], bak[f0:f1], vals, yk[f0:f1], bk[f0:f1])
			} else {
				for c, j := range fixed {
					v := vals[c]
					xak[j] = v
					yak[j], bak[j] = n.act.ProjectFixed(v, yk[j], bk[j])
				}
			}
		}
		for _, run := range *runs {
			j0, j1 := run[0], run[1]
			n.proj.projectRun(xak[j0:j1], yak[j0:j1], bak[j0:j1], xsk[j0:j1], yk[j0:j1], bk[j0:j1], n.g2[j0:j1])
		}
		zk := n.zc[k*C : (k+1)*C]
		for c, j := range n.classes {
			zk[c] = yk[j] - bk[j]
		}
	}
	pt.err2 = errSum
}

// biasStep moves a run of one item's biases b toward the bias consensus bB by β(bB − bA)
// and returns Σ g²(bB − bA)², in four sums so that the additions do not wait on each other.
func biasStep(b, bA, bB, g2 []float64, beta float64) float64 {
	n := len(b)
	bA, bB, g2 = bA[:n], bB[:n], g2[:n]
	var e [4]float64
	for j := range b {
		db := bB[j] - bA[j]
		b[j] += beta * db
		e[j&3] += g2[j] * db * db
	}
	return (e[0] + e[1]) + (e[2] + e[3])
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
	for k := n.klo; k < n.khi; k++ { // this process's items (all in one process)
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
