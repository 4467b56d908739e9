//go:build noasm || !amd64

package f64

// ReflectDotsRows computes the scalars p, q of rows reflected vector pairs.
// See ReflectDotsRowsGo.
func ReflectDotsRows(p, q, x, w, xa, wa []float64, rows, c int) {
	n := rows * c
	checkRows(rows, c, len(p) < rows || len(q) < rows || len(x) < n || len(w) < n || len(xa) < c || len(wa) < n)
	ReflectDotsRowsGo(p, q, x, w, xa, wa, rows, c)
}

// BilinearUpdateRows applies the fused bilinear projection and RRR update to rows vector
// pairs and returns the squared flow. See BilinearUpdateRowsGo.
func BilinearUpdateRows(x, w, xa, wa, xs, ws, u, s []float64, rows, c int, beta float64) float64 {
	n := rows * c
	checkRows(rows, c, len(x) < n || len(w) < n || len(xa) < c || len(wa) < n || len(xs) < c || len(ws) < n || len(u) < rows || len(s) < rows)
	return BilinearUpdateRowsGo(x, w, xa, wa, xs, ws, u, s, rows, c, beta)
}

// NewtonRoots takes three Newton steps toward each bilinear root. See NewtonRootsGo.
func NewtonRoots(u, s, p, q, r []float64, c float64) {
	n := len(u)
	checkRows(n, 1, len(s) < n || len(p) < n || len(q) < n || len(r) < n)
	NewtonRootsGo(u, s, p, q, r, c)
}
