package infer

import (
	"fmt"
	"runtime"
	"sync"
)

// ForwardBatch evaluates k data items at once: items holds k rows of len(DataNodes())
// values, x and y receive k rows of NumNodes() values, all row-major. The rows are split
// across parts goroutines (parts ≤ 0 means GOMAXPROCS). Row r equals Forward on row r.
func (e *Network) ForwardBatch(x, y, items []float64, parts int) {
	e.batch(x, y, items, len(e.data), parts, e.Forward)
}

// ForwardCodeBatch is ForwardBatch for code items (rows of len(CodeNodes()) values).
func (e *Network) ForwardCodeBatch(x, y, codes []float64, parts int) {
	e.batch(x, y, codes, len(e.code), parts, e.ForwardCode)
}

func (e *Network) batch(x, y, items []float64, width, parts int, fn func(x, y, item []float64)) {
	n := e.net.Nodes
	if width == 0 || len(items)%width != 0 {
		panic(fmt.Sprintf("infer: batch of %d values is not whole rows of %d", len(items), width))
	}
	k := len(items) / width
	if len(x) != k*n || len(y) != k*n {
		panic(fmt.Sprintf("infer: batch of %d items needs x and y of %d values, have %d and %d", k, k*n, len(x), len(y)))
	}
	if parts <= 0 {
		parts = runtime.GOMAXPROCS(0)
	}
	parts = min(parts, k)
	run := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			fn(x[r*n:(r+1)*n], y[r*n:(r+1)*n], items[r*width:(r+1)*width])
		}
	}
	if parts <= 1 {
		run(0, k)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(p*k/parts, (p+1)*k/parts)
		}()
	}
	wg.Wait()
}
