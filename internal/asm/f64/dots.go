package f64

// Dots4x2Go is the specification of Dots4x2: d[2r+c] = x_r · w_c for the four rows x0…x3
// and the two rows w0, w1, all of length n = len(w0). Each dot product sums in four lanes
// (element i in lane i mod 4) over the first n &^ 3 elements, combines the lanes as
// (l0+l1)+(l2+l3), then adds the remaining elements in order. The inference runtime
// (package infer) computes four items' pre-activations of two nodes with it, so that every
// row is read once per pair of nodes and every weight once per four items.
func Dots4x2Go(d *[8]float64, x0, x1, x2, x3, w0, w1 []float64) {
	n := len(w0)
	x0, x1, x2, x3, w1 = x0[:n], x1[:n], x2[:n], x3[:n], w1[:n]
	n4 := n &^ 3
	xs := [4][]float64{x0, x1, x2, x3}
	for r, x := range xs {
		var a, b [4]float64
		for i := 0; i < n4; i += 4 {
			for l := range 4 {
				a[l] += x[i+l] * w0[i+l]
				b[l] += x[i+l] * w1[i+l]
			}
		}
		d[2*r], d[2*r+1] = (a[0]+a[1])+(a[2]+a[3]), (b[0]+b[1])+(b[2]+b[3])
	}
	dotsTail(d, x0, x1, x2, x3, w0, w1, n4)
}

// dotsTail adds elements n4… of the rows to d (the part of Dots4x2 after the lanes).
func dotsTail(d *[8]float64, x0, x1, x2, x3, w0, w1 []float64, n4 int) {
	for i := n4; i < len(w0); i++ {
		d[0] += x0[i] * w0[i]
		d[1] += x0[i] * w1[i]
		d[2] += x1[i] * w0[i]
		d[3] += x1[i] * w1[i]
		d[4] += x2[i] * w0[i]
		d[5] += x2[i] * w1[i]
		d[6] += x3[i] * w0[i]
		d[7] += x3[i] * w1[i]
	}
}

func dotsShort(x0, x1, x2, x3, w1 []float64, n int) bool {
	return len(x0) < n || len(x1) < n || len(x2) < n || len(x3) < n || len(w1) < n
}
