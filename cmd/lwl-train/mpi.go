//go:build mpi

package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/lwl-go/lwl/internal/mpi"
	"github.com/lwl-go/lwl/train"
)

// distCommands are the commands that split their training over the ranks of an MPI run;
// every other command refuses to run on more than one rank.
var distCommands = map[string]bool{"classify": true, "filter": true, "generative": true, "nmf": true}

// world is MPI_COMM_WORLD of a run built with -tags mpi (also outside mpirun: one rank).
var world *mpi.World

// timed, with LWL_MPI_TIMING set, counts the Allgathers; every rank reports them at exit.
var timed *mpi.Timed

// start is the MPI_Wtime of the start.
var start float64

// rankErr keeps a rank ≠ 0's diagnostics, shown only if that rank fails.
var rankErr bytes.Buffer

func init() {
	w, err := mpi.Init()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lwl-train: %v\n", err)
		os.Exit(1)
	}
	world = w
	if w.Size() > 1 {
		reducer = mpi.Reducer{World: w}
		if os.Getenv("LWL_MPI_TIMING") != "" {
			timed = &mpi.Timed{Reducer: mpi.Reducer{World: w}}
			reducer = timed
		}
	}
	start = mpi.Wtime()
	startHook = mpiStart
	exitHook = mpiExit
}

// mpiStart checks, before any work, that every rank runs the same command line (a hash of
// the arguments) and a command that can be split; otherwise rank 0 says why and the job
// aborts. Ranks ≠ 0 print nothing unless they fail.
func mpiStart(args []string, stdout, stderr io.Writer) (io.Writer, io.Writer, error) {
	if world.Size() == 1 {
		return stdout, stderr, nil
	}
	h := fnv.New64a()
	for _, a := range args {
		fmt.Fprintf(h, "%d:%s;", len(a), a)
	}
	if err := train.Agree(reducer, h.Sum64()); err != nil {
		return stdout, stderr, fmt.Errorf("the ranks were started with different command lines: %w", err)
	}
	if len(args) > 0 && !distCommands[args[0]] && !strings.HasPrefix(args[0], "-") && args[0] != "help" {
		names := slices.Sorted(maps.Keys(distCommands))
		return stdout, stderr, fmt.Errorf("%s does not run on several MPI ranks (%d here); the commands that do: %v", args[0], world.Size(), names)
	}
	if world.Rank() != 0 {
		return io.Discard, &rankErr, nil
	}
	return stdout, stderr, nil
}

// mpiExit ends MPI: MPI_Finalize after success on every rank; after a failure on a rank of
// a distributed run, that rank's message and MPI_Abort, which ends all ranks (a rank left
// alone would wait forever in the next collective).
func mpiExit(code int) int {
	if code == 0 || world.Size() == 1 {
		if timed != nil {
			fmt.Fprintf(os.Stderr, "lwl-train (MPI rank %d of %d): %d Allgathers of %.4g MB sent in all (%.4g values per call), %.3f s in them of %.3f s\n",
				world.Rank(), world.Size(), timed.Calls, float64(timed.Values)*8e-6, float64(timed.Values)/float64(max(timed.Calls, 1)), timed.Seconds, mpi.Wtime()-start)
		}
		world.Finalize()
		return code
	}
	if world.Rank() != 0 {
		fmt.Fprintf(os.Stderr, "lwl-train (MPI rank %d of %d): %s", world.Rank(), world.Size(), rankErr.String())
	}
	fmt.Fprintf(os.Stderr, "lwl-train (MPI rank %d of %d): exit status %d, aborting the MPI job\n", world.Rank(), world.Size(), code)
	world.Abort(code)
	return code
}
