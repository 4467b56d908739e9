// Package format reads and writes .lwlb bundles: one trained lwl artifact (a classifier,
// an NMF factorisation, an autoencoder, or a generator) together with its provenance.
//
// A bundle is a 52-byte header (magic, version, flags, kind, sizes, two CRC-32C checksums)
// followed by one zstd frame holding a msgpack map; weights are little-endian float32 byte
// strings. SPEC.md at the repository root specifies the bytes and the forward-evaluation
// semantics; package infer evaluates the models.
//
// The model types are plain structs: the trainer fills a Bundle and calls Save (atomic) or
// Write; Load, Read and Unmarshal return one; ReadHeader looks at kind, version and sizes
// without decoding the body. Reading is safe on untrusted input: it never panics, checks
// every declared size against Limits and against the bytes present before allocating,
// decompresses with a memory limit, and rejects NaN/Inf values and inconsistent graphs.
// Every error wraps one of ErrNotBundle, ErrCorrupt, ErrVersion, ErrTooLarge, ErrInvalid.
//
// This package imports only the standard library, msgpack and klauspost/compress.
package format
