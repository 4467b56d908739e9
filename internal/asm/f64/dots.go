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

// Dots1x4Go is the specification of Dots1x4: d[c] = x · w_c for one row x and four rows
// w0…w3 of length n = len(x), in the lane order of Dots4x2Go, so that one item gets the
// same sums as in a block of four. It is the kernel of single-item inference.
func Dots1x4Go(d *[4]float64, x, w0, w1, w2, w3 []float64) {
	n := len(x)
	ws := [4][]float64{w0[:n], w1[:n], w2[:n], w3[:n]}
	n4 := n &^ 3
	for c, w := range ws {
		var a [4]float64
		for i := 0; i < n4; i += 4 {
			for l := range 4 {
				a[l] += x[i+l] * w[i+l]
			}
		}
		d[c] = (a[0] + a[1]) + (a[2] + a[3])
	}
	dots1Tail(d, x, w0, w1, w2, w3, n4)
}

func dots1Tail(d *[4]float64, x, w0, w1, w2, w3 []float64, n4 int) {
	for i := n4; i < len(x); i++ {
		d[0] += x[i] * w0[i]
		d[1] += x[i] * w1[i]
		d[2] += x[i] * w2[i]
		d[3] += x[i] * w3[i]
	}
}

// Gather4Go is the specification of Gather4: the gathered dot products of four items side
// by side. xt holds the items' node values interleaved (node i of item b at xt[4i+b]); for
// the n in-edges k of one node, d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b]. Edge k of the first
// n &^ 3 goes to partial sum k mod 4, the rest to partial sum 0, combined as
// (s0+s1)+(s2+s3). It is the kernel of weight-tied (convolutional) layers in batched
// inference, whose in-edges gather scattered source nodes.
func Gather4Go(d *[4]float64, xt, w []float64, src, eid []int) {
	n := len(src)
	eid = eid[:n]
	var s [4][4]float64
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

// Dots1x8Go is Dots1x4Go for eight rows w: d[c] = x · w[c], in the same lane order (eight
// independent sums keep the multiply-add units busy where four wait on their latency).
func Dots1x8Go(d *[8]float64, x []float64, w *[8][]float64) {
	var lo, hi [4]float64
	Dots1x4Go(&lo, x, w[0], w[1], w[2], w[3])
	Dots1x4Go(&hi, x, w[4], w[5], w[6], w[7])
	copy(d[:4], lo[:])
	copy(d[4:], hi[:])
}

// Gather1Go is the specification of Gather1: one item's gathered dot product
// Σ_k w[eid[k]]·x[src[k]], summed in the order of one lane of Gather4Go (edge k of the first
// n &^ 3 in partial sum k mod 4, the rest in partial sum 0, combined as (s0+s1)+(s2+s3)), so
// that an item gets alone the sums it gets in a block of four. It is the kernel of
// single-item inference through weight-tied layers.
func Gather1Go(x, w []float64, src, eid []int) float64 {
	n := len(src)
	eid = eid[:n]
	var s [4]float64
	n4 := n &^ 3
	for k := 0; k < n4; k += 4 {
		for l := range 4 {
			s[l] += w[eid[k+l]] * x[src[k+l]]
		}
	}
	for k := n4; k < n; k++ {
		s[0] += w[eid[k]] * x[src[k]]
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// Gather4NodesGo is the specification of Gather4Nodes: Gather4Go for several nodes in one
// call. Node k's in-edges are src[tab[2k]:tab[2k]+tab[2k+1]] (eid likewise), and its four
// sums go to d[4k:4k+4], bit for bit those of Gather4Go. The nodes must not read one
// another (all sums are taken before any is used).
func Gather4NodesGo(d, xt, w []float64, src, eid, tab []int) {
	for k := 0; k < len(tab)/2; k++ {
		lo, n := tab[2*k], tab[2*k+1]
		var s [4]float64
		Gather4Go(&s, xt, w, src[lo:lo+n], eid[lo:lo+n])
		copy(d[4*k:4*k+4], s[:])
	}
}
