package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
)

// AutoencoderSettings configures an autoencoder with iDE codes (section 6.1). Zero values of
// the numeric fields mean the documented defaults.
type AutoencoderSettings struct {
	// Sizes are the layer sizes around the cycle, data layer first (784, 200, 10, 200 for
	// section 6.3.2; 2ⁿ, n for the binary encoding of 6.3.1); Code is the code layer's index.
	Sizes []int
	Code  int
	// Graph, if set, is the cyclic graph to train instead (a net file's, ReadAutoencoderNet),
	// and Sizes and Code are ignored: the autoencoder's Sizes become the net file's counts of
	// data, encoder hidden, code and decoder hidden nodes, and Code 2.
	Graph *Graph

	NetworkConfig         // Ω, activation (step or zigmoid with margin Δ), workers
	Beta          float64 // RRR step β; 0 means 1
	Tol           float64 // stop a batch once RRR_err ≤ Tol; 0: always run IterPerBatch
	IterPerBatch  int     // RRR_iter; must be positive
	DataBatch     int     // |K_d|; 0 or more than the items means one batch of all items
	CodeBatch     int     // |K_c|, codes drawn per batch (eq. 37)
	Epochs        int     // 0 means 1
	Seed          uint64  // initial weights, epoch shuffles and code draws

	// OnEpoch, if set, is called after every epoch; OnBatch after every batch with the
	// batches done in the run so far and the run's total (for progress and ETA).
	OnEpoch func(AutoEpochStats)
	OnBatch func(done, total int)
}

// AutoEpochStats are the per-epoch figures of an autoencoder run.
type AutoEpochStats struct {
	Epoch      int
	DataErr    float64 // mean over batches of data_err at the batch's warm start (eq. 40)
	CodeErr    float64 // mean over batches of code_err at the batch's warm start (eq. 41)
	ErrStart   float64 // mean over batches of the first RRR_err (eq. 42)
	ErrStop    float64 // mean over batches of the last RRR_err
	Iterations int
	GWMs       float64 // cumulative work
	Seconds    float64 // cumulative wall time
}

// Autoencoder is an autoencoder with iDE codes in training: the cyclic network and its RRR
// state.
type Autoencoder struct {
	Graph *Graph
	Sizes []int
	Code  int
	s     AutoencoderSettings
	net   *Network
	rng   *rand.Rand
	work  int64
	epoch int     // whole epochs trained
	secs  float64 // wall time of those epochs, earlier runs included
	hist  []AutoEpochStats
}

// NewAutoencoder builds the layered cyclic autoencoder of s with random initial weights.
func NewAutoencoder(s AutoencoderSettings) (*Autoencoder, error) {
	if s.IterPerBatch <= 0 {
		return nil, fmt.Errorf("%w: IterPerBatch = %d, want a positive cap", ErrSettings, s.IterPerBatch)
	}
	if s.CodeBatch < 0 || s.DataBatch < 0 {
		return nil, fmt.Errorf("%w: batch sizes %d data and %d codes", ErrSettings, s.DataBatch, s.CodeBatch)
	}
	var g *Graph
	var err error
	if s.Graph != nil {
		g = s.Graph
		if s.Sizes, err = netCounts(g); err != nil {
			return nil, err
		}
		s.Code = 2
	} else if g, err = LayeredAutoencoder(s.Code, s.Sizes...); err != nil {
		return nil, err
	}
	rng := NewRand(s.Seed)
	net, err := NewNetwork(g, s.NetworkConfig, rng)
	if err != nil {
		return nil, err
	}
	return &Autoencoder{Graph: g, Sizes: append([]int(nil), s.Sizes...), Code: s.Code, s: s, net: net, rng: rng}, nil
}

// Close releases the worker goroutines.
func (a *Autoencoder) Close() { a.net.Close() }

// Network is the RRR state (weights w_A and biases b_B are the model).
func (a *Autoencoder) Network() *Network { return a.net }

// Work is the weight-multiplies performed so far.
func (a *Autoencoder) Work() int64 { return a.work }

// Batch trains on one batch: the data rows d (kd of them) with CodeBatch iDE codes drawn
// from their encodings (Network.SetIDEBatch), for up to IterPerBatch iterations. It returns
// the solver's status; data_err and code_err of the batch's warm start are the network's
// DataErr and CodeErr.
func (a *Autoencoder) Batch(ctx context.Context, d []float64, kd int, trace func(int, float64)) (Status, error) {
	if err := a.net.SetIDEBatch(d, kd, a.s.CodeBatch, a.rng); err != nil {
		return Status{}, err
	}
	st, err := Solve(ctx, a.net, Settings{Beta: a.s.Beta, Tol: a.s.Tol, MaxIter: a.s.IterPerBatch, Trace: trace})
	a.work += st.Work
	if err == nil && st.Stop == StopDiverged {
		err = fmt.Errorf("train: RRR diverged (RRR_err %v after %d iterations)", st.Err, st.Iterations)
	}
	return st, err
}

// epochRand is the random stream of epoch ep (shuffle and code draws): it depends only on
// the seed and the epoch, so a run resumed from a checkpoint repeats an uninterrupted one.
func epochRand(seed uint64, ep int) *rand.Rand {
	return NewRand(seed ^ uint64(ep)*0xbf58476d1ce4e5b9)
}

// History is the figures of every epoch trained, those of a restored checkpoint included
// (as far as it recorded them).
func (a *Autoencoder) History() []AutoEpochStats { return a.hist }

// Seconds is the wall time of the whole epochs trained (restored ones included).
func (a *Autoencoder) Seconds() float64 { return a.secs }

// Epoch is the number of whole epochs trained (restored ones included).
func (a *Autoencoder) Epoch() int { return a.epoch }

// Train runs epochs Epoch()+1 … Epochs over the rows of data: each shuffles the rows and
// runs the full batches of DataBatch rows (a remainder is dropped). After Restore it goes on
// where the checkpoint stopped.
func (a *Autoencoder) Train(ctx context.Context, data dataset.Matrix) ([]AutoEpochStats, error) {
	N, D := data.Rows, data.Cols
	if N == 0 || D != a.Sizes[0] || len(data.Data) != N*D {
		return nil, fmt.Errorf("train: %d×%d data for an autoencoder with %d data nodes", N, D, a.Sizes[0])
	}
	// Every rank of a distributed run (NetworkConfig.Reducer) must train on the same data
	// with the same settings, from the same epoch.
	if err := Agree(a.s.Reducer, settingHash(a.settingMap(), matrixHash(data.Data, N, D), float64(len(a.net.parts)),
		float64(a.s.Epochs), float64(a.epoch), float64(graphHash(a.Graph)>>11))); err != nil {
		return nil, err
	}
	l := newEpochLoop(N, a.s.DataBatch, a.s.Epochs)
	l.epoch = a.epoch + 1
	l.settings = Settings{Beta: a.s.Beta, Tol: a.s.Tol, MaxIter: a.s.IterPerBatch}
	// Each epoch's order and code draws depend on its own stream only (epochRand), so that a
	// run resumed at an epoch's start repeats an unbroken one.
	l.shuffle = func(ep int, order []int) {
		a.rng = epochRand(a.s.Seed, ep)
		for i := range order {
			order[i] = i
		}
		a.rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	buf := make([]float64, l.batch*D)
	l.start = func(rows []int) (Iterator, error) {
		for r, k := range rows {
			copy(buf[r*D:(r+1)*D], data.Row(k))
		}
		return a.net, a.net.SetIDEBatch(buf, len(rows), a.s.CodeBatch, a.rng)
	}
	start, secs0 := time.Now(), a.secs
	var out []AutoEpochStats
	total, done := (l.epochs-a.epoch)*l.batches(), 0
	var st AutoEpochStats // the epoch in progress
	l.done = func(ep int, _ []int, sts Status, first float64) error {
		if st.Epoch != ep {
			st = AutoEpochStats{Epoch: ep}
		}
		a.work += sts.Work
		st.DataErr += a.net.DataErr()
		if a.s.CodeBatch > 0 {
			st.CodeErr += a.net.CodeErr()
		}
		st.ErrStart += first
		st.ErrStop += sts.Err
		st.Iterations += sts.Iterations
		if done++; a.s.OnBatch != nil {
			a.s.OnBatch(done, total)
		}
		return nil
	}
	l.epochDone = func(ep int) error {
		inv := 1 / float64(l.batches())
		st.DataErr *= inv
		st.CodeErr *= inv
		st.ErrStart *= inv
		st.ErrStop *= inv
		if a.s.CodeBatch == 0 {
			st.CodeErr = math.NaN()
		}
		st.GWMs = float64(a.work) * 1e-9
		a.epoch, a.secs = ep, secs0+time.Since(start).Seconds()
		st.Seconds = a.secs
		out = append(out, st)
		a.hist = append(a.hist, st)
		if a.s.OnEpoch != nil {
			a.s.OnEpoch(st)
		}
		return nil
	}
	err := l.run(ctx) // before out is read: the epochs append to it
	return out, err
}

// Format returns the trained network for the bundle format (a copy of the weights and
// biases): the compact cyclic layered form, or the general form for a graph of
// AutoencoderSettings.Graph.
func (a *Autoencoder) Format() (*format.Network, error) {
	if a.s.Graph != nil {
		return FormatNetwork(a.Graph, a.net.act, a.net.omega, 0, slices.Clone(a.net.wA), slices.Clone(a.net.bB))
	}
	return FormatAutoencoder(a.Graph, a.Sizes, a.Code, a.net.act, a.net.omega, a.net.wA, a.net.bB)
}

// netCounts returns the node counts of an autoencoder graph in the net file's order: data,
// encoder hidden, code, decoder hidden (an error when the nodes are not numbered so).
func netCounts(g *Graph) ([]int, error) {
	order := []Role{Data, Hidden, Code, Hidden}
	counts := make([]int, len(order))
	b := 0
	for j, r := range g.Roles {
		for b < len(order) && r != order[b] {
			b++
		}
		if b == len(order) {
			return nil, fmt.Errorf("%w: node %d (%v) breaks the autoencoder's node order data, hidden, code, hidden", ErrGraph, j, r)
		}
		counts[b]++
	}
	if counts[0] == 0 || counts[2] == 0 {
		return nil, fmt.Errorf("%w: an autoencoder needs data and code nodes (has %d and %d)", ErrGraph, counts[0], counts[2])
	}
	return counts, nil
}

// Encode writes the codes of rows data items (rows×|D|) into dst (rows×|C|) with the current
// parameters, and reconstruct, when not nil, their round-trip outputs f(y − b) at the data
// nodes (rows×|D|). It returns data_err over these items (per-item RMS, averaged).
func (a *Autoencoder) Encode(dst, reconstruct, d []float64, rows int) float64 {
	n := a.net
	D, C, N := len(n.data), len(n.codes), n.N
	val, y := make([]float64, N), make([]float64, N)
	var errSum float64
	for k := 0; k < rows; k++ {
		item := d[k*D : (k+1)*D]
		n.forward(val, y, item)
		for c, j := range n.codes {
			dst[k*C+c] = val[j]
		}
		var s float64
		for c, j := range n.data {
			f := n.act.Eval(y[j] - n.bB[j])
			if reconstruct != nil {
				reconstruct[k*D+c] = f
			}
			s += (f - item[c]) * (f - item[c])
		}
		errSum += math.Sqrt(s / float64(D))
	}
	return errSum / float64(rows)
}

// Decode writes the data-node values of rows codes (rows×|C|) into dst (rows×|D|), and
// returns code_err over them: the per-code RMS of f(y − b) − code at the code nodes after
// the feed-around, averaged.
func (a *Autoencoder) Decode(dst, codes []float64, rows int) float64 {
	n := a.net
	D, C, N := len(n.data), len(n.codes), n.N
	val, y := make([]float64, N), make([]float64, N)
	var errSum float64
	for k := 0; k < rows; k++ {
		code := codes[k*C : (k+1)*C]
		n.forwardCode(val, y, code)
		for c, j := range n.data {
			dst[k*D+c] = val[j]
		}
		var s float64
		for c, j := range n.codes {
			r := n.act.Eval(y[j]-n.bB[j]) - code[c]
			s += r * r
		}
		errSum += math.Sqrt(s / float64(C))
	}
	return errSum / float64(rows)
}

// SampleIDE draws rows codes from the iDE code whose per-node empirical distributions are the
// columns of enc (m×|C| encodings): each code node independently and uniformly (eq. 37).
func SampleIDE(dst, enc []float64, m, C, rows int, rng *rand.Rand) {
	for k := 0; k < rows; k++ {
		for c := 0; c < C; c++ {
			dst[k*C+c] = enc[rng.IntN(m)*C+c]
		}
	}
}
