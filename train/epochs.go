package train

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrInterrupted is returned by a trainer whose Interrupt channel closed: it stopped between
// two batches, and what it returns with the error (a checkpoint, the model so far) is the
// state after the last whole batch.
var ErrInterrupted = errors.New("train: interrupted between batches")

// epochLoop is the loop that every trainer of this package runs (sections 4.3, 5.4, 6.1.1
// and 6.2): epochs of full batches over a permutation of the items, each batch started by the
// model from its rows (the warm start) and solved by RRR up to the iteration cap. The items
// left over after the last full batch of an epoch are not used in that epoch.
//
// The loop's position (epoch, next, order, iter) is all it keeps between batches, so a model
// that saves it with its own parameters can stop after any batch and go on later with
// exactly the iterates of an unbroken run.
type epochLoop struct {
	items, batch int // items per epoch; items per batch (1 ≤ batch ≤ items)
	epochs       int // last epoch to run

	// settings are β, the tolerance and the cap of every batch; a Trace gets iterations
	// numbered across the run (iter included).
	settings Settings

	// shuffle, if set, permutes order at the start of epoch ep (before its first batch).
	shuffle func(ep int, order []int)
	// start begins a batch on the items rows (a window of order) and returns what to iterate.
	start func(rows []int) (Iterator, error)
	// solved, if set, is called right after each Solve, whatever its outcome (a model that
	// iterates a copy of its state takes the state back here).
	solved func()
	// done, if set, is called after each batch that ran to its cap or tolerance, with the
	// solver's status and the batch's first RRR_err.
	done func(ep int, rows []int, st Status, first float64) error
	// epochDone, if set, is called after the last batch of each epoch; the position is then
	// already that of the next epoch's start.
	epochDone func(ep int) error
	// interrupt, if not nil, is checked before each batch: once closed, run returns
	// ErrInterrupted at the position before that batch.
	interrupt <-chan struct{}

	order []int // the items in this epoch's order (identity before the first shuffle)
	epoch int   // the epoch in progress, 1-based
	next  int   // position in order of the next batch's first item (0: the epoch has not started)
	iter  int   // iterations run so far in the whole run
}

// newEpochLoop returns a loop at the start of epoch 1 with the identity order. A batch of
// 0 or more than items means one batch of all items; epochs 0 means 1.
func newEpochLoop(items, batch, epochs int) *epochLoop {
	if batch <= 0 || batch > items {
		batch = items
	}
	order := make([]int, items)
	for i := range order {
		order[i] = i
	}
	return &epochLoop{items: items, batch: batch, epochs: max(epochs, 1), order: order, epoch: 1}
}

// resumeAt moves the loop to a checkpoint's position: epoch in progress, position of its
// next batch (in items, which the error calls unit), iterations so far. A position past the end of the loop's epochs (in a later
// epoch, or inside the epoch after the last) is an ErrCheckpoint: a run with fewer epochs
// than the checkpoint's cannot reproduce it. The end of the last epoch (epoch l.epochs+1,
// next 0) is a finished run, and resuming it runs nothing.
func (l *epochLoop) resumeAt(epoch, next, iter int, unit string) error {
	if epoch > l.epochs+1 || epoch == l.epochs+1 && next > 0 {
		return fmt.Errorf("%w: it is in epoch %d (%s %d), past the end of a run of %d epochs", ErrCheckpoint, epoch, unit, next, l.epochs)
	}
	l.epoch, l.next, l.iter = epoch, next, iter
	return nil
}

// batches is the number of batches in one epoch.
func (l *epochLoop) batches() int { return l.items / l.batch }

// run trains from the loop's position to the end of epoch l.epochs. Cancelling ctx stops
// the batch in progress (its iterate is lost) and returns ctx.Err(); a diverged batch
// (RRR_err NaN or infinite) is an error.
func (l *epochLoop) run(ctx context.Context) error {
	s := l.settings
	trace := s.Trace
	first := math.NaN()
	s.Trace = func(i int, e float64) {
		if i == 1 {
			first = e
		}
		if trace != nil {
			trace(l.iter+i, e)
		}
	}
	for l.epoch <= l.epochs {
		if l.interrupt != nil {
			select {
			case <-l.interrupt:
				return ErrInterrupted
			default:
			}
		}
		if l.next == 0 && l.shuffle != nil {
			l.shuffle(l.epoch, l.order)
		}
		rows := l.order[l.next : l.next+l.batch]
		it, err := l.start(rows)
		if err != nil {
			return err
		}
		first = math.NaN()
		st, err := Solve(ctx, it, s)
		if l.solved != nil {
			l.solved()
		}
		if err != nil {
			return err
		}
		l.iter += st.Iterations
		switch st.Stop {
		case StopCancelled:
			return ctx.Err()
		case StopDiverged:
			return fmt.Errorf("train: RRR diverged in epoch %d (RRR_err %v after %d iterations)", l.epoch, st.Err, st.Iterations)
		}
		ep := l.epoch
		if l.next += l.batch; l.next+l.batch > l.items {
			l.epoch, l.next = l.epoch+1, 0
		}
		if l.done != nil {
			if err := l.done(ep, rows, st, first); err != nil {
				return err
			}
		}
		if l.next == 0 && l.epochDone != nil {
			if err := l.epochDone(ep); err != nil {
				return err
			}
		}
	}
	return nil
}
