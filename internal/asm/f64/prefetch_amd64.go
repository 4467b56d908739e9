//go:build amd64 && !noasm

package f64

// Prefetch asks the processor to bring x into its caches (PREFETCHT0 of each 64-byte
// line) and returns at once: a hint that changes no value. Batched inference calls it on
// the next block of items while it computes the current one, so that the rows a block
// reads from memory arrive while the kernels are busy.
//
//go:noescape
func Prefetch(x []float64)
