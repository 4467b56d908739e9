package train

import (
	"cmp"
	"fmt"
	"slices"
)

// ClassMode selects the class-encoding constraint that a classifier imposes on each batch.
type ClassMode uint8

const (
	// ClassStrict is (26d, e) for every item: y − b ≥ Δ on the labelled class node and
	// y − b ≤ 0 on the others.
	ClassStrict ClassMode = iota
	// ClassExempt is the eccentric exemption (32): up to Count items per batch, those
	// farthest from their class constraint, are left unconstrained.
	ClassExempt
	// ClassRelabel is wrong-label relabeling (33): up to Count items per batch, those with
	// the largest positive excess distance, are projected to the class nearest to them
	// instead of their label.
	ClassRelabel
	// ClassFalsePositive is the false-positive allowance of section 6.2 for two classes,
	// 0 (fake) and 1 (genuine): of the fake-labelled items for which "genuine" is nearer,
	// up to Count with the largest advantage are projected to "genuine".
	ClassFalsePositive
)

func (m ClassMode) String() string {
	switch m {
	case ClassStrict:
		return "strict"
	case ClassExempt:
		return "exempt"
	case ClassRelabel:
		return "relabel"
	case ClassFalsePositive:
		return "false-positive"
	}
	return fmt.Sprintf("ClassMode(%d)", int(m))
}

// ClassRule is the class constraint of a batch: the margin Δ of (26d) and the intervention,
// if any, of section 5.3 or 6.2 with its per-batch count (EE or FPA).
type ClassRule struct {
	Margin float64
	Mode   ClassMode
	Count  int
}

// Exempted marks an item that the class constraint leaves alone in Assign's output.
const Exempted = -1

// classShift returns h such that moving y by +h and b by −h (equally and oppositely, the
// projection in the isotropic (y, b) metric) puts z = y − b on the nearest point of
// z ≥ margin (target) or z ≤ 0 (not the target).
func classShift(z float64, target bool, margin float64) float64 {
	if target {
		if v := margin - z; v > 0 {
			return 0.5 * v
		}
		return 0
	}
	if z > 0 {
		return -0.5 * z
	}
	return 0
}

// classDist2 returns the squared (y, b) distance, in units of g², of projecting the class
// values z (one per class node) to label c: Σ over nodes of 2h².
func classDist2(z []float64, c int, margin float64) float64 {
	var s float64
	for i, zi := range z {
		h := classShift(zi, i == c, margin)
		s += 2 * h * h
	}
	return s
}

// classKey is a sortable (value, item) pair; the order is value descending, item ascending,
// so ties resolve the same way on every run.
type classKey struct {
	v float64
	k int
}

func cmpClassKey(a, b classKey) int {
	if c := cmp.Compare(b.v, a.v); c != 0 {
		return c
	}
	return cmp.Compare(a.k, b.k)
}

// firstInOrder puts the n first keys of cmpClassKey's order, sorted, in keys[:n], and the
// others after them in any order: what the rule needs, in O(len·n) for the small counts of
// practice (a few exempted items per batch) instead of a sort of the whole batch per
// iteration. Large counts get the sort.
func firstInOrder(keys []classKey, n int) {
	if n > 16 || n >= len(keys) {
		slices.SortFunc(keys, cmpClassKey)
		return
	}
	if n == 0 {
		return
	}
	for i := range keys {
		j := min(i, n-1)
		if i >= n {
			if cmpClassKey(keys[i], keys[n-1]) >= 0 {
				continue
			}
			keys[i], keys[n-1] = keys[n-1], keys[i]
		}
		for ; j > 0 && cmpClassKey(keys[j], keys[j-1]) < 0; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// classAssigner decides, for a batch, which class each item is projected to. It keeps its
// scratch so that Assign does not allocate once warmed up to the batch size.
type classAssigner struct {
	rule ClassRule
	keys []classKey
}

// Assign writes into dst[k] the class that item k's class nodes are projected to (or
// Exempted), given z[k·C + i] = y − b on class node i of item k and the labels. It is the
// distance-minimising choice of the rule's constraint set: the set is a union over the
// allowed assignments, so its projection is the assignment of least total distance, which
// the per-item distances decide by a sort.
func (a *classAssigner) Assign(dst []int, z []float64, labels []int, classes int) {
	K := len(labels)
	copy(dst[:K], labels)
	r := a.rule
	if r.Mode == ClassStrict || r.Count <= 0 {
		return
	}
	if cap(a.keys) < K {
		a.keys = make([]classKey, K)
	}
	keys := a.keys[:0]
	for k := 0; k < K; k++ {
		zk := z[k*classes : (k+1)*classes]
		own := classDist2(zk, labels[k], r.Margin)
		switch r.Mode {
		case ClassExempt:
			if own > 0 {
				keys = append(keys, classKey{own, k})
			}
		case ClassRelabel:
			best, bestC := own, labels[k]
			for c := 0; c < classes; c++ {
				if d := classDist2(zk, c, r.Margin); d < best {
					best, bestC = d, c
				}
			}
			if excess := own - best; excess > 0 {
				keys = append(keys, classKey{excess, k})
				dst[k] = bestC // provisional; undone below unless selected
			}
		case ClassFalsePositive:
			if labels[k] == 0 && classes == 2 {
				if adv := own - classDist2(zk, 1, r.Margin); adv > 0 {
					keys = append(keys, classKey{adv, k})
				}
			}
		}
	}
	n := min(r.Count, len(keys))
	firstInOrder(keys, n)
	switch r.Mode {
	case ClassExempt:
		for _, kk := range keys[:n] {
			dst[kk.k] = Exempted
		}
	case ClassRelabel:
		for _, kk := range keys[n:] {
			dst[kk.k] = labels[kk.k]
		}
	case ClassFalsePositive:
		for _, kk := range keys[:n] {
			dst[kk.k] = 1
		}
	}
	a.keys = keys[:0]
}

// Assign writes into dst[k] the class that the rule projects item k to (its label, another
// class when relabeled, or Exempted), given z[k·classes + i] = y − b on class node i of item
// k and the labels of one batch. The count of the rule applies to the batch as a whole.
func (r ClassRule) Assign(dst []int, z []float64, labels []int, classes int) {
	if len(dst) < len(labels) || len(z) < len(labels)*classes {
		panic("train: ClassRule.Assign: short dst or z")
	}
	a := classAssigner{rule: r}
	a.Assign(dst, z, labels, classes)
}
