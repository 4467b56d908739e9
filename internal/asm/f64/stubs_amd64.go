//go:build amd64 && !noasm

package f64

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Accelerated reports whether the kernels run as assembly (AVX2 and FMA on amd64, without
// the noasm build tag) rather than as their pure-Go twins.
func Accelerated() bool { return useAVX2 }

//go:noescape
func reflectDotsRowsAVX2(a, b, x, w, xa, wa *float64, rows, c int)

//go:noescape
func bilinearUpdateRowsAVX2(x, w, xa, wa, xs, ws, fs, fd *float64, rows, c int, beta float64) (errSq float64)

//go:noescape
func reflectDotsTiledAVX2(a, b, x, w, xa, wa *float64, rows, c, xaStrideBytes, waStrideBytes int)

//go:noescape
func bilinearUpdateTiledAVX2(x, w, xa, wa, xs, ws, fs, fd *float64, rows, c int, beta, errSq *float64, xaStrideBytes, waStrideBytes int)

//go:noescape
func newtonRootsAVX2(u, fs, fd, a, b, r *float64, n int, c float64) (unsettled int)

// ReflectDotsRows computes A and B of rows reflected vector pairs. See ReflectDotsRowsGo.
func ReflectDotsRows(a, b, x, w, xa, wa []float64, rows, c int) {
	n := rows * c
	checkRows(rows, c, len(a) < rows || len(b) < rows || len(x) < n || len(w) < n || len(xa) < c || len(wa) < n)
	if !useAVX2 || rows == 0 || c == 0 {
		ReflectDotsRowsGo(a, b, x, w, xa, wa, rows, c)
		return
	}
	reflectDotsRowsAVX2(&a[0], &b[0], &x[0], &w[0], &xa[0], &wa[0], rows, c)
}

// BilinearUpdateRows applies the fused bilinear projection and RRR update to rows vector
// pairs and returns the squared flow. See BilinearUpdateRowsGo.
func BilinearUpdateRows(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c int, beta float64) float64 {
	n := rows * c
	checkRows(rows, c, len(x) < n || len(w) < n || len(xa) < c || len(wa) < n || len(xs) < c || len(ws) < n || len(fs) < rows || len(fd) < rows)
	if !useAVX2 || rows == 0 || c == 0 {
		return BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, fs, fd, rows, c, beta)
	}
	return bilinearUpdateRowsAVX2(&x[0], &w[0], &xa[0], &wa[0], &xs[0], &ws[0], &fs[0], &fd[0], rows, c, beta)
}

// ReflectDotsTiled computes A and B of rows reflected vector pairs of four items side by
// side. See ReflectDotsTiledGo.
func ReflectDotsTiled(a, b, x, w, xa, wa []float64, rows, c, xaStride, waStride int) {
	nx, nxa, nwa, _ := tiledLens(rows, c, xaStride, waStride)
	checkRows(rows, c, len(a) < rows*Lanes || len(b) < rows*Lanes || len(x) < nx || len(w) < nx || len(xa) < nxa || len(wa) < nwa || xaStride < 0 || waStride < 0)
	if !useAVX2 || rows == 0 || c == 0 {
		ReflectDotsTiledGo(a, b, x, w, xa, wa, rows, c, xaStride, waStride)
		return
	}
	reflectDotsTiledAVX2(&a[0], &b[0], &x[0], &w[0], &xa[0], &wa[0], rows, c, xaStride*Lanes*8, waStride*8)
}

// BilinearUpdateTiled applies the fused bilinear projection and RRR update to rows vector
// pairs of four items side by side. See BilinearUpdateTiledGo.
func BilinearUpdateTiled(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c, xaStride, waStride int, beta, errSq *[Lanes]float64) {
	nx, nxa, nwa, nws := tiledLens(rows, c, xaStride, waStride)
	checkRows(rows, c, len(x) < nx || len(w) < nx || len(xa) < nxa || len(wa) < nwa || len(xs) < nxa || len(ws) < nws || len(fs) < rows*Lanes || len(fd) < rows*Lanes || xaStride < 0 || waStride < 0)
	if !useAVX2 || rows == 0 || c == 0 {
		BilinearUpdateTiledGo(x, w, xa, wa, xs, ws, fs, fd, rows, c, xaStride, waStride, beta, errSq)
		return
	}
	bilinearUpdateTiledAVX2(&x[0], &w[0], &xa[0], &wa[0], &xs[0], &ws[0], &fs[0], &fd[0], rows, c, &beta[0], &errSq[0], xaStride*Lanes*8, waStride*8)
}

// NewtonRoots takes Newton steps toward each bilinear root and reports whether all
// converged. See NewtonRootsGo.
func NewtonRoots(u, fs, fd, a, b, r []float64, c float64) (all bool) {
	n := len(u)
	checkRows(n, 1, len(fs) < n || len(fd) < n || len(a) < n || len(b) < n || len(r) < n)
	m := vectorPart(n)
	all = true
	if m > 0 {
		all = newtonRootsAVX2(&u[0], &fs[0], &fd[0], &a[0], &b[0], &r[0], m, c) == 0
	}
	if m < n {
		all = NewtonRootsGo(u[m:], fs[m:n], fd[m:n], a[m:n], b[m:n], r[m:n], c) && all
	}
	return all
}

//go:noescape
func reluProjectAVX2(xa, ya, ba, xs, y, b, g2 *float64, n int)

// ReLUProject projects a run of ReLU nodes onto the rectifier's locus. See ReLUProjectGo.
func ReLUProject(xa, ya, ba, xs, y, b, g2 []float64) {
	checkRows(len(xa), 1, reluShort(xa, ya, ba, xs, y, b, g2))
	n, m := len(xa), vectorPart(len(xa))
	if m > 0 {
		reluProjectAVX2(&xa[0], &ya[0], &ba[0], &xs[0], &y[0], &b[0], &g2[0], m)
	}
	if m < n {
		ReLUProjectGo(xa[m:], ya[m:n], ba[m:n], xs[m:n], y[m:n], b[m:n], g2[m:n])
	}
}

//go:noescape
func stepProjectAVX2(xa, ya, ba, xs, y, b, g2 *float64, n int, delta float64)

//go:noescape
func stepFixedAVX2(ya, ba, v, y, b *float64, n int, delta float64)

// StepProject projects a run of step nodes onto the step with a gap. See StepProjectGo.
func StepProject(xa, ya, ba, xs, y, b, g2 []float64, delta float64) {
	checkRows(len(xa), 1, reluShort(xa, ya, ba, xs, y, b, g2))
	n, m := len(xa), vectorPart(len(xa))
	if m > 0 {
		stepProjectAVX2(&xa[0], &ya[0], &ba[0], &xs[0], &y[0], &b[0], &g2[0], m, delta)
	}
	if m < n {
		StepProjectGo(xa[m:], ya[m:n], ba[m:n], xs[m:n], y[m:n], b[m:n], g2[m:n], delta)
	}
}

// StepFixed projects a run of fixed step (or zigmoid) nodes. See StepFixedGo.
func StepFixed(ya, ba, v, y, b []float64, delta float64) {
	checkRows(len(ya), 1, fixedShort(ya, ba, v, y, b))
	n, m := len(ya), vectorPart(len(ya))
	if m > 0 {
		stepFixedAVX2(&ya[0], &ba[0], &v[0], &y[0], &b[0], m, delta)
	}
	if m < n {
		StepFixedGo(ya[m:], ba[m:n], v[m:n], y[m:n], b[m:n], delta)
	}
}

// vectorPart is how many of n independent values the four-wide kernels take (the rest go to
// the Go twin): n rounded down to a multiple of 4, or none without AVX2.
func vectorPart(n int) int {
	if !useAVX2 {
		return 0
	}
	return n &^ 3
}

//go:noescape
func dots4x2AVX2(d *[8]float64, x0, x1, x2, x3, w0, w1 *float64, n4 int)

// Dots4x2 sets d[2r+c] = x_r · w_c for four rows x and two rows w of len(w0) values.
// See Dots4x2Go.
func Dots4x2(d *[8]float64, x0, x1, x2, x3, w0, w1 []float64) {
	n := len(w0)
	checkRows(n, 1, dotsShort(x0, x1, x2, x3, w1, n))
	n4 := n &^ 3
	if !useAVX2 || n4 == 0 {
		Dots4x2Go(d, x0, x1, x2, x3, w0, w1)
		return
	}
	dots4x2AVX2(d, &x0[0], &x1[0], &x2[0], &x3[0], &w0[0], &w1[0], n4)
	dotsTail(d, x0, x1, x2, x3, w0, w1, n4)
}

//go:noescape
func dots1x4AVX2(d *[4]float64, x, w0, w1, w2, w3 *float64, n4 int)

// Dots1x4 sets d[c] = x · w_c for one row x and four rows w of len(x) values. See
// Dots1x4Go.
func Dots1x4(d *[4]float64, x, w0, w1, w2, w3 []float64) {
	n := len(x)
	checkRows(n, 1, dotsShort(w0, w1, w2, w3, w3, n))
	n4 := n &^ 3
	if !useAVX2 || n4 == 0 {
		Dots1x4Go(d, x, w0, w1, w2, w3)
		return
	}
	dots1x4AVX2(d, &x[0], &w0[0], &w1[0], &w2[0], &w3[0], n4)
	dots1Tail(d, x, w0, w1, w2, w3, n4)
}

// Gather4 sets d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b] for four interleaved items. See
// Gather4Go. It is Gather4Nodes for one node; the assembly does not check the indices:
// callers pass src within xt's nodes and eid within w (infer takes them from a validated
// network).
func Gather4(d *[4]float64, xt, w []float64, src, eid []int) {
	if !useAVX2 || len(src) == 0 || len(eid) < len(src) {
		Gather4Go(d, xt, w, src, eid)
		return
	}
	tab := [2]int{0, len(src)}
	gather4NodesAVX2(&d[0], &xt[0], &w[0], &src[0], &eid[0], &tab[0], 1)
}

//go:noescape
func gather4NodesAVX2(d, xt, w *float64, src, eid, tab *int, count int)

// Gather4Nodes is Gather4 for the len(tab)/2 nodes of tab in one call: node k's sums go to
// d[4k:4k+4]. See Gather4NodesGo. As Gather4, the assembly does not check the indices.
func Gather4Nodes(d, xt, w []float64, src, eid, tab []int) {
	count := len(tab) / 2
	if len(d) < 4*count {
		panic("f64: Gather4Nodes: d is shorter than four sums per node")
	}
	if !useAVX2 || count == 0 || len(src) == 0 || len(eid) < len(src) {
		Gather4NodesGo(d, xt, w, src, eid, tab)
		return
	}
	gather4NodesAVX2(&d[0], &xt[0], &w[0], &src[0], &eid[0], &tab[0], count)
}

//go:noescape
func gather1AVX2(x, w *float64, src, eid *int, n int) float64

// Gather1 returns Σ_k w[eid[k]]·x[src[k]] for one item, bit for bit one lane of Gather4.
// See Gather1Go. The assembly does not check the indices (as Gather4).
func Gather1(x, w []float64, src, eid []int) float64 {
	if !useAVX2 || len(src) == 0 || len(eid) < len(src) {
		return Gather1Go(x, w, src, eid)
	}
	return gather1AVX2(&x[0], &w[0], &src[0], &eid[0], len(src))
}

//go:noescape
func dots1x8AVX2(d *[8]float64, x *float64, w *[8]*float64, n4 int)

// Dots1x8 sets d[c] = x · w[c] for one row x and eight rows w of len(x) values. See
// Dots1x8Go.
func Dots1x8(d *[8]float64, x []float64, w *[8][]float64) {
	n := len(x)
	checkRows(n, 1, dotsShort(w[0], w[1], w[2], w[3], w[4], n) || dotsShort(w[5], w[6], w[7], w[7], w[7], n))
	n4 := n &^ 3
	if !useAVX2 || n4 == 0 {
		Dots1x8Go(d, x, w)
		return
	}
	var p [8]*float64
	for c := range p {
		p[c] = &w[c][0]
	}
	dots1x8AVX2(d, &x[0], &p, n4)
	var lo, hi [4]float64
	copy(lo[:], d[:4])
	copy(hi[:], d[4:])
	dots1Tail(&lo, x, w[0], w[1], w[2], w[3], n4)
	dots1Tail(&hi, x, w[4], w[5], w[6], w[7], n4)
	copy(d[:4], lo[:])
	copy(d[4:], hi[:])
}
