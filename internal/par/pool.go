// Package par runs the parts of one parallel step on a fixed set of worker goroutines.
//
// The RRR loop calls a parallel step many thousands of times per second, so starting
// goroutines (or allocating closures) per step is too costly. A Pool keeps its workers
// alive and hands them part numbers over channels, which does not allocate.
package par

import (
	"runtime"
	"sync"
)

// Pool runs fn(part) for part = 0..Parts()-1 concurrently, part 0 on the caller's
// goroutine. The zero value is not usable; make one with New.
type Pool struct {
	parts int
	fn    func(part int)
	start []chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// New returns a pool with the given number of parts; parts ≤ 0 means runtime.GOMAXPROCS(0).
// A pool with one part runs everything on the caller's goroutine.
func New(parts int) *Pool {
	if parts <= 0 {
		parts = runtime.GOMAXPROCS(0)
	}
	p := &Pool{parts: parts, start: make([]chan struct{}, parts)}
	for i := 1; i < parts; i++ {
		ch := make(chan struct{})
		p.start[i] = ch
		go p.worker(i, ch)
	}
	return p
}

func (p *Pool) worker(part int, ch chan struct{}) {
	for range ch {
		p.fn(part)
		p.wg.Done()
	}
}

// Parts is the number of parts each Run executes.
func (p *Pool) Parts() int { return p.parts }

// Run calls fn(part) for every part and returns when all have finished. fn must not call
// Run on the same pool. Pass a func value made once (a method value stored in a field),
// not a new closure per call, to keep the call allocation-free.
func (p *Pool) Run(fn func(part int)) {
	p.fn = fn
	p.wg.Add(p.parts - 1)
	for i := 1; i < p.parts; i++ {
		p.start[i] <- struct{}{}
	}
	fn(0)
	p.wg.Wait()
	p.fn = nil
}

// Close stops the workers. The pool must not be used afterwards.
func (p *Pool) Close() {
	p.once.Do(func() {
		for i := 1; i < p.parts; i++ {
			close(p.start[i])
		}
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
