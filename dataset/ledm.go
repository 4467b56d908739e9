package dataset

import "fmt"

// LEDM returns the m×m linear Euclidean distance matrix of section 4.4.1,
//
//	Y[i][k] = ((i−k)/(m−1))²,
//
// a standard benchmark for exact non-negative matrix factorization: it has ordinary rank 3
// (for m ≥ 3) and a non-negative rank that grows logarithmically with m (5 for m = 6).
// It panics if m < 2.
func LEDM(m int) Matrix {
	if m < 2 {
		panic(fmt.Sprintf("dataset: LEDM size %d < 2", m))
	}
	y := NewMatrix(m, m)
	s := 1 / float64(m-1)
	for i := range m {
		row := y.Row(i)
		for k := range row {
			d := float64(i-k) * s
			row[k] = d * d
		}
	}
	return y
}
