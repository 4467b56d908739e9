package train

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/lwl-go/lwl/internal/par"
)

// Reducer joins the processes of a data-parallel run (one process is a rank). RRR is
// data-parallel by construction (section 3): every item's projections are independent, and
// the consensus projection (lemma 4.1, eqs. 14a–c and 26f, g) needs only sums over the items.
// A network or NMF given a Reducer of Size() > 1 iterates only its rank's share of the items
// and exchanges the partial sums of its parallel parts with Allgather once per pass; every
// rank then adds all the parts' sums in part order, exactly as one process adds its parts'
// sums (network_iterate.go, nmf.go), so every global decision (the consensus, the class
// assignment, RRR_err and the stop rule) is the same on every rank and equal, bit for bit, to
// the run of one process with Size()·Workers parts.
//
// A nil Reducer, or one of Size() 1, is one process: the engine runs as it always has.
// Every rank must make the same sequence of calls; the MPI implementation (package
// internal/mpi, build tag mpi) aborts the whole run when a rank fails.
type Reducer interface {
	Rank() int // this process, 0 ≤ Rank < Size
	Size() int // number of processes
	// Allgather sets all[r·len(local) : (r+1)·len(local)] to rank r's local for every rank
	// r; every rank passes a local of the same length and an all of Size()·len(local).
	Allgather(local, all []float64)
}

// distributed reports whether r splits the items over more than one process.
func distributed(r Reducer) bool { return r != nil && r.Size() > 1 }

// Agree checks that every rank of r has the same 64-bit hash h (of its settings and data,
// say) and returns an error naming the ranks that differ from rank 0. Every rank gets the
// same answer. One process always agrees.
func Agree(r Reducer, h uint64) error {
	if !distributed(r) {
		return nil
	}
	// Two 32-bit halves, each exactly a float64, so that no bit pattern (a NaN) is at stake.
	local := []float64{float64(h >> 32), float64(h & 0xffffffff)}
	all := make([]float64, 2*r.Size())
	r.Allgather(local, all)
	var bad []int
	for q := 1; q < r.Size(); q++ {
		if all[2*q] != all[0] || all[2*q+1] != all[1] {
			bad = append(bad, q)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: ranks %v have other settings or data than rank 0 (hash %016x there)", ErrSettings, bad, h)
	}
	return nil
}

// shard is a rank's share of a data-parallel run: its parts are the global parts
// part0 … part0+len(local parts)−1 of parts.
type shard struct {
	red          Reducer
	part0, parts int
	send, recv   []float64 // Allgather buffers, grown as needed
}

func newShard(r Reducer, local int) shard {
	if !distributed(r) {
		return shard{parts: local}
	}
	return shard{red: r, part0: r.Rank() * local, parts: r.Size() * local}
}

// buffers returns the send buffer of n values and the receive buffer of Size()·n.
func (s *shard) buffers(n int) (send, recv []float64) {
	if cap(s.send) < n {
		s.send = make([]float64, n)
		s.recv = make([]float64, n*s.red.Size())
	}
	return s.send[:n], s.recv[:n*s.red.Size()]
}

// itemRange is the half-open range of items [lo, hi) that rank q iterates when n units (items
// or tiles, times unit items each, k items in all) are split into the global parts.
func (s *shard) itemRange(q, n, unit, k int) (lo, hi int) {
	local := s.parts / s.red.Size()
	lo, _ = par.Span(n, s.parts, q*local)
	_, hi = par.Span(n, s.parts, q*local+local-1)
	return min(lo*unit, k), min(hi*unit, k)
}

// gatherRows sets rows [lo_q, hi_q) of v (rows of stride values) on every rank to those of
// rank q, for the ranges rng(q) of every rank q: each rank's own rows go to all the others.
func (s *shard) gatherRows(v []float64, stride int, rng func(q int) (int, int)) {
	R := s.red.Size()
	most := 0
	for q := range R {
		lo, hi := rng(q)
		most = max(most, hi-lo)
	}
	blk := most * stride
	send, recv := s.buffers(blk)
	lo, hi := rng(s.red.Rank())
	copy(send, v[lo*stride:hi*stride])
	s.red.Allgather(send, recv)
	for q := range R {
		lo, hi := rng(q)
		copy(v[lo*stride:hi*stride], recv[q*blk:q*blk+(hi-lo)*stride])
	}
}

// hashValues is the 64-bit FNV-1a hash of the bits of vs, for Agree.
func hashValues(vs ...float64) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range vs {
		b := math.Float64bits(v)
		for i := 0; i < 64; i += 8 {
			h = (h ^ (b >> i & 0xff)) * 1099511628211
		}
	}
	return h
}

// settingHash hashes a trainer's setting map (its names in order, then its values) with the
// data hash and more values (the process's number of parallel parts, the epochs), which
// every rank must share.
func settingHash(setting map[string]float64, data uint64, more ...float64) uint64 {
	var vs []float64
	for _, k := range slices.Sorted(maps.Keys(setting)) {
		vs = append(vs, float64(hashValues(float64(len(k)))), setting[k])
		for _, r := range k {
			vs = append(vs, float64(r))
		}
	}
	return hashValues(append(append(vs, float64(data>>32), float64(data&0xffffffff)), more...)...)
}
