package train

// GapByNode says where the constraints conflict at the network's current point: it adds the
// squared RRR step, ‖P_B(2P_A(z) − z) − P_A(z)‖² in the metric of eq. (27) summed over the
// batch's items, into x, w (over each node's in-edges) and y, b (the node's own, weighted by
// g²), one entry per node; each slice has Nodes() entries. Σ of all four over the nodes,
// divided by |K|, is RRR_err² of the next iteration. It runs the plain projections of
// Problem and allocates several copies of the search vector: a diagnostic, not for the loop.
func (n *Network) GapByNode(x, w, y, b []float64) {
	p := n.Problem().(*networkProblem)
	z := n.State()
	pa := make([]float64, len(z))
	p.ProjectA(pa, z)
	r := make([]float64, len(z))
	for i := range r {
		r[i] = 2*pa[i] - z[i]
	}
	pb := make([]float64, len(z))
	p.ProjectB(pb, r)
	xa, wa, ya, ba := p.split(pa)
	xb, wb, yb, bb := p.split(pb)
	clear(x)
	clear(w)
	clear(y)
	clear(b)
	E, N := n.E, n.N
	for k := 0; k < n.K; k++ {
		for j := 0; j < N; j++ {
			for e := n.g.InStart[j]; e < n.g.InStart[j+1]; e++ {
				i := k*E + e
				dx, dw := xb[i]-xa[i], wb[i]-wa[i]
				x[j] += dx * dx
				w[j] += dw * dw
			}
			i := k*N + j
			dy, db := yb[i]-ya[i], bb[i]-ba[i]
			y[j] += n.g2[j] * dy * dy
			b[j] += n.g2[j] * db * db
		}
	}
}
