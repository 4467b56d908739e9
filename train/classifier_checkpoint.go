package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/ckpt"
)

// ClassifierCheckpoint is what a stopped TrainClassifier run goes on from: the consensus
// weights and biases in full float64 (a bundle stores float32), the random generator's
// state, the epoch's item order and the position in it (the epoch in progress and its next
// batch), the figures so far, and what identifies the run (graph, settings, training data),
// so that a resume with other data or settings is refused. A checkpoint is taken between two
// batches (at an epoch's end, or where Interrupt stopped the run), and a run resumed from it
// repeats an unbroken run bit for bit when it runs with the same number of parallel parts
// (NetworkConfig.Workers, or the same core count): the parts' partial sums are added in a
// fixed order, but that order depends on how many parts there are.
type ClassifierCheckpoint struct {
	Roles   []Role
	InStart []int // the graph: in-edge offsets per node and edge sources (Graph)
	Src     []int

	Setting  map[string]float64 // Ω, Υ, class rule, activation, β, tol, RRR_iter, batch, seed
	Items    int                // training items
	DataHash uint64             // of the training rows and labels (dataHash)

	Epoch, Next int   // epoch in progress (1-based) and the position of its next batch in Order
	Iter        int   // RRR iterations so far
	Work        int64 // weight-multiplies so far
	Seconds     float64
	Rand        []byte // the PCG state (rand.PCG.MarshalBinary)
	Order       []int  // the items in the order of the epoch in progress
	Partial     EpochStats
	History     []EpochStats // every whole epoch so far
	Flagged     []Flagged    // of the final epoch, so far
	W, B        []float64
	// MeanW, MeanB and MeanCount are the running sums of an averaging run
	// (ClassifierSettings.Average) over the epoch's batches so far; nil otherwise.
	MeanW, MeanB []float64
	MeanCount    int
}

const classifierCheckpointKind = "lwl classifier checkpoint"

// maxClassifierCheckpoint bounds the checkpoint files that are read (a 784→1000→10
// network on all of MNIST is under 15 MB).
const maxClassifierCheckpoint = 1 << 30

// dataHash fingerprints a training set (FNV-1a over the 64-bit words of the values and the
// labels).
func dataHash(set dataset.Labelled) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(set.X.Rows))
	mix(uint64(set.X.Cols))
	for _, v := range set.X.Data[:set.X.Rows*set.X.Cols] {
		mix(math.Float64bits(v))
	}
	for _, l := range set.Labels {
		mix(uint64(l))
	}
	return h
}

// classifierSetting is the settings of a run that its iterates depend on.
func classifierSetting(n *Network, s ClassifierSettings, batch int) map[string]float64 {
	m := map[string]float64{"omega": n.omega, "upsilon": n.cfg.Upsilon, "margin": n.cfg.Class.Margin,
		"class_mode": float64(n.cfg.Class.Mode), "class_count": float64(n.cfg.Class.Count),
		"beta": s.Beta, "tol": s.Tol, "iter": float64(s.IterPerBatch), "batch": float64(batch),
		"seed": float64(s.Seed)}
	if s.Beta == 0 {
		m["beta"] = 1
	}
	if n.omegas != nil { // the weight metric, as a 32-bit FNV-1a hash of its values
		h := uint32(2166136261)
		for _, v := range n.cfg.WeightMetric {
			b := math.Float64bits(v)
			for i := 0; i < 64; i += 8 {
				h = (h ^ uint32(b>>i&0xff)) * 16777619
			}
		}
		m["weight_metric"] = float64(h)
	}
	switch f := n.act.(type) {
	case Step:
		m["step"] = f.Delta
	case Zigmoid:
		m["zigmoid"] = f.Delta
	case ReLU:
		m["relu"] = 0
	default:
		m["activation "+fmt.Sprintf("%T", f)] = 0
	}
	return m
}

// epochFields name a checkpoint's per-epoch figures; a checkpoint written before the last
// two were kept has the first oldEpochFieldCount (read with NaN for the others).
var epochFields = []string{"epoch", "gwms", "iterations", "errstart", "errstop", "batch_err", "train_err", "test_err", "seconds", "last_train_err", "last_test_err"}

const oldEpochFieldCount = 9

// oldEpochFields pads the figures of one epoch from a checkpoint written before
// last_train_err and last_test_err were kept to n values with NaN.
func oldEpochFields(v []float64, n int) ([]float64, error) {
	switch len(v) {
	case n:
		return v, nil
	case oldEpochFieldCount:
		for len(v) < n {
			v = append(v, math.NaN())
		}
		return v, nil
	}
	return nil, fmt.Errorf("%d values, want %d", len(v), n)
}

func (e EpochStats) floats() []float64 {
	return []float64{float64(e.Epoch), e.GWMs, float64(e.Iterations), e.ErrStart, e.ErrStop, e.BatchErr, e.TrainErr, e.TestErr, e.Seconds, e.LastTrainErr, e.LastTestErr}
}

func epochFromFloats(v []float64) EpochStats {
	return EpochStats{Epoch: int(v[0]), GWMs: v[1], Iterations: int(v[2]), ErrStart: v[3], ErrStop: v[4], BatchErr: v[5], TrainErr: v[6], TestErr: v[7], Seconds: v[8],
		LastTrainErr: v[9], LastTestErr: v[10]}
}

// Encode returns the checkpoint as a file (the container of internal/ckpt).
func (c *ClassifierCheckpoint) Encode() []byte { return c.writer().Encode() }

// WriteFile saves c to path through a temporary file and a rename, so that an existing
// checkpoint is never left half written.
func (c *ClassifierCheckpoint) WriteFile(path string) error { return c.writer().WriteFile(path) }

func (c *ClassifierCheckpoint) writer() *ckpt.Writer {
	w := ckpt.NewWriter()
	w.String("kind", classifierCheckpointKind)
	roles := make([]int, len(c.Roles))
	for i, r := range c.Roles {
		roles[i] = int(r)
	}
	w.Ints("roles", roles)
	w.Ints("in_start", c.InStart)
	w.Ints("src", c.Src)
	writeSetting(w, c.Setting)
	w.Int("items", c.Items)
	w.Ints("data_hash", []int{int(c.DataHash)})
	w.Ints("position", []int{c.Epoch, c.Next, c.Iter, int(c.Work)})
	w.Float("seconds", c.Seconds)
	w.Bytes("rand", c.Rand)
	w.Ints("order", c.Order)
	w.Floats("partial", c.Partial.floats())
	writeHistory(w, epochFields, c.History)
	fl := make([]int, 0, 3*len(c.Flagged))
	for _, f := range c.Flagged {
		fl = append(fl, f.Item, f.Label, f.Assigned)
	}
	w.Ints("flagged", fl)
	w.Floats("w", c.W)
	w.Floats("b", c.B)
	if c.MeanW != nil {
		w.Floats("mean_w", c.MeanW)
		w.Floats("mean_b", c.MeanB)
		w.Int("mean_count", c.MeanCount)
	}
	return w
}

// ReadClassifierCheckpoint reads a checkpoint written by WriteFile. Its errors name the file
// and wrap ErrCheckpoint (or an fs error when the file cannot be opened).
func ReadClassifierCheckpoint(path string) (*ClassifierCheckpoint, error) {
	return readCheckpointFile(path, maxClassifierCheckpoint, decodeClassifierCheckpoint)
}

// DecodeClassifierCheckpoint decodes a checkpoint held in memory (the bytes of a file that
// WriteFile wrote).
func DecodeClassifierCheckpoint(data []byte) (*ClassifierCheckpoint, error) {
	return decodeCheckpointBytes(data, decodeClassifierCheckpoint)
}

// decodeClassifierCheckpoint reads the fields and checks that they are consistent with each
// other: a graph whose edge sources are nodes, one weight per edge and one bias per node, an
// order that is a permutation of the items, a position inside it, flagged items that exist.
// Whether the checkpoint fits a run (same graph, data and settings) is Restore's business.
func decodeClassifierCheckpoint(f *ckpt.File) (*ClassifierCheckpoint, error) {
	const maxInt = math.MaxInt32
	if k := f.String("kind"); f.Err() == nil && k != classifierCheckpointKind {
		return nil, fmt.Errorf("not a classifier checkpoint (kind %.40q)", k)
	}
	c := &ClassifierCheckpoint{}
	roles := f.Ints("roles", -1, int(Data), int(Class))
	c.InStart = f.Ints("in_start", len(roles)+1, 0, maxInt)
	c.Src = f.Ints("src", -1, 0, max(len(roles)-1, 0))
	c.Setting = readSetting(f)
	c.Items = f.Int("items", 1, maxInt)
	hash := f.Ints("data_hash", 1, math.MinInt, math.MaxInt)
	pos := f.Ints("position", 4, 0, math.MaxInt)
	c.Seconds = f.Float("seconds")
	c.Rand = f.Bytes("rand")
	c.Order = f.Ints("order", c.Items, 0, c.Items-1)
	partial := f.Floats("partial", -1)
	fl := f.Ints("flagged", -1, Exempted, maxInt)
	c.W = f.Floats("w", len(c.Src))
	c.B = f.Floats("b", len(roles))
	if f.Has("mean_w") {
		c.MeanW = f.Floats("mean_w", len(c.Src))
		c.MeanB = f.Floats("mean_b", len(roles))
		c.MeanCount = f.Int("mean_count", 0, maxInt)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	c.Roles = make([]Role, len(roles))
	for i, r := range roles {
		c.Roles[i] = Role(r)
	}
	if c.InStart[0] != 0 || c.InStart[len(roles)] != len(c.Src) {
		return nil, fmt.Errorf("in-edge offsets %d…%d for %d edges", c.InStart[0], c.InStart[len(roles)], len(c.Src))
	}
	for j := range roles {
		if c.InStart[j+1] < c.InStart[j] {
			return nil, fmt.Errorf("in-edge offsets decrease at node %d", j)
		}
	}
	c.DataHash = uint64(hash[0])
	c.Epoch, c.Next, c.Iter, c.Work = pos[0], pos[1], pos[2], int64(pos[3])
	if c.Epoch < 1 || c.Next >= c.Items {
		return nil, fmt.Errorf("position: epoch %d, item %d of %d", c.Epoch, c.Next, c.Items)
	}
	if err := checkPermutation(c.Order, "item"); err != nil {
		return nil, err
	}
	if partial, err := oldEpochFields(partial, len(epochFields)); err != nil {
		return nil, fmt.Errorf("partial epoch: %w", err)
	} else {
		c.Partial = epochFromFloats(partial)
	}
	var err error
	if c.History, err = readHistory(f, epochFields, c.Epoch, func(v []float64) EpochStats {
		v, _ = oldEpochFields(slices.Clone(v), len(epochFields)) // readHistory gives whole rows
		return epochFromFloats(v)
	}, oldEpochFieldCount); err != nil {
		return nil, err
	}
	if len(fl)%3 != 0 {
		return nil, fmt.Errorf("%d flagged values, want triples", len(fl))
	}
	for i := 0; i < len(fl); i += 3 {
		if fl[i] < 0 || fl[i] >= c.Items || fl[i+1] < 0 {
			return nil, fmt.Errorf("flagged item %d with label %d of %d items", fl[i], fl[i+1], c.Items)
		}
		c.Flagged = append(c.Flagged, Flagged{Item: fl[i], Label: fl[i+1], Assigned: fl[i+2]})
	}
	if err := checkFinite(c.W, c.B, c.MeanW, c.MeanB); err != nil {
		return nil, err
	}
	return c, nil
}

// sameGraph reports whether the checkpoint was taken on g.
func (c *ClassifierCheckpoint) sameGraph(g *Graph) bool {
	return slices.Equal(c.Roles, g.Roles) && slices.Equal(c.InStart, g.InStart) && slices.Equal(c.Src, g.Src)
}
