package dataset

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLEDMValues(t *testing.T) {
	for _, tc := range []struct {
		m    int
		want []float64
	}{
		{2, []float64{0, 1, 1, 0}},
		{3, []float64{0, 0.25, 1, 0.25, 0, 0.25, 1, 0.25, 0}},
	} {
		y := LEDM(tc.m)
		if y.Rows != tc.m || y.Cols != tc.m || len(y.Data) != tc.m*tc.m {
			t.Fatalf("LEDM(%d) shape %d×%d, %d values", tc.m, y.Rows, y.Cols, len(y.Data))
		}
		for i, v := range tc.want {
			if y.Data[i] != v {
				t.Errorf("LEDM(%d).Data[%d] = %v, want %v", tc.m, i, y.Data[i], v)
			}
		}
	}
}

func TestLEDMSymmetricWithUnitCorners(t *testing.T) {
	for _, m := range []int{4, 6, 8, 12, 16} {
		y := LEDM(m)
		for i := range m {
			if y.At(i, i) != 0 {
				t.Errorf("LEDM(%d)[%d][%d] = %v, want 0", m, i, i, y.At(i, i))
			}
			for k := range m {
				if y.At(i, k) != y.At(k, i) {
					t.Errorf("LEDM(%d) not symmetric at (%d,%d)", m, i, k)
				}
			}
		}
		if y.At(0, m-1) != 1 || y.At(m-1, 0) != 1 {
			t.Errorf("LEDM(%d) corners %v, %v, want 1", m, y.At(0, m-1), y.At(m-1, 0))
		}
	}
}

// rank returns the numerical rank of y by SVD.
func rank(t *testing.T, y Matrix) int {
	t.Helper()
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(y.Rows, y.Cols, y.Data), mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	s := svd.Values(nil)
	r := 0
	for _, v := range s {
		if v > 1e-10*s[0] {
			r++
		}
	}
	return r
}

func TestLEDMRankThree(t *testing.T) {
	for _, m := range []int{3, 6, 8, 16, 40} {
		if r := rank(t, LEDM(m)); r != 3 {
			t.Errorf("rank(LEDM(%d)) = %d, want 3", m, r)
		}
	}
	if r := rank(t, LEDM(6)); r != 3 {
		t.Errorf("rank(LEDM(6)) = %d, want 3", r)
	}
}

func TestLEDMPanicsOnSmallSize(t *testing.T) {
	for _, m := range []int{-1, 0, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("LEDM(%d) did not panic", m)
				}
			}()
			LEDM(m)
		}()
	}
}
