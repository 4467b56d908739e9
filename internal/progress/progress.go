// Package progress reports the progress of long work on stderr: a bar redrawn in place on
// a terminal, and an occasional plain line otherwise (logs, CI), so a user always knows how
// far a run has got and how long it has left.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Bar tracks done/total units of work. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	drawn    int // done at the last draw
	label    string
	total    int
	done     int
	tty      bool
	start    time.Time
	last     time.Time
	every    time.Duration
	note     string
	finished bool
}

// New returns a bar for total units written to w. When w is a terminal the bar is redrawn
// at most ten times a second; otherwise a line is printed at most every interval (30 s if 0).
func New(w io.Writer, label string, total int, interval time.Duration) *Bar {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	b := &Bar{w: w, label: label, total: total, start: time.Now(), every: interval, tty: IsTerminal(w)}
	if b.tty {
		b.every = 100 * time.Millisecond
	}
	return b
}

// IsTerminal reports whether w is a file open on a terminal. It asks the terminal driver
// (golang.org/x/term), so /dev/null and other character devices that are not terminals
// count as files: `cmd > /dev/null` gets plain lines, not redrawn bars.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Add records n more units done, with an optional note (for example the current error).
func (b *Bar) Add(n int, note string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if note != "" {
		b.note = note
	}
	now := time.Now()
	if b.done < b.total && now.Sub(b.last) < b.every {
		return
	}
	b.last = now
	b.draw(now)
}

// AddTotal raises the total by n units, for work that is discovered as it goes (a search
// that queues more runs when it learns something). The ETA assumes no more will come.
func (b *Bar) AddTotal(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += n
}

// Printf writes a line of its own (a result, say) without breaking the bar: on a terminal
// the bar is cleared, the line written, and the bar drawn again below it.
func (b *Bar) Printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
	fmt.Fprintf(b.w, format, args...)
	if b.tty && !b.finished {
		b.draw(time.Now())
	}
}

// Finish draws the final state and ends the line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	if b.tty || b.drawn != b.done {
		b.draw(time.Now())
	}
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) draw(now time.Time) {
	b.drawn = b.done
	elapsed := now.Sub(b.start)
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	eta := "?"
	if b.done > 0 && b.done <= b.total {
		eta = (time.Duration(float64(elapsed) * (1/frac - 1))).Round(time.Second).String()
	}
	line := fmt.Sprintf("%s %d/%d (%.0f%%) elapsed %s ETA %s", b.label, b.done, b.total, 100*frac, elapsed.Round(time.Second), eta)
	if b.note != "" {
		line += " " + b.note
	}
	if b.tty {
		const width = 24
		n := int(frac * width)
		n = min(max(n, 0), width)
		fmt.Fprintf(b.w, "\r\x1b[K[%s%s] %s", strings.Repeat("#", n), strings.Repeat(" ", width-n), line)
		return
	}
	fmt.Fprintln(b.w, line)
}
