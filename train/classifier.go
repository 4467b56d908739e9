package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
)

// Classifier is a trained network: the graph with its consensus weights w_A and biases b_B.
// It classifies by a forward pass, the class being the class node with the largest y − b
// (section 5.4).
type Classifier struct {
	Graph      *Graph
	Weights    []float64 // per edge, in the graph's edge order
	Biases     []float64 // per node (0 on data nodes)
	Omega      float64
	Activation Activation

	order, data, classes []int
	eval                 *infer.Network // the runtime's forward pass (nil: activation not portable)
}

// NewClassifier wraps weights and biases on an acyclic graph (copies are not made).
func NewClassifier(g *Graph, w, b []float64, omega float64, act Activation) (*Classifier, error) {
	if len(w) != g.Edges() || len(b) != g.Nodes() {
		return nil, fmt.Errorf("train: classifier with %d weights and %d biases on a graph of %d edges and %d nodes", len(w), len(b), g.Edges(), g.Nodes())
	}
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	if act == nil {
		act = ReLU{}
	}
	eval, err := newEvaluator(g, act, omega, w, b)
	if err != nil {
		return nil, err
	}
	return &Classifier{Graph: g, Weights: w, Biases: b, Omega: omega, Activation: act,
		order: order, data: g.NodesOf(Data), classes: g.NodesOf(Class), eval: eval}, nil
}

// Classifier returns the network's current consensus model. It shares the network's storage:
// it changes as the network trains.
func (n *Network) Classifier() *Classifier {
	return &Classifier{Graph: n.g, Weights: n.wA, Biases: n.bB, Omega: n.omega, Activation: n.act,
		order: n.order, data: n.data, classes: n.classes, eval: n.eval}
}

// Inputs is the number of data nodes; Classes the number of class nodes.
func (c *Classifier) Inputs() int  { return len(c.data) }
func (c *Classifier) Classes() int { return len(c.classes) }

// Predict writes the class of each of the rows of d (rows×Inputs) into dst. Rows are split
// across GOMAXPROCS goroutines.
func (c *Classifier) Predict(dst []int, d []float64, rows int) {
	if len(dst) < rows {
		panic("train: Classifier.Predict: short dst")
	}
	c.forward(d, rows, func(k int, val []float64) {
		best, arg := math.Inf(-1), 0
		for cl, j := range c.classes {
			if val[j] > best {
				best, arg = val[j], cl
			}
		}
		dst[k] = arg
	})
}

// ClassValues writes y − b of every class node for each of the rows of d into
// dst[k·Classes() + c]: the values that the class constraints (26d, e) and the rules of
// section 5.3 judge, here from a forward pass with the consensus weights and biases.
func (c *Classifier) ClassValues(dst, d []float64, rows int) {
	C := len(c.classes)
	if len(dst) < rows*C {
		panic("train: Classifier.ClassValues: short dst")
	}
	c.forward(d, rows, func(k int, val []float64) {
		for cl, j := range c.classes {
			dst[k*C+cl] = val[j]
		}
	})
}

// forward evaluates the rows of d (rows×Inputs) split across GOMAXPROCS goroutines and
// calls use with each row's node values (y − b on class nodes); use must only write
// row-k results.
func (c *Classifier) forward(d []float64, rows int, use func(k int, val []float64)) {
	D := len(c.data)
	if len(d) < rows*D {
		panic("train: Classifier: short data")
	}
	parts := min(runtime.GOMAXPROCS(0), max(1, rows*c.Graph.Edges()/(1<<18)))
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		lo, hi := p*rows/parts, (p+1)*rows/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			val, y := make([]float64, c.Graph.Nodes()), make([]float64, c.Graph.Nodes())
			for k := lo; k < hi; k++ {
				if c.eval != nil {
					c.eval.Forward(val, y, d[k*D:(k+1)*D])
				} else {
					forwardPass(c.Graph, c.order, c.data, c.Activation, c.Weights, c.Biases, c.Omega, val, y, d[k*D:(k+1)*D])
				}
				use(k, val)
			}
		}()
	}
	wg.Wait()
}

// ErrorRate is the fraction of rows of x whose predicted class differs from labels.
func (c *Classifier) ErrorRate(x dataset.Matrix, labels []int) float64 {
	if x.Rows == 0 {
		return math.NaN()
	}
	pred := make([]int, x.Rows)
	c.Predict(pred, x.Data, x.Rows)
	wrong := 0
	for k, p := range pred {
		if p != labels[k] {
			wrong++
		}
	}
	return float64(wrong) / float64(x.Rows)
}

// ClassifierSettings configures TrainClassifier (section 5.4). Zero values of the numeric
// fields mean the documented defaults.
type ClassifierSettings struct {
	// Graph is the network; nil means the fully connected layered graph with Hidden layers
	// between the data (one node per column) and the classes.
	Graph  *Graph
	Hidden []int

	NetworkConfig         // Ω, Υ, activation, class rule (Δ, EE/relabel/fpa), workers
	Beta          float64 // RRR step β; 0 means 1
	Tol           float64 // stop a batch once RRR_err ≤ Tol; 0: always run IterPerBatch
	IterPerBatch  int     // RRR_iter; must be positive
	BatchSize     int     // |K|; 0 or more than the items means one batch of all items
	Epochs        int     // 0 means 1
	Seed          uint64  // initial weights and epoch shuffles
	// UntiedEpochs, when positive and NetworkConfig.Ties ties anything, trains the first
	// UntiedEpochs epochs untied (every edge and node its own parameter: the locally
	// connected network on the same graph, the same work per iteration), then moves the
	// consensus to the nearest tied point in the metric of eq. (27), Network.TieParams, and
	// goes on tied. UntiedEpochs ≥ Epochs trains untied throughout. A schedule beyond the
	// paper: docs/experiments/conv-classifier.md measures it.
	UntiedEpochs int
	// InitWeights and InitBiases, if set (one per edge of the graph, one per node), start the
	// run there instead of at the random start of section 5.4: a warm start, for instance
	// from an untied or a shorter run. They are moved to the nearest point of this run's ties
	// and norms (Network.TieParams; Network.SetParams when untied). A Resume takes
	// precedence: the checkpoint holds the state.
	InitWeights, InitBiases []float64
	// Average, if set, makes each epoch's model (its train_err and test_err, and the
	// classifier the run returns) the mean of the consensus weights and biases after each of
	// the epoch's batches, moved to the run's norms (26g): the weight consensus (26f) over
	// all the epoch's items, each batch's consensus standing for the copies of its items,
	// then the side constraint, as lemma 4.1 projects. Training goes on from the last
	// batch's consensus, so the iterates do not change; EpochStats.LastTrainErr and
	// LastTestErr keep that consensus's errors. Beyond the paper (docs/experiments/conv-classifier.md).
	Average bool

	// Trace, if set, gets every iteration's RRR_err, numbered across the run.
	Trace func(iter int, rrrErr float64)
	// OnEpoch, if set, is called after every epoch.
	OnEpoch func(EpochStats)
	// OnBatch, if set, is called after every batch with the training rows of the batch and
	// the class each was last projected to (its label, another class, or Exempted). The
	// slices are reused: read them, do not keep them.
	OnBatch func(epoch int, items, assigned []int)

	// Checkpoint, if set, receives the run's state after every epoch (to save it); an error
	// from it stops the run.
	Checkpoint func(*ClassifierCheckpoint) error
	// Resume, if set, is a checkpoint of a run on the same training data with the same graph
	// and settings (Epochs may differ); training goes on from it and gives exactly the
	// result of an unbroken run (see ClassifierCheckpoint for the one condition).
	Resume *ClassifierCheckpoint
	// Interrupt, when closed, stops the run after the batch in progress: TrainClassifier then
	// returns ErrInterrupted with a result that holds the consensus classifier so far, the
	// epochs completed and a Checkpoint to resume from.
	Interrupt <-chan struct{}
}

// EpochStats are the per-epoch figures of the reference programs' table (section 5.4).
type EpochStats struct {
	Epoch      int
	GWMs       float64 // cumulative work
	Iterations int     // RRR iterations in this epoch
	ErrStart   float64 // mean over batches of the first RRR_err of the batch
	ErrStop    float64 // mean over batches of the last RRR_err of the batch
	BatchErr   float64 // classification error of each batch after its iterations, averaged
	TrainErr   float64 // over the whole training set with the consensus model
	TestErr    float64 // over the test set (NaN when there is none)
	// LastTrainErr and LastTestErr are those of the last batch's consensus: TrainErr and
	// TestErr themselves unless ClassifierSettings.Average (NaN in a checkpoint's history
	// written before they were kept).
	LastTrainErr, LastTestErr float64
	Seconds                   float64 // cumulative wall time
}

// Flagged is a training item that the class constraint treated differently from its label in
// the last batch that contained it: Exempted, or relabeled to Assigned.
type Flagged struct {
	Item     int // row in the training set
	Label    int
	Assigned int // Exempted or the class it was projected to
}

// ClassifierResult is the outcome of TrainClassifier.
type ClassifierResult struct {
	Classifier *Classifier
	Epochs     []EpochStats
	Flagged    []Flagged // items exempted or relabeled in the final epoch, by the training iterate
	// ModelFlagged are the items that the trained classifier flags: the class rule applied,
	// batch by batch over the final epoch's batches, to the class values y − b of a forward
	// pass with the final weights and biases (the point where a batch's warm start puts the
	// iterate). Flagged records instead the RRR iterate's last projection in each batch,
	// which, while the iterate has not converged, still pulls the items it did not flag
	// toward their given labels; ModelFlagged is the trained model's own verdict. Nil for
	// the strict rule.
	ModelFlagged []Flagged
	Work         int64
	Elapsed      time.Duration
	Stop         Stop // why the last batch stopped
	// Checkpoint is set when the run was interrupted: the state to resume from.
	Checkpoint *ClassifierCheckpoint
}

// GWMs is the total work in giga-weight-multiplies.
func (r *ClassifierResult) GWMs() float64 { return float64(r.Work) * 1e-9 }

// TrainClassifier trains a loss-free classifier on trainSet by RRR (section 5) and reports
// train and test error after every epoch. testSet may be empty.
func TrainClassifier(ctx context.Context, trainSet, testSet dataset.Labelled, s ClassifierSettings) (*ClassifierResult, error) {
	N, D := trainSet.X.Rows, trainSet.X.Cols
	if N == 0 || D == 0 || len(trainSet.Labels) != N || len(trainSet.X.Data) != N*D {
		return nil, fmt.Errorf("train: training set of %d×%d values with %d labels", N, D, len(trainSet.Labels))
	}
	if testSet.X.Rows > 0 && (testSet.X.Cols != D || len(testSet.Labels) != testSet.X.Rows) {
		return nil, fmt.Errorf("train: test set has %d columns and %d labels for %d rows; training set has %d columns", testSet.X.Cols, len(testSet.Labels), testSet.X.Rows, D)
	}
	for _, v := range trainSet.X.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("train: training data contain %v", v)
		}
	}
	if s.IterPerBatch <= 0 {
		return nil, fmt.Errorf("%w: IterPerBatch = %d, want a positive cap", ErrSettings, s.IterPerBatch)
	}
	g := s.Graph
	if g == nil {
		classes := max(trainSet.Classes, testSet.Classes, 2)
		sizes := append(append([]int{D}, s.Hidden...), classes)
		var err error
		if g, err = Layered(sizes...); err != nil {
			return nil, err
		}
	}
	batch := s.BatchSize
	if batch <= 0 || batch > N {
		batch = N
	}
	epochs := max(s.Epochs, 1)
	cfg := s.NetworkConfig
	if cfg.Workers == 0 && batch*g.Edges() < 1<<15 {
		cfg.Workers = 1
	}
	src := newPCG(s.Seed)
	rng := rand.New(src)
	untied := s.UntiedEpochs > 0 && cfg.Ties != nil && cfg.Ties.Tied()
	tiedCfg := cfg
	if untied {
		cfg.Ties = nil
	}
	net, err := NewNetwork(g, cfg, rng)
	if err != nil {
		return nil, err
	}
	defer func() { net.Close() }() // net is replaced when the schedule ties it
	if s.InitWeights != nil || s.InitBiases != nil {
		if len(s.InitWeights) != g.Edges() || len(s.InitBiases) != g.Nodes() {
			return nil, fmt.Errorf("%w: a start of %d weights and %d biases for a graph of %d edges and %d nodes", ErrSettings, len(s.InitWeights), len(s.InitBiases), g.Edges(), g.Nodes())
		}
		if err := checkFinite(s.InitWeights, s.InitBiases); err != nil {
			return nil, fmt.Errorf("%w: the start: %v", ErrSettings, err)
		}
		net.TieParams(s.InitWeights, s.InitBiases)
	}
	if len(net.data) != D {
		return nil, fmt.Errorf("train: the graph has %d data nodes, the data %d columns", len(net.data), D)
	}
	for k, l := range trainSet.Labels {
		if l < 0 || l >= len(net.classes) {
			return nil, fmt.Errorf("train: training item %d has label %d; the network has classes 0..%d", k, l, len(net.classes)-1)
		}
	}

	res := &ClassifierResult{}
	start := time.Now()
	buf := make([]float64, batch*D)
	lab := make([]int, batch)
	pred := make([]int, batch)
	model := net.Classifier()
	var (
		secs0      float64 // wall time of a restored run before this call
		checkpoint func() *ClassifierCheckpoint
		setting    = classifierSetting(net, s, batch)
		hash       = dataHash(trainSet)
	)
	if untied {
		setting["untied_epochs"] = float64(s.UntiedEpochs)
	}
	// tie ends the untied epochs of the schedule: the same consensus moved to its nearest tied
	// point (project), or taken as it is (a checkpoint's weights, already tied).
	tie := func(project bool) error {
		t, err := NewNetwork(g, tiedCfg, NewRand(0)) // its random start is overwritten
		if err != nil {
			return err
		}
		if project {
			t.TieParams(net.wA, net.bB)
		} else {
			t.setWeights(net.wA)
			copy(t.bB, net.bB)
		}
		net.Close()
		net, model, untied = t, t.Classifier(), false
		return nil
	}
	if err := Agree(cfg.Reducer, settingHash(setting, hash, float64(len(net.parts)), float64(epochs), float64(len(trainSet.Labels)))); err != nil {
		return nil, err
	}
	l := newEpochLoop(N, batch, epochs)
	l.settings = Settings{Beta: s.Beta, Tol: s.Tol, MaxIter: s.IterPerBatch, Trace: s.Trace}
	l.shuffle = func(_ int, order []int) {
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	l.start = func(rows []int) (Iterator, error) {
		if untied && l.epoch > s.UntiedEpochs {
			if err := tie(true); err != nil {
				return nil, err
			}
		}
		for r, k := range rows {
			copy(buf[r*D:(r+1)*D], trainSet.X.Row(k))
			lab[r] = trainSet.Labels[k]
		}
		return net, net.SetBatch(buf, lab, batch)
	}
	var st EpochStats         // the epoch in progress
	var mean *paramMean       // the epoch's running sums (Average)
	var meanModel *Classifier // the last whole epoch's mean (Average)
	if s.Average {
		mean = &paramMean{w: make([]float64, g.Edges()), b: make([]float64, g.Nodes())}
	}
	l.done = func(ep int, rows []int, sts Status, first float64) error {
		if st.Epoch != ep {
			st = EpochStats{Epoch: ep}
			if ep == epochs {
				res.Flagged = res.Flagged[:0]
			}
			mean.reset()
		}
		mean.add(net.wA, net.bB)
		st.Iterations += sts.Iterations
		res.Work += sts.Work
		res.Stop = sts.Stop
		st.ErrStart += first
		st.ErrStop += sts.Err
		model.Predict(pred, buf, batch)
		wrong := 0
		for r, p := range pred {
			if p != lab[r] {
				wrong++
			}
		}
		st.BatchErr += float64(wrong) / float64(batch)
		if s.OnBatch != nil {
			s.OnBatch(ep, rows, net.Assignments())
		}
		if ep == epochs {
			for r, a := range net.Assignments() {
				if a != lab[r] {
					res.Flagged = append(res.Flagged, Flagged{Item: rows[r], Label: lab[r], Assigned: a})
				}
			}
		}
		return nil
	}
	l.epochDone = func(int) error {
		nb := float64(l.batches())
		st.ErrStart /= nb
		st.ErrStop /= nb
		st.BatchErr /= nb
		st.TrainErr = model.ErrorRate(trainSet.X, trainSet.Labels)
		st.TestErr = model.ErrorRate(testSet.X, testSet.Labels)
		st.LastTrainErr, st.LastTestErr = st.TrainErr, st.TestErr
		if mean != nil {
			m, err := mean.classifier(g, net)
			if err != nil {
				return err
			}
			st.TrainErr = m.ErrorRate(trainSet.X, trainSet.Labels)
			st.TestErr = m.ErrorRate(testSet.X, testSet.Labels)
			meanModel = m
		}
		st.GWMs = float64(res.Work) * 1e-9
		st.Seconds = secs0 + time.Since(start).Seconds()
		res.Epochs = append(res.Epochs, st)
		if s.OnEpoch != nil {
			s.OnEpoch(st)
		}
		if s.Checkpoint != nil {
			return s.Checkpoint(checkpoint())
		}
		return nil
	}
	checkpoint = func() *ClassifierCheckpoint {
		c := &ClassifierCheckpoint{Roles: slices.Clone(g.Roles), InStart: slices.Clone(g.InStart), Src: slices.Clone(g.Src),
			Setting: setting, Items: N, DataHash: hash, Epoch: l.epoch, Next: l.next, Iter: l.iter, Work: res.Work,
			Seconds: secs0 + time.Since(start).Seconds(), Order: slices.Clone(l.order), History: slices.Clone(res.Epochs),
			Flagged: slices.Clone(res.Flagged), W: slices.Clone(net.wA), B: slices.Clone(net.bB)}
		if mean != nil {
			c.MeanW, c.MeanB, c.MeanCount = slices.Clone(mean.w), slices.Clone(mean.b), mean.n
		}
		if l.next > 0 {
			c.Partial = st
		}
		c.Rand, _ = src.MarshalBinary() // never fails
		return c
	}
	if c := s.Resume; c != nil {
		if err := restoreClassifier(c, g, setting, N, hash, len(net.classes)); err != nil {
			return nil, err
		}
		if err := l.resumeAt(c.Epoch, c.Next, c.Iter, "item"); err != nil {
			return nil, err
		}
		if err := src.UnmarshalBinary(c.Rand); err != nil {
			return nil, fmt.Errorf("%w: random state: %v", ErrCheckpoint, err)
		}
		net.setWeights(c.W)
		copy(net.bB, c.B)
		if untied && (c.Epoch > s.UntiedEpochs+1 || c.Epoch == s.UntiedEpochs+1 && c.Next > 0) {
			if err := tie(false); err != nil { // the checkpoint was taken after the schedule tied
				return nil, err
			}
		}
		copy(l.order, c.Order)
		// Average changes no iterate, so a checkpoint of a run without it serves one with it
		// from an epoch's start on (the sums start afresh there); inside an epoch, and for the
		// model of a finished run, it needs the running sums.
		if mean != nil && c.MeanW != nil {
			if len(c.MeanW) != g.Edges() || len(c.MeanB) != g.Nodes() {
				return nil, fmt.Errorf("%w: a running mean of %d weights and %d biases for a graph of %d edges and %d nodes", ErrCheckpoint, len(c.MeanW), len(c.MeanB), g.Edges(), g.Nodes())
			}
			copy(mean.w, c.MeanW)
			copy(mean.b, c.MeanB)
			mean.n = c.MeanCount
		} else if mean != nil && (c.Next > 0 || c.Epoch > epochs) {
			return nil, fmt.Errorf("%w: taken without ClassifierSettings.Average inside an epoch (or at the run's end): it has no running mean of the epoch's parameters; resume from a checkpoint at an epoch's end with more epochs to run", ErrCheckpoint)
		}
		res.Work, res.Epochs, res.Flagged, secs0 = c.Work, slices.Clone(c.History), slices.Clone(c.Flagged), c.Seconds
		if c.Next > 0 {
			st = c.Partial
			st.Epoch = c.Epoch
		}
	}
	l.interrupt = s.Interrupt
	if err := l.run(ctx); errors.Is(err, ErrInterrupted) {
		res.Elapsed = time.Duration((secs0 + time.Since(start).Seconds()) * float64(time.Second))
		res.Checkpoint = checkpoint()
		c, cerr := NewClassifier(g, slices.Clone(net.wA), slices.Clone(net.bB), net.omega, net.act)
		if cerr != nil {
			return nil, cerr
		}
		res.Classifier = c
		return res, err
	} else if err != nil {
		return nil, err
	}
	order := l.order
	res.Elapsed = time.Duration((secs0 + time.Since(start).Seconds()) * float64(time.Second))
	c, err := NewClassifier(g, append([]float64(nil), net.wA...), append([]float64(nil), net.bB...), net.omega, net.act)
	if err != nil {
		return nil, err
	}
	if mean != nil && len(res.Epochs) > 0 {
		if meanModel == nil { // a finished run resumed: the checkpoint holds the last epoch's sums
			if meanModel, err = mean.classifier(g, net); err != nil {
				return nil, err
			}
		}
		c = meanModel
	}
	res.Classifier = c
	if s.Class.Mode != ClassStrict && s.Class.Count > 0 {
		res.ModelFlagged = modelFlagged(c, trainSet, order[:N/batch*batch], batch, s.Class)
	}
	return res, nil
}

// modelFlagged applies the class rule to the classifier's forward pass over the items in
// order, in batches of the given size, and returns the items it assigns other than their
// label.
func modelFlagged(c *Classifier, set dataset.Labelled, order []int, batch int, rule ClassRule) []Flagged {
	D, C := set.X.Cols, c.Classes()
	buf := make([]float64, batch*D)
	z := make([]float64, batch*C)
	lab, assign := make([]int, batch), make([]int, batch)
	var out []Flagged
	for b0 := 0; b0+batch <= len(order); b0 += batch {
		for r, k := range order[b0 : b0+batch] {
			copy(buf[r*D:(r+1)*D], set.X.Row(k))
			lab[r] = set.Labels[k]
		}
		c.ClassValues(z, buf, batch)
		rule.Assign(assign, z, lab, C)
		for r, a := range assign {
			if a != lab[r] {
				out = append(out, Flagged{Item: order[b0+r], Label: lab[r], Assigned: a})
			}
		}
	}
	return out
}

// restoreClassifier checks that checkpoint c fits the run about to start: the same graph,
// settings and training data, a position on a batch boundary, flagged items with the
// network's classes.
func restoreClassifier(c *ClassifierCheckpoint, g *Graph, setting map[string]float64, items int, hash uint64, classes int) error {
	if !c.sameGraph(g) {
		return fmt.Errorf("%w: it holds a graph of %d nodes and %d edges, not this run's (%d nodes, %d edges)", ErrCheckpoint, len(c.Roles), len(c.Src), g.Nodes(), g.Edges())
	}
	if err := checkSetting(c.Setting, setting); err != nil {
		return err
	}
	if len(c.W) != g.Edges() || len(c.B) != g.Nodes() || len(c.Order) != items || c.Epoch < 1 || len(c.History) != c.Epoch-1 {
		return fmt.Errorf("%w: %d weights, %d biases, %d items in order and %d epochs of history at epoch %d", ErrCheckpoint, len(c.W), len(c.B), len(c.Order), len(c.History), c.Epoch)
	}
	if c.Items != items || c.DataHash != hash {
		return fmt.Errorf("%w: taken on other training data (%d items there, %d here)", ErrCheckpoint, c.Items, items)
	}
	if batch := int(setting["batch"]); c.Next%batch != 0 || c.Next+batch > items {
		return fmt.Errorf("%w: position %d is not the start of a batch of %d in %d items", ErrCheckpoint, c.Next, batch, items)
	}
	for _, f := range c.Flagged {
		if f.Label >= classes || f.Assigned >= classes {
			return fmt.Errorf("%w: flagged item %d has class %d or %d; the network has %d classes", ErrCheckpoint, f.Item, f.Label, f.Assigned, classes)
		}
	}
	return nil
}

// paramMean sums the consensus weights and biases after each batch of an epoch
// (ClassifierSettings.Average). Its methods do nothing on a nil paramMean.
type paramMean struct {
	w, b []float64
	n    int
}

func (m *paramMean) reset() {
	if m != nil {
		clear(m.w)
		clear(m.b)
		m.n = 0
	}
}

func (m *paramMean) add(w, b []float64) {
	if m == nil {
		return
	}
	for i, v := range w {
		m.w[i] += v
	}
	for i, v := range b {
		m.b[i] += v
	}
	m.n++
}

// classifier is the mean's model: the mean of the sums, each node's in-weights scaled to the
// network's norm Ω (26g; a kernel's nodes carry one vector and stay tied).
func (m *paramMean) classifier(g *Graph, n *Network) (*Classifier, error) {
	w, b := slices.Clone(m.w), slices.Clone(m.b)
	inv := 1 / float64(max(m.n, 1))
	for i := range w {
		w[i] *= inv
	}
	for i := range b {
		b[i] *= inv
	}
	for j := 0; j < g.Nodes(); j++ {
		if v := w[g.InStart[j]:g.InStart[j+1]]; len(v) > 0 {
			projectNorm(v, n.omega)
		}
	}
	return NewClassifier(g, w, b, n.omega, n.act)
}
