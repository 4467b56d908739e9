package train

import (
	"fmt"
	"math"

	"github.com/lwl-go/lwl/internal/ckpt"
)

// NMFCheckpoint is what a stopped exact-NMF run (Factorize on one batch of all rows, one
// epoch) goes on from: the whole RRR iterate (x and w of every edge, eqs. 14), the bilinear
// roots that warm-start the next iteration's Newton steps, the consensus features and codes
// as the last iteration left them, the iterations and work so far, and what identifies the
// run (data, rank, settings), so that a resume with other data or settings is refused. A
// run resumed from it repeats an unbroken run bit for bit (the iteration is deterministic
// and its parts are added in a fixed order for a fixed Workers).
//
// Online NMF (batches, epochs) is not checkpointed: its batches are short and restart from
// the features anyway.
type NMFCheckpoint struct {
	Rows, D, Rank int
	Omega, Beta   float64
	Tol           float64
	Sparsity      int
	Parts         int    // parallel parts of an iteration (the order of the consensus sums)
	Seed          uint64 // of the initial features (the run is identified by it, not resumed from it)
	DataHash      uint64 // of the data matrix (FNV-1a over its float64 bits)

	Iter    int     // iterations so far
	Work    int64   // weight-multiplies so far
	Seconds float64 // time spent so far
	RRRErr  float64 // RRR_err of the last iteration

	X, W   []float64 // Rows×D×Rank replicated codes and features (the search vector)
	U      []float64 // Rows×D last bilinear roots
	WA, XA []float64 // D×Rank consensus features, Rows×Rank consensus codes
}

const nmfCheckpointKind = "lwl exact nmf checkpoint"

// maxNMFCheckpoint bounds the checkpoint files that are read (an LEDM of m = 100 at rank 20
// is 3.2 MB).
const maxNMFCheckpoint = 1 << 30

// matrixHash fingerprints a data matrix (FNV-1a over its shape and float64 bits).
func matrixHash(y []float64, rows, cols int) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(rows))
	mix(uint64(cols))
	for _, v := range y {
		mix(math.Float64bits(v))
	}
	return h
}

// checkpoint returns the exact NMF's state as a checkpoint (copies of its slices).
func (n *NMF) checkpoint() *NMFCheckpoint {
	if n.sh.red != nil { // every process's items (a collective call, like Codes)
		n.gatherItems(n.x, n.D*n.C)
		n.gatherItems(n.w, n.D*n.C)
		n.gatherItems(n.u, n.D)
		n.gatherItems(n.xA, n.C)
	}
	cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
	return &NMFCheckpoint{Rows: n.K, D: n.D, Rank: n.C, Omega: n.omega, Sparsity: n.cfg.Sparsity, Parts: n.sh.parts,
		X: cp(n.x), W: cp(n.w), U: cp(n.u), WA: cp(n.wA), XA: cp(n.xA)}
}

// restore replaces the NMF's iterate by the checkpoint's; the batch (SetBatch) must be the
// checkpoint's rows, and Factorize has checked that it fits.
func (n *NMF) restore(c *NMFCheckpoint) {
	copy(n.x, c.X)
	copy(n.w, c.W)
	copy(n.u, c.U)
	copy(n.wA, c.WA)
	copy(n.xA, c.XA)
}

// fits reports why the checkpoint cannot resume exact NMF of y with settings s on an NMF of
// parts parallel parts, or nil.
func (c *NMFCheckpoint) fits(y []float64, rows, cols int, s FactorizeSettings, omega, beta float64, parts int) error {
	switch {
	case c.Rows != rows || c.D != cols || c.Rank != s.Rank:
		return fmt.Errorf("%w: %d×%d data at rank %d there, %d×%d at rank %d in this run", ErrCheckpoint, c.Rows, c.D, c.Rank, rows, cols, s.Rank)
	case c.DataHash != matrixHash(y, rows, cols):
		return fmt.Errorf("%w: it was taken on other data", ErrCheckpoint)
	case c.Omega != omega || c.Beta != beta || c.Sparsity != s.Sparsity || c.Seed != s.Seed:
		return fmt.Errorf("%w: Ω %v, β %v, sparsity %d, seed %d there; Ω %v, β %v, sparsity %d, seed %d in this run",
			ErrCheckpoint, c.Omega, c.Beta, c.Sparsity, c.Seed, omega, beta, s.Sparsity, s.Seed)
	case c.Parts != parts:
		return fmt.Errorf("%w: %d parallel parts there, %d in this run (the sums would be added in another order)", ErrCheckpoint, c.Parts, parts)
	case c.Iter > s.IterPerBatch:
		return fmt.Errorf("%w: it has run %d iterations, more than this run's cap of %d", ErrCheckpoint, c.Iter, s.IterPerBatch)
	}
	return nil
}

// Encode returns the checkpoint as a file (the container of internal/ckpt).
func (c *NMFCheckpoint) Encode() []byte { return c.writer().Encode() }

// WriteFile saves c to path through a temporary file and a rename, so that an existing
// checkpoint is never left half written.
func (c *NMFCheckpoint) WriteFile(path string) error { return c.writer().WriteFile(path) }

func (c *NMFCheckpoint) writer() *ckpt.Writer {
	w := ckpt.NewWriter()
	w.String("kind", nmfCheckpointKind)
	w.Ints("shape", []int{c.Rows, c.D, c.Rank, c.Sparsity, c.Parts})
	w.Floats("setting", []float64{c.Omega, c.Beta, c.Tol})
	w.Ints("ids", []int{int(c.Seed), int(c.DataHash)})
	w.Ints("position", []int{c.Iter, int(c.Work)})
	w.Floats("figures", []float64{c.Seconds, c.RRRErr})
	w.Floats("x", c.X)
	w.Floats("w", c.W)
	w.Floats("u", c.U)
	w.Floats("wa", c.WA)
	w.Floats("xa", c.XA)
	return w
}

// ReadNMFCheckpoint reads a checkpoint written by WriteFile. Its errors name the file and
// wrap ErrCheckpoint (or an fs error when the file cannot be opened).
func ReadNMFCheckpoint(path string) (*NMFCheckpoint, error) {
	return readCheckpointFile(path, maxNMFCheckpoint, decodeNMFCheckpoint)
}

// DecodeNMFCheckpoint decodes a checkpoint held in memory (the bytes of a file that
// WriteFile wrote).
func DecodeNMFCheckpoint(data []byte) (*NMFCheckpoint, error) {
	return decodeCheckpointBytes(data, decodeNMFCheckpoint)
}

// decodeNMFCheckpoint reads the fields and checks that their sizes agree with the shape and
// that every value is finite. Whether it fits a run is Factorize's business.
func decodeNMFCheckpoint(f *ckpt.File) (*NMFCheckpoint, error) {
	const maxDim = 1 << 20
	if k := f.String("kind"); f.Err() == nil && k != nmfCheckpointKind {
		return nil, fmt.Errorf("not an exact NMF checkpoint (kind %.40q)", k)
	}
	shape := f.Ints("shape", 5, 0, maxDim)
	setting := f.Floats("setting", 3)
	ids := f.Ints("ids", 2, math.MinInt, math.MaxInt)
	pos := f.Ints("position", 2, 0, math.MaxInt)
	figs := f.Floats("figures", 2)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c := &NMFCheckpoint{Rows: shape[0], D: shape[1], Rank: shape[2], Sparsity: shape[3], Parts: shape[4],
		Omega: setting[0], Beta: setting[1], Tol: setting[2], Seed: uint64(ids[0]), DataHash: uint64(ids[1]),
		Iter: pos[0], Work: int64(pos[1]), Seconds: figs[0], RRRErr: figs[1]}
	if c.Rows < 1 || c.D < 1 || c.Rank < 1 || c.Parts < 1 || c.Sparsity > c.D {
		return nil, fmt.Errorf("shape: %d×%d data, rank %d, sparsity %d, %d parts", c.Rows, c.D, c.Rank, c.Sparsity, c.Parts)
	}
	if int64(c.Rows)*int64(c.D)*int64(c.Rank) > maxNMFCheckpoint/16 {
		return nil, fmt.Errorf("shape: %d×%d data at rank %d is too large", c.Rows, c.D, c.Rank)
	}
	if !(c.Omega > 0) || !(c.Beta > 0) || !(c.Tol >= 0) || math.IsInf(c.Omega+c.Beta+c.Tol, 0) {
		return nil, fmt.Errorf("setting: Ω %v, β %v, tol %v", c.Omega, c.Beta, c.Tol)
	}
	e := c.Rows * c.D * c.Rank
	c.X = f.Floats("x", e)
	c.W = f.Floats("w", e)
	c.U = f.Floats("u", c.Rows*c.D)
	c.WA = f.Floats("wa", c.D*c.Rank)
	c.XA = f.Floats("xa", c.Rows*c.Rank)
	if err := f.Err(); err != nil {
		return nil, err
	}
	for _, v := range [][]float64{c.X, c.W, c.U, c.WA, c.XA} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("an iterate value is %v", x)
			}
		}
	}
	return c, nil
}
