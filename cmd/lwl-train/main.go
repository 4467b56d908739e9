// Command lwl-train trains loss-free networks with the RRR optimizer, reruns the paper's
// experiments, and inspects model bundles.
//
// Usage:
//
//	lwl-train <command> [flags] [arguments]
//
// Run "lwl-train <command> -h" for the flags of one command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/lwl-go/lwl/experiment"
)

// command is one subcommand of lwl-train. Each lives in its own file and registers itself
// in commands from an init function, so that adding a command touches no other file.
type command struct {
	summary string
	// run parses args (everything after the command name) and does the work. Results go to
	// stdout, progress and diagnostics to stderr. The error decides the exit status, as
	// with flag.ExitOnError: nil or flag.ErrHelp (-h) 0, a *usageError (a mistake on the
	// command line, reported before any work) or an *experiment.OptionsError (settings an
	// experiment refuses before any work) 2, any other error 1. A command makes its
	// flags with newFlagSet and returns the error of its Parse (parseNoArgs when it takes
	// flags only) as it is, which keeps it so.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// usageError reports a mistake in the command line itself: main prints it and exits with
// status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// flagSet is a flag.FlagSet whose Parse reports a malformed command line (an unknown flag,
// a bad value) as a *usageError, so that it exits with status 2; -h still gives
// flag.ErrHelp and status 0.
type flagSet struct{ *flag.FlagSet }

// Parse parses args as flag.FlagSet.Parse does; the flag package has already printed the
// problem and the usage when it returns an error.
func (fs flagSet) Parse(args []string) error {
	err := fs.FlagSet.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return &usageError{err.Error()}
	}
	return err
}

// parseNoArgs is Parse for a command that takes flags only: a stray argument is a
// *usageError too, rather than ignored while the work runs with the defaults.
func (fs flagSet) parseNoArgs(args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return &usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "lwl-train trains neural networks without loss functions (RRR, Elser's \"Learning Without Loss\").\n\n")
	fmt.Fprintf(w, "Usage:\n\n\tlwl-train <command> [flags] [arguments]\n\nCommands:\n")
	for _, g := range commandGroups {
		fmt.Fprintf(w, "\n  %s\n", g.heading)
		for _, n := range g.names {
			if c, ok := commands[n]; ok {
				fmt.Fprintf(w, "\t%-10s %s\n", n, c.summary)
			}
		}
	}
	fmt.Fprintf(w, "\nRun \"lwl-train <command> -h\" for the flags of a command and examples.\n")
}

func main() {
	stdout, stderr := io.Writer(os.Stdout), io.Writer(os.Stderr)
	var code int
	if o, e, err := startHook(os.Args[1:], stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "lwl-train: %v\n", err)
		code = 1
	} else {
		code = run(os.Args[1:], o, e)
	}
	os.Exit(exitHook(code))
}

// startHook and exitHook frame a run: in the default build they change nothing; built with
// -tags mpi (mpi.go) they check the ranks at start, give ranks ≠ 0 quiet outputs, and end
// MPI at exit.
var (
	startHook = func(_ []string, stdout, stderr io.Writer) (io.Writer, io.Writer, error) { return stdout, stderr, nil }
	exitHook  = func(code int) int { return code }
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lwl-train: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:], stdout, stderr)
	var ue *usageError
	var oe *experiment.OptionsError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue) || errors.As(err, &oe):
		fmt.Fprintf(stderr, "lwl-train %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "lwl-train %s: %v\n", args[0], err)
		return 1
	}
}
