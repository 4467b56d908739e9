//go:build noasm || !amd64

package f64

// Accelerated reports whether the kernels run as assembly; under noasm or off amd64 they
// are always the pure-Go twins.
func Accelerated() bool { return false }

// ReflectDotsRows computes A and B of rows reflected vector pairs. See ReflectDotsRowsGo.
func ReflectDotsRows(a, b, x, w, xa, wa []float64, rows, c int) {
	n := rows * c
	checkRows(rows, c, len(a) < rows || len(b) < rows || len(x) < n || len(w) < n || len(xa) < c || len(wa) < n)
	ReflectDotsRowsGo(a, b, x, w, xa, wa, rows, c)
}

// BilinearUpdateRows applies the fused bilinear projection and RRR update to rows vector
// pairs and returns the squared flow. See BilinearUpdateRowsGo.
func BilinearUpdateRows(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c int, beta float64) float64 {
	n := rows * c
	checkRows(rows, c, len(x) < n || len(w) < n || len(xa) < c || len(wa) < n || len(xs) < c || len(ws) < n || len(fs) < rows || len(fd) < rows)
	return BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, fs, fd, rows, c, beta)
}

// ReflectDotsTiled computes A and B of rows reflected vector pairs of four items side by
// side. See ReflectDotsTiledGo.
func ReflectDotsTiled(a, b, x, w, xa, wa []float64, rows, c, xaStride, waStride int) {
	nx, nxa, nwa, _ := tiledLens(rows, c, xaStride, waStride)
	checkRows(rows, c, len(a) < rows*Lanes || len(b) < rows*Lanes || len(x) < nx || len(w) < nx || len(xa) < nxa || len(wa) < nwa || xaStride < 0 || waStride < 0)
	ReflectDotsTiledGo(a, b, x, w, xa, wa, rows, c, xaStride, waStride)
}

// BilinearUpdateTiled applies the fused bilinear projection and RRR update to rows vector
// pairs of four items side by side. See BilinearUpdateTiledGo.
func BilinearUpdateTiled(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c, xaStride, waStride int, beta, errSq *[Lanes]float64) {
	nx, nxa, nwa, nws := tiledLens(rows, c, xaStride, waStride)
	checkRows(rows, c, len(x) < nx || len(w) < nx || len(xa) < nxa || len(wa) < nwa || len(xs) < nxa || len(ws) < nws || len(fs) < rows*Lanes || len(fd) < rows*Lanes || xaStride < 0 || waStride < 0)
	BilinearUpdateTiledGo(x, w, xa, wa, xs, ws, fs, fd, rows, c, xaStride, waStride, beta, errSq)
}

// NewtonRoots takes Newton steps toward each bilinear root and reports whether all
// converged. See NewtonRootsGo.
func NewtonRoots(u, fs, fd, a, b, r []float64, c float64) (all bool) {
	n := len(u)
	checkRows(n, 1, len(fs) < n || len(fd) < n || len(a) < n || len(b) < n || len(r) < n)
	return NewtonRootsGo(u, fs, fd, a, b, r, c)
}

// ReLUProject projects a run of ReLU nodes onto the rectifier's locus. See ReLUProjectGo.
func ReLUProject(xa, ya, ba, xs, y, b, g2 []float64) {
	checkRows(len(xa), 1, reluShort(xa, ya, ba, xs, y, b, g2))
	ReLUProjectGo(xa, ya, ba, xs, y, b, g2)
}

// StepProject projects a run of step nodes onto the step with a gap. See StepProjectGo.
func StepProject(xa, ya, ba, xs, y, b, g2 []float64, delta float64) {
	checkRows(len(xa), 1, reluShort(xa, ya, ba, xs, y, b, g2))
	StepProjectGo(xa, ya, ba, xs, y, b, g2, delta)
}

// StepFixed projects a run of fixed step (or zigmoid) nodes. See StepFixedGo.
func StepFixed(ya, ba, v, y, b []float64, delta float64) {
	checkRows(len(ya), 1, fixedShort(ya, ba, v, y, b))
	StepFixedGo(ya, ba, v, y, b, delta)
}

// Dots4x2 sets d[2r+c] = x_r · w_c for four rows x and two rows w of len(w0) values.
// See Dots4x2Go.
func Dots4x2(d *[8]float64, x0, x1, x2, x3, w0, w1 []float64) {
	checkRows(len(w0), 1, dotsShort(x0, x1, x2, x3, w1, len(w0)))
	Dots4x2Go(d, x0, x1, x2, x3, w0, w1)
}

// Dots1x4 sets d[c] = x · w_c for one row x and four rows w of len(x) values. See
// Dots1x4Go.
func Dots1x4(d *[4]float64, x, w0, w1, w2, w3 []float64) {
	checkRows(len(x), 1, dotsShort(w0, w1, w2, w3, w3, len(x)))
	Dots1x4Go(d, x, w0, w1, w2, w3)
}

// Gather4 sets d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b] for four interleaved items. See
// Gather4Go.
func Gather4(d *[4]float64, xt, w []float64, src, eid []int) {
	Gather4Go(d, xt, w, src, eid)
}

// Gather4Nodes is Gather4 for the len(tab)/2 nodes of tab in one call. See
// Gather4NodesGo.
func Gather4Nodes(d, xt, w []float64, src, eid, tab []int) {
	if len(d) < 4*(len(tab)/2) {
		panic("f64: Gather4Nodes: d is shorter than four sums per node")
	}
	Gather4NodesGo(d, xt, w, src, eid, tab)
}

// Gather1 returns Σ_k w[eid[k]]·x[src[k]] for one item, in the order of one lane of
// Gather4. See Gather1Go.
func Gather1(x, w []float64, src, eid []int) float64 { return Gather1Go(x, w, src, eid) }

// Dots1x8 sets d[c] = x · w[c] for one row x and eight rows w of len(x) values. See
// Dots1x8Go.
func Dots1x8(d *[8]float64, x []float64, w *[8][]float64) {
	checkRows(len(x), 1, dotsShort(w[0], w[1], w[2], w[3], w[4], len(x)) || dotsShort(w[5], w[6], w[7], w[7], w[7], len(x)))
	Dots1x8Go(d, x, w)
}
