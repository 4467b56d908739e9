package main

import "github.com/lwl-go/lwl/train"

// reducer joins the processes of a data-parallel run (train.Reducer): nil in the default
// build; set at start by mpi.go when lwl-train is built with -tags mpi and runs under
// mpirun. The commands that pass it to the engine are mpi.go's distCommands.
var reducer train.Reducer

// leader reports whether this process writes the outputs (bundles, CSVs, checkpoints): the
// only process, or rank 0 of a distributed run. The other ranks compute the same values.
func leader() bool { return reducer == nil || reducer.Rank() == 0 }
