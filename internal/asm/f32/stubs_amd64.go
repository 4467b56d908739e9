//go:build amd64 && !noasm

package f32

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Accelerated reports whether the kernels run as assembly (AVX2 and FMA on amd64, without
// the noasm build tag) rather than as their pure-Go twins.
func Accelerated() bool { return useAVX2 }

//go:noescape
func dots4x2AVX2(d *[8]float32, x0, x1, x2, x3, w0, w1 *float32, n8 int)

// Dots4x2 sets d[2r+c] = x_r · w_c for four rows x and two rows w of len(w0) values.
// See Dots4x2Go.
func Dots4x2(d *[8]float32, x0, x1, x2, x3, w0, w1 []float32) {
	n := len(w0)
	if short(x0, x1, x2, x3, w1, n) {
		panic("f32: Dots4x2: a row is shorter than w0")
	}
	n8 := n &^ 7
	if !useAVX2 || n8 == 0 {
		Dots4x2Go(d, x0, x1, x2, x3, w0, w1)
		return
	}
	dots4x2AVX2(d, &x0[0], &x1[0], &x2[0], &x3[0], &w0[0], &w1[0], n8)
	dotsTail(d, x0, x1, x2, x3, w0, w1, n8)
}

//go:noescape
func gather4AVX2(d *[4]float32, xt, w *float32, src, eid *int, n int)

// Gather4 sets d[b] = Σ_k w[eid[k]]·xt[4·src[k]+b] for four interleaved items. See
// Gather4Go. The assembly does not check the indices: callers pass src within xt's nodes
// and eid within w (infer takes them from a validated network).
func Gather4(d *[4]float32, xt, w []float32, src, eid []int) {
	if !useAVX2 || len(src) == 0 || len(eid) < len(src) {
		Gather4Go(d, xt, w, src, eid)
		return
	}
	gather4AVX2(d, &xt[0], &w[0], &src[0], &eid[0], len(src))
}
