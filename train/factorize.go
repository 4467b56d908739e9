package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// FactorizeSettings configures a whole NMF run (section 4.3): exact NMF on one batch of all
// the data, or online NMF on batches with warm starts.
type FactorizeSettings struct {
	NMFConfig
	Beta float64 // RRR step β; 0 means 1
	// Gamma is γ of the generalised update (eq. 47); 0 and 1 mean plain RRR (eq. 45), which
	// runs the fused NMF sweep. Any other γ runs the plain Reference iteration over the
	// batch's two projections: correct, but far slower and allocating (small problems only).
	Gamma        float64
	Tol          float64 // stop a batch when RRR_err ≤ Tol; 0 means run every batch to the cap
	IterPerBatch int     // RRR_iter, the cap on iterations per batch; must be positive
	BatchSize    int     // items per batch; 0 means all rows in one batch (exact NMF)
	Epochs       int     // passes over the data; 0 means 1
	Seed         uint64  // seeds the initial features and the epoch shuffles

	// Trace, if set, receives every iteration's RRR_err, numbered across the whole run.
	Trace func(iter int, rrrErr float64)
	// OnEpoch, if set, is called after every epoch with recon_err over the whole data.
	OnEpoch func(epoch int, reconErr float64)

	// Checkpointing, for exact NMF only (one batch of all rows, one epoch, plain RRR):
	// Checkpoint, if set, receives the run's state every CheckpointEvery iterations (if > 0)
	// and once more when the run stops by its cap, its tolerance or cancellation (not when
	// it diverges). An error from it stops the run and is returned.
	Checkpoint      func(*NMFCheckpoint) error
	CheckpointEvery int
	// Resume, if set, goes on from this checkpoint of the same data and settings instead of
	// a random start: IterPerBatch then caps the iterations of the whole run, those before
	// the checkpoint included, and the iterates are those of an unbroken run.
	Resume *NMFCheckpoint
}

// Factorization is the result of Factorize.
type Factorization struct {
	Rows, D, C int
	Features   []float64 // D×C row-major: feature i is column i, non-negative, norm Ω
	Codes      []float64 // Rows×C: consensus codes (exact NMF) or encoder codes (online)
	ReconErr   float64   // eq. (23) over the whole data
	RRRErr     float64   // RRR_err of the last iteration
	Iterations int       // RRR iterations over all batches
	Work       int64     // weight-multiplies (eq. 24)
	Elapsed    time.Duration
	Stop       Stop // why the last batch stopped
}

// GWMs is the work in giga-weight-multiplies.
func (f *Factorization) GWMs() float64 { return float64(f.Work) * 1e-9 }

// NewRand returns the PCG generator that every seeded function of this package uses.
func NewRand(seed uint64) *rand.Rand { return rand.New(newPCG(seed)) }

// newPCG is NewRand's source, for the trainers that save and restore its state.
func newPCG(seed uint64) *rand.PCG { return rand.NewPCG(seed, seed^0x9e3779b97f4a7c15) }

// Factorize finds non-negative W (cols×Rank) and X (rows×Rank) with Y ≈ X·Wᵀ for the
// row-major rows×cols matrix y, by RRR on the constraints of section 4.1.
func Factorize(ctx context.Context, y []float64, rows, cols int, s FactorizeSettings) (*Factorization, error) {
	if rows <= 0 || cols <= 0 || len(y) != rows*cols {
		return nil, fmt.Errorf("train: Factorize: %d values for a %d×%d matrix", len(y), rows, cols)
	}
	for i, v := range y {
		if v != v || v < 0 {
			return nil, fmt.Errorf("train: Factorize: entry %d (row %d, column %d) is %v; NMF needs non-negative data", i, i/cols, i%cols, v)
		}
	}
	if s.IterPerBatch <= 0 {
		return nil, fmt.Errorf("%w: IterPerBatch = %d, want a positive cap", ErrSettings, s.IterPerBatch)
	}
	batch := s.BatchSize
	if batch <= 0 || batch > rows {
		batch = rows
	}
	epochs := max(s.Epochs, 1)
	cfg := s.NMFConfig
	if cfg.Workers == 0 && batch*cols*cfg.Rank < 1<<15 {
		cfg.Workers = 1 // too small to pay for synchronisation
	}
	rng := NewRand(s.Seed)
	n, err := NewNMF(cols, cfg, rng)
	if err != nil {
		return nil, err
	}
	defer n.Close()

	setting := map[string]float64{"rank": float64(cfg.Rank), "omega": n.omega, "sparsity": float64(cfg.Sparsity),
		"beta": s.Beta, "gamma": s.Gamma, "tol": s.Tol, "iter": float64(s.IterPerBatch), "batch": float64(batch),
		"epochs": float64(epochs), "seed": float64(s.Seed), "every": float64(s.CheckpointEvery)}
	if err := Agree(cfg.Reducer, settingHash(setting, matrixHash(y, rows, cols), float64(len(n.parts)))); err != nil {
		return nil, err
	}
	f := &Factorization{Rows: rows, D: cols, C: cfg.Rank}
	start := time.Now()
	exact := batch == rows && epochs == 1
	beta := s.Beta
	if beta == 0 {
		beta = 1
	}
	checkpointing := s.Checkpoint != nil || s.Resume != nil
	if checkpointing && (!exact || (s.Gamma != 0 && s.Gamma != 1)) {
		return nil, fmt.Errorf("%w: checkpoints are for exact NMF (one batch, one epoch, γ = 1) only", ErrSettings)
	}
	if s.Resume != nil {
		if err := s.Resume.fits(y, rows, cols, s, n.omega, beta, n.sh.parts); err != nil {
			return nil, err
		}
	}
	var prior time.Duration
	snapshot := func(iter int, rrrErr float64) *NMFCheckpoint {
		c := n.checkpoint()
		c.Beta, c.Tol, c.Seed, c.DataHash = beta, s.Tol, s.Seed, matrixHash(y, rows, cols)
		c.Iter, c.Work, c.RRRErr = iter, int64(iter)*n.Work(), rrrErr
		c.Seconds = (prior + time.Since(start)).Seconds()
		return c
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ckptErr error
	lastErr := math.NaN()
	codes := make([]float64, rows*cfg.Rank)
	buf := make([]float64, batch*cols)
	var ref *Reference
	l := newEpochLoop(rows, batch, epochs)
	l.settings = Settings{Beta: s.Beta, Tol: s.Tol, MaxIter: s.IterPerBatch, Trace: s.Trace}
	if checkpointing {
		trace := s.Trace
		l.settings.Trace = func(i int, e float64) {
			lastErr = e
			if trace != nil {
				trace(i, e)
			}
			if s.Checkpoint != nil && s.CheckpointEvery > 0 && i%s.CheckpointEvery == 0 && ckptErr == nil {
				if ckptErr = s.Checkpoint(snapshot(i, e)); ckptErr != nil {
					cancel()
				}
			}
		}
	}
	if r := s.Resume; r != nil {
		l.iter = r.Iter
		l.settings.MaxIter = s.IterPerBatch - r.Iter
		prior = time.Duration(r.Seconds * float64(time.Second))
		f.Work, lastErr = r.Work, r.RRRErr
	}
	if !exact {
		l.shuffle = func(_ int, order []int) {
			rng.Shuffle(rows, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
	}
	l.start = func(items []int) (Iterator, error) {
		for r, k := range items {
			copy(buf[r*cols:(r+1)*cols], y[k*cols:(k+1)*cols])
		}
		if err := n.SetBatch(buf, batch); err != nil {
			return nil, err
		}
		if s.Resume != nil {
			n.restore(s.Resume)
		}
		if s.Gamma != 0 && s.Gamma != 1 {
			ref = NewReference(n.Problem(), n.State(), s.Gamma)
			return ref, nil
		}
		return n, nil
	}
	l.solved = func() {
		if ref != nil {
			n.SetState(ref.Z)
		}
	}
	l.done = func(_ int, _ []int, st Status, _ float64) error {
		f.Work += st.Work
		f.Stop, f.RRRErr = st.Stop, st.Err
		return nil
	}
	l.epochDone = func(ep int) error {
		if exact {
			copy(codes, n.Codes())
		} else if err := n.Encode(codes, y, rows); err != nil {
			return err
		}
		f.ReconErr = n.ReconErr(y, codes, rows)
		if s.OnEpoch != nil {
			s.OnEpoch(ep, f.ReconErr)
		}
		return nil
	}
	if s.Resume != nil && l.settings.MaxIter == 0 {
		// resumed at its cap: nothing to iterate, the result is the checkpoint's
		if _, err := l.start(l.order); err != nil {
			return nil, err
		}
		f.Stop, f.RRRErr = StopMaxIter, lastErr
		copy(codes, n.Codes())
		f.ReconErr = n.ReconErr(y, codes, rows)
	} else {
		err = l.run(ctx)
	}
	if ckptErr != nil {
		return nil, ckptErr
	}
	if s.Checkpoint != nil && (err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		if cerr := s.Checkpoint(snapshot(l.iter, lastErr)); cerr != nil {
			return nil, cerr
		}
	}
	if err != nil {
		return nil, err
	}
	iter := l.iter
	f.Iterations = iter
	f.Elapsed = prior + time.Since(start)
	f.Features = append([]float64(nil), n.Features()...)
	f.Codes = codes
	return f, nil
}
