//go:build noasm || !amd64

package f32

// Prefetch is a hint to bring x into the caches; the pure-Go build does nothing.
func Prefetch(x []float32) {}
