package dataset

import "testing"

func TestMajority(t *testing.T) {
	for _, depth := range []int{1, 2, 3, 4} {
		tr, te, err := Majority(depth, 7)
		if err != nil {
			t.Fatal(err)
		}
		if tr.X.Rows != 4096 || te.X.Rows != 4096 || tr.X.Cols != 13 || tr.Classes != 2 {
			t.Fatalf("depth %d: sizes %d/%d×%d, %d classes", depth, tr.X.Rows, te.X.Rows, tr.X.Cols, tr.Classes)
		}
		// Every input vector appears exactly once over the two sets, and the classes are
		// balanced (a circuit of majority gates and negations is self-dual).
		seen := make([]bool, 1<<13)
		ones := 0
		for _, s := range []Labelled{tr, te} {
			for r := 0; r < s.X.Rows; r++ {
				v := 0
				for i, b := range s.X.Row(r) {
					if b != 0 && b != 1 {
						t.Fatalf("non-binary input %v", b)
					}
					if b == 1 {
						v |= 1 << i
					}
				}
				if seen[v] {
					t.Fatalf("input %b appears twice", v)
				}
				seen[v] = true
				ones += s.Labels[r]
			}
		}
		if ones != 4096 {
			t.Errorf("depth %d: %d of 8192 items in class 1, want 4096", depth, ones)
		}
	}
	a, _, _ := Majority(3, 1)
	b, _, _ := Majority(3, 1)
	c, _, _ := Majority(3, 2)
	same, diff := true, false
	for i := range a.Labels {
		same = same && a.Labels[i] == b.Labels[i]
		diff = diff || a.Labels[i] != c.Labels[i]
	}
	if !same || !diff {
		t.Errorf("seeding: same seed equal %v, other seed differs %v", same, diff)
	}
	if _, _, err := Majority(0, 1); err == nil {
		t.Error("depth 0: no error")
	}
}
