//go:build noasm || !amd64

package f32

// Accelerated reports whether the kernels run as assembly; under noasm or off amd64 they
// are always the pure-Go twins.
func Accelerated() bool { return false }

// Dots4x2 sets d[2r+c] = x_r · w_c for four rows x and two rows w of len(w0) values.
// See Dots4x2Go.
func Dots4x2(d *[8]float32, x0, x1, x2, x3, w0, w1 []float32) {
	if short(x0, x1, x2, x3, w1, len(w0)) {
		panic("f32: Dots4x2: a row is shorter than w0")
	}
	Dots4x2Go(d, x0, x1, x2, x3, w0, w1)
}

// Gather4 sets d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b] for four interleaved items. See
// Gather4Go.
func Gather4(d *[4]float32, xt, w []float32, src, eid []int) { Gather4Go(d, xt, w, src, eid) }
