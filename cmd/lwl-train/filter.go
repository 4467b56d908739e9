package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["filter"] = command{
		summary: "retrain the fake/genuine filter of a generator bundle on its own codes",
		run:     runFilter,
	}
}

// The paper's filter (section 6.3.2, figures 22 and 23): fp and tn of the final filter.
const (
	paperFilterFP     = 0.285 // on the training codes
	paperFilterTestFP = 0.316 // on the test codes
)

// filterCodes are the codes a fake/genuine filter is trained and measured on (section 6.2):
// the genuine codes are the encodings of data items, the fakes twice as many iDE samples of
// those encodings (the paper's 2×10⁴ fakes for 10⁴ items); the test codes are encodings of
// held-out items and twice as many fresh iDE samples, drawn from the training encodings.
// Rows of C values each.
type filterCodes struct {
	C                     int
	Genuine, Fake         []float64
	TestGenuine, TestFake []float64 // empty without test items
}

// newFilterCodes makes the codes of the generative command's filter stage from the m×C
// training encodings enc and the test encodings testEnc: 2m training fakes drawn with seed
// seed+1 and twice as many test fakes as test codes with seed+3 (seed+2 seeds the filter,
// filterConfig.settings).
func newFilterCodes(enc, testEnc []float64, C int, seed uint64) filterCodes {
	m, tm := len(enc)/C, len(testEnc)/C
	fc := filterCodes{C: C, Genuine: enc, Fake: make([]float64, 2*m*C), TestGenuine: testEnc}
	train.SampleIDE(fc.Fake, enc, m, C, 2*m, train.NewRand(seed+1))
	if tm > 0 {
		fc.TestFake = make([]float64, 2*tm*C)
		train.SampleIDE(fc.TestFake, enc, m, C, 2*tm, train.NewRand(seed+3))
	}
	return fc
}

// filterConfig is the filter training that the command line chooses; the architecture and
// the other hyperparameters are the paper's (C→50→50→50→2 ReLU, β 1, Ω 5, Υ 1, Δ 0.1).
type filterConfig struct {
	epochs, iter, batch, workers int
	fpa                          float64
}

// settings are the train.FilterSettings of a run on codes, seeded as the generative
// command seeds its filter stage; under mpirun (-tags mpi) the codes of every batch are
// split over the ranks (reducer, dist.go).
func (f filterConfig) settings(codes filterCodes, seed uint64) train.FilterSettings {
	return train.FilterSettings{Hidden: []int{50, 50, 50}, FPA: f.fpa, IterPerBatch: f.iter, BatchSize: f.batch,
		Epochs: f.epochs, Seed: seed + 2, Workers: f.workers, Reducer: reducer, TestGenuine: codes.TestGenuine, TestFake: codes.TestFake}
}

// hyper records the filter's hyperparameters in a bundle's provenance.
func (f filterConfig) hyper(h map[string]float64) {
	h["filter_omega"], h["filter_delta"] = 5, 0.1
	h["filter_iter"], h["filter_epochs"], h["filter_batch"], h["fpa"] = float64(f.iter), float64(f.epochs), float64(f.batch), f.fpa
}

// printFilterEpoch writes the progress line of one filter epoch.
func printFilterEpoch(w io.Writer, e train.FilterEpoch, epochs int) {
	fmt.Fprintf(w, "filter epoch %d/%d: fp %.3f batch %.3f train %.3f test   tn %.3f batch %.3f train %.3f test  %.1f GWMs  %.0fs\n",
		e.Epoch, epochs, e.BatchFP, e.FP, e.TestFP, e.BatchTN, e.TN, e.TestTN, e.GWMs, e.Seconds)
}

// formatFilter is the trained filter as a bundle stores it: classes fake and genuine.
func formatFilter(c *train.Classifier) (*format.Network, error) {
	fn, err := train.FormatNetwork(c.Graph, train.ReLU{}, c.Omega, 0.1, c.Weights, c.Biases)
	if err != nil {
		return nil, err
	}
	fn.ClassNames = []string{"fake", "genuine"}
	return fn, nil
}

// filterRates are fp and tn of a generator's filter (as the runtime applies it) on the
// training and test codes; the test rates are NaN without test codes.
type filterRates struct{ FP, TN, TestFP, TestTN float64 }

// MarshalJSON writes a missing rate (NaN) as null.
func (r filterRates) MarshalJSON() ([]byte, error) {
	v := map[string]*float64{}
	for k, x := range map[string]float64{"fp": r.FP, "tn": r.TN, "test_fp": r.TestFP, "test_tn": r.TestTN} {
		if !math.IsNaN(x) {
			v[k] = &x
		}
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes: a missing rate is NaN.
func (r *filterRates) UnmarshalJSON(b []byte) error {
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
	*r = filterRates{FP: get("fp"), TN: get("tn"), TestFP: get("test_fp"), TestTN: get("test_tn")}
	return nil
}

// measureFilter applies g's filter to the codes.
func measureFilter(g *generate.Generator, codes filterCodes) filterRates {
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
	return filterRates{FP: share(codes.Fake, true), TN: share(codes.Genuine, false),
		TestFP: share(codes.TestFake, true), TestTN: share(codes.TestGenuine, false)}
}

// noWorse reports whether r is at least as good as old: fp and tn no higher, on the
// training codes and (where both have them) on the test codes.
func (r filterRates) noWorse(old filterRates) bool {
	le := func(a, b float64) bool { return a <= b || math.IsNaN(a) && math.IsNaN(b) }
	return le(r.FP, old.FP) && le(r.TN, old.TN) && le(r.TestFP, old.TestFP) && le(r.TestTN, old.TestTN)
}

// encodeRows encodes the rows of x with the model's encoder in parallel, into a rows×codes
// matrix.
func encodeRows(m *infer.Model, x dataset.Matrix, workers int) []float64 {
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

// marginalRows reads a generator's code marginals back as the m×C training encodings they
// were made from (Marginals[c][k] is code node c of item k).
func marginalRows(g *format.Generator) ([]float64, error) {
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

type filterResult struct {
	Generator string      `json:"generator"`
	Out       string      `json:"out"`
	Items     int         `json:"items"`
	TestItems int         `json:"test_items"`
	Epochs    int         `json:"epochs"`
	Iter      int         `json:"iter"`
	Batch     int         `json:"batch"`
	FPA       float64     `json:"fpa"`
	Seed      uint64      `json:"seed"`
	Old       filterRates `json:"old"`
	New       filterRates `json:"new"`
	NoWorse   bool        `json:"no_worse"`
	GWMs      float64     `json:"gwms"`
	Seconds   float64     `json:"seconds"`
}

func runFilter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("filter", `Usage: lwl-train filter [flags] -generator GEN.lwlb -o OUT.lwlb

Retrains the fake/genuine filter of a generator bundle (section 6.2) and writes the bundle
again with the new filter: the autoencoder and the code marginals are kept bit for bit,
the provenance records the new filter's settings and figures beside the old run's.

The filter learns the codes of the generative command's filter stage. The genuine codes are
the encodings of the bundle's training items, which its code marginals hold (for an MNIST
generator the bundle's encoder checks them against the MNIST training images); the fakes
are twice as many iDE samples of them. The test codes are the encodings of -test-items
MNIST test digits and twice as many fresh fakes (none for a generator of other data).
With the bundle's seed (the default) these are the codes its filter was trained on.

The filter is C→50→50→50→2 with ReLU, β 1, Ω 5, Υ 1, Δ 0.1 and the false-positive
allowance -fpa, trained in batches of -batch codes with -iter RRR iterations each. fp
(fakes accepted) and tn (genuine codes rejected) are printed per epoch on the batches, the
training and the test codes (figures 22 and 23, drawn with -figures DIR); at the end the
new and the old filter, both as the runtime (lwl-gen) applies them, are measured on the
same codes beside the paper's fp of 28.5% (training) and 31.6% (test). The new filter is
at least as good as the old when neither fp nor tn is higher on either set of codes.

The paper's run on the shipped generator:
  lwl-train filter -generator testdata/mnist-generator.lwlb -epochs 20 -iter 1000 -o new.lwlb
costs 3360 GWMs (10⁴ items, 3×10⁴ codes per epoch). Progress and ETA go to stderr.

Long runs survive: a checkpoint is written after every epoch (-checkpoint, default
OUT.ckpt), and -resume goes on from it with the filter an unbroken run would have had
(with the same -workers). The first Ctrl-C (or SIGTERM) ends the batch in progress,
writes the checkpoint, prints the figures of the filter so far and the command that
resumes; it writes no bundle. -epochs larger than the checkpoint's extends a finished run.
`, stderr)
	genPath := fs.String("generator", "", "generator bundle whose filter is retrained (required)")
	out := fs.String("o", "", "output bundle (required; may not be the -generator file)")
	var fc filterConfig
	fs.IntVar(&fc.epochs, "epochs", 5, "filter epochs (paper 20)")
	fs.IntVar(&fc.iter, "iter", 200, "RRR iterations per batch (paper 1000)")
	fs.IntVar(&fc.batch, "batch", 500, "codes per batch (paper 500)")
	fs.Float64Var(&fc.fpa, "fpa", 0.25, "false-positive allowance rate (paper 0.25)")
	fs.IntVar(&fc.workers, "workers", 0, "parallel parts of each RRR iteration (0: one per core)")
	testItems := fs.Int("test-items", 10000, "MNIST test digits whose encodings are the genuine test codes (0: none; the shipped generator was measured on all 10000)")
	seed := fs.Uint64("seed", 0, "seed of the fakes and the filter, as generative's -seed (default: the bundle's seed)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	ckptPath := fs.String("checkpoint", "", "checkpoint file, written after every epoch and on Ctrl-C (default OUT.ckpt)")
	resume := fs.Bool("resume", false, "go on from the checkpoint")
	figDir := fs.String("figures", "", "directory for filter-fp.png and filter-tn.png, fp and tn per epoch (figures 22, 23; none if empty)")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *genPath == "" || *out == "" {
		return &usageError{"-generator and -o are required"}
	}
	if *ckptPath == "" {
		*ckptPath = *out + ".ckpt"
	}
	if fc.epochs < 1 || fc.iter < 1 || fc.batch < 1 || fc.workers < 0 || *testItems < 0 || !(fc.fpa >= 0 && fc.fpa <= 1) {
		return &usageError{"-epochs, -iter and -batch must be positive, -workers and -test-items not negative, -fpa in [0, 1]"}
	}
	if sameFile(*genPath, *out) {
		return &usageError{fmt.Sprintf("-o %s is the -generator file: write the new bundle elsewhere", *out)}
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	for _, p := range []string{*out, *ckptPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	start := time.Now()

	b, err := format.Load(*genPath)
	if err != nil {
		return err
	}
	if b.Kind != format.KindGenerator || b.Generator == nil {
		return fmt.Errorf("%s: a %v bundle, want a generator", *genPath, b.Kind)
	}
	model, err := infer.New(b)
	if err != nil {
		return fmt.Errorf("%s: %w", *genPath, err)
	}
	oldGen, err := generate.New(model)
	if err != nil {
		return fmt.Errorf("%s: %w", *genPath, err)
	}
	if !seedSet {
		*seed = b.Provenance.Seed
	}
	enc, err := marginalRows(b.Generator)
	if err != nil {
		return fmt.Errorf("%s: %w", *genPath, err)
	}
	C := len(b.Generator.Marginals)
	m := len(enc) / C
	if m != b.Provenance.DatasetSize {
		return fmt.Errorf("%s: the code marginals hold %d samples per code node, the provenance %d training items: they are not the items' encodings, and the filter's codes cannot be rebuilt", *genPath, m, b.Provenance.DatasetSize)
	}
	var testEnc []float64
	mnist := b.Provenance.Dataset == "mnist-train" && model.NumData() == dataset.MNISTSide*dataset.MNISTSide
	switch {
	case mnist:
		trainSet, err := dataset.MNIST(true, m)
		if err != nil {
			return err
		}
		if trainSet.X.Rows != m {
			return fmt.Errorf("%s: %d training items, MNIST has %d", *genPath, m, trainSet.X.Rows)
		}
		dev := 0.0
		for i, v := range encodeRows(model, trainSet.X, fc.workers) {
			dev = max(dev, math.Abs(v-enc[i]))
		}
		fmt.Fprintf(stderr, "%s: %d code marginals of %d MNIST training items; the encoder gives them to within %.2g\n", *genPath, C, m, dev)
		if dev > 1e-3 {
			return fmt.Errorf("%s: the code marginals are not the encodings of the first %d MNIST training items (they differ by up to %.3g)", *genPath, m, dev)
		}
		if *testItems > 0 {
			testSet, err := dataset.MNIST(false, *testItems)
			if err != nil {
				return err
			}
			testEnc = encodeRows(model, testSet.X, fc.workers)
		}
	default:
		fmt.Fprintf(stderr, "%s: %d code marginals of %d items of %q: not an MNIST generator, no test codes\n", *genPath, C, m, b.Provenance.Dataset)
	}
	codes := newFilterCodes(enc, testEnc, C, *seed)
	tm := len(testEnc) / C

	s := fc.settings(codes, *seed)
	fmt.Fprintf(stderr, "filter: %d genuine + %d fake training codes, %d + %d test codes; %d epochs × %d batches of %d × %d iterations, fpa %g, seed %d\n",
		m, 2*m, tm, 2*tm, fc.epochs, 3*m/min(fc.batch, 3*m), min(fc.batch, 3*m), fc.iter, fc.fpa, *seed)
	if *resume {
		c, err := train.ReadFilterCheckpoint(*ckptPath)
		if err != nil {
			return err
		}
		s.Resume = c
		fmt.Fprintf(stderr, "resuming from %s: epoch %d, code %d of %d (%.4g GWMs, %.0fs so far)\n",
			*ckptPath, c.Epoch, c.Next, c.Genuine+c.Fake, float64(c.Work)*1e-9, c.Seconds)
		for _, e := range c.History {
			printFilterEpoch(stderr, e, fc.epochs)
		}
	}
	var saved *train.FilterCheckpoint // the last checkpoint written
	s.Checkpoint = func(c *train.FilterCheckpoint) error {
		saved = c
		if !leader() { // rank 0 of an MPI run writes it
			return nil
		}
		return c.WriteFile(*ckptPath)
	}
	var bar *progress.Bar
	s.OnBatch = func(done, total int) {
		if bar == nil {
			bar = progress.New(stderr, "filter batches", total, 0)
		}
		bar.Add(1, "")
	}
	s.OnEpoch = func(e train.FilterEpoch) {
		bar.Add(0, fmt.Sprintf("epoch %d fp %.3f tn %.3f", e.Epoch, e.FP, e.TN))
		printFilterEpoch(stderr, e, fc.epochs)
	}
	// The first SIGINT or SIGTERM (ctx's cancellation) ends the run after the batch in
	// progress; the batches themselves run on a context that the signal does not cancel.
	// A signal that came while the codes were built stops the run before its first batch.
	interrupt := make(chan struct{})
	s.Interrupt = interrupt
	var once sync.Once
	stop := func() {
		once.Do(func() {
			signal.Reset(os.Interrupt) // a second Ctrl-C quits at once
			fmt.Fprintf(stderr, "interrupted: finishing the batch in progress, then writing %s (Ctrl-C again quits at once)\n", *ckptPath)
			close(interrupt)
		})
	}
	if ctx.Err() != nil {
		stop()
	}
	stopWatch := context.AfterFunc(ctx, stop)
	defer stopWatch()
	filter, fe, err := train.TrainFilter(context.WithoutCancel(ctx), codes.Genuine, codes.Fake, C, s)
	if bar != nil {
		bar.Finish()
	}
	if errors.Is(err, train.ErrCheckpoint) {
		return fmt.Errorf("%s: %w", *ckptPath, err)
	}
	if errors.Is(err, train.ErrInterrupted) {
		return filterInterrupted(filter, saved, b, codes, oldGen, *genPath, args, *ckptPath, stderr)
	}
	if err != nil {
		return err
	}
	last := fe[len(fe)-1]
	nb, newGen, err := withFilter(b, filter, fc.fpa)
	if err != nil {
		return err
	}
	p := &nb.Provenance
	fc.hyper(p.Hyper)
	p.Hyper["filter_test_items"] = float64(tm)
	if *seed != b.Provenance.Seed {
		p.Hyper["filter_seed"] = float64(*seed)
	}
	res := filterResult{Generator: *genPath, Out: *out, Items: m, TestItems: tm, Epochs: fc.epochs, Iter: fc.iter, Batch: fc.batch,
		FPA: fc.fpa, Seed: *seed, Old: measureFilter(oldGen, codes), New: measureFilter(newGen, codes), GWMs: last.GWMs, Seconds: last.Seconds}
	res.NoWorse = res.New.noWorse(res.Old)
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
		fc.epochs, fc.iter, fc.batch, fc.fpa, *testItems, *seed)
	if p.Notes != "" {
		note = p.Notes + "; " + note
	}
	p.Notes = note
	if !leader() { // rank 0 of an MPI run writes the bundle and the figures
		return nil
	}
	if err := format.Save(*out, nb); err != nil {
		return err
	}
	if *figDir != "" {
		if err := filterFigures(*figDir, fe); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "wrote %s: filter %d epochs × %d iterations per batch of %d, fpa %g, %.1f GWMs, %.0fs\n",
		*out, fc.epochs, fc.iter, fc.batch, fc.fpa, last.GWMs, last.Seconds)
	printFilterTable(stdout, "old: "+*genPath, res.Old, "new: "+*out, res.New)
	verdict := "the new filter is at least as good as the old (fp and tn no higher on training and test codes)"
	if !res.NoWorse {
		verdict = "the new filter is worse than the old in fp or tn on the training or test codes"
	}
	fmt.Fprintf(stdout, "%s; this process %.0fs\n", verdict, time.Since(start).Seconds())
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// withFilter returns a copy of the generator bundle b with the filter c trained with
// allowance fpa (the autoencoder, marginals and provenance shared or copied, never
// changed), and the runtime's generator on it.
func withFilter(b *format.Bundle, c *train.Classifier, fpa float64) (*format.Bundle, *generate.Generator, error) {
	fn, err := formatFilter(c)
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

// printFilterTable prints the fp and tn of two filters beside the paper's.
func printFilterTable(w io.Writer, oldName string, old filterRates, newName string, new filterRates) {
	t := newTable(w)
	t.row("filter", "fp train", "fp test", "tn train", "tn test")
	pct := func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	t.row("paper (figures 22, 23)", pct(paperFilterFP), pct(paperFilterTestFP), "—", "—")
	t.row(oldName, pct(old.FP), pct(old.TestFP), pct(old.TN), pct(old.TestTN))
	t.row(newName, pct(new.FP), pct(new.TestFP), pct(new.TN), pct(new.TestTN))
	t.flush()
}

// filterInterrupted reports a run stopped by a signal: the checkpoint is written (by the
// Checkpoint hook); the filter so far is measured beside the old one (on stderr: the run
// failed, stdout stays empty), and the message says how to go on.
func filterInterrupted(c *train.Classifier, saved *train.FilterCheckpoint, b *format.Bundle, codes filterCodes, oldGen *generate.Generator,
	genPath string, args []string, ckptPath string, stderr io.Writer) error {
	_, g, err := withFilter(b, c, b.Generator.FPA)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("so far (epoch %d, %d of %d codes)", saved.Epoch, saved.Next, saved.Genuine+saved.Fake)
	printFilterTable(stderr, "old: "+genPath, measureFilter(oldGen, codes), where, measureFilter(g, codes))
	resume := []string{"lwl-train", "filter"}
	for _, a := range args {
		if a != "-resume" && a != "--resume" && a != "-resume=true" {
			resume = append(resume, shellQuote(a))
		}
	}
	resume = append(resume, "-resume")
	fmt.Fprintf(stderr, "interrupted in epoch %d after %d of its %d codes: wrote %s\nresume with:\n\t%s\n", saved.Epoch, saved.Next, saved.Genuine+saved.Fake, ckptPath, strings.Join(resume, " "))
	return &interruptedError{fmt.Sprintf("interrupted; resume from %s with -resume", ckptPath)}
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
