// Package infer is the embeddable runtime for lwl models: it loads .lwlb bundles (from a
// path, an io.Reader or memory) and classifies, scores, encodes, decodes and reconstructs
// with them, and it is the forward pass the trainer itself uses.
//
// Two levels are offered. Network evaluates a format.Network on one item into
// caller-provided buffers (destination first, no allocation), node by node: it is the
// plain reference, and the trainer builds one on its in-memory network and calls Forward
// for its warm starts. Model wraps a whole bundle with pooled workspaces and evaluates
// with the batched pass of plan.go: items in blocks of four, each dense layer as products
// of four items × two nodes (the AVX2+FMA kernels of internal/asm/f64, pure Go under the
// noasm tag), weight-tied layers gathered four items side by side, bias, activation and a
// finiteness check fused; single items take the same sums, so Classify(x) equals
// ClassifyBatch's class of x. Batches of 64 items or more are split across GOMAXPROCS
// goroutines (the caller's and long-lived workers, workers.go); smaller ones and single
// items run on the caller's goroutine. Once warm, no call allocates. Tests hold the
// batched pass to the plain one within 1e-12 on every shipped bundle and on random
// networks of every kind. Model evaluates in float64 (Model.Float32 is a float32 view of
// a classifier); bundles store float32 weights, which are widened exactly on loading, so
// a loaded model computes the same values as the trainer's network after the float32
// rounding of its weights (SPEC.md §5 states the tolerance).
//
// This package imports the standard library, lwl's format package and its kernels
// (internal/asm/f64 and f32, which detect AVX2 with golang.org/x/sys/cpu).
package infer
