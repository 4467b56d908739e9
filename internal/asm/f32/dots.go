package f32

// Dots4x2Go is the specification of Dots4x2: d[2r+c] = x_r · w_c for the four rows
// x0…x3 and the two rows w0, w1, all of length n = len(w0). Each dot product sums in eight
// lanes (element i in lane i mod 8) over the first n &^ 7 elements, combines the lanes as
// ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)), then adds the remaining elements in order.
func Dots4x2Go(d *[8]float32, x0, x1, x2, x3, w0, w1 []float32) {
	n := len(w0)
	x0, x1, x2, x3, w1 = x0[:n], x1[:n], x2[:n], x3[:n], w1[:n]
	n8 := n &^ 7
	xs := [4][]float32{x0, x1, x2, x3}
	for r, x := range xs {
		var a, b [8]float32
		for i := 0; i < n8; i += 8 {
			for l := range 8 {
				a[l] += x[i+l] * w0[i+l]
				b[l] += x[i+l] * w1[i+l]
			}
		}
		d[2*r], d[2*r+1] = lanes(&a), lanes(&b)
	}
	dotsTail(d, x0, x1, x2, x3, w0, w1, n8)
}

func lanes(a *[8]float32) float32 {
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

func dotsTail(d *[8]float32, x0, x1, x2, x3, w0, w1 []float32, n8 int) {
	for i := n8; i < len(w0); i++ {
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

func short(x0, x1, x2, x3, w1 []float32, n int) bool {
	return len(x0) < n || len(x1) < n || len(x2) < n || len(x3) < n || len(w1) < n
}

// Gather4Go is the specification of Gather4: the gathered dot products of four items side
// by side, as f64.Gather4Go in float32. xt holds the items' node values interleaved (node i
// of item b at xt[4i+b]); for the n in-edges k of one node, d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b],
// edge k of the first n &^ 3 in partial sum k mod 4, the rest in partial sum 0, combined as
// (s0+s1)+(s2+s3). It is the kernel of weight-tied layers in Model32.
func Gather4Go(d *[4]float32, xt, w []float32, src, eid []int) {
	n := len(src)
	eid = eid[:n]
	var s [4][4]float32
	n4 := n &^ 3
	for k := 0; k < n4; k += 4 {
		for l := range 4 {
			wk, x := w[eid[k+l]], xt[4*src[k+l]:4*src[k+l]+4]
			for b := range 4 {
				s[l][b] += wk * x[b]
			}
		}
	}
	for k := n4; k < n; k++ {
		wk, x := w[eid[k]], xt[4*src[k]:4*src[k]+4]
		for b := range 4 {
			s[0][b] += wk * x[b]
		}
	}
	for b := range 4 {
		d[b] = (s[0][b] + s[1][b]) + (s[2][b] + s[3][b])
	}
}
