// Package infer is the embeddable runtime for lwl models: it loads .lwlb bundles (from a
// path, an io.Reader or memory) and classifies, scores, encodes, decodes and reconstructs
// with them, and it is the forward pass the trainer itself uses.
//
// Two levels are offered. Network evaluates a format.Network on one item into
// caller-provided buffers (destination first, no allocation); the trainer builds one on
// its in-memory network and calls Forward for its warm starts. Model wraps a whole bundle
// with pooled scratch space: Classify, Scores, Encode, Decode, Reconstruct and batch
// helpers that split work across cores. All evaluation is float64; bundles store float32
// weights, which are widened exactly on loading, so a loaded model computes the same
// values as the trainer's network after the float32 rounding of its weights (SPEC.md §5
// states the tolerance).
//
// This package imports only the standard library and lwl's format package.
package infer
