// Package f32 holds the float32 kernels of inference (package infer's Float32 view), with
// AVX2+FMA assembly on amd64 and a pure-Go twin everywhere else (and under the noasm build
// tag). As in package f64, each kernel's Go version is its specification and the assembly
// fuses multiply-adds, so tests demand agreement to a few ulps, not bit equality.
package f32
