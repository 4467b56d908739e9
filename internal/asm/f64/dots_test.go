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
