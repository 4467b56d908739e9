package infer

import (
	"sync"
	"sync/atomic"
)

// Batches of parallelMin items or more are split into parts, one per GOMAXPROCS: the
// caller's goroutine evaluates the last part and long-lived workers the others, so that a
// warm batch allocates nothing (a goroutine and a closure per part would). A part that
// finds no idle worker runs on the caller's goroutine, so concurrent batches from many
// goroutines never wait for one another's workers.

// task is one part of a batch: items lo…hi-1 of a float64 batch (m) or of a float32
// classification (f).
type task struct {
	m      *Model
	p      *plan
	items  [][]float64
	r      results
	f      *Model32
	dst    []int
	items3 [][]float32
	lo, hi int
	bad    *int // the part's first non-finite item, or -1
	done   *sync.WaitGroup
}

func (t *task) run() {
	if t.f != nil {
		*t.bad = t.f.part(t.dst, t.items3, t.lo, t.hi)
	} else {
		*t.bad = t.m.part(t.p, t.items, t.r, t.lo, t.hi)
	}
	t.done.Done()
}

var (
	tasks   = make(chan task)
	started atomic.Int64 // workers started
	spawn   sync.Mutex
	splits  = sync.Pool{New: func() any { return new(split) }}
)

// split is the bookkeeping of one batch's parts (pooled).
type split struct {
	wg  sync.WaitGroup
	bad []int
}

// ensureWorkers starts workers until n run. They live as long as the process, each
// blocked on tasks while idle.
func ensureWorkers(n int) {
	if started.Load() >= int64(n) {
		return
	}
	spawn.Lock()
	defer spawn.Unlock()
	for started.Load() < int64(n) {
		go func() {
			for t := range tasks {
				t.run()
			}
		}()
		started.Add(1)
	}
}

// parallel runs the parts of t split into parts pieces of whole blocks over lo…hi
// (t.lo, t.hi are set per part) and returns the first non-finite item, or -1.
func parallel(t task, n, parts int) int {
	ensureWorkers(parts - 1)
	s := splits.Get().(*split)
	if cap(s.bad) < parts {
		s.bad = make([]int, parts)
	}
	s.bad = s.bad[:parts]
	t.done = &s.wg
	s.wg.Add(parts)
	for q := range parts {
		// Parts start on a block boundary, so that every block but the last is full.
		t.lo, t.hi = q*n/parts/block*block, (q+1)*n/parts/block*block
		if q == parts-1 {
			t.hi = n
		}
		t.bad = &s.bad[q]
		if q == parts-1 {
			t.run()
			break
		}
		select {
		case tasks <- t:
		default: // every worker is busy (other batches): do it here
			t.run()
		}
	}
	s.wg.Wait()
	bad := -1
	for _, b := range s.bad {
		if b >= 0 {
			bad = b
			break
		}
	}
	splits.Put(s)
	return bad
}
