package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/internal/asm/f64"
	"github.com/lwl-go/lwl/internal/par"
)

// NMFConfig describes a non-negative matrix factorisation Y ≈ X·Wᵀ (section 4): |K| data
// vectors of length D (the rows of Y) are mixtures, with non-negative codes X, of Rank
// non-negative features of length D (the columns of W), each of norm Omega.
type NMFConfig struct {
	Rank     int     // number of features (code nodes |C|)
	Omega    float64 // norm Ω of every feature (14c); 0 means 1
	Sparsity int     // s > 0: features are also s-sparse (section 1); 0: plain non-negativity
	Workers  int     // parallel parts of one iteration; 0 means GOMAXPROCS
	// Reducer, if it joins several processes, gives this one its share of every batch's
	// items (reducer.go); the run then equals one process's with Workers·Size() parts.
	// nil: one process.
	Reducer Reducer
}

// NMF is the RRR state of non-negative matrix factorisation on one batch.
//
// The search variables are w[k, i→j] and x[k, i→j] for item k, code node i and data node j
// (eqs. 14). They are stored item by item, data node by data node, with the Rank code
// values innermost: x[(k·D + j)·C + i]. The bilinear constraint (14d) of one (k, j) then
// reads two contiguous vectors, and one iteration is a single streaming pass over x and w.
//
// Set A (14a–c) is the consensus of x over data nodes (non-negative) and of w over items
// (non-negative with norm Ω, optionally s-sparse); set B (14d) is x·w = y per (k, j).
// Iterate fuses both projections and the update in one pass, accumulating the consensus
// sums of the next iteration as it writes the new values.
type NMF struct {
	cfg     NMFConfig
	omega   float64
	side    Side
	D, C, K int // data nodes, code nodes, items in the current batch

	y    []float64 // K×D batch data
	x, w []float64 // K×D×C replicated variables
	u    []float64 // K×D last bilinear root, the next iteration's starting guess

	wA   []float64 // D×C consensus features P_A(w) of the current point
	xA   []float64 // K×C consensus codes P_A(x) of the current point
	xsum []float64 // K×C running sums over j of the new x, for the next xA

	pool  *par.Pool
	pass  func(part int) // n.itemPass, bound once so that Iterate does not allocate
	parts []nmfPart
	sh    shard // the global parts of this process (reducer.go); all of them in one process
	klo   int   // items klo ≤ k < khi are this process's (0, K in one process)
	khi   int
	beta  float64
	col   []float64 // D scratch for the feature side constraint
}

type nmfPart struct {
	wsum   []float64 // D×C sum over this part's items of the new w
	a, b   []float64 // D scalars A, B (eq. 52) of the item in progress
	fs, fd []float64 // D factors of its bilinear projections (see bilinearRoots)
	rx, rw []float64 // C scratch of the degenerate-root path
	err    float64   // Σ (Δx² + Δw²) over this part
	_      [56]byte  // keep parts on separate cache lines
}

// NewNMF returns an NMF on data vectors of length d with random initial features: every
// entry uniform on [0, 1), each feature then scaled to norm Ω (section 4.3).
func NewNMF(d int, cfg NMFConfig, rng *rand.Rand) (*NMF, error) {
	if d <= 0 || cfg.Rank <= 0 {
		return nil, fmt.Errorf("train: NMF needs positive data length and rank, got D=%d rank=%d", d, cfg.Rank)
	}
	if cfg.Omega == 0 {
		cfg.Omega = 1
	}
	if !(cfg.Omega > 0) || math.IsInf(cfg.Omega, 0) {
		return nil, fmt.Errorf("train: NMF feature norm Ω = %v, want > 0", cfg.Omega)
	}
	if cfg.Sparsity < 0 || cfg.Sparsity > d {
		return nil, fmt.Errorf("train: NMF sparsity %d out of range [0, %d]", cfg.Sparsity, d)
	}
	n := &NMF{cfg: cfg, omega: cfg.Omega, D: d, C: cfg.Rank}
	if cfg.Sparsity > 0 {
		n.side = &SparseNonNegNorm{S: cfg.Sparsity, Omega: cfg.Omega}
	} else {
		n.side = NonNegNorm{Omega: cfg.Omega}
	}
	n.pool = par.New(cfg.Workers)
	n.pass = n.itemPass
	n.parts = make([]nmfPart, n.pool.Parts())
	n.sh = newShard(cfg.Reducer, len(n.parts))
	for p := range n.parts {
		n.parts[p].wsum = make([]float64, d*n.C)
		n.parts[p].a, n.parts[p].b = make([]float64, d), make([]float64, d)
		n.parts[p].fs, n.parts[p].fd = make([]float64, d), make([]float64, d)
		n.parts[p].rx, n.parts[p].rw = make([]float64, n.C), make([]float64, n.C)
	}
	n.col = make([]float64, d)
	n.wA = make([]float64, d*n.C)
	for i := range n.wA {
		n.wA[i] = rng.Float64()
	}
	n.projectFeatures(n.wA)
	return n, nil
}

// Close releases the worker goroutines.
func (n *NMF) Close() { n.pool.Close() }

// Work is |K|·|E| = K·D·C weight-multiplies per iteration.
func (n *NMF) Work() int64 { return int64(n.K) * int64(n.D) * int64(n.C) }

// Features returns the current consensus features W as a D×C row-major slice (feature i is
// column i). It is the NMF's own storage: copy it to keep it across iterations.
func (n *NMF) Features() []float64 { return n.wA }

// Codes returns the consensus codes of the current batch, K×C row-major (NMF's storage). In a
// distributed run (NMFConfig.Reducer) it first gathers every process's codes, so every
// process must call it at the same point.
func (n *NMF) Codes() []float64 {
	if n.sh.red != nil {
		n.gatherItems(n.xA, n.C)
	}
	return n.xA[:n.K*n.C]
}

// gatherItems sets the rows of every process's items in v (K rows of stride values) on every
// process (a distributed run).
func (n *NMF) gatherItems(v []float64, stride int) {
	n.sh.gatherRows(v, stride, func(q int) (int, int) { return n.sh.itemRange(q, n.K, 1, n.K) })
}

// SetFeatures replaces the consensus features (D×C, projected onto the feature set).
func (n *NMF) SetFeatures(w []float64) {
	copy(n.wA, w)
	n.projectFeatures(n.wA)
}

// projectFeatures applies the feature side constraint to every column of a D×C matrix.
func (n *NMF) projectFeatures(wA []float64) {
	d, c := n.D, n.C
	for i := 0; i < c; i++ {
		for j := 0; j < d; j++ {
			n.col[j] = wA[j*c+i]
		}
		n.side.Project(n.col)
		for j := 0; j < d; j++ {
			wA[j*c+i] = n.col[j]
		}
	}
}

// ErrRankDeficient reports features whose Gram matrix cannot be inverted, so the
// pseudo-inverse encoder (eq. 12) does not exist.
var ErrRankDeficient = errors.New("train: NMF features are rank deficient")

// Encode writes the codes of the rows of y (rows×D) into dst (rows×C): x = ReLU(E·y)
// (eq. 13), with E = (WᵀW)⁻¹Wᵀ the pseudo-inverse encoder of the current features. It is
// the runtime's encoder (infer.NMF), so a saved factorisation encodes as it trained.
func (n *NMF) Encode(dst, y []float64, rows int) error {
	enc, err := infer.NewNMF(&format.NMF{Data: n.D, Codes: n.C, Features: n.wA, Omega: n.omega})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRankDeficient, err)
	}
	d, c := n.D, n.C
	for k := 0; k < rows; k++ {
		enc.Encode(dst[k*c:(k+1)*c], y[k*d:(k+1)*d])
	}
	return nil
}

// ReconErr is the RMS reconstruction error of eq. (23) for data y (rows×D) with codes x
// (rows×C) and the current features.
func (n *NMF) ReconErr(y, x []float64, rows int) float64 {
	d, c := n.D, n.C
	var s float64
	for k := 0; k < rows; k++ {
		xk := x[k*c : (k+1)*c]
		for j := 0; j < d; j++ {
			wj := n.wA[j*c : (j+1)*c]
			var r float64
			for i, xi := range xk {
				r += xi * wj[i]
			}
			e := y[k*d+j] - r
			s += e * e
		}
	}
	return math.Sqrt(s / float64(rows*d))
}

// SetBatch starts a batch on the rows of y (k×D) with the warm start of section 4.3: every
// w[k] takes the current consensus features, and every x[k, i→j] the code of item k from the
// pseudo-inverse encoder followed by ReLU. The point then lies in A.
func (n *NMF) SetBatch(y []float64, k int) error {
	if k <= 0 || len(y) < k*n.D {
		return fmt.Errorf("train: NMF batch of %d items needs %d values, got %d", k, k*n.D, len(y))
	}
	d, c := n.D, n.C
	if cap(n.x) < k*d*c {
		n.x = make([]float64, k*d*c)
		n.w = make([]float64, k*d*c)
		n.u = make([]float64, k*d)
		n.xA = make([]float64, k*c)
		n.xsum = make([]float64, k*c)
		n.y = make([]float64, k*d)
	}
	n.K = k
	n.klo, n.khi = 0, k
	if n.sh.red != nil {
		n.klo, n.khi = n.sh.itemRange(n.sh.red.Rank(), k, 1, k)
	}
	n.x, n.w, n.u = n.x[:k*d*c], n.w[:k*d*c], n.u[:k*d]
	n.xA, n.xsum, n.y = n.xA[:k*c], n.xsum[:k*c], n.y[:k*d]
	copy(n.y, y[:k*d])
	if err := n.Encode(n.xA, n.y, k); err != nil {
		return err
	}
	for kk := 0; kk < k; kk++ {
		xa := n.xA[kk*c : (kk+1)*c]
		for j := 0; j < d; j++ {
			off := (kk*d + j) * c
			copy(n.x[off:off+c], xa)
			copy(n.w[off:off+c], n.wA[j*c:(j+1)*c])
		}
	}
	clear(n.u)
	return nil
}

// Iterate performs one fused RRR iteration (eq. 45, γ = 1) and returns RRR_err of eq. (22),
// normalised as sqrt(Σ (Δw² + Δx²) / (|K|·|E|)).
func (n *NMF) Iterate(beta float64) float64 {
	n.beta = beta
	n.pool.Run(n.pass)
	// Reduce the consensus sums into the next P_A: features are the side-projected mean
	// over items, codes the non-negative mean over data nodes.
	d, c := n.D, n.C
	inv := 1 / float64(n.K)
	var errSum float64
	wA := n.wA
	if n.sh.red != nil {
		errSum = n.reduceShard()
	} else {
		copy(wA, n.parts[0].wsum)
		errSum = n.parts[0].err
		for p := 1; p < len(n.parts); p++ {
			ws := n.parts[p].wsum
			for i := range wA {
				wA[i] += ws[i]
			}
			errSum += n.parts[p].err
		}
	}
	for i := range wA {
		wA[i] *= inv
	}
	n.projectFeatures(wA)
	invD := 1 / float64(d)
	lo := n.klo * c // this process's items: the others' xsum are theirs (all in one process)
	for i, s := range n.xsum[lo : n.khi*c] {
		v := s * invD
		if v < 0 {
			v = 0
		}
		n.xA[lo+i] = v
	}
	return math.Sqrt(errSum / float64(n.K*d*c))
}

// reduceShard is Iterate's reduction in a distributed run: the parts of all processes
// exchange their feature sums and error sums (one Allgather of parts·(D·C + 1) values), and
// every process adds them in part order as Iterate does in one process, so the feature
// consensus (14b, c) is the one-process value bit for bit. It leaves the sum in wA and
// returns the error sum.
func (n *NMF) reduceShard() float64 {
	m := n.D * n.C
	blk := m + 1
	send, all := n.sh.buffers(len(n.parts) * blk)
	for p := range n.parts {
		copy(send[p*blk:p*blk+m], n.parts[p].wsum)
		send[p*blk+m] = n.parts[p].err
	}
	n.sh.red.Allgather(send, all)
	copy(n.wA, all[:m])
	errSum := all[m]
	for g := 1; g < n.sh.parts; g++ {
		ws := all[g*blk : g*blk+m]
		for i := range n.wA {
			n.wA[i] += ws[i]
		}
		errSum += all[g*blk+m]
	}
	return errSum
}

// itemPass runs one part's share of the items: reflect through A, project to B, update,
// and accumulate the consensus sums of the new point.
func (n *NMF) itemPass(part int) {
	lo, hi := par.Span(n.K, n.sh.parts, n.sh.part0+part)
	pt := &n.parts[part]
	wsum := pt.wsum
	clear(wsum)
	d, c := n.D, n.C
	beta := n.beta
	var errSum float64
	for k := lo; k < hi; k++ {
		xa := n.xA[k*c : (k+1)*c]
		xs := n.xsum[k*c : (k+1)*c]
		clear(xs)
		yk := n.y[k*d : (k+1)*d]
		uk := n.u[k*d : (k+1)*d]
		// Three sweeps over the item's D vector pairs, which stay in cache between them:
		// the scalars of eq. (17) at the reflected point, the D independent roots (which
		// the processor can then overlap), and the fused projection and update.
		xk, wk := n.x[k*d*c:(k+1)*d*c], n.w[k*d*c:(k+1)*d*c]
		f64.ReflectDotsRows(pt.a, pt.b, xk, wk, xa, n.wA, d, c)
		if bilinearRoots(uk, pt.fs, pt.fd, pt.a, pt.b, yk, 0) {
			for j := 0; j < d; j++ { // x = ±w somewhere: the plain projection, row by row
				e, _ := degenerateRow(xk[j*c:], wk[j*c:], 1, xa, xs, 1, n.wA[j*c:], wsum[j*c:], pt.rx, pt.rw, c, 0, yk[j], beta)
				errSum += e
			}
			continue
		}
		errSum += f64.BilinearUpdateRows(xk, wk, xa, n.wA, xs, wsum, pt.fs, pt.fd, d, c, beta)
	}
	pt.err = errSum
}

// State returns a copy of the search vector z = (x, w), for comparison with the reference
// iteration.
func (n *NMF) State() []float64 {
	z := make([]float64, 0, 2*len(n.x))
	return append(append(z, n.x...), n.w...)
}

// SetState replaces the search vector by z = (x, w) (as State returns it) and recomputes
// the consensus P_A(z): the features and codes of the point.
func (n *NMF) SetState(z []float64) {
	m := len(n.x)
	copy(n.x, z[:m])
	copy(n.w, z[m:2*m])
	d, c := n.D, n.C
	clear(n.wA)
	for k := 0; k < n.K; k++ {
		xs := n.xsum[k*c : (k+1)*c]
		clear(xs)
		for j := 0; j < d; j++ {
			off := (k*d + j) * c
			for i := 0; i < c; i++ {
				xs[i] += n.x[off+i]
				n.wA[j*c+i] += n.w[off+i]
			}
		}
		for i, v := range xs {
			n.xA[k*c+i] = max(v/float64(d), 0)
		}
	}
	for i := range n.wA {
		n.wA[i] /= float64(n.K)
	}
	n.projectFeatures(n.wA)
}

// Problem returns the plain two-projection form of the current batch, on the search vector
// z = (x, w) of State. It shares the batch data but not the iterate.
func (n *NMF) Problem() Problem {
	return &nmfProblem{K: n.K, D: n.D, C: n.C, y: n.y, side: n.side, col: make([]float64, n.D)}
}

// nmfProblem is NMF written straight from eqs. (14) and lemma 4.1, one constraint at a time.
type nmfProblem struct {
	K, D, C int
	y       []float64
	side    Side
	col     []float64
}

func (p *nmfProblem) Dim() int    { return 2 * p.K * p.D * p.C }
func (p *nmfProblem) Work() int64 { return int64(p.K * p.D * p.C) }

func (p *nmfProblem) ProjectA(dst, z []float64) {
	K, D, C := p.K, p.D, p.C
	n := K * D * C
	x, w := z[:n], z[n:]
	dx, dw := dst[:n], dst[n:]
	at := func(k, j, i int) int { return (k*D+j)*C + i }
	// (14a): per item and code node, the copies over data nodes agree on a non-negative value.
	for k := 0; k < K; k++ {
		for i := 0; i < C; i++ {
			copies := make([][]float64, D)
			for j := 0; j < D; j++ {
				copies[j] = x[at(k, j, i) : at(k, j, i)+1]
			}
			var v [1]float64
			ProjectConsensus(v[:], copies, NonNeg{})
			for j := 0; j < D; j++ {
				dx[at(k, j, i)] = v[0]
			}
		}
	}
	// (14b, c): per feature, the copies over items agree on a vector with the side constraint.
	for i := 0; i < C; i++ {
		copies := make([][]float64, K)
		for k := 0; k < K; k++ {
			copies[k] = make([]float64, D)
			for j := 0; j < D; j++ {
				copies[k][j] = w[at(k, j, i)]
			}
		}
		v := make([]float64, D)
		ProjectConsensus(v, copies, p.side)
		for k := 0; k < K; k++ {
			for j := 0; j < D; j++ {
				dw[at(k, j, i)] = v[j]
			}
		}
	}
}

func (p *nmfProblem) ProjectB(dst, z []float64) {
	K, D, C := p.K, p.D, p.C
	n := K * D * C
	copy(dst, z)
	for k := 0; k < K; k++ {
		for j := 0; j < D; j++ {
			off := (k*D + j) * C
			ProjectBilinearFixed(dst[off:off+C], dst[n+off:n+off+C], p.y[k*D+j])
		}
	}
}

// FlowSpeed normalises as eq. (22) with the reference programs' |K|·|E|.
func (p *nmfProblem) FlowSpeed(pa, pb []float64) float64 {
	var s float64
	for i := range pa {
		d := pb[i] - pa[i]
		s += d * d
	}
	return math.Sqrt(s / float64(p.K*p.D*p.C))
}
