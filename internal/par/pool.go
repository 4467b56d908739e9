// Package par runs the parts of one parallel step on a fixed set of worker goroutines.
//
// The RRR loop calls a parallel step many thousands of times per second, so starting
// goroutines (or allocating closures) per step is too costly. A Pool keeps its workers
// alive; between steps they spin briefly on an atomic counter, then park on a channel, so
// that neither handing out a step nor waiting for it allocates or (in a running loop) waits
// for a goroutine wake-up.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// spinChecks is how many times a waiting worker (or Run's caller) checks for its signal
// before it parks on a channel: a hundred microseconds or more, longer than the serial work
// between two parallel steps of the RRR loop plus the skew between the parts of a step, so
// that in a running loop nobody parks and a step starts and ends without a goroutine wake-up
// (tens of microseconds on a virtual machine). At 1 << 14 a 13→26→26→2 batch of 128 on
// two workers parked in one step of seven, and its iterations took 190–210 µs instead of
// 160. An idle pool parks after that.
const spinChecks = 1 << 16

// Pool runs fn(part) for part = 0..Parts()-1 concurrently, part 0 on the caller's
// goroutine. The zero value is not usable; make one with New.
type Pool struct {
	parts int
	fn    func(part int)
	gen   atomic.Uint64 // Run count: a change starts the workers
	left  atomic.Int64  // workers still running the current step
	quit  atomic.Bool
	once  sync.Once

	wake   []chan struct{} // per worker, buffered: a token wakes a parked worker
	parked []atomic.Bool   // per worker: parked on wake (or about to)
	done   chan struct{}   // buffered: a token wakes a parked caller
	caller atomic.Bool     // the caller is parked on done (or about to)
}

// New returns a pool with the given number of parts; parts ≤ 0 means runtime.GOMAXPROCS(0).
// A pool with one part runs everything on the caller's goroutine.
func New(parts int) *Pool {
	if parts <= 0 {
		parts = runtime.GOMAXPROCS(0)
	}
	p := &Pool{parts: parts, wake: make([]chan struct{}, parts), parked: make([]atomic.Bool, parts), done: make(chan struct{}, 1)}
	for i := 1; i < parts; i++ {
		p.wake[i] = make(chan struct{}, 1)
		go p.worker(i, p.gen.Load())
	}
	return p
}

// spin waits until cond holds, for at most spinChecks checks; it reports whether it did.
func spin(cond func() bool) bool {
	for i := 0; i < spinChecks; i++ {
		if cond() {
			return true
		}
		if i&255 == 255 {
			runtime.Gosched() // let other goroutines of this process run
		}
	}
	return cond()
}

// worker runs part for every Run after the one numbered seen.
func (p *Pool) worker(part int, seen uint64) {
	started := func() bool { return p.gen.Load() != seen }
	for {
		if !spin(started) {
			// Park. Run bumps gen before it looks at parked, and this looks at gen after
			// setting parked, so one of the two sees the other: no wake-up is lost. A stale
			// token only makes this check again.
			p.parked[part].Store(true)
			for !started() {
				<-p.wake[part]
			}
			p.parked[part].Store(false)
		}
		if p.quit.Load() {
			return
		}
		seen = p.gen.Load()
		p.fn(part)
		if p.left.Add(-1) == 0 && p.caller.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// Parts is the number of parts each Run executes.
func (p *Pool) Parts() int { return p.parts }

// Run calls fn(part) for every part and returns when all have finished. fn must not call
// Run on the same pool. Pass a func value made once (a method value stored in a field),
// not a new closure per call, to keep the call allocation-free.
func (p *Pool) Run(fn func(part int)) {
	if p.parts == 1 {
		fn(0)
		return
	}
	p.fn = fn
	p.left.Store(int64(p.parts - 1))
	p.gen.Add(1)
	p.wakeParked()
	fn(0)
	if !spin(p.finished) {
		p.caller.Store(true)
		for !p.finished() {
			<-p.done
		}
		p.caller.Store(false)
	}
	p.fn = nil
}

func (p *Pool) finished() bool { return p.left.Load() == 0 }

func (p *Pool) wakeParked() {
	for i := 1; i < p.parts; i++ {
		if p.parked[i].Load() {
			select {
			case p.wake[i] <- struct{}{}:
			default:
			}
		}
	}
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	p.once.Do(func() {
		p.quit.Store(true)
		p.gen.Add(1)
		p.wakeParked()
	})
}

// Span returns the half-open range [lo, hi) of n items that part owns when n items are split
// into parts contiguous pieces of sizes differing by at most one.
func Span(n, parts, part int) (lo, hi int) {
	q, r := n/parts, n%parts
	lo = part*q + min(part, r)
	hi = lo + q
	if part < r {
		hi++
	}
	return lo, hi
}
