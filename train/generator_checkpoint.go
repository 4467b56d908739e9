package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/lwl-go/lwl/internal/ckpt"
)

// FilterCheckpoint is what a stopped TrainFilter run goes on from, like ClassifierCheckpoint
// for TrainClassifier: the consensus weights and biases in full float64, the random
// generator's state, the epoch's order of the codes and the position in it, the epoch
// reports so far, and what identifies the run (layer sizes, settings, a hash of the
// genuine and fake codes), so that a resume on other codes or settings is refused. A run
// resumed from it repeats an unbroken run bit for bit when it runs with the same number of
// parallel parts (FilterSettings.Workers, or the same core count).
type FilterCheckpoint struct {
	Layers        []int              // C, the hidden widths, 2
	Setting       map[string]float64 // Ω, Υ, Δ, fpa and its count per batch, β, RRR_iter, batch, seed, test codes
	Genuine, Fake int                // codes
	CodeHash      uint64             // of the genuine and fake codes (codeHash)

	Epoch, Next int   // epoch in progress (1-based) and the position of its next batch in Order
	Iter        int   // RRR iterations so far
	Work        int64 // weight-multiplies so far
	Seconds     float64
	Rand        []byte        // the PCG state (rand.PCG.MarshalBinary)
	Order       []int         // the codes (fakes first) in the order of the epoch in progress
	Partial     FilterEpoch   // the sums of the epoch in progress (batch fp, tn, RRR_err)
	History     []FilterEpoch // every whole epoch so far
	W, B        []float64
}

const filterCheckpointKind = "lwl filter checkpoint"

var filterEpochFields = []string{"epoch", "batch_fp", "batch_tn", "fp", "tn", "test_fp", "test_tn", "gwms", "errstop", "seconds"}

func (e FilterEpoch) floats() []float64 {
	return []float64{float64(e.Epoch), e.BatchFP, e.BatchTN, e.FP, e.TN, e.TestFP, e.TestTN, e.GWMs, e.ErrStop, e.Seconds}
}

func filterEpochFromFloats(v []float64) FilterEpoch {
	return FilterEpoch{Epoch: int(v[0]), BatchFP: v[1], BatchTN: v[2], FP: v[3], TN: v[4], TestFP: v[5], TestTN: v[6], GWMs: v[7], ErrStop: v[8], Seconds: v[9]}
}

// codeHash fingerprints the filter's training codes (FNV-1a over the counts and the 64-bit
// words of the values).
func codeHash(genuine, fake []float64, C int) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(C))
	for _, part := range [][]float64{genuine, fake} {
		mix(uint64(len(part)))
		for _, v := range part {
			mix(math.Float64bits(v))
		}
	}
	return h
}

// Encode returns the checkpoint as a file (the container of internal/ckpt).
func (c *FilterCheckpoint) Encode() []byte { return c.writer().Encode() }

// WriteFile saves c to path through a temporary file and a rename, so that an existing
// checkpoint is never left half written.
func (c *FilterCheckpoint) WriteFile(path string) error { return c.writer().WriteFile(path) }

func (c *FilterCheckpoint) writer() *ckpt.Writer {
	w := ckpt.NewWriter()
	w.String("kind", filterCheckpointKind)
	w.Ints("layers", c.Layers)
	writeSetting(w, c.Setting)
	w.Ints("codes", []int{c.Genuine, c.Fake})
	w.Ints("code_hash", []int{int(c.CodeHash)})
	w.Ints("position", []int{c.Epoch, c.Next, c.Iter, int(c.Work)})
	w.Float("seconds", c.Seconds)
	w.Bytes("rand", c.Rand)
	w.Ints("order", c.Order)
	w.Floats("partial", c.Partial.floats())
	writeHistory(w, filterEpochFields, c.History)
	w.Floats("w", c.W)
	w.Floats("b", c.B)
	return w
}

// ReadFilterCheckpoint reads a checkpoint written by WriteFile. Its errors name the file and
// wrap ErrCheckpoint (or an fs error when the file cannot be opened).
func ReadFilterCheckpoint(path string) (*FilterCheckpoint, error) {
	return readCheckpointFile(path, maxClassifierCheckpoint, decodeFilterCheckpoint)
}

// DecodeFilterCheckpoint decodes a checkpoint held in memory (the bytes of a file that
// WriteFile wrote).
func DecodeFilterCheckpoint(data []byte) (*FilterCheckpoint, error) {
	return decodeCheckpointBytes(data, decodeFilterCheckpoint)
}

// decodeFilterCheckpoint reads the fields and checks that they are consistent with each
// other: one weight per edge and one bias per node of the layered graph, an order that is a
// permutation of the codes, a position inside it. Whether the checkpoint fits a run is
// restoreFilter's business.
func decodeFilterCheckpoint(f *ckpt.File) (*FilterCheckpoint, error) {
	const maxInt = math.MaxInt32
	if k := f.String("kind"); f.Err() == nil && k != filterCheckpointKind {
		return nil, fmt.Errorf("not a filter checkpoint (kind %.40q)", k)
	}
	c := &FilterCheckpoint{}
	c.Layers = f.Ints("layers", -1, 1, 1<<20)
	c.Setting = readSetting(f)
	codes := f.Ints("codes", 2, 1, maxInt)
	hash := f.Ints("code_hash", 1, math.MinInt, math.MaxInt)
	pos := f.Ints("position", 4, 0, math.MaxInt)
	c.Seconds = f.Float("seconds")
	c.Rand = f.Bytes("rand")
	if err := f.Err(); err != nil {
		return nil, err
	}
	c.Genuine, c.Fake = codes[0], codes[1]
	items := c.Genuine + c.Fake
	c.Order = f.Ints("order", items, 0, items-1)
	partial := f.Floats("partial", len(filterEpochFields))
	if len(c.Layers) < 2 || c.Layers[len(c.Layers)-1] != 2 {
		return nil, fmt.Errorf("layers %v: a filter has at least a code layer and the 2 class nodes", c.Layers)
	}
	c.W = f.Floats("w", -1)
	c.B = f.Floats("b", -1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	// The layered graph's counts, from sizes ≤ 2²⁰ and counts bounded by the file's length
	// (no overflow before the comparison fails).
	nodes, edges := 0, 0
	for i, n := range c.Layers {
		nodes += n
		if i > 0 {
			edges += c.Layers[i-1] * n
		}
		if edges > len(c.W) || nodes > len(c.B) {
			break
		}
	}
	if edges != len(c.W) || nodes != len(c.B) {
		return nil, fmt.Errorf("%d weights and %d biases for layers %v", len(c.W), len(c.B), c.Layers)
	}
	c.CodeHash = uint64(hash[0])
	c.Epoch, c.Next, c.Iter, c.Work = pos[0], pos[1], pos[2], int64(pos[3])
	if c.Epoch < 1 || c.Next >= items {
		return nil, fmt.Errorf("position: epoch %d, code %d of %d", c.Epoch, c.Next, items)
	}
	if err := checkPermutation(c.Order, "code"); err != nil {
		return nil, err
	}
	c.Partial = filterEpochFromFloats(partial)
	var err error
	if c.History, err = readHistory(f, filterEpochFields, c.Epoch, filterEpochFromFloats); err != nil {
		return nil, err
	}
	if err := checkFinite(c.W, c.B); err != nil {
		return nil, err
	}
	return c, nil
}

// restoreFilter checks that checkpoint c fits the run about to start: the same layers,
// settings and codes, and a position on a batch boundary.
func restoreFilter(c *FilterCheckpoint, layers []int, setting map[string]float64, genuine, fake int, hash uint64, g *Graph) error {
	if !slices.Equal(c.Layers, layers) {
		return fmt.Errorf("%w: layers %v there, %v in this run", ErrCheckpoint, c.Layers, layers)
	}
	if err := checkSetting(c.Setting, setting); err != nil {
		return err
	}
	items := genuine + fake
	if c.Genuine != genuine || c.Fake != fake || c.CodeHash != hash {
		return fmt.Errorf("%w: taken on other codes (%d genuine and %d fake there, %d and %d here)", ErrCheckpoint, c.Genuine, c.Fake, genuine, fake)
	}
	if len(c.W) != g.Edges() || len(c.B) != g.Nodes() || len(c.Order) != items || c.Epoch < 1 || len(c.History) != c.Epoch-1 {
		return fmt.Errorf("%w: %d weights, %d biases, %d codes in order and %d epochs of history at epoch %d", ErrCheckpoint, len(c.W), len(c.B), len(c.Order), len(c.History), c.Epoch)
	}
	if batch := int(setting["batch"]); c.Next%batch != 0 || c.Next+batch > items {
		return fmt.Errorf("%w: position %d is not the start of a batch of %d in %d codes", ErrCheckpoint, c.Next, batch, items)
	}
	return nil
}
