package train

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/lwl-go/lwl/internal/ckpt"
)

// AutoencoderCheckpoint is what a stopped autoencoder run resumes from: the consensus
// parameters after Epoch whole epochs, in full float64 (a bundle stores float32), with the
// settings that shape the rest of the run so that a resume with other settings is refused.
// Because each epoch's random stream depends only on the seed and the epoch, a resumed run
// gives the same parameters as an uninterrupted one. Its file is the checkpoint container
// of internal/ckpt, like the classifier's and the filter's.
type AutoencoderCheckpoint struct {
	Sizes   []int
	Code    int
	Setting map[string]float64 // Ω, activation, β, batch sizes, RRR_iter, seed, tol (and a net file's graph)
	Epoch   int                // whole epochs trained
	Work    int64              // weight-multiplies so far
	Seconds float64            // wall time so far
	History []AutoEpochStats   // figures of the epochs trained so far, one per whole epoch
	W, B    []float64          // weights in graph edge order, biases per node
}

const autoencoderCheckpointKind = "lwl autoencoder checkpoint"

// maxAutoencoderCheckpoint bounds the checkpoint files that are read (a 784→1000→50→1000
// autoencoder is about 13 MB).
const maxAutoencoderCheckpoint = 1 << 30

var autoEpochFields = []string{"epoch", "data_err", "code_err", "errstart", "errstop", "iterations", "gwms", "seconds"}

func (e AutoEpochStats) floats() []float64 {
	return []float64{float64(e.Epoch), e.DataErr, e.CodeErr, e.ErrStart, e.ErrStop, float64(e.Iterations), e.GWMs, e.Seconds}
}

func autoEpochFromFloats(v []float64) AutoEpochStats {
	return AutoEpochStats{Epoch: int(v[0]), DataErr: v[1], CodeErr: v[2], ErrStart: v[3], ErrStop: v[4], Iterations: int(v[5]), GWMs: v[6], Seconds: v[7]}
}

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
	return &AutoencoderCheckpoint{Sizes: slices.Clone(a.Sizes), Code: a.Code,
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

// Encode returns the checkpoint as a file (the container of internal/ckpt).
func (c *AutoencoderCheckpoint) Encode() []byte { return c.writer().Encode() }

// WriteFile saves c to path through a temporary file and a rename, so that an existing
// checkpoint is never left half written.
func (c *AutoencoderCheckpoint) WriteFile(path string) error { return c.writer().WriteFile(path) }

func (c *AutoencoderCheckpoint) writer() *ckpt.Writer {
	w := ckpt.NewWriter()
	w.String("kind", autoencoderCheckpointKind)
	w.Ints("sizes", c.Sizes)
	w.Int("code", c.Code)
	writeSetting(w, c.Setting)
	w.Ints("position", []int{c.Epoch, int(c.Work)})
	w.Float("seconds", c.Seconds)
	writeHistory(w, autoEpochFields, c.History)
	w.Floats("w", c.W)
	w.Floats("b", c.B)
	return w
}

// ReadAutoencoderCheckpoint reads a checkpoint written by WriteFile. Its errors name the
// file and wrap ErrCheckpoint (or an fs error when the file cannot be opened); a checkpoint
// in the gob encoding of earlier builds is recognised and refused with what to do instead.
func ReadAutoencoderCheckpoint(path string) (*AutoencoderCheckpoint, error) {
	c, err := readCheckpointFile(path, maxAutoencoderCheckpoint, decodeAutoencoderCheckpoint)
	if errors.Is(err, ckpt.ErrFormat) && gobCheckpointFile(path) {
		return nil, fmt.Errorf("%s: %w: %s", path, ErrCheckpoint, gobCheckpointHelp)
	}
	return c, err
}

// DecodeAutoencoderCheckpoint decodes a checkpoint held in memory (the bytes of a file that
// WriteFile wrote).
func DecodeAutoencoderCheckpoint(data []byte) (*AutoencoderCheckpoint, error) {
	c, err := decodeCheckpointBytes(data, decodeAutoencoderCheckpoint)
	if errors.Is(err, ckpt.ErrFormat) && isGobCheckpoint(data) {
		return nil, fmt.Errorf("%w: %s", ErrCheckpoint, gobCheckpointHelp)
	}
	return c, err
}

// decodeAutoencoderCheckpoint reads the fields and checks that they are consistent with
// each other: layer sizes that make an autoencoder (LayeredAutoencoder), one bias per node
// and, unless the settings name a net file's graph, one weight per edge of the layered
// cycle; one epoch of history per whole epoch. Whether the checkpoint fits a run is
// Restore's business.
func decodeAutoencoderCheckpoint(f *ckpt.File) (*AutoencoderCheckpoint, error) {
	const maxInt = math.MaxInt32
	if k := f.String("kind"); f.Err() == nil && k != autoencoderCheckpointKind {
		return nil, fmt.Errorf("not an autoencoder checkpoint (kind %.40q)", k)
	}
	c := &AutoencoderCheckpoint{}
	c.Sizes = f.Ints("sizes", -1, 0, 1<<24)
	c.Code = f.Int("code", 1, maxInt)
	c.Setting = readSetting(f)
	pos := f.Ints("position", 2, 0, math.MaxInt)
	c.Seconds = f.Float("seconds")
	c.W = f.Floats("w", -1)
	c.B = f.Floats("b", -1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(c.Sizes) < 2 || c.Code >= len(c.Sizes) || c.Sizes[0] == 0 || c.Sizes[c.Code] == 0 {
		return nil, fmt.Errorf("layers %v with the code at layer %d: an autoencoder has data and code nodes, the code after the data", c.Sizes, c.Code)
	}
	// The cycle's counts, from sizes ≤ 2²⁴ and counts bounded by the file's length (no
	// overflow before the comparison fails). A net file's graph has the counts of its node
	// groups as sizes, some perhaps 0, and fewer edges than the full cycle.
	_, netGraph := c.Setting["graph"]
	nodes, edges := 0, 0
	for l, n := range c.Sizes {
		if n == 0 && !netGraph {
			return nil, fmt.Errorf("layers %v: layer %d has no nodes", c.Sizes, l)
		}
		nodes += n
		edges += c.Sizes[(l+len(c.Sizes)-1)%len(c.Sizes)] * n
		if nodes > len(c.B) || (!netGraph && edges > len(c.W)) {
			break
		}
	}
	if nodes != len(c.B) || (!netGraph && edges != len(c.W)) {
		return nil, fmt.Errorf("%d weights and %d biases for layers %v", len(c.W), len(c.B), c.Sizes)
	}
	c.Epoch, c.Work = pos[0], int64(pos[1])
	if c.Epoch > maxInt {
		return nil, fmt.Errorf("position: %d whole epochs", c.Epoch)
	}
	var err error
	// The checkpoint is taken at the end of epoch c.Epoch: readHistory's epoch in progress
	// is the next one.
	if c.History, err = readHistory(f, autoEpochFields, c.Epoch+1, autoEpochFromFloats); err != nil {
		return nil, fmt.Errorf("after %d whole epochs: %w", c.Epoch, err)
	}
	if err := checkFinite(c.W, c.B); err != nil {
		return nil, err
	}
	return c, nil
}

// gobCheckpointMagic is the Magic field of the autoencoder checkpoints that earlier builds
// wrote with encoding/gob (an AutoencoderCheckpoint struct with a Magic string first).
const gobCheckpointMagic = "lwl autoencoder checkpoint v1"

// gobCheckpointHelp says what a gob checkpoint is and how to go on.
const gobCheckpointHelp = "an autoencoder checkpoint in the gob encoding of lwl builds up to commit 1f07cf6, " +
	"which this build no longer reads; start the run afresh (lwl-train generative without -resume; it overwrites " +
	"this file, so move the file aside to keep it), or resume it with an lwl-train built from commit 1f07cf6"

// isGobCheckpoint reports whether b, the start of a file, looks like a gob checkpoint of
// earlier builds: it holds their magic string, or begins with a gob stream whose first
// message defines the type AutoencoderCheckpoint (gob writes the type's name near the
// start of the stream, before any value).
func isGobCheckpoint(b []byte) bool {
	return bytes.Contains(b, []byte(gobCheckpointMagic)) || bytes.Contains(b[:min(len(b), 64)], []byte("AutoencoderCheckpoint"))
}

// gobCheckpointFile reports whether the file at path starts like a gob checkpoint. The
// magic string follows the type definitions, a few hundred bytes that do not depend on
// the network, so the first 4 KiB are enough.
func gobCheckpointFile(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	head, err := io.ReadAll(io.LimitReader(fh, 4096))
	return err == nil && isGobCheckpoint(head)
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
