package f64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The ReLU kernel must give the Go twin's results bit for bit (the same operations in the
// same order), on runs of every length around the vector width and on inputs that take
// each of the projection's pieces.
func TestReLUProjectMatchesGo(t *testing.T) {
	skipGoTwin(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 19; n++ {
		for trial := 0; trial < 50; trial++ {
			_, xs := guarded(rng, n)
			_, y := guarded(rng, n)
			_, b := guarded(rng, n)
			_, g2 := guarded(rng, n)
			for i := range g2 {
				g2[i] = float64(1 + rng.IntN(30))
				xs[i] *= g2[i]
				switch rng.IntN(6) { // exact ties and signed zeros
				case 0:
					y[i] = b[i]
				case 1:
					xs[i] = 0
				case 2:
					xs[i] = math.Copysign(0, -1)
				}
			}
			outs := make([][]float64, 6)
			wholes := make([][]float64, 3)
			for i := range outs {
				outs[i] = make([]float64, n)
			}
			for i := range wholes {
				wholes[i], outs[i] = guarded(rng, n)
			}
			ReLUProject(outs[0], outs[1], outs[2], xs, y, b, g2)
			ReLUProjectGo(outs[3], outs[4], outs[5], xs, y, b, g2)
			for i := range wholes {
				checkGuards(t, wholes[i])
			}
			for v := 0; v < 3; v++ {
				for i := 0; i < n; i++ {
					if math.Float64bits(outs[v][i]) != math.Float64bits(outs[v+3][i]) {
						t.Fatalf("n %d node %d output %d: kernel %v, Go twin %v (x %v, y %v, b %v)", n, i, v, outs[v][i], outs[v+3][i], xs[i]/g2[i], y[i], b[i])
					}
				}
			}
		}
	}
}

// BenchmarkReLUProject26 projects the 26 nodes of a hidden layer of 13→26→26→2.
func BenchmarkReLUProject26(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := make([][]float64, 7)
	for i := range v {
		v[i] = make([]float64, 26)
		for j := range v[i] {
			v[i][j] = rng.NormFloat64()
		}
	}
	for j := range v[6] {
		v[6][j] = 2
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ReLUProject(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
	}
}

func BenchmarkReLUProjectGo26(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := make([][]float64, 7)
	for i := range v {
		v[i] = make([]float64, 26)
		for j := range v[i] {
			v[i][j] = rng.NormFloat64()
		}
	}
	for j := range v[6] {
		v[6][j] = 2
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ReLUProjectGo(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
	}
}
