package f64

// ReflectDotsRowsGo is the reference for ReflectDotsRows. For each of rows vector pairs
// x[j], w[j] (rows of length c, contiguous) with consensus values xa (shared by all rows)
// and wa[j], it forms the reflections rx = 2·xa − x[j] and rw = 2·wa[j] − w[j] and stores
// p[j] = rx·rw and q[j] = |rx|² + |rw|² (eq. 17 of the paper at the reflected point
// 2P_A(z) − z).
func ReflectDotsRowsGo(p, q, x, w, xa, wa []float64, rows, c int) {
	for j := 0; j < rows; j++ {
		xj, wj, waj := x[j*c:(j+1)*c], w[j*c:(j+1)*c], wa[j*c:(j+1)*c]
		xa := xa[:c]
		var pj, qj float64
		for i := range xj {
			rx := 2*xa[i] - xj[i]
			rw := 2*waj[i] - wj[i]
			pj += rx * rw
			qj += rx*rx + rw*rw
		}
		p[j], q[j] = pj, qj
	}
}

// BilinearUpdateRowsGo is the reference for BilinearUpdateRows. For each row j, with the
// reflections rx, rw as in ReflectDotsRows and the bilinear root u[j], the projection to
// B is (x_B, w_B) = ((rx + u·rw)·s, (rw + u·rx)·s) with s[j] = 1/(1−u[j]²) (eq. 19); with the
// flow Δ = (x_B − xa, w_B − wa[j]) it updates x[j] += β·Δx and w[j] += β·Δw, adds the new
// x[j] into xs and the new w[j] into ws[j] (the next consensus sums), and returns
// Σ Δx² + Δw² over all rows.
func BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, u, s []float64, rows, c int, beta float64) (errSq float64) {
	xa, xs = xa[:c], xs[:c]
	for j := 0; j < rows; j++ {
		xj, wj, waj, wsj := x[j*c:(j+1)*c], w[j*c:(j+1)*c], wa[j*c:(j+1)*c], ws[j*c:(j+1)*c]
		uj, sj := u[j], s[j]
		for i := range xj {
			rx := 2*xa[i] - xj[i]
			rw := 2*waj[i] - wj[i]
			dx := (rx+uj*rw)*sj - xa[i]
			dw := (rw+uj*rx)*sj - waj[i]
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

// checkRows panics unless the slices hold rows rows of c values (gonum style: a caller
// mistake, not a data error).
func checkRows(rows, c int, short bool) {
	if short || rows < 0 || c < 0 {
		panic("f64: slice shorter than rows×c")
	}
}

// NewtonRootsGo is the reference for NewtonRoots. For each j it takes three Newton steps
// from u[j] toward the root of the bilinear projection's equation (appendix B, eq. 52,
// multiplied through by (1−u²)³ so that a step needs one division):
//
//	N(u) = (p(1+u²) + q·u)(1−u²) + (c·u − r)(1−u²)³
//	D(u) = q(1+3u²) + 2p·u(3+u²) + c(1−u²)³,   u ← u − N/D
//
// with p = p[j], q = q[j], r = r[j]. It stores the result in u[j] and 1/(1−u²) in s[j]
// when the last step was below 1e-12 and |u| < 1, and NaN in s[j] otherwise, for the
// caller to solve that root again with a safeguarded method.
func NewtonRootsGo(u, s, p, q, r []float64, c float64) {
	n := len(u)
	s, p, q, r = s[:n], p[:n], q[:n], r[:n]
	for j, v := range u {
		pj, qj, rj := p[j], q[j], r[j]
		var step float64
		for range 3 {
			v2 := v * v
			d := 1 - v2
			d3 := d * d * d
			num := (pj*(1+v2)+qj*v)*d + (c*v-rj)*d3
			den := qj*(1+3*v2) + 2*(pj*(v*(3+v2))) + c*d3
			step = num / den
			v -= step
		}
		u[j] = v
		if abs(step) < 1e-12 && abs(v) < 1 {
			s[j] = 1 / (1 - v*v)
		} else {
			s[j] = nan
		}
	}
}

var nan = func() float64 { var z float64; return z / z }()

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
