package train

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/lwl-go/lwl/internal/atomicfile"
)

// AutoencoderCheckpoint is what a stopped autoencoder run resumes from: the consensus
// parameters after Epoch whole epochs, in full float64 (a bundle stores float32), with the
// settings that shape the rest of the run so that a resume with other settings is refused.
// Because each epoch's random stream depends only on the seed and the epoch, a resumed run
// gives the same parameters as an uninterrupted one.
type AutoencoderCheckpoint struct {
	Magic   string // checkpointMagic
	Sizes   []int
	Code    int
	Setting map[string]float64 // Ω, activation, β, batch sizes, RRR_iter, seed
	Epoch   int                // whole epochs trained
	Work    int64              // weight-multiplies so far
	Seconds float64            // wall time so far
	History []AutoEpochStats   // figures of the epochs trained so far
	W, B    []float64          // weights in graph edge order, biases per node
}

const checkpointMagic = "lwl autoencoder checkpoint v1"

// ErrCheckpoint is wrapped by every error about a checkpoint file that cannot be used.
var ErrCheckpoint = errors.New("unusable checkpoint")

func (a *Autoencoder) settingMap() map[string]float64 {
	m := map[string]float64{"omega": a.net.omega, "beta": a.s.Beta, "iter": float64(a.s.IterPerBatch),
		"data_batch": float64(a.s.DataBatch), "code_batch": float64(a.s.CodeBatch), "seed": float64(a.s.Seed), "tol": a.s.Tol}
	if a.s.Graph != nil { // a net file's graph: its edges matter, not only its counts
		m["graph"] = float64(graphHash(a.Graph) >> 11) // exact in a float64
	}
	switch f := a.net.act.(type) {
	case Step:
		m["step"] = f.Delta
	case Zigmoid:
		m["zigmoid"] = f.Delta
	case ReLU:
		m["relu"] = 0
	}
	return m
}

// Checkpoint returns the run's state now (copies).
func (a *Autoencoder) Checkpoint() *AutoencoderCheckpoint {
	return &AutoencoderCheckpoint{Magic: checkpointMagic, Sizes: slices.Clone(a.Sizes), Code: a.Code,
		Setting: a.settingMap(), Epoch: a.epoch, Work: a.work, Seconds: a.secs, History: slices.Clone(a.hist),
		W: slices.Clone(a.net.wA), B: slices.Clone(a.net.bB)}
}

// Restore continues from c, which must come from an autoencoder with the same layers and
// settings. The number of epochs may differ (it is how long the run goes on) but not be
// fewer than the checkpoint's whole epochs: Train would then return a longer run's model.
func (a *Autoencoder) Restore(c *AutoencoderCheckpoint) error {
	if !slices.Equal(c.Sizes, a.Sizes) || c.Code != a.Code {
		return fmt.Errorf("%w: layers %v (code layer %d), this run has %v (code layer %d)", ErrCheckpoint, c.Sizes, c.Code, a.Sizes, a.Code)
	}
	if epochs := max(a.s.Epochs, 1); c.Epoch > epochs {
		return fmt.Errorf("%w: it has %d whole epochs, past the end of a run of %d epochs", ErrCheckpoint, c.Epoch, epochs)
	}
	if err := checkSetting(c.Setting, a.settingMap()); err != nil {
		return err
	}
	if len(c.W) != len(a.net.wA) || len(c.B) != len(a.net.bB) || c.Epoch < 0 || c.Work < 0 {
		return fmt.Errorf("%w: %d weights and %d biases at epoch %d, want %d and %d", ErrCheckpoint, len(c.W), len(c.B), c.Epoch, len(a.net.wA), len(a.net.bB))
	}
	if err := checkFinite(c.W, c.B); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	copy(a.net.wA, c.W)
	copy(a.net.bB, c.B)
	a.epoch, a.work, a.secs, a.hist = c.Epoch, c.Work, c.Seconds, slices.Clone(c.History)
	return nil
}

// WriteFile saves c to path through a temporary file and a rename, so that an existing
// checkpoint is never left half written.
func (c *AutoencoderCheckpoint) WriteFile(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(c) })
}

// maxCheckpoint bounds a checkpoint file (a 784→1000→50→1000→784 autoencoder is 25 MB).
const maxCheckpoint = 1 << 30

// ReadAutoencoderCheckpoint reads a checkpoint written by WriteFile; errors name the file.
func ReadAutoencoderCheckpoint(path string) (*AutoencoderCheckpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := readCheckpoint(io.LimitReader(f, maxCheckpoint))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func readCheckpoint(r io.Reader) (*AutoencoderCheckpoint, error) {
	var c AutoencoderCheckpoint
	if err := gob.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: not an autoencoder checkpoint (%v)", ErrCheckpoint, err)
	}
	if c.Magic != checkpointMagic {
		return nil, fmt.Errorf("%w: not an autoencoder checkpoint (magic %q)", ErrCheckpoint, c.Magic)
	}
	return &c, nil
}

// graphHash fingerprints a graph's roles and edges (FNV-1a over their numbers).
func graphHash(g *Graph) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v int) { h = (h ^ uint64(v)) * 1099511628211 }
	for _, r := range g.Roles {
		mix(int(r))
	}
	for _, v := range g.InStart {
		mix(v)
	}
	for _, v := range g.Src {
		mix(v)
	}
	return h
}
