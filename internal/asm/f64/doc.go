// Package f64 holds the float64 kernels of the RRR inner loop, with AVX2+FMA assembly on
// amd64 and a pure-Go twin everywhere else (and under the noasm build tag).
//
// Each kernel's pure-Go version (in kernels.go) is its specification: the assembly may sum
// in a different order and fuse multiply-adds, so tests demand agreement to a few ulps,
// not bit equality. Kernels take pointers-free slices of equal length; they do not check
// lengths beyond what the Go versions' indexing does, so callers slice exactly.
package f64
