package f64

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The activation kernels must give their Go twins' results bit for bit (the same operations
// in the same order), on runs of every length around the vector width and on inputs that
// take each of the projections' pieces.
func TestActivationKernelsMatchGo(t *testing.T) {
	skipGoTwin(t)
	const delta = 0.2
	kernels := []struct {
		name       string
		fast, twin func(out [3][]float64, xs, y, b, g2 []float64)
	}{
		{"ReLU",
			func(o [3][]float64, xs, y, b, g2 []float64) { ReLUProject(o[0], o[1], o[2], xs, y, b, g2) },
			func(o [3][]float64, xs, y, b, g2 []float64) { ReLUProjectGo(o[0], o[1], o[2], xs, y, b, g2) }},
		{"Step",
			func(o [3][]float64, xs, y, b, g2 []float64) { StepProject(o[0], o[1], o[2], xs, y, b, g2, delta) },
			func(o [3][]float64, xs, y, b, g2 []float64) { StepProjectGo(o[0], o[1], o[2], xs, y, b, g2, delta) }},
		{"StepFixed", // xs holds the fixed x; o[0] is not written
			func(o [3][]float64, xs, y, b, _ []float64) { StepFixed(o[1], o[2], xs, y, b, delta) },
			func(o [3][]float64, xs, y, b, _ []float64) { StepFixedGo(o[1], o[2], xs, y, b, delta) }},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kn := range kernels {
		for n := 0; n <= 19; n++ {
			for trial := 0; trial < 50; trial++ {
				_, xs := guarded(rng, n)
				_, y := guarded(rng, n)
				_, b := guarded(rng, n)
				_, g2 := guarded(rng, n)
				for i := range g2 {
					g2[i] = float64(1 + rng.IntN(30))
					if kn.name != "StepFixed" {
						xs[i] *= g2[i]
					}
					switch rng.IntN(8) { // exact ties, signed zeros, the fixed values of data
					case 0:
						y[i] = b[i]
					case 1:
						xs[i] = 0
					case 2:
						xs[i] = math.Copysign(0, -1)
					case 3:
						xs[i] = 1
					case 4:
						y[i] = b[i] + delta
					}
				}
				var fast, twin [3][]float64
				var wholes [3][]float64
				for v := range fast {
					wholes[v], fast[v] = guarded(rng, n)
					twin[v] = slices.Clone(fast[v])
				}
				kn.fast(fast, xs, y, b, g2)
				kn.twin(twin, xs, y, b, g2)
				for v := range wholes {
					checkGuards(t, wholes[v])
				}
				for v := range fast {
					for i := 0; i < n; i++ {
						if math.Float64bits(fast[v][i]) != math.Float64bits(twin[v][i]) {
							t.Fatalf("%s n %d node %d output %d: kernel %v, Go twin %v (xs %v, y %v, b %v, g² %v)", kn.name, n, i, v, fast[v][i], twin[v][i], xs[i], y[i], b[i], g2[i])
						}
					}
				}
			}
		}
	}
}

// BenchmarkReLUProject26 projects the 26 nodes of a hidden layer of 13→26→26→2, with the
// kernel and with its Go twin.
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
	for _, bc := range []struct {
		name string
		f    func(xa, ya, ba, xs, y, b, g2 []float64)
	}{{"kernel", ReLUProject}, {"Go", ReLUProjectGo}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				bc.f(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
			}
		})
	}
}
