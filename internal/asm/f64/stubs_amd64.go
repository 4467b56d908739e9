//go:build amd64 && !noasm

package f64

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func reflectDotsRowsAVX2(p, q, x, w, xa, wa *float64, rows, c int)

//go:noescape
func bilinearUpdateRowsAVX2(x, w, xa, wa, xs, ws, u, s *float64, rows, c int, beta float64) (errSq float64)

// ReflectDotsRows computes the scalars p, q of rows reflected vector pairs.
// See ReflectDotsRowsGo.
func ReflectDotsRows(p, q, x, w, xa, wa []float64, rows, c int) {
	n := rows * c
	checkRows(rows, c, len(p) < rows || len(q) < rows || len(x) < n || len(w) < n || len(xa) < c || len(wa) < n)
	if !useAVX2 || rows == 0 || c == 0 {
		ReflectDotsRowsGo(p, q, x, w, xa, wa, rows, c)
		return
	}
	reflectDotsRowsAVX2(&p[0], &q[0], &x[0], &w[0], &xa[0], &wa[0], rows, c)
}

// BilinearUpdateRows applies the fused bilinear projection and RRR update to rows vector
// pairs and returns the squared flow. See BilinearUpdateRowsGo.
func BilinearUpdateRows(x, w, xa, wa, xs, ws, u, s []float64, rows, c int, beta float64) float64 {
	n := rows * c
	checkRows(rows, c, len(x) < n || len(w) < n || len(xa) < c || len(wa) < n || len(xs) < c || len(ws) < n || len(u) < rows || len(s) < rows)
	if !useAVX2 || rows == 0 || c == 0 {
		return BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, u, s, rows, c, beta)
	}
	return bilinearUpdateRowsAVX2(&x[0], &w[0], &xa[0], &wa[0], &xs[0], &ws[0], &u[0], &s[0], rows, c, beta)
}

//go:noescape
func newtonRootsAVX2(u, s, p, q, r *float64, n int, c float64)

// NewtonRoots takes three Newton steps toward each bilinear root. See NewtonRootsGo.
func NewtonRoots(u, s, p, q, r []float64, c float64) {
	n := len(u)
	checkRows(n, 1, len(s) < n || len(p) < n || len(q) < n || len(r) < n)
	m := n &^ 3
	if !useAVX2 {
		m = 0
	}
	if m > 0 {
		newtonRootsAVX2(&u[0], &s[0], &p[0], &q[0], &r[0], m, c)
	}
	if m < n {
		NewtonRootsGo(u[m:], s[m:n], p[m:n], q[m:n], r[m:n], c)
	}
}
