package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
)

// The paper's filter (section 6.3.2, figures 22 and 23): fp of the final filter.
const (
	PaperFilterFP     = 0.285 // on the training codes
	PaperFilterTestFP = 0.316 // on the test codes
)

// FilterCodes are the codes a fake/genuine filter is trained and measured on (section 6.2):
// the genuine codes are the encodings of data items, the fakes twice as many iDE samples of
// those encodings (the paper's 2×10⁴ fakes for 10⁴ items); the test codes are encodings of
// held-out items and twice as many fresh iDE samples, drawn from the training encodings.
// Rows of C values each.
type FilterCodes struct {
	C                     int
	Genuine, Fake         []float64
	TestGenuine, TestFake []float64 // empty without test items
}

// NewFilterCodes makes the codes of "lwl-train generative"'s filter stage from the m×C
// training encodings enc and the test encodings testEnc: 2m training fakes drawn with seed
// seed+1 and twice as many test fakes as test codes with seed+3 (seed+2 seeds the filter,
// FilterOptions.TrainSettings).
func NewFilterCodes(enc, testEnc []float64, C int, seed uint64) FilterCodes {
	m, tm := len(enc)/C, len(testEnc)/C
	fc := FilterCodes{C: C, Genuine: enc, Fake: make([]float64, 2*m*C), TestGenuine: testEnc}
	train.SampleIDE(fc.Fake, enc, m, C, 2*m, train.NewRand(seed+1))
	if tm > 0 {
		fc.TestFake = make([]float64, 2*tm*C)
		train.SampleIDE(fc.TestFake, enc, m, C, 2*tm, train.NewRand(seed+3))
	}
	return fc
}

// FilterOptions are the settings of RetrainFilter; DefaultFilterOptions gives lwl-train
// filter's defaults. Epochs, Iter, Batch, FPA, Workers and Reducer are also the filter stage
// of "lwl-train generative" (TrainSettings, RecordHyper); the architecture and the other
// hyperparameters are the paper's (C→50→50→50→2 ReLU, β 1, Ω 5, Υ 1, Δ 0.1).
type FilterOptions struct {
	Generator string // the generator bundle whose filter is retrained (path)
	Out       string // the new bundle (path); written by rank 0 only, never the Generator file

	Epochs  int     // filter epochs (paper 20)
	Iter    int     // RRR iterations per batch (paper 1000)
	Batch   int     // codes per batch (paper 500)
	FPA     float64 // false-positive allowance rate (paper 0.25)
	Workers int     // parallel parts of each RRR iteration (0: one per core)
	// TestItems is the number of MNIST test digits whose encodings are the genuine test
	// codes (0: none; ignored for a generator of other data).
	TestItems int
	// Seed seeds the fakes and the filter as generative's -seed; with BundleSeed the
	// bundle's own seed is used instead, which rebuilds the codes its filter was trained on.
	Seed       uint64
	BundleSeed bool
	// Checkpoint is written after every epoch and when the run is stopped (default
	// Out + ".ckpt"); Resume goes on from it.
	Checkpoint string
	Resume     bool
	// Reducer joins the processes of a data-parallel run (under mpirun, cmd/lwl-train's
	// dist.go); nil for one process. Only rank 0 writes files.
	Reducer train.Reducer
}

// DefaultFilterOptions are lwl-train filter's defaults: 5 epochs of batches of 500 codes,
// 200 iterations each, fpa 0.25, all 10000 MNIST test digits, the bundle's seed.
func DefaultFilterOptions() FilterOptions {
	return FilterOptions{Epochs: 5, Iter: 200, Batch: 500, FPA: 0.25, TestItems: 10000, BundleSeed: true}
}

// TrainSettings are the train.FilterSettings of a run on codes, seeded as "lwl-train
// generative" seeds its filter stage; with a Reducer the codes of every batch are split
// over the ranks.
func (o FilterOptions) TrainSettings(codes FilterCodes, seed uint64) train.FilterSettings {
	return train.FilterSettings{Hidden: []int{50, 50, 50}, FPA: o.FPA, IterPerBatch: o.Iter, BatchSize: o.Batch,
		Epochs: o.Epochs, Seed: seed + 2, Workers: o.Workers, Reducer: o.Reducer, TestGenuine: codes.TestGenuine, TestFake: codes.TestFake}
}

// RecordHyper records the filter's hyperparameters in a bundle's provenance.
func (o FilterOptions) RecordHyper(h map[string]float64) {
	h["filter_omega"], h["filter_delta"] = 5, 0.1
	h["filter_iter"], h["filter_epochs"], h["filter_batch"], h["fpa"] = float64(o.Iter), float64(o.Epochs), float64(o.Batch), o.FPA
}

// FilterEpochLine is the progress line of one filter epoch (ending in a newline).
func FilterEpochLine(e train.FilterEpoch, epochs int) string {
	return fmt.Sprintf("filter epoch %d/%d: fp %.3f batch %.3f train %.3f test   tn %.3f batch %.3f train %.3f test  %.1f GWMs  %.0fs\n",
		e.Epoch, epochs, e.BatchFP, e.FP, e.TestFP, e.BatchTN, e.TN, e.TestTN, e.GWMs, e.Seconds)
}

// FormatFilter is the trained filter as a bundle stores it: classes fake and genuine.
func FormatFilter(c *train.Classifier) (*format.Network, error) {
	fn, err := train.FormatNetwork(c.Graph, train.ReLU{}, c.Omega, 0.1, c.Weights, c.Biases)
	if err != nil {
		return nil, err
	}
	fn.ClassNames = []string{"fake", "genuine"}
	return fn, nil
}

// FilterRates are fp and tn of a generator's filter (as the runtime applies it) on the
// training and test codes; the test rates are NaN without test codes.
type FilterRates struct{ FP, TN, TestFP, TestTN float64 }

// MarshalJSON writes a missing rate (NaN) as null.
func (r FilterRates) MarshalJSON() ([]byte, error) {
	v := map[string]*float64{}
	for k, x := range map[string]float64{"fp": r.FP, "tn": r.TN, "test_fp": r.TestFP, "test_tn": r.TestTN} {
		if !math.IsNaN(x) {
			v[k] = &x
		}
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes: a missing rate is NaN.
func (r *FilterRates) UnmarshalJSON(b []byte) error {
	var v map[string]*float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	get := func(k string) float64 {
		if x := v[k]; x != nil {
			return *x
		}
		return math.NaN()
	}
	*r = FilterRates{FP: get("fp"), TN: get("tn"), TestFP: get("test_fp"), TestTN: get("test_tn")}
	return nil
}

// NoWorse reports whether r is at least as good as old: fp and tn no higher, on the
// training codes and (where both have them) on the test codes.
func (r FilterRates) NoWorse(old FilterRates) bool {
	le := func(a, b float64) bool { return a <= b || math.IsNaN(a) && math.IsNaN(b) }
	return le(r.FP, old.FP) && le(r.TN, old.TN) && le(r.TestFP, old.TestFP) && le(r.TestTN, old.TestTN)
}

// MeasureFilter applies g's filter to the codes, as the runtime (lwl-gen) applies it.
func MeasureFilter(g *generate.Generator, codes FilterCodes) FilterRates {
	share := func(rows []float64, genuine bool) float64 {
		n := len(rows) / codes.C
		if n == 0 {
			return math.NaN()
		}
		k := 0
		for i := 0; i < n; i++ {
			if g.Genuine(rows[i*codes.C:(i+1)*codes.C]) == genuine {
				k++
			}
		}
		return float64(k) / float64(n)
	}
	return FilterRates{FP: share(codes.Fake, true), TN: share(codes.Genuine, false),
		TestFP: share(codes.TestFake, true), TestTN: share(codes.TestGenuine, false)}
}

// EncodeRows encodes the rows of x with the model's encoder in parallel (workers 0: one
// per core), into a rows×codes matrix.
func EncodeRows(m *infer.Model, x dataset.Matrix, workers int) []float64 {
	C := m.NumCodes()
	enc := make([]float64, x.Rows*C)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for p := 0; p < workers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := p * x.Rows / workers; k < (p+1)*x.Rows/workers; k++ {
				m.Encode(enc[k*C:(k+1)*C], x.Row(k))
			}
		}()
	}
	wg.Wait()
	return enc
}

// MarginalRows reads a generator's code marginals back as the m×C training encodings they
// were made from (Marginals[c][k] is code node c of item k; SPEC.md, the generator section).
func MarginalRows(g *format.Generator) ([]float64, error) {
	C := len(g.Marginals)
	if C == 0 {
		return nil, errors.New("no code marginals")
	}
	m := len(g.Marginals[0])
	enc := make([]float64, m*C)
	for c, col := range g.Marginals {
		if len(col) != m {
			return nil, fmt.Errorf("code marginal %d has %d samples, marginal 0 has %d: not the rows of one set of encodings", c, len(col), m)
		}
		for k, v := range col {
			enc[k*C+c] = v
		}
	}
	return enc, nil
}

// FilterResult is the outcome of RetrainFilter (lwl-train filter's -json line). After an
// interruption New holds the filter so far and Saved the checkpoint written.
type FilterResult struct {
	Generator string      `json:"generator"`
	Out       string      `json:"out"`
	Items     int         `json:"items"`
	TestItems int         `json:"test_items"`
	Epochs    int         `json:"epochs"`
	Iter      int         `json:"iter"`
	Batch     int         `json:"batch"`
	FPA       float64     `json:"fpa"`
	Seed      uint64      `json:"seed"`
	Old       FilterRates `json:"old"`
	New       FilterRates `json:"new"`
	NoWorse   bool        `json:"no_worse"`
	GWMs      float64     `json:"gwms"`
	Seconds   float64     `json:"seconds"`

	History []train.FilterEpoch     `json:"-"` // the epochs (figures 22 and 23)
	Bundle  *format.Bundle          `json:"-"` // the new bundle (nil after an interruption)
	Saved   *train.FilterCheckpoint `json:"-"` // the last checkpoint written
}

// FilterCodesOf rebuilds the codes the filter of the generator bundle b (model its
// runtime model) was trained on, as "lwl-train generative" made them: the genuine codes
// are the code marginals, which for an MNIST generator are checked against the encodings
// of the MNIST training items; the test codes are the encodings of the first testItems
// MNIST test digits (none for a generator of other data). name labels messages.
func FilterCodesOf(name string, b *format.Bundle, model *infer.Model, testItems, workers int, seed uint64, progress Progress) (FilterCodes, error) {
	pr := reporter{progress}
	enc, err := MarginalRows(b.Generator)
	if err != nil {
		return FilterCodes{}, fmt.Errorf("%s: %w", name, err)
	}
	C := len(b.Generator.Marginals)
	m := len(enc) / C
	if m != b.Provenance.DatasetSize {
		return FilterCodes{}, fmt.Errorf("%s: the code marginals hold %d samples per code node, the provenance %d training items: they are not the items' encodings, and the filter's codes cannot be rebuilt", name, m, b.Provenance.DatasetSize)
	}
	var testEnc []float64
	mnist := b.Provenance.Dataset == "mnist-train" && model.NumData() == dataset.MNISTSide*dataset.MNISTSide
	switch {
	case mnist:
		trainSet, err := dataset.MNIST(true, m)
		if err != nil {
			return FilterCodes{}, err
		}
		if trainSet.X.Rows != m {
			return FilterCodes{}, fmt.Errorf("%s: %d training items, MNIST has %d", name, m, trainSet.X.Rows)
		}
		dev := 0.0
		for i, v := range EncodeRows(model, trainSet.X, workers) {
			dev = max(dev, math.Abs(v-enc[i]))
		}
		pr.Printf("%s: %d code marginals of %d MNIST training items; the encoder gives them to within %.2g\n", name, C, m, dev)
		if dev > 1e-3 {
			return FilterCodes{}, fmt.Errorf("%s: the code marginals are not the encodings of the first %d MNIST training items (they differ by up to %.3g)", name, m, dev)
		}
		if testItems > 0 {
			testSet, err := dataset.MNIST(false, testItems)
			if err != nil {
				return FilterCodes{}, err
			}
			testEnc = EncodeRows(model, testSet.X, workers)
		}
	default:
		pr.Printf("%s: %d code marginals of %d items of %q: not an MNIST generator, no test codes\n", name, C, m, b.Provenance.Dataset)
	}
	return NewFilterCodes(enc, testEnc, C, seed), nil
}

// RetrainFilter retrains the fake/genuine filter of the generator bundle opts.Generator
// (section 6.2; figures 22 and 23 of section 6.3.2) on the codes FilterCodesOf rebuilds,
// writes the bundle again as opts.Out with the new filter (the autoencoder and the code
// marginals kept bit for bit, the provenance recording the new filter's settings and
// figures beside the old run's), and measures the old and the new filter as the runtime
// applies them. A checkpoint is written after every epoch. Cancelling ctx ends the run
// after the batch in progress: the checkpoint is written, no bundle, and the error wraps
// train.ErrInterrupted, with the result's New the filter so far and Saved the checkpoint.
func RetrainFilter(ctx context.Context, opts FilterOptions, progress Progress) (FilterResult, error) {
	pr := reporter{progress}
	if opts.Generator == "" || opts.Out == "" {
		return FilterResult{}, optionsErr("-generator and -o are required")
	}
	if opts.Checkpoint == "" {
		opts.Checkpoint = opts.Out + ".ckpt"
	}
	if opts.Epochs < 1 || opts.Iter < 1 || opts.Batch < 1 || opts.Workers < 0 || opts.TestItems < 0 || !(opts.FPA >= 0 && opts.FPA <= 1) {
		return FilterResult{}, optionsErr("-epochs, -iter and -batch must be positive, -workers and -test-items not negative, -fpa in [0, 1]")
	}
	if sameFile(opts.Generator, opts.Out) {
		return FilterResult{}, optionsErr(fmt.Sprintf("-o %s is the -generator file: write the new bundle elsewhere", opts.Out))
	}
	for _, p := range []string{opts.Out, opts.Checkpoint} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return FilterResult{}, err
		}
	}
	leader := opts.Reducer == nil || opts.Reducer.Rank() == 0
	genPath := opts.Generator
	b, err := format.Load(genPath)
	if err != nil {
		return FilterResult{}, err
	}
	if b.Kind != format.KindGenerator || b.Generator == nil {
		return FilterResult{}, fmt.Errorf("%s: a %v bundle, want a generator", genPath, b.Kind)
	}
	model, err := infer.New(b)
	if err != nil {
		return FilterResult{}, fmt.Errorf("%s: %w", genPath, err)
	}
	oldGen, err := generate.New(model)
	if err != nil {
		return FilterResult{}, fmt.Errorf("%s: %w", genPath, err)
	}
	seed := opts.Seed
	if opts.BundleSeed {
		seed = b.Provenance.Seed
	}
	codes, err := FilterCodesOf(genPath, b, model, opts.TestItems, opts.Workers, seed, progress)
	if err != nil {
		return FilterResult{}, err
	}
	C := codes.C
	m, tm := len(codes.Genuine)/C, len(codes.TestGenuine)/C
	res := FilterResult{Generator: genPath, Out: opts.Out, Items: m, TestItems: tm, Epochs: opts.Epochs, Iter: opts.Iter, Batch: opts.Batch,
		FPA: opts.FPA, Seed: seed}

	s := opts.TrainSettings(codes, seed)
	pr.Printf("filter: %d genuine + %d fake training codes, %d + %d test codes; %d epochs × %d batches of %d × %d iterations, fpa %g, seed %d\n",
		m, 2*m, tm, 2*tm, opts.Epochs, 3*m/min(opts.Batch, 3*m), min(opts.Batch, 3*m), opts.Iter, opts.FPA, seed)
	if opts.Resume {
		c, err := train.ReadFilterCheckpoint(opts.Checkpoint)
		if err != nil {
			return res, err
		}
		s.Resume = c
		pr.Printf("resuming from %s: epoch %d, code %d of %d (%.4g GWMs, %.0fs so far)\n",
			opts.Checkpoint, c.Epoch, c.Next, c.Genuine+c.Fake, float64(c.Work)*1e-9, c.Seconds)
		for _, e := range c.History {
			pr.Printf("%s", FilterEpochLine(e, opts.Epochs))
		}
	}
	s.Checkpoint = func(c *train.FilterCheckpoint) error {
		res.Saved = c
		if !leader {
			return nil
		}
		return c.WriteFile(opts.Checkpoint)
	}
	started := false
	s.OnBatch = func(done, total int) {
		if !started {
			started = true
			pr.Start("filter batches", total)
		}
		pr.Add(1, "")
	}
	s.OnEpoch = func(e train.FilterEpoch) {
		pr.Add(0, fmt.Sprintf("epoch %d fp %.3f tn %.3f", e.Epoch, e.FP, e.TN))
		pr.Printf("%s", FilterEpochLine(e, opts.Epochs))
	}
	// Cancelling ctx ends the run after the batch in progress; the batches themselves run on
	// a context that the cancellation does not reach. A cancellation that came while the
	// codes were built stops the run before its first batch.
	interrupt := make(chan struct{})
	s.Interrupt = interrupt
	var once sync.Once
	stop := func() { once.Do(func() { close(interrupt) }) }
	if ctx.Err() != nil {
		stop() // at once: AfterFunc would close it in a goroutine of its own, perhaps late
	}
	stopWatch := context.AfterFunc(ctx, stop)
	defer stopWatch()
	filter, fe, err := train.TrainFilter(context.WithoutCancel(ctx), codes.Genuine, codes.Fake, C, s)
	if started {
		pr.Finish()
	}
	res.History = fe
	if errors.Is(err, train.ErrCheckpoint) {
		return res, fmt.Errorf("%s: %w", opts.Checkpoint, err)
	}
	if errors.Is(err, train.ErrInterrupted) {
		_, g, gerr := WithFilter(b, filter, b.Generator.FPA)
		if gerr != nil {
			return res, gerr
		}
		res.Old, res.New = MeasureFilter(oldGen, codes), MeasureFilter(g, codes)
		return res, err
	}
	if err != nil {
		return res, err
	}
	last := fe[len(fe)-1]
	nb, newGen, err := WithFilter(b, filter, opts.FPA)
	if err != nil {
		return res, err
	}
	p := &nb.Provenance
	opts.RecordHyper(p.Hyper)
	p.Hyper["filter_test_items"] = float64(tm)
	if seed != b.Provenance.Seed {
		p.Hyper["filter_seed"] = float64(seed)
	}
	res.Old, res.New, res.GWMs, res.Seconds = MeasureFilter(oldGen, codes), MeasureFilter(newGen, codes), last.GWMs, last.Seconds
	res.NoWorse = res.New.NoWorse(res.Old)
	// The runtime's figures of the new filter (float32 weights) replace the old filter's;
	// the generative run's total work, which included the old filter's, keeps another name.
	if g, ok := p.Metrics["gwms"]; ok {
		delete(p.Metrics, "gwms")
		p.Metrics["generative_gwms"] = g
	}
	for k, v := range map[string]float64{"fp": res.New.FP, "tn": res.New.TN, "test_fp": res.New.TestFP, "test_tn": res.New.TestTN,
		"filter_gwms": last.GWMs, "filter_seconds": last.Seconds} {
		if math.IsNaN(v) {
			delete(p.Metrics, k)
		} else {
			p.Metrics[k] = v
		}
	}
	p.Created = time.Now().UTC()
	note := fmt.Sprintf("filter retrained: lwl-train filter -epochs %d -iter %d -batch %d -fpa %g -test-items %d -seed %d",
		opts.Epochs, opts.Iter, opts.Batch, opts.FPA, opts.TestItems, seed)
	if p.Notes != "" {
		note = p.Notes + "; " + note
	}
	p.Notes = note
	res.Bundle = nb
	if leader {
		if err := format.Save(opts.Out, nb); err != nil {
			return res, err
		}
	}
	return res, nil
}

// WithFilter returns a copy of the generator bundle b with the filter c trained with
// allowance fpa (the autoencoder, marginals and provenance shared or copied, never
// changed), and the runtime's generator on it.
func WithFilter(b *format.Bundle, c *train.Classifier, fpa float64) (*format.Bundle, *generate.Generator, error) {
	fn, err := FormatFilter(c)
	if err != nil {
		return nil, nil, err
	}
	nb := *b
	nb.Generator = &format.Generator{Marginals: b.Generator.Marginals, Filter: fn, FPA: fpa}
	p := &nb.Provenance
	p.Hyper, p.Metrics = maps.Clone(b.Provenance.Hyper), maps.Clone(b.Provenance.Metrics)
	if p.Hyper == nil {
		p.Hyper = map[string]float64{}
	}
	if p.Metrics == nil {
		p.Metrics = map[string]float64{}
	}
	m, err := infer.New(&nb)
	if err != nil {
		return nil, nil, err
	}
	g, err := generate.New(m)
	if err != nil {
		return nil, nil, err
	}
	return &nb, g, nil
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
