package f64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// plainDot is the textbook dot product the lane order of Dots4x2 must agree with.
func plainDot(a, b []float64) (s, abs float64) {
	for i := range a {
		s += a[i] * b[i]
		abs += math.Abs(a[i] * b[i])
	}
	return s, abs
}

func TestDots4x2MatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{4, 5, 7, 8, 12, 16, 25, 200, 784, 1001} {
		var rows [6][]float64
		var whole [6][]float64
		for k := range rows {
			whole[k], rows[k] = guarded(rng, n)
		}
		var got, want [8]float64
		Dots4x2(&got, rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
		Dots4x2Go(&want, rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
		for k := range 8 {
			_, scale := plainDot(rows[k/2], rows[4+k%2])
			if !near(got[k], want[k], scale) {
				t.Errorf("n=%d: d[%d] = %v, Go twin %v", n, k, got[k], want[k])
			}
		}
		for k := range whole {
			checkGuards(t, whole[k])
		}
	}
}

// TestDots4x2 checks the specification itself against the textbook dot product, for
// every length from 0 to 13 (all tails) and a long row.
func TestDots4x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 784} {
		var rows [6][]float64
		for k := range rows {
			_, rows[k] = guarded(rng, n)
		}
		var d [8]float64
		for k := range d {
			d[k] = math.NaN() // every entry must be written
		}
		Dots4x2(&d, rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
		for k := range 8 {
			want, scale := plainDot(rows[k/2], rows[4+k%2])
			if !near(d[k], want, scale) {
				t.Errorf("n=%d: d[%d] = %v, want %v", n, k, d[k], want)
			}
		}
	}
}

func TestDots4x2ShortRow(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a short x row did not panic")
		}
	}()
	var d [8]float64
	w := make([]float64, 8)
	Dots4x2(&d, w, w, w[:7], w, w, w)
}

func TestDots1x4MatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{4, 5, 7, 8, 12, 25, 200, 784} {
		var rows [5][]float64
		var whole [5][]float64
		for k := range rows {
			whole[k], rows[k] = guarded(rng, n)
		}
		var got, want [4]float64
		Dots1x4(&got, rows[0], rows[1], rows[2], rows[3], rows[4])
		Dots1x4Go(&want, rows[0], rows[1], rows[2], rows[3], rows[4])
		for c := range 4 {
			_, scale := plainDot(rows[0], rows[1+c])
			if !near(got[c], want[c], scale) {
				t.Errorf("n=%d: d[%d] = %v, Go twin %v", n, c, got[c], want[c])
			}
		}
		for k := range whole {
			checkGuards(t, whole[k])
		}
	}
}

// TestDots1x4 checks the specification against the textbook dot product and against
// Dots4x2: one item gets bit for bit the sums it gets in a block of four.
func TestDots1x4(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 14 {
		var rows [5][]float64
		for k := range rows {
			_, rows[k] = guarded(rng, n)
		}
		var d [4]float64
		var b [8]float64
		Dots1x4(&d, rows[0], rows[1], rows[2], rows[3], rows[4])
		Dots4x2(&b, rows[0], rows[0], rows[0], rows[0], rows[1], rows[2])
		for c := range 4 {
			want, scale := plainDot(rows[0], rows[1+c])
			if !near(d[c], want, scale) {
				t.Errorf("n=%d: d[%d] = %v, want %v", n, c, d[c], want)
			}
		}
		if d[0] != b[0] || d[1] != b[1] {
			t.Errorf("n=%d: Dots1x4 gives %v, %v; Dots4x2 %v, %v", n, d[0], d[1], b[0], b[1])
		}
	}
}

func TestGather4MatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 3, 4, 5, 8, 25, 26, 200} {
		nodes := 300
		xt := make([]float64, 4*nodes)
		w := make([]float64, 500)
		for i := range xt {
			xt[i] = rng.NormFloat64()
		}
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		src, eid := make([]int, n), make([]int, n)
		for k := range src {
			src[k], eid[k] = rng.IntN(nodes), rng.IntN(len(w))
		}
		var got, want [4]float64
		Gather4(&got, xt, w, src, eid)
		Gather4Go(&want, xt, w, src, eid)
		for b := range 4 {
			var plain, scale float64
			for k := range src {
				plain += w[eid[k]] * xt[4*src[k]+b]
				scale += math.Abs(w[eid[k]] * xt[4*src[k]+b])
			}
			if !near(got[b], want[b], scale) || !near(want[b], plain, scale) {
				t.Errorf("n=%d: item %d: %v, Go twin %v, plain %v", n, b, got[b], want[b], plain)
			}
		}
	}
}

// TestDots1x8 checks Dots1x8 bit for bit against Dots1x4 on both halves, so that it
// keeps the lane order of the other dot kernels, and the assembly against the Go twin.
func TestDots1x8(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 11, 25, 200, 784} {
		_, x := guarded(rng, n)
		var w [8][]float64
		var whole [8][]float64
		for c := range w {
			whole[c], w[c] = guarded(rng, n)
		}
		var d, g [8]float64
		var lo, hi [4]float64
		Dots1x8(&d, x, &w)
		Dots1x8Go(&g, x, &w)
		Dots1x4(&lo, x, w[0], w[1], w[2], w[3])
		Dots1x4(&hi, x, w[4], w[5], w[6], w[7])
		for c := range 8 {
			want := lo[c%4]
			if c >= 4 {
				want = hi[c-4]
			}
			_, scale := plainDot(x, w[c])
			if d[c] != want || !near(d[c], g[c], scale) {
				t.Errorf("n=%d: d[%d] = %v, Dots1x4 %v, Go twin %v", n, c, d[c], want, g[c])
			}
		}
		for c := range whole {
			checkGuards(t, whole[c])
		}
	}
}

// TestGather1 checks Gather1 bit for bit against each lane of Gather4 (so that one item
// gets alone the sums it gets in a block), and the assembly against the Go twin.
func TestGather1(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 25, 26, 200} {
		nodes := 300
		xt := make([]float64, 4*nodes)
		w := make([]float64, 500)
		for i := range xt {
			xt[i] = rng.NormFloat64()
		}
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		src, eid := make([]int, n), make([]int, n)
		for k := range src {
			src[k], eid[k] = rng.IntN(nodes), rng.IntN(len(w))
		}
		var d [4]float64
		Gather4(&d, xt, w, src, eid)
		for b := range 4 {
			x := make([]float64, nodes)
			var scale float64
			for i := range x {
				x[i] = xt[4*i+b]
			}
			for k := range src {
				scale += math.Abs(w[eid[k]] * x[src[k]])
			}
			got, twin := Gather1(x, w, src, eid), Gather1Go(x, w, src, eid)
			if got != d[b] || !near(got, twin, scale) {
				t.Errorf("n=%d: item %d: Gather1 %v, Gather4 %v, Go twin %v", n, b, got, d[b], twin)
			}
		}
	}
}

// TestGather4Nodes checks Gather4Nodes bit for bit against one Gather4 call per node
// (nodes of 0 to 200 edges), and the Go twin against its own per-node Gather4Go.
func TestGather4Nodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	nodes := 300
	xt := make([]float64, 4*nodes)
	w := make([]float64, 500)
	for i := range xt {
		xt[i] = rng.NormFloat64()
	}
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	var src, eid, tab []int
	for _, n := range []int{0, 1, 3, 4, 5, 8, 25, 26, 200, 7} {
		tab = append(tab, len(src), n)
		for range n {
			src, eid = append(src, rng.IntN(nodes)), append(eid, rng.IntN(len(w)))
		}
	}
	count := len(tab) / 2
	got, twin := make([]float64, 4*count), make([]float64, 4*count)
	Gather4Nodes(got, xt, w, src, eid, tab)
	Gather4NodesGo(twin, xt, w, src, eid, tab)
	for k := range count {
		lo, n := tab[2*k], tab[2*k+1]
		var one, oneGo [4]float64
		Gather4(&one, xt, w, src[lo:lo+n], eid[lo:lo+n])
		Gather4Go(&oneGo, xt, w, src[lo:lo+n], eid[lo:lo+n])
		for b := range 4 {
			if got[4*k+b] != one[b] || twin[4*k+b] != oneGo[b] {
				t.Errorf("node %d (%d edges) item %d: Gather4Nodes %v, Gather4 %v; Go twin %v, Gather4Go %v",
					k, n, b, got[4*k+b], one[b], twin[4*k+b], oneGo[b])
			}
		}
	}
}
