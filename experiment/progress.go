package experiment

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Progress receives an experiment's reports while it runs: a measure of its work (units
// done of a total that may grow) and lines of their own (the settings at the start, each
// finished run). Experiments call Add, Grow and Printf from several goroutines at once;
// Start and Finish come from the goroutine that called the experiment. A nil Progress
// reports nothing. cmd/lwl-train draws it as a progress bar on stderr.
type Progress interface {
	// Start begins the measure: total units of work, with label naming them.
	Start(label string, total int)
	// Grow raises the total by n units, for work that is discovered as it goes.
	Grow(n int)
	// Add records n more units done, with an optional note on the latest state.
	Add(n int, note string)
	// Printf reports a line of its own (format ends in a newline).
	Printf(format string, args ...any)
	// Finish ends the measure.
	Finish()
}

// reporter is a Progress that may be nil.
type reporter struct{ p Progress }

func (r reporter) Start(label string, total int) {
	if r.p != nil {
		r.p.Start(label, total)
	}
}

func (r reporter) Grow(n int) {
	if r.p != nil {
		r.p.Grow(n)
	}
}

func (r reporter) Add(n int, note string) {
	if r.p != nil {
		r.p.Add(n, note)
	}
}

func (r reporter) Printf(format string, args ...any) {
	if r.p != nil {
		r.p.Printf(format, args...)
	}
}

func (r reporter) Finish() {
	if r.p != nil {
		r.p.Finish()
	}
}

// OptionsError reports settings that an experiment cannot run with, found before any work
// starts. cmd/lwl-train reports it as a mistake on the command line (exit status 2).
type OptionsError struct{ Msg string }

// Error returns the message.
func (e *OptionsError) Error() string { return e.Msg }

func optionsErr(msg string) error { return &OptionsError{msg} }

// runParallel runs n independent jobs, workers at a time (0: one per core), and reports
// each completion to done, one at a time.
func runParallel(ctx context.Context, n, workers int, job func(ctx context.Context, i int) error, done func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make([]error, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = job(ctx, i)
				if errs[i] != nil {
					cancel()
				}
				mu.Lock()
				done(i)
				mu.Unlock()
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Median is the median of v (NaN when v is empty), as the experiments' summaries report it.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
