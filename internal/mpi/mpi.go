//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>
#include <stdlib.h>

static int lwl_init(int *provided) {
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static int lwl_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int lwl_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }
static int lwl_allgather(double *local, int n, double *all) {
	return MPI_Allgather(local, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
}
static int lwl_allreduce(double *v, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static int lwl_bcast(double *v, int n, int root) {
	return MPI_Bcast(v, n, MPI_DOUBLE, root, MPI_COMM_WORLD);
}
static int lwl_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int lwl_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int lwl_finalize(void) { return MPI_Finalize(); }
static double lwl_wtime(void) { return MPI_Wtime(); }
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// World is MPI_COMM_WORLD after Init. Its methods must be called by every rank in the same
// order (they are collectives) and from one goroutine at a time.
type World struct {
	rank, size int
}

// Init initialises MPI (MPI_Init_thread with MPI_THREAD_SERIALIZED: the Go scheduler may
// move the calling goroutine between threads) and returns MPI_COMM_WORLD.
func Init() (*World, error) {
	var provided C.int
	if rc := C.lwl_init(&provided); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("mpi: MPI_Init_thread failed (code %d)", int(rc))
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		C.lwl_finalize()
		return nil, fmt.Errorf("mpi: the MPI library provides thread level %d, lwl needs MPI_THREAD_SERIALIZED (%d)", int(provided), int(C.MPI_THREAD_SERIALIZED))
	}
	var r, s C.int
	C.lwl_rank(&r)
	C.lwl_size(&s)
	return &World{rank: int(r), size: int(s)}, nil
}

// Rank is this process's rank in MPI_COMM_WORLD (MPI_Comm_rank).
func (w *World) Rank() int { return w.rank }

// Size is the number of processes (MPI_Comm_size).
func (w *World) Size() int { return w.size }

func ptr(v []float64) *C.double {
	if len(v) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&v[0]))
}

func count(n int) C.int {
	if n > math.MaxInt32 {
		panic(fmt.Sprintf("mpi: %d values in one call; MPI counts are 32-bit", n))
	}
	return C.int(n)
}

// Allgather sets all[r·len(local):(r+1)·len(local)] to rank r's local on every rank
// (MPI_Allgather of MPI_DOUBLE): a copy, so the values arrive bit for bit.
func (w *World) Allgather(local, all []float64) {
	if len(all) != w.size*len(local) {
		panic(fmt.Sprintf("mpi: Allgather of %d values into %d on %d ranks", len(local), len(all), w.size))
	}
	C.lwl_allgather(ptr(local), count(len(local)), ptr(all))
}

// Allreduce replaces v by its sum over the ranks (MPI_Allreduce, MPI_SUM, in place). MPI
// does not fix the order of the additions, so the result may differ in the last bits from
// a sum in rank order; the engine's reductions use Allgather instead (train/reducer.go).
func (w *World) Allreduce(v []float64) {
	C.lwl_allreduce(ptr(v), count(len(v)))
}

// Bcast sets v on every rank to root's v (MPI_Bcast).
func (w *World) Bcast(v []float64, root int) {
	C.lwl_bcast(ptr(v), count(len(v)), C.int(root))
}

// Barrier waits for every rank (MPI_Barrier).
func (w *World) Barrier() { C.lwl_barrier() }

// Wtime is MPI_Wtime, seconds since an arbitrary time in the past.
func Wtime() float64 { return float64(C.lwl_wtime()) }

// Abort ends every rank of the job with the exit code (MPI_Abort on MPI_COMM_WORLD).
func (w *World) Abort(code int) { C.lwl_abort(C.int(code)) }

// Finalize ends MPI (MPI_Finalize); no MPI call may follow.
func (w *World) Finalize() { C.lwl_finalize() }
