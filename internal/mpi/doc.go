// Package mpi is a thin cgo binding of the few MPI calls that a data-parallel RRR run needs
// (Init, the rank and size of MPI_COMM_WORLD, Allgather, Allreduce and Bcast of float64
// values, Abort and Finalize), and a train.Reducer on top of them (train/reducer.go).
//
// The binding is built only with the build tag mpi and needs an MPI library (OpenMPI 4.1:
// the Debian packages libopenmpi-dev and openmpi-bin); without the tag this package is
// empty and the module stays pure Go.
//
// Errors: MPI_COMM_WORLD keeps MPI's default handler, MPI_ERRORS_ARE_FATAL, so a failed call
// or a rank that dies ends the whole job (mpirun reports which rank) rather than leaving the
// other ranks waiting in a collective.
package mpi
