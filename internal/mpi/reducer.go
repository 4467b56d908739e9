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
