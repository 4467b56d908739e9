package f64

// The bilinear constraint x·w = Ω·y of one (item, node) is projected at the reflected point
// (rx, rw) = (2xa − x, 2wa − w) (eq. 45). The projection (appendix B) is written in the sum
// and difference directions S = rx + rw, D = rx − rw: with A = |S|², B = |D|² and the root u
// of h(u) = ¼[A/(1−u)² − B/(1+u)²] + c·u − r (eq. 52),
//
//	x_B = S·fs + D·fd,  w_B = S·fs − D·fd,  fs = 1/(2(1−u)),  fd = 1/(2(1+u)),
//
// which keeps full relative precision next to the poles u = ±1 (x ≈ −w or x ≈ w), where the
// textbook form (rx + u·rw)/(1−u²) with B = q − 2p cancels.
//
// Two layouts of the edge variables are supported. Rows: one item's rows of c values each,
// contiguous (x[j·c + i]), vectorised across in-edges. Tiled: four items side by side
// (x[(j·c + i)·4 + l] for item lane l), vectorised across items, so that a row of few
// in-edges costs no horizontal sums and no partial vectors.

// Lanes is the number of items side by side in the tiled layout.
const Lanes = 4

// ReflectDotsRowsGo is the reference for ReflectDotsRows. For each of rows vector pairs
// x[j], w[j] (rows of length c, contiguous) with consensus values xa (shared by all rows)
// and wa[j], it forms the reflections rx = 2·xa − x[j] and rw = 2·wa[j] − w[j] and stores
// a[j] = |rx + rw|² and b[j] = |rx − rw|² (A and B of eq. 52 at the reflected point).
func ReflectDotsRowsGo(a, b, x, w, xa, wa []float64, rows, c int) {
	for j := 0; j < rows; j++ {
		xj, wj, waj := x[j*c:(j+1)*c], w[j*c:(j+1)*c], wa[j*c:(j+1)*c]
		xa := xa[:c]
		var aj, bj float64
		for i := range xj {
			rx := 2*xa[i] - xj[i]
			rw := 2*waj[i] - wj[i]
			s, d := rx+rw, rx-rw
			aj += s * s
			bj += d * d
		}
		a[j], b[j] = aj, bj
	}
}

// BilinearUpdateRowsGo is the reference for BilinearUpdateRows. For each row j, with the
// reflections rx, rw as in ReflectDotsRows and the factors fs[j], fd[j] of the row's root,
// the projection to B is x_B = S·fs + D·fd, w_B = S·fs − D·fd (S = rx + rw, D = rx − rw);
// with the flow Δ = (x_B − xa, w_B − wa[j]) it updates x[j] += β·Δx and w[j] += β·Δw, adds
// the new x[j] into xs and the new w[j] into ws[j] (the next consensus sums), and returns
// Σ Δx² + Δw² over all rows.
func BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c int, beta float64) (errSq float64) {
	xa, xs = xa[:c], xs[:c]
	for j := 0; j < rows; j++ {
		xj, wj, waj, wsj := x[j*c:(j+1)*c], w[j*c:(j+1)*c], wa[j*c:(j+1)*c], ws[j*c:(j+1)*c]
		fsj, fdj := fs[j], fd[j]
		for i := range xj {
			rx := 2*xa[i] - xj[i]
			rw := 2*waj[i] - wj[i]
			s, d := rx+rw, rx-rw
			dx := s*fsj + (d*fdj - xa[i])
			dw := s*fsj - (d*fdj + waj[i])
			errSq += dx*dx + dw*dw
			nx := xj[i] + beta*dx
			nw := wj[i] + beta*dw
			xj[i] = nx
			wj[i] = nw
			xs[i] += nx
			wsj[i] += nw
		}
	}
	return errSq
}

// ReflectDotsTiledGo is the reference for ReflectDotsTiled, the tiled counterpart of
// ReflectDotsRows: four items side by side. x and w hold rows×c×4 values (edge i of row j,
// lane l at (j·c + i)·4 + l). The consensus values of row j's sources are
// xa[(j·xaStride + i)·4 + l] (lane-interleaved): xaStride = 0 when all rows read the same
// sources (a layer), c when each row has its own (gathered rows). The consensus weights of
// row j are wa[j·waStride + i] (shared by all lanes): waStride = c for rows with their own
// weights, 0 for rows that share one set (a weight-tie group). It stores A and B of row j,
// lane l in a[j·4 + l] and b[j·4 + l].
func ReflectDotsTiledGo(a, b, x, w, xa, wa []float64, rows, c, xaStride, waStride int) {
	for j := 0; j < rows; j++ {
		var aj, bj [Lanes]float64
		for i := 0; i < c; i++ {
			e := j*c + i
			xi := (j*xaStride + i) * Lanes
			rw2 := 2 * wa[j*waStride+i]
			for l := 0; l < Lanes; l++ {
				rx := 2*xa[xi+l] - x[e*Lanes+l]
				rw := rw2 - w[e*Lanes+l]
				s, d := rx+rw, rx-rw
				aj[l] += s * s
				bj[l] += d * d
			}
		}
		copy(a[j*Lanes:(j+1)*Lanes], aj[:])
		copy(b[j*Lanes:(j+1)*Lanes], bj[:])
	}
}

// BilinearUpdateTiledGo is the reference for BilinearUpdateTiled, the tiled counterpart of
// BilinearUpdateRows (layout and strides of ReflectDotsTiled; fs, fd hold rows×4 factors).
// The new x of edge i of row j is added into xs[(j·xaStride + i)·4 + l] (the sources' sums,
// laid out as xa), the new w into ws[(j·waStride + i)·4 + l] (per lane: the caller sums the
// lanes; rows of a tie group add into the same slots), the step size is beta[l] per lane
// (0 leaves a lane's x and w as they are: padding items), and Δx² + Δw² is added into
// errSq[l] per lane.
func BilinearUpdateTiledGo(x, w, xa, wa, xs, ws, fs, fd []float64, rows, c, xaStride, waStride int, beta, errSq *[Lanes]float64) {
	for j := 0; j < rows; j++ {
		for i := 0; i < c; i++ {
			e := j*c + i
			xi := (j*xaStride + i) * Lanes
			wi := j*waStride + i
			wae := wa[wi]
			rw2 := 2 * wae
			for l := 0; l < Lanes; l++ {
				fsj, fdj := fs[j*Lanes+l], fd[j*Lanes+l]
				xai := xa[xi+l]
				rx := 2*xai - x[e*Lanes+l]
				rw := rw2 - w[e*Lanes+l]
				s, d := rx+rw, rx-rw
				dx := s*fsj + (d*fdj - xai)
				dw := s*fsj - (d*fdj + wae)
				errSq[l] += dx*dx + dw*dw
				nx := x[e*Lanes+l] + beta[l]*dx
				nw := w[e*Lanes+l] + beta[l]*dw
				x[e*Lanes+l] = nx
				w[e*Lanes+l] = nw
				xs[xi+l] += nx
				ws[wi*Lanes+l] += nw
			}
		}
	}
}

// tiledLens returns the lengths the tiled kernels need of x (and w), xa (and xs), wa and ws.
func tiledLens(rows, c, xaStride, waStride int) (nx, nxa, nwa, nws int) {
	if rows == 0 {
		return 0, 0, 0, 0
	}
	nwa = (rows-1)*waStride + c
	return rows * c * Lanes, ((rows-1)*xaStride + c) * Lanes, nwa, nwa * Lanes
}

// checkRows panics unless the slices hold rows rows of c values (gonum style: a caller
// mistake, not a data error).
func checkRows(rows, c int, short bool) {
	if short || rows < 0 || c < 0 {
		panic("f64: slice shorter than rows×c")
	}
}

// RootTol is NewtonRoots' acceptance rule: a last Newton step below RootTol times the
// distance s to the root's pole. Newton's method converges quadratically, so the error
// after a step of δ·s is of order δ²·s: below 1e-14·s, as close as the plain projection's
// solver (appendix B; steps to 1e-12) gets.
const RootTol = 1e-7

// NewtonSteps is the number of Newton steps NewtonRoots takes per root: enough from the
// previous iteration's root, which is usually within 10⁻² of the new one.
const NewtonSteps = 3

// NewtonRootsGo is the reference for NewtonRoots. For each j it takes NewtonSteps Newton
// steps from u[j] toward the root of h(u) = ¼[A/(1−u)² − B/(1+u)²] + c·u − r (eq. 52 in the sum and
// difference form) with A = a[j], B = b[j], r = r[j]. The root lies on the side of 0 where
// h(0) = (A−B)/4 − r has the opposite sign; the iteration runs in the distance s to the pole
// on that side (s = 1−u for a positive root, 1+u for a negative one), so a root next to a
// pole keeps its relative precision. With sp = 1+u and sm = 1−u (one of them s, the other
// 2 − s), a step in u is −N/D with
//
//	N = sp·sm·(A·sp² − B·sm²) + 4(c·u − r)(sp·sm)³
//	D = 2(A·sp³ + B·sm³) + 4c·(sp·sm)³
//
// (h and h' multiplied by 4(sp·sm)³ > 0), with no data-dependent branch. The start is the previous root when it lies on
// the root's side, else 0. It stores the result in u[j] and the projection's factors
// fs[j] = 1/(2·sm), fd[j] = 1/(2·sp) when the last step was below RootTol·s and the root
// inside (−1, 1), and NaN in fs[j] otherwise, for the caller to solve that root again with
// a safeguarded method. It reports whether every root converged, so that the caller looks
// for NaN only when there is one.
func NewtonRootsGo(u, fs, fd, a, b, r []float64, c float64) (all bool) {
	all = true
	n := len(u)
	fs, fd, a, b, r = fs[:n], fd[:n], a[:n], b[:n], r[:n]
	for j, v := range u {
		aj, bj, rj := a[j], b[j], r[j]
		flip := 0.25*(aj-bj)-rj > 0 // root at u < 0: solve the mirror image (B, A, −r) at −u
		if flip {
			aj, bj, rj, v = bj, aj, -rj, -v
		}
		s := 1.0
		if v > 0 && v < 1 {
			s = 1 - v
		}
		var ds float64
		for range NewtonSteps {
			sp := 2 - s
			ps := sp * s
			ps3 := ps * ps * ps
			num := ps*(aj*(sp*sp)-bj*(s*s)) + 4*(c*(1-s)-rj)*ps3
			den := 2*(aj*(sp*sp*sp)+bj*(s*s*s)) + 4*c*ps3
			ds = num / den
			s += ds
		}
		ok := abs(ds) < RootTol*s && s > 0 && s < 2
		sm, sp := s, 2-s
		v = 1 - s
		if flip {
			sm, sp, v = sp, sm, -v
		}
		u[j] = v
		if ok {
			fs[j], fd[j] = 0.5/sm, 0.5/sp
		} else {
			fs[j], fd[j] = nan, nan
			all = false
		}
	}
	return all
}

var nan = func() float64 { var z float64; return z / z }()

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
