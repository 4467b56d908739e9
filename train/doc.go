// Package train trains models without loss functions, by the relaxed-reflect-reflect (RRR)
// algorithm of V. Elser, "Learning Without Loss".
//
// Training is posed as finding a point in the intersection of two constraint sets A and B,
// each given only by its projection. The package is layered:
//
//   - The engine (Solve, Settings, Status) owns the iteration loop: step β, stopping on tol
//     or on an iteration cap, the RRR_err series, work accounting in weight-multiplies
//     (eq. 24), and cancellation. It drives any Iterator and knows nothing of models.
//   - Reference is the plain, obviously correct RRR iteration (eqs. 45 and 47) over any
//     Problem given as two projections on a flat vector. Fast iterators are tested against it.
//   - The local projections (bilinear x·w = Ω·y, consensus with side constraints, sparsity)
//     are small functions with property tests; models are assembled from them.
//   - Models (NMF here; networks, classifiers and autoencoders build on the same pieces)
//     provide a fused Iterator that does one streaming pass over their replicated variables
//     per iteration, split across cores, without allocating.
package train
