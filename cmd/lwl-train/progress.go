package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/lwl-go/lwl/internal/progress"
)

// barProgress shows an experiment's progress (experiment.Progress) as a progress bar on w:
// Start opens the bar, Finish closes it, and lines before Start or after Finish go to w
// as they are.
type barProgress struct {
	w   io.Writer
	mu  sync.Mutex
	bar *progress.Bar
}

func newBarProgress(w io.Writer) *barProgress { return &barProgress{w: w} }

func (p *barProgress) current() *progress.Bar {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bar
}

func (p *barProgress) Start(label string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progress.New(p.w, label, total, 0)
}

func (p *barProgress) Grow(n int) {
	if b := p.current(); b != nil {
		b.AddTotal(n)
	}
}

func (p *barProgress) Add(n int, note string) {
	if b := p.current(); b != nil {
		b.Add(n, note)
	}
}

func (p *barProgress) Printf(format string, args ...any) {
	if b := p.current(); b != nil {
		b.Printf(format, args...)
		return
	}
	fmt.Fprintf(p.w, format, args...)
}

func (p *barProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
