package par

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestSpanCoversEveryItemOnce(t *testing.T) {
	for _, tc := range []struct{ n, parts int }{{0, 1}, {1, 3}, {10, 3}, {1000, 7}, {5, 5}, {3, 8}} {
		seen := make([]int, tc.n)
		prev := 0
		for part := 0; part < tc.parts; part++ {
			lo, hi := Span(tc.n, tc.parts, part)
			if lo != prev || hi < lo || hi-lo > tc.n/tc.parts+1 {
				t.Fatalf("Span(%d,%d,%d) = [%d,%d), previous end %d", tc.n, tc.parts, part, lo, hi, prev)
			}
			for i := lo; i < hi; i++ {
				seen[i]++
			}
			prev = hi
		}
		if prev != tc.n {
			t.Fatalf("n=%d parts=%d: spans end at %d", tc.n, tc.parts, prev)
		}
	}
}

func TestPoolRunsEveryPartOncePerRun(t *testing.T) {
	for _, parts := range []int{1, 2, 5} {
		p := New(parts)
		counts := make([]atomic.Int64, parts)
		fn := func(part int) { counts[part].Add(1) }
		for range 100 {
			p.Run(fn)
		}
		p.Close()
		for i := range counts {
			if got := counts[i].Load(); got != 100 {
				t.Fatalf("parts=%d: part %d ran %d times, want 100", parts, i, got)
			}
		}
	}
}

func TestPoolRunDoesNotAllocate(t *testing.T) {
	p := New(2)
	defer p.Close()
	var sink [2]int
	fn := func(part int) { sink[part]++ }
	if a := testing.AllocsPerRun(100, func() { p.Run(fn) }); a != 0 {
		t.Fatalf("Run allocates %v times per call", a)
	}
}

// Workers that have parked (an idle pool) are woken by the next Run, and a caller that waits
// longer than the spin window parks and is woken by the last worker.
func TestPoolWakesParkedWorkersAndCaller(t *testing.T) {
	p := New(3)
	defer p.Close()
	var n atomic.Int64
	fast := func(part int) { n.Add(1) }
	slow := func(part int) {
		if part == 2 {
			time.Sleep(20 * time.Millisecond) // the caller parks meanwhile
		}
		n.Add(1)
	}
	for i := range 6 {
		time.Sleep(5 * time.Millisecond) // the workers park meanwhile
		if i%2 == 0 {
			p.Run(fast)
		} else {
			p.Run(slow)
		}
	}
	if got := n.Load(); got != 18 {
		t.Fatalf("%d parts ran, want 18", got)
	}
}

// BenchmarkSweepBandwidth reads and writes back 256 MB (s[i] = s[i]·0.5 + 1) split among
// one and two parts, and reports the memory traffic in GB/s: the ceiling of an RRR sweep
// whose x and w do not fit in the caches (docs/performance.md, "Speed at small fan-in").
func BenchmarkSweepBandwidth(b *testing.B) {
	const n = 32 << 20
	a := make([]float64, n)
	for _, parts := range []int{1, 2} {
		b.Run(fmt.Sprintf("%dparts", parts), func(b *testing.B) {
			p := New(parts)
			defer p.Close()
			sweep := func(part int) {
				lo, hi := Span(n, parts, part)
				s := a[lo:hi]
				for i := range s {
					s[i] = s[i]*0.5 + 1
				}
			}
			b.ResetTimer()
			for range b.N {
				p.Run(sweep)
			}
			b.ReportMetric(float64(b.N)*2*8*n/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
