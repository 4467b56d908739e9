//go:build mpi

package mpi

// Reducer is the train.Reducer of an MPI run (train/reducer.go): Allgather is MPI_Allgather
// on MPI_COMM_WORLD, which copies the values, so the engine adds every rank's partial sums
// in rank order itself and the result does not depend on how MPI combines them.
type Reducer struct{ World *World }

// Rank implements train.Reducer.
func (r Reducer) Rank() int { return r.World.Rank() }

// Size implements train.Reducer.
func (r Reducer) Size() int { return r.World.Size() }

// Allgather implements train.Reducer.
func (r Reducer) Allgather(local, all []float64) { r.World.Allgather(local, all) }

// Timed is a Reducer that also counts its Allgathers, the values each rank sends, and the
// wall time spent in them (which includes waiting for the slowest rank), for the scaling
// measurements of docs/mpi.md.
type Timed struct {
	Reducer
	Calls   int64
	Values  int64 // values sent by this rank (each rank receives Size() times as many)
	Seconds float64
}

// Allgather implements train.Reducer.
func (t *Timed) Allgather(local, all []float64) {
	t0 := Wtime()
	t.Reducer.Allgather(local, all)
	t.Seconds += Wtime() - t0
	t.Calls++
	t.Values += int64(len(local))
}
