package train

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// ledm is the linear Euclidean distance matrix of section 4.4.1 (written out here so the
// engine tests do not depend on the dataset package).
func ledm(m int) []float64 {
	y := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for k := 0; k < m; k++ {
			d := float64(i-k) / float64(m-1)
			y[i*m+k] = d * d
		}
	}
	return y
}

// randomNonNeg returns a rows×cols product of random non-negative factors of the given rank.
func randomNonNeg(rows, cols, rank int, seed uint64) []float64 {
	rng := NewRand(seed)
	a := make([]float64, rows*rank)
	b := make([]float64, rank*cols)
	for i := range a {
		a[i] = rng.Float64()
	}
	for i := range b {
		b[i] = rng.Float64()
	}
	y := make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			for i := 0; i < rank; i++ {
				y[r*cols+c] += a[r*rank+i] * b[i*cols+c]
			}
		}
	}
	return y
}

// The fused NMF iteration must produce the same iterates as the plain RRR iteration over
// the projections written straight from eqs. (14). The two sum in different orders (and
// the assembly kernels fuse multiply-adds), and the dynamics are chaotic, so rounding
// differences grow from one iteration to the next: on these problems they stay near 1e-15
// for ten iterations and can reach 1e-12 after twenty. Twelve iterations are compared; a
// wrong projection or update is off by far more at the first.
func TestNMFIterateMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name             string
		rows, cols, rank int
		workers          int
		sparsity         int
		beta             float64
	}{
		{"LEDM-like single worker", 6, 6, 5, 1, 0, 0.3},
		{"two workers", 9, 7, 3, 2, 0, 1},
		{"three workers uneven", 10, 5, 4, 3, 0, 0.7},
		{"sparse features", 8, 12, 3, 2, 4, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := randomNonNeg(tc.rows, tc.cols, tc.rank, 7)
			n, err := NewNMF(tc.cols, NMFConfig{Rank: tc.rank, Omega: 0.8, Sparsity: tc.sparsity, Workers: tc.workers}, NewRand(3))
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			if err := n.SetBatch(y, tc.rows); err != nil {
				t.Fatal(err)
			}
			checkAgainstReference(t, n, NewReference(n.Problem(), n.State(), 1), tc.beta, 12)
		})
	}
}

// The warm start satisfies the A constraints exactly, so P_A leaves it in place.
func TestNMFWarmStartLiesInA(t *testing.T) {
	y := randomNonNeg(5, 8, 3, 1)
	n, err := NewNMF(8, NMFConfig{Rank: 3, Omega: 2, Workers: 1}, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.SetBatch(y, 5); err != nil {
		t.Fatal(err)
	}
	z := n.State()
	pa := make([]float64, len(z))
	n.Problem().ProjectA(pa, z)
	for i := range z {
		if math.Abs(pa[i]-z[i]) > 1e-12 {
			t.Fatalf("coordinate %d moved by %g under P_A", i, pa[i]-z[i])
		}
	}
}

// Exact NMF of the m = 6 LEDM at its non-negative rank 5 with the settings of table 1.
// The paper solves it in 100% of runs; so must we, from several seeds.
func TestFactorizeSolvesLEDM6(t *testing.T) {
	y := ledm(6)
	for seed := uint64(1); seed <= 4; seed++ {
		f, err := Factorize(context.Background(), y, 6, 6, FactorizeSettings{
			NMFConfig:    NMFConfig{Rank: 5, Omega: 0.6},
			Beta:         0.3,
			Tol:          1e-9,
			IterPerBatch: 5_000_000,
			Seed:         seed,
		})
		if err != nil {
			t.Fatal(err)
		}
		if f.ReconErr >= 1e-5 {
			t.Errorf("seed %d: recon_err %g after %d iterations (%v), want < 1e-5", seed, f.ReconErr, f.Iterations, f.Stop)
		}
		for i, v := range f.Features {
			if v < 0 {
				t.Fatalf("seed %d: feature entry %d is negative: %v", seed, i, v)
			}
		}
		for i := 0; i < f.C; i++ {
			var s float64
			for j := 0; j < f.D; j++ {
				s += f.Features[j*f.C+i] * f.Features[j*f.C+i]
			}
			if math.Abs(math.Sqrt(s)-0.6) > 1e-9 {
				t.Fatalf("seed %d: feature %d has norm %v, want Ω = 0.6", seed, i, math.Sqrt(s))
			}
		}
		if want := int64(f.Iterations) * 6 * 6 * 5; f.Work != want {
			t.Fatalf("work %d, want iterations×|K|×|E| = %d", f.Work, want)
		}
	}
}

// Factorize is reproducible bit for bit for a seed.
func TestFactorizeIsReproducible(t *testing.T) {
	y := randomNonNeg(40, 30, 4, 2)
	run := func() *Factorization {
		f, err := Factorize(context.Background(), y, 40, 30, FactorizeSettings{
			NMFConfig: NMFConfig{Rank: 4, Omega: 1, Workers: 2}, IterPerBatch: 5, BatchSize: 10, Epochs: 3, Seed: 9,
		})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := run(), run()
	for i := range a.Features {
		if a.Features[i] != b.Features[i] {
			t.Fatalf("feature entry %d differs between identical runs: %v vs %v", i, a.Features[i], b.Features[i])
		}
	}
	if a.ReconErr != b.ReconErr {
		t.Fatalf("recon_err differs: %v vs %v", a.ReconErr, b.ReconErr)
	}
}

// Online NMF on data with an exact non-negative rank-4 factorisation gets close to it.
func TestFactorizeOnlineReducesError(t *testing.T) {
	y := randomNonNeg(200, 30, 4, 5)
	var first, last float64
	f, err := Factorize(context.Background(), y, 200, 30, FactorizeSettings{
		NMFConfig: NMFConfig{Rank: 4, Omega: 1}, IterPerBatch: 20, BatchSize: 50, Epochs: 15, Seed: 1,
		OnEpoch: func(ep int, e float64) {
			if ep == 1 {
				first = e
			}
			last = e
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !(last < first/3) || f.ReconErr != last {
		t.Fatalf("recon_err went from %v to %v (result %v); want a threefold reduction", first, last, f.ReconErr)
	}
}

func TestFactorizeCancels(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Factorize(ctx, ledm(6), 6, 6, FactorizeSettings{NMFConfig: NMFConfig{Rank: 5}, IterPerBatch: 100})
	if err == nil {
		t.Fatal("cancelled Factorize returned no error")
	}
}

func TestFactorizeRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		y          []float64
		rows, cols int
		s          FactorizeSettings
	}{
		{[]float64{1, 2, 3}, 2, 2, FactorizeSettings{NMFConfig: NMFConfig{Rank: 1}, IterPerBatch: 1}},
		{[]float64{1, -2, 3, 4}, 2, 2, FactorizeSettings{NMFConfig: NMFConfig{Rank: 1}, IterPerBatch: 1}},
		{[]float64{1, math.NaN(), 3, 4}, 2, 2, FactorizeSettings{NMFConfig: NMFConfig{Rank: 1}, IterPerBatch: 1}},
		{[]float64{1, 2, 3, 4}, 2, 2, FactorizeSettings{NMFConfig: NMFConfig{Rank: 0}, IterPerBatch: 1}},
		{[]float64{1, 2, 3, 4}, 2, 2, FactorizeSettings{NMFConfig: NMFConfig{Rank: 1}}},
	} {
		if _, err := Factorize(context.Background(), tc.y, tc.rows, tc.cols, tc.s); err == nil {
			t.Errorf("Factorize(%v, %d×%d, %+v) succeeded", tc.y, tc.rows, tc.cols, tc.s)
		}
	}
}

// BenchmarkNMFIterate measures one fused iteration of online NMF at the montage size of
// section 4.4.2 (|K| = 50, 16 code nodes, 1600 data nodes) and reports ns per weight-multiply.
func BenchmarkNMFIterate(b *testing.B) {
	// K4 keeps x and w (1.6 MB) in one core's L2 cache; K50 streams 20 MB per iteration.
	for _, size := range []struct{ k, d, c, workers int }{{50, 1600, 16, 1}, {50, 1600, 16, 2}, {4, 1600, 16, 1}, {16, 16, 8, 1}} {
		b.Run(fmt.Sprintf("K%d_D%d_C%d_workers%d", size.k, size.d, size.c, size.workers), func(b *testing.B) {
			y := randomNonNeg(size.k, size.d, size.c, 1)
			n, err := NewNMF(size.d, NMFConfig{Rank: size.c, Omega: 2, Workers: size.workers}, NewRand(1))
			if err != nil {
				b.Fatal(err)
			}
			defer n.Close()
			if err := n.SetBatch(y, size.k); err != nil {
				b.Fatal(err)
			}
			benchWM(b, n)
		})
	}
}

// The generalised update of eq. (47) runs through the Reference iteration; with γ near 1
// it still factorises the m = 6 LEDM exactly.
func TestFactorizeGeneralisedGamma(t *testing.T) {
	f, err := Factorize(context.Background(), ledm(6), 6, 6, FactorizeSettings{
		NMFConfig: NMFConfig{Rank: 5, Omega: 0.6}, Beta: 0.3, Gamma: 0.9, Tol: 1e-9, IterPerBatch: 2_000_000, Seed: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.ReconErr >= 1e-5 {
		t.Fatalf("γ = 0.9: recon_err %g after %d iterations (%v), want < 1e-5", f.ReconErr, f.Iterations, f.Stop)
	}
}

// SetState recomputes the consensus of a point: for the warm start, which lies in A, the
// features and codes it had.
func TestNMFSetStateRecoversConsensus(t *testing.T) {
	y := randomNonNeg(5, 8, 3, 4)
	n, err := NewNMF(8, NMFConfig{Rank: 3, Omega: 1.5, Workers: 1}, NewRand(2))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.SetBatch(y, 5); err != nil {
		t.Fatal(err)
	}
	w0 := append([]float64(nil), n.Features()...)
	x0 := append([]float64(nil), n.Codes()...)
	n.SetState(n.State())
	for i, v := range n.Features() {
		if math.Abs(v-w0[i]) > 1e-12 {
			t.Fatalf("feature entry %d: %v, want %v", i, v, w0[i])
		}
	}
	for i, v := range n.Codes() {
		if math.Abs(v-x0[i]) > 1e-12 {
			t.Fatalf("code %d: %v, want %v", i, v, x0[i])
		}
	}
}
