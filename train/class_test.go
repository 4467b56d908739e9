package train

import (
	"math"
	"math/bits"
	"slices"
	"testing"
)

// classShift puts z on the nearest point of its half-line and leaves satisfied values alone.
func TestClassShift(t *testing.T) {
	for _, tc := range []struct {
		z      float64
		target bool
		margin float64
		want   float64 // z after the shift
	}{
		{0.5, true, 0.3, 0.5},
		{0.1, true, 0.3, 0.3},
		{-1, true, 0.3, 0.3},
		{-1, false, 0.3, -1},
		{0, false, 0.3, 0},
		{0.4, false, 0.3, 0},
	} {
		h := classShift(tc.z, tc.target, tc.margin)
		if got := tc.z + 2*h; math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("classShift(%v, %v, %v): z becomes %v, want %v", tc.z, tc.target, tc.margin, got, tc.want)
		}
	}
}

// totalDist is the projection distance of an assignment: the sum over non-exempt items of
// the distance to their assigned class.
func totalDist(assign []int, z []float64, classes int, margin float64) float64 {
	var s float64
	for k, a := range assign {
		if a != Exempted {
			s += classDist2(z[k*classes:(k+1)*classes], a, margin)
		}
	}
	return s
}

// bruteBest is the least total distance over every allowed choice of the intervened subset.
func bruteBest(rule ClassRule, z []float64, labels []int, classes int) float64 {
	K := len(labels)
	best := math.Inf(1)
	a := make([]int, K)
	for mask := 0; mask < 1<<K; mask++ {
		if bits.OnesCount(uint(mask)) > rule.Count {
			continue
		}
		ok := true
		for k := 0; k < K; k++ {
			a[k] = labels[k]
			if mask&(1<<k) == 0 {
				continue
			}
			switch rule.Mode {
			case ClassExempt:
				a[k] = Exempted
			case ClassRelabel:
				zk := z[k*classes : (k+1)*classes]
				for c := 0; c < classes; c++ {
					if classDist2(zk, c, rule.Margin) < classDist2(zk, a[k], rule.Margin) {
						a[k] = c
					}
				}
			case ClassFalsePositive:
				if labels[k] != 0 {
					ok = false
				}
				a[k] = 1
			}
		}
		if ok {
			best = min(best, totalDist(a, z, classes, rule.Margin))
		}
	}
	return best
}

// Assign is the projection to the union set of (32), (33) and section 6.2: its total distance
// is the least over all allowed interventions, it intervenes on at most Count items, and it
// only makes the interventions its mode allows.
func TestClassAssignIsNearest(t *testing.T) {
	rng := NewRand(3)
	for _, mode := range []ClassMode{ClassStrict, ClassExempt, ClassRelabel, ClassFalsePositive} {
		for trial := 0; trial < 200; trial++ {
			classes := 2 + rng.IntN(3)
			if mode == ClassFalsePositive {
				classes = 2
			}
			K := 1 + rng.IntN(9)
			rule := ClassRule{Margin: 0.5 * rng.Float64(), Mode: mode, Count: rng.IntN(4)}
			z := make([]float64, K*classes)
			for i := range z {
				z[i] = 2*rng.Float64() - 1
			}
			labels := make([]int, K)
			for k := range labels {
				labels[k] = rng.IntN(classes)
			}
			a := classAssigner{rule: rule}
			got := make([]int, K)
			a.Assign(got, z, labels, classes)
			changed := 0
			for k, g := range got {
				if g == labels[k] {
					continue
				}
				changed++
				switch mode {
				case ClassStrict:
					t.Fatalf("strict rule changed item %d", k)
				case ClassExempt:
					if g != Exempted {
						t.Fatalf("exempt rule relabeled item %d to %d", k, g)
					}
				case ClassRelabel:
					if g < 0 || g >= classes {
						t.Fatalf("relabel rule gave item %d class %d", k, g)
					}
				case ClassFalsePositive:
					if labels[k] != 0 || g != 1 {
						t.Fatalf("false-positive rule moved item %d from %d to %d", k, labels[k], g)
					}
				}
			}
			if mode != ClassStrict && changed > rule.Count {
				t.Fatalf("%v: %d items changed, count %d", mode, changed, rule.Count)
			}
			if mode == ClassStrict {
				rule.Count = 0
			}
			want := bruteBest(rule, z, labels, classes)
			if d := totalDist(got, z, classes, rule.Margin); d > want+1e-12 {
				t.Fatalf("%v: total distance %v, best %v (z %v labels %v got %v)", mode, d, want, z, labels, got)
			}
		}
	}
}

// Exemption leaves the farthest items alone; relabeling moves the items with the largest
// excess to their nearest class; the false-positive allowance only lets fakes pass.
func TestClassAssignBehaviour(t *testing.T) {
	// Three classes, margin 0.2; z rows per item.
	z := []float64{
		0.5, -0.1, -0.3, // item 0: correct (label 0), distance 0
		-0.9, 0.8, -0.2, // item 1: label 0 but clearly class 1
		-0.1, 0.05, -0.1, // item 2: label 1, small violation
		0.6, -0.5, -0.5, // item 3: label 2 but clearly class 0
	}
	labels := []int{0, 0, 1, 2}
	got := make([]int, 4)
	a := classAssigner{rule: ClassRule{Margin: 0.2, Mode: ClassExempt, Count: 2}}
	a.Assign(got, z, labels, 3)
	if want := []int{0, Exempted, 1, Exempted}; !equalInts(got, want) {
		t.Errorf("exempt: %v, want %v", got, want)
	}
	a = classAssigner{rule: ClassRule{Margin: 0.2, Mode: ClassRelabel, Count: 1}}
	a.Assign(got, z, labels, 3)
	if want := []int{0, 1, 1, 2}; !equalInts(got, want) {
		t.Errorf("relabel 1: %v, want %v", got, want)
	}
	// The exported form decides the same way.
	ClassRule{Margin: 0.2, Mode: ClassRelabel, Count: 5}.Assign(got, z, labels, 3)
	if want := []int{0, 1, 1, 0}; !equalInts(got, want) {
		t.Errorf("relabel 5: %v, want %v", got, want)
	}
	// Two classes: fakes (0) near "genuine" may pass, genuine items never become fakes.
	z2 := []float64{
		-0.5, 0.5, // item 0: fake, looks genuine (advantage large)
		-0.1, 0.1, // item 1: fake, looks slightly genuine
		0.5, -0.5, // item 2: genuine label, looks fake
		0.4, -0.4, // item 3: fake, looks fake
	}
	a = classAssigner{rule: ClassRule{Margin: 0.2, Mode: ClassFalsePositive, Count: 1}}
	a.Assign(got, z2, []int{0, 0, 1, 0}, 2)
	if want := []int{1, 0, 1, 0}; !equalInts(got, want) {
		t.Errorf("fpa: %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// firstInOrder leaves the same first n keys, in the same order, as a full sort, and keeps
// every key.
func TestFirstInOrderMatchesSort(t *testing.T) {
	rng := NewRand(5)
	for trial := 0; trial < 500; trial++ {
		m := rng.IntN(40)
		keys := make([]classKey, m)
		for i := range keys {
			keys[i] = classKey{float64(rng.IntN(6)), rng.IntN(1000)} // ties in v, broken by k
		}
		n := rng.IntN(m + 2)
		n = min(n, m)
		want := slices.Clone(keys)
		slices.SortFunc(want, cmpClassKey)
		got := slices.Clone(keys)
		firstInOrder(got, n)
		if !slices.Equal(got[:n], want[:n]) {
			t.Fatalf("m %d n %d: first keys %v, sorted %v", m, n, got[:n], want[:n])
		}
		slices.SortFunc(got, cmpClassKey)
		if !slices.Equal(got, want) {
			t.Fatalf("m %d n %d: keys lost or duplicated", m, n)
		}
	}
}
