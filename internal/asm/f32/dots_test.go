package f32

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

func row(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// plain is the float64 dot product of float32 rows and the sum of its terms' magnitudes.
func plain(a, b []float32) (s, abs float64) {
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		s += p
		abs += math.Abs(p)
	}
	return s, abs
}

// TestDots4x2 checks the kernel (assembly where there is one) and its Go twin against the
// float64 dot product, to float32 rounding, for every tail length.
func TestDots4x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 25, 200, 784} {
		var r [6][]float32
		for k := range r {
			r[k] = row(rng, n)
		}
		var got, twin [8]float32
		Dots4x2(&got, r[0], r[1], r[2], r[3], r[4], r[5])
		Dots4x2Go(&twin, r[0], r[1], r[2], r[3], r[4], r[5])
		for k := range 8 {
			want, scale := plain(r[k/2], r[4+k%2])
			tol := 4e-7 * (scale + 1e-30)
			if math.Abs(float64(got[k])-want) > tol || math.Abs(float64(twin[k])-want) > tol {
				t.Errorf("n=%d: d[%d] = %v, Go twin %v, float64 %v", n, k, got[k], twin[k], want)
			}
		}
	}
}

// TestDots4x2MatchesGo requires the assembly to have run where CI says it must.
func TestDots4x2MatchesGo(t *testing.T) {
	if !Accelerated() {
		if os.Getenv("LWL_REQUIRE_ASM") != "" {
			t.Fatal("LWL_REQUIRE_ASM is set but the f32 kernels run as their Go twins")
		}
		t.Skip("kernels are the pure-Go twins here: nothing to compare")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 16, 40, 784} {
		var r [6][]float32
		for k := range r {
			r[k] = row(rng, n)
		}
		var got, twin [8]float32
		Dots4x2(&got, r[0], r[1], r[2], r[3], r[4], r[5])
		Dots4x2Go(&twin, r[0], r[1], r[2], r[3], r[4], r[5])
		for k := range 8 {
			_, scale := plain(r[k/2], r[4+k%2])
			if math.Abs(float64(got[k])-float64(twin[k])) > 4e-7*scale {
				t.Errorf("n=%d: d[%d] = %v, Go twin %v", n, k, got[k], twin[k])
			}
		}
	}
}

// TestGather4 checks the kernel and its Go twin against the float64 sums, to float32
// rounding, for every tail length.
func TestGather4(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 25, 26, 200} {
		nodes := 300
		xt, w := row(rng, 4*nodes), row(rng, 500)
		src, eid := make([]int, n), make([]int, n)
		for k := range src {
			src[k], eid[k] = rng.IntN(nodes), rng.IntN(len(w))
		}
		var got, twin [4]float32
		Gather4(&got, xt, w, src, eid)
		Gather4Go(&twin, xt, w, src, eid)
		for b := range 4 {
			var want, scale float64
			for k := range src {
				p := float64(w[eid[k]]) * float64(xt[4*src[k]+b])
				want += p
				scale += math.Abs(p)
			}
			tol := 4e-7 * (scale + 1e-30)
			if math.Abs(float64(got[b])-want) > tol || math.Abs(float64(twin[b])-want) > tol {
				t.Errorf("n=%d: item %d: %v, Go twin %v, float64 %v", n, b, got[b], twin[b], want)
			}
		}
	}
}
