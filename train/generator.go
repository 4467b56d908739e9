package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// FilterSettings configures the fake/genuine filter of a generator (section 6.2): a ReLU
// classifier on codes with two class nodes, c0 = fake and c1 = genuine, trained with a
// false-positive allowance.
type FilterSettings struct {
	Hidden       []int   // hidden layer widths; the paper's are 50, 50, 50
	Omega        float64 // 0 means 5
	Upsilon      float64 // 0 means 1
	Margin       float64 // class margin Δ; 0 means 0.1
	FPA          float64 // false-positive allowance rate fpa (0.25 in the paper)
	Beta         float64 // 0 means 1
	IterPerBatch int     // RRR_iter (1000 in the paper)
	BatchSize    int     // items per batch (500 in the paper)
	Epochs       int     // 0 means 1
	Seed         uint64
	Workers      int // parallel parts of one iteration; 0 means GOMAXPROCS
	// Reducer, if it joins several processes, gives this one its share of every batch's
	// codes (reducer.go); the run then equals one process's with Workers·Size() parts.
	// nil: one process.
	Reducer Reducer

	// Checkpoint, if set, receives the run's state after every epoch and, when Interrupt
	// stopped the run, at the stop (to save it); an error from it stops the run.
	Checkpoint func(*FilterCheckpoint) error
	// Resume, if set, is a checkpoint of a run on the same codes with the same settings
	// (Epochs may differ, but not end before the checkpoint's position); training goes on
	// from it and gives exactly the result of an unbroken run (see FilterCheckpoint for the
	// one condition).
	Resume *FilterCheckpoint
	// Interrupt, when closed, stops the run after the batch in progress: TrainFilter then
	// returns the consensus filter so far and the epochs completed with ErrInterrupted.
	Interrupt <-chan struct{}

	// OnEpoch, if set, is called after every epoch; OnBatch after every batch with the
	// batches done in this call and the call's total (for progress and ETA).
	OnEpoch func(FilterEpoch)
	OnBatch func(done, total int)

	// TestGenuine and TestFake, when set, are held-out codes (encodings of test data and
	// fresh iDE samples) whose fp and tn are reported per epoch (figures 22 and 23).
	TestGenuine, TestFake []float64
}

// FilterEpoch reports one epoch of filter training: fp is the fraction of fakes classified
// genuine, tn the fraction of genuine codes classified fake (the paper's names; training aims
// at fp ≈ fpa and tn → 0), each on the batches (the consensus model on each batch after its
// iterations, averaged), on the whole training set and on the test codes (figures 22, 23).
type FilterEpoch struct {
	Epoch            int
	BatchFP, BatchTN float64
	FP, TN           float64 // training codes
	TestFP, TestTN   float64 // test codes; NaN without them
	GWMs             float64
	ErrStop          float64 // mean last RRR_err of the batches
	Seconds          float64 // cumulative wall time
}

// rates returns fp and tn of the model's predictions pred on items labelled lab (0 = fake,
// 1 = genuine), NaN where a class is absent.
func rates(pred, lab []int) (fp, tn float64) {
	var nf, ng int
	for i, p := range pred {
		if lab[i] == 0 {
			nf++
			if p == 1 {
				fp++
			}
		} else {
			ng++
			if p == 0 {
				tn++
			}
		}
	}
	return fp / float64(nf), tn / float64(ng)
}

// codeRates is fp over the fake and tn over the genuine code rows (C values each) with
// model; NaN for both without test codes.
func codeRates(model *Classifier, genuine, fake []float64, C int) (fp, tn float64) {
	if len(genuine) == 0 || len(fake) == 0 {
		return math.NaN(), math.NaN()
	}
	return share(model, fake, C, 1), share(model, genuine, C, 0)
}

// share is the fraction of the code rows that model puts in class c.
func share(model *Classifier, codes []float64, C, c int) float64 {
	n := len(codes) / C
	pred := make([]int, n)
	model.Predict(pred, codes, n)
	k := 0
	for _, p := range pred {
		if p == c {
			k++
		}
	}
	return float64(k) / float64(n)
}

// TrainFilter trains the filter on genuine codes (encodings of data) and fake codes (iDE
// samples), both rows of C values, and returns the trained network's classifier and the
// reports of the epochs (those of a resumed checkpoint included).
func TrainFilter(ctx context.Context, genuine, fake []float64, C int, s FilterSettings) (*Classifier, []FilterEpoch, error) {
	ng, nf := len(genuine)/C, len(fake)/C
	if C <= 0 || ng == 0 || nf == 0 || s.IterPerBatch <= 0 || s.FPA < 0 || s.FPA > 1 {
		return nil, nil, fmt.Errorf("%w: filter on %d genuine and %d fake codes of %d values, %d iterations, fpa %v", ErrSettings, ng, nf, C, s.IterPerBatch, s.FPA)
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Omega, 5)
	def(&s.Upsilon, 1)
	def(&s.Margin, 0.1)
	def(&s.Beta, 1)
	N := ng + nf
	batch := s.BatchSize
	if batch <= 0 || batch > N {
		batch = N
	}
	layers := append(append([]int{C}, s.Hidden...), 2)
	g, err := Layered(layers...)
	if err != nil {
		return nil, nil, err
	}
	src := newPCG(s.Seed)
	rng := rand.New(src)
	// The allowance is a count per batch: fpa times the batch's expected number of fakes.
	count := int(math.Round(s.FPA * float64(batch) * float64(nf) / float64(N)))
	net, err := NewNetwork(g, NetworkConfig{Omega: s.Omega, Upsilon: s.Upsilon,
		Class: ClassRule{Margin: s.Margin, Mode: ClassFalsePositive, Count: count}, Workers: s.Workers, Reducer: s.Reducer}, rng)
	if err != nil {
		return nil, nil, err
	}
	defer net.Close()
	all := make([]float64, 0, N*C)
	all = append(append(all, fake...), genuine...)
	labels := make([]int, N)
	for i := nf; i < N; i++ {
		labels[i] = 1
	}
	buf, lab, pred := make([]float64, batch*C), make([]int, batch), make([]int, batch)
	var (
		work       int64
		out        []FilterEpoch
		secs0      float64 // wall time of a restored run before this call
		checkpoint func() *FilterCheckpoint
		setting    = map[string]float64{"omega": s.Omega, "upsilon": s.Upsilon, "margin": s.Margin, "fpa": s.FPA,
			"count": float64(count), "beta": s.Beta, "iter": float64(s.IterPerBatch), "batch": float64(batch), "seed": float64(s.Seed),
			// the test codes only enter the reports, but a history on other test codes
			// would mix two series
			"test_codes": float64(codeHash(s.TestGenuine, s.TestFake, C) >> 11)} // exact in a float64
		hash = codeHash(genuine, fake, C)
	)
	// Every rank of a distributed run must train on the same codes with the same settings.
	if err := Agree(s.Reducer, settingHash(setting, hash, float64(len(net.parts)), float64(s.Epochs), float64(ng), float64(nf))); err != nil {
		return nil, nil, err
	}
	model := net.Classifier()
	start := time.Now()
	l := newEpochLoop(N, batch, s.Epochs)
	l.settings = Settings{Beta: s.Beta, MaxIter: s.IterPerBatch}
	l.shuffle = func(_ int, order []int) {
		rng.Shuffle(N, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	l.start = func(rows []int) (Iterator, error) {
		for r, k := range rows {
			copy(buf[r*C:(r+1)*C], all[k*C:(k+1)*C])
			lab[r] = labels[k]
		}
		return net, net.SetBatch(buf, lab, batch)
	}
	var st FilterEpoch // the epoch in progress
	if c := s.Resume; c != nil {
		if err := restoreFilter(c, layers, setting, ng, nf, hash, g); err != nil {
			return nil, nil, err
		}
		if err := l.resumeAt(c.Epoch, c.Next, c.Iter, "code"); err != nil {
			return nil, nil, err
		}
		if err := src.UnmarshalBinary(c.Rand); err != nil {
			return nil, nil, fmt.Errorf("%w: random state: %v", ErrCheckpoint, err)
		}
		copy(net.wA, c.W)
		copy(net.bB, c.B)
		copy(l.order, c.Order)
		work, out, secs0 = c.Work, slices.Clone(c.History), c.Seconds
		if c.Next > 0 {
			st = c.Partial
			st.Epoch = c.Epoch
		}
	}
	done, total := 0, l.batches()*l.epochs-(l.epoch-1)*l.batches()-l.next/batch
	l.done = func(ep int, _ []int, sts Status, _ float64) error {
		if st.Epoch != ep {
			st = FilterEpoch{Epoch: ep}
		}
		work += sts.Work
		st.ErrStop += sts.Err
		model.Predict(pred, buf, batch)
		fp, tn := rates(pred, lab)
		st.BatchFP += fp
		st.BatchTN += tn
		if done++; s.OnBatch != nil {
			s.OnBatch(done, total)
		}
		return nil
	}
	l.epochDone = func(int) error {
		nb := float64(l.batches())
		st.ErrStop /= nb
		st.BatchFP /= nb
		st.BatchTN /= nb
		st.FP, st.TN = codeRates(model, genuine, fake, C)
		st.TestFP, st.TestTN = codeRates(model, s.TestGenuine, s.TestFake, C)
		st.GWMs = float64(work) * 1e-9
		st.Seconds = secs0 + time.Since(start).Seconds()
		out = append(out, st)
		if s.OnEpoch != nil {
			s.OnEpoch(st)
		}
		if s.Checkpoint != nil {
			return s.Checkpoint(checkpoint())
		}
		return nil
	}
	checkpoint = func() *FilterCheckpoint {
		c := &FilterCheckpoint{Layers: slices.Clone(layers), Setting: setting, Genuine: ng, Fake: nf, CodeHash: hash,
			Epoch: l.epoch, Next: l.next, Iter: l.iter, Work: work, Seconds: secs0 + time.Since(start).Seconds(),
			Order: slices.Clone(l.order), History: slices.Clone(out), W: slices.Clone(net.wA), B: slices.Clone(net.bB)}
		if l.next > 0 {
			c.Partial = st
		}
		c.Rand, _ = src.MarshalBinary() // never fails
		return c
	}
	l.interrupt = s.Interrupt
	err = l.run(ctx)
	if errors.Is(err, ErrInterrupted) && s.Checkpoint != nil {
		if cerr := s.Checkpoint(checkpoint()); cerr != nil {
			return nil, out, cerr
		}
	}
	if err != nil && !errors.Is(err, ErrInterrupted) {
		return nil, out, err
	}
	c, cerr := NewClassifier(g, slices.Clone(net.wA), slices.Clone(net.bB), s.Omega, ReLU{})
	if cerr != nil {
		return nil, out, cerr
	}
	return c, out, err
}
