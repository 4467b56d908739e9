// Command lwl-gen draws new items from an lwl generator bundle and writes them as a PNG
// grid (or as CSV for scripts).
//
// Usage:
//
//	lwl-gen [flags] model.lwlb > samples.png
//
// Codes are drawn from the bundle's code marginals with a seeded splitmix64 source (the
// same seed gives the same images in every implementation of SPEC.md), kept when the
// fake/genuine classifier calls them genuine, and decoded by the autoencoder. The
// acceptance rate goes to stderr.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/internal/progress"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, progress.IsTerminal(os.Stdout)))
}

// run is lwl-gen with its arguments and outputs; it returns the exit status: 0 on success
// (and for -h), 1 when the work fails, 2 for a mistake on the command line.
func run(args []string, stdout, stderr io.Writer, stdoutIsTerminal bool) int {
	fs := flag.NewFlagSet("lwl-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 50, "number of items to generate")
	seed := fs.Uint64("seed", 1, "seed of the code sampler")
	cols := fs.Int("cols", 10, "columns of the PNG grid")
	scale := fs.Int("scale", 4, "PNG pixels per image pixel")
	nofilter := fs.Bool("nofilter", false, "keep every drawn code (skip the fake/genuine filter)")
	codes := fs.String("codes", "", "also write the accepted codes as CSV to this file")
	outFmt := fs.String("format", "png", "output format: png (a grid) or csv (one item per line, values in [0, 1])")
	maxDraws := fs.Int("maxdraws", 0, "give up after this many draws (default 1000·n + 1000)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: lwl-gen [flags] model.lwlb > samples.png\n\nDraws items from an lwl generator bundle.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "lwl-gen: "+format+"\n", a...)
		return 1
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if *n < 1 || *cols < 0 || *scale < 1 || (*outFmt != "png" && *outFmt != "csv") {
		fmt.Fprintf(stderr, "lwl-gen: need -n ≥ 1, -scale ≥ 1, -cols ≥ 0 and -format png or csv\n")
		return 2
	}
	// The bundle is read and checked first, so that a missing or wrong file is reported as
	// such whatever stdout is.
	g, err := generate.Load(fs.Arg(0))
	if err != nil {
		return fail("%s: %v", fs.Arg(0), err)
	}
	if *outFmt == "png" && stdoutIsTerminal {
		return fail("refusing to write a PNG to a terminal; redirect the output (lwl-gen model.lwlb > samples.png) or use -format csv")
	}
	r, err := g.Generate(generate.Options{N: *n, Seed: *seed, NoFilter: *nofilter, MaxDraws: *maxDraws})
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stderr, "lwl-gen: %d codes accepted of %d drawn (acceptance rate %.3f; the filter was trained with fpa %.3g)\n",
		len(r.Codes), r.Drawn, r.AcceptanceRate(), g.FPA())
	if *codes != "" {
		if err := writeCSV(*codes, r.Codes); err != nil {
			return fail("%v", err)
		}
	}
	if *outFmt == "csv" {
		w := bufio.NewWriter(stdout)
		writeRows(w, r.Images)
		if err := w.Flush(); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	width, height := g.Shape()
	if err := imgrid.Write(stdout, r.Images, width, height, *cols, *scale); err != nil {
		return fail("%v", err)
	}
	return 0
}

func writeRows(w *bufio.Writer, rows [][]float64) {
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(strconv.FormatFloat(v, 'g', 6, 64))
		}
		w.WriteByte('\n')
	}
}

func writeCSV(path string, rows [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	writeRows(w, rows)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
