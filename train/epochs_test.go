package train

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errSeq is an Iterator whose RRR_err follows a script (then stays at its last value).
type errSeq struct {
	errs []float64
	i    int
}

func (s *errSeq) Iterate(float64) float64 {
	e := s.errs[min(s.i, len(s.errs)-1)]
	s.i++
	return e
}
func (s *errSeq) Work() int64 { return 1 }

// batchLog is a loop over 10 items in batches of 3 (one item dropped per epoch) that
// records the batches it runs.
func batchLog(epochs int, it Iterator) (*epochLoop, *[][]int) {
	var log [][]int
	l := newEpochLoop(10, 3, epochs)
	l.settings = Settings{MaxIter: 2}
	l.shuffle = func(ep int, order []int) {
		rng := NewRand(uint64(ep))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	l.start = func(rows []int) (Iterator, error) { return it, nil }
	l.done = func(ep int, rows []int, st Status, first float64) error {
		log = append(log, append([]int{ep}, rows...))
		return nil
	}
	return l, &log
}

func TestEpochLoopRunsFullBatchesAndNumbersIterations(t *testing.T) {
	l, log := batchLog(2, &errSeq{errs: []float64{1}})
	var iters []int
	l.settings.Trace = func(i int, _ float64) { iters = append(iters, i) }
	var ends []int
	l.epochDone = func(ep int) error {
		ends = append(ends, ep)
		assert.Equal(t, 0, l.next, "epochDone sees the next epoch's start")
		return nil
	}
	require.NoError(t, l.run(context.Background()))
	require.Len(t, *log, 6, "3 full batches of 3 per epoch")
	assert.Equal(t, []int{1, 2}, ends)
	assert.Equal(t, 12, l.iter)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, iters)
	for _, b := range *log {
		assert.Len(t, b, 4)
	}
}

// An interrupted loop stops before a batch, and running it on from there gives the batches
// of an unbroken run.
func TestEpochLoopInterruptAndResume(t *testing.T) {
	whole, want := batchLog(3, &errSeq{errs: []float64{1}})
	require.NoError(t, whole.run(context.Background()))

	for stopAfter := 1; stopAfter < len(*want); stopAfter++ {
		l, got := batchLog(3, &errSeq{errs: []float64{1}})
		stop := make(chan struct{})
		l.interrupt = stop
		inner := l.done
		l.done = func(ep int, rows []int, st Status, first float64) error {
			err := inner(ep, rows, st, first)
			if len(*got) == stopAfter {
				close(stop)
			}
			return err
		}
		require.ErrorIs(t, l.run(context.Background()), ErrInterrupted)
		require.Len(t, *got, stopAfter)
		// A fresh loop given the saved position goes on.
		r, rest := batchLog(3, &errSeq{errs: []float64{1}})
		r.epoch, r.next, r.iter = l.epoch, l.next, l.iter
		copy(r.order, l.order)
		require.NoError(t, r.run(context.Background()))
		assert.Equal(t, *want, append(*got, *rest...), "stopped after %d batches", stopAfter)
		assert.Equal(t, whole.iter, r.iter)
	}
}

func TestEpochLoopStops(t *testing.T) {
	l, log := batchLog(2, &errSeq{errs: []float64{1, 1, 1, math.NaN()}})
	err := l.run(context.Background())
	require.ErrorContains(t, err, "diverged in epoch 1")
	assert.Len(t, *log, 1, "the diverged batch is not reported as done")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l, log = batchLog(2, &errSeq{errs: []float64{1}})
	require.ErrorIs(t, l.run(ctx), context.Canceled)
	assert.Empty(t, *log)
}

// Factorize and TrainFilter used to carry on after a diverged batch; every trainer now
// stops with an error. A step β of 1e300 overflows the first update.
func TestTrainersReportDivergence(t *testing.T) {
	ctx := context.Background()
	rng := NewRand(1)
	y := make([]float64, 40*6)
	for i := range y {
		y[i] = rng.Float64()
	}
	_, err := Factorize(ctx, y, 40, 6, FactorizeSettings{NMFConfig: NMFConfig{Rank: 2}, Beta: 1e300, IterPerBatch: 5})
	assert.ErrorContains(t, err, "diverged")

	codes := make([]float64, 60*3)
	for i := range codes {
		codes[i] = rng.Float64()
	}
	_, _, err = TrainFilter(ctx, codes[:90], codes[90:], 3, FilterSettings{Hidden: []int{4}, FPA: 0.25, Beta: 1e300, IterPerBatch: 5, BatchSize: 20})
	assert.ErrorContains(t, err, "diverged")
}
