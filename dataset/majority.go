package dataset

import (
	"fmt"
	"math/rand/v2"
)

// MajorityInputs is the number of circuit inputs m of section 5.5.1.
const MajorityInputs = 13

// Majority returns the Boolean classification data of section 5.5.1: a random circuit of
// depth n on m = 13 inputs (n − 1 layers of 13 majority gates, then one output gate), every
// gate taking three distinct inputs from the layer below, each negated with probability 1/2.
// All 2^13 input vectors (values 0 and 1) are labelled by the circuit's output (class 0 or
// 1) and split at random into 4096 training and 4096 test items. The same seed gives the same
// circuit and split.
func Majority(depth int, seed uint64) (trainSet, testSet Labelled, err error) {
	if depth < 1 || depth > 64 {
		return Labelled{}, Labelled{}, fmt.Errorf("dataset: majority circuit depth %d, want 1..64", depth)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x6d616a6f72697479))
	const m = MajorityInputs
	type gate struct {
		in  [3]int
		neg [3]bool
	}
	layers := make([][]gate, depth)
	for l := range layers {
		size := m
		if l == depth-1 {
			size = 1
		}
		layers[l] = make([]gate, size)
		for g := range layers[l] {
			p := rng.Perm(m)
			for t := 0; t < 3; t++ {
				layers[l][g].in[t] = p[t]
				layers[l][g].neg[t] = rng.IntN(2) == 1
			}
		}
	}
	const total = 1 << m
	x := NewMatrix(total, m)
	labels := make([]int, total)
	cur, next := make([]bool, m), make([]bool, m)
	for v := 0; v < total; v++ {
		for i := 0; i < m; i++ {
			cur[i] = v>>i&1 == 1
			if cur[i] {
				x.Data[v*m+i] = 1
			}
		}
		for _, layer := range layers {
			for g, gt := range layer {
				votes := 0
				for t := 0; t < 3; t++ {
					if cur[gt.in[t]] != gt.neg[t] {
						votes++
					}
				}
				next[g] = votes >= 2
			}
			cur, next = next, cur
		}
		if cur[0] {
			labels[v] = 1
		}
	}
	order := rng.Perm(total)
	split := func(idx []int, name string) Labelled {
		s := Labelled{X: NewMatrix(len(idx), m), Labels: make([]int, len(idx)), Classes: 2, Name: name}
		for r, v := range idx {
			copy(s.X.Row(r), x.Row(v))
			s.Labels[r] = labels[v]
		}
		return s
	}
	name := fmt.Sprintf("majority depth %d seed %d", depth, seed)
	return split(order[:total/2], name+" train"), split(order[total/2:], name+" test"), nil
}
