package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/lwl-go/lwl/internal/nmfcert"
)

func init() {
	commands["verify"] = command{
		summary: "check exact-NMF certificates of LEDMs independently of the RRR code",
		run:     runVerify,
	}
}

const verifyUsage = `Usage: lwl-train verify [flags] DIR...

Checks certificates of exact non-negative factorisations of linear Euclidean distance
matrices (as "repro ledm -cert" writes them): each DIR is a certificate, or a directory
whose sub-directories are. The check shares no code with the RRR engine: it computes the
LEDM from its formula, reads the factors from the CSV files, and confirms that they are
finite and non-negative, that no entry of Y − X·Wᵀ exceeds -tol, that model.lwlb holds
the same features (rounded to float32, as bundles store them), and that the snapped
factors, if present, pass too. The CSV files are the certificate; the bundle is a copy.

Exits with status 1, naming every problem, if any certificate fails.

Example:
  lwl-train verify docs/ledm
`

type verifyResult struct {
	Dir         string  `json:"dir"`
	M           int     `json:"m"`
	Rank        int     `json:"rank"`
	OK          bool    `json:"ok"`
	MaxResidual float64 `json:"max_residual,omitempty"`
	Zeros       int     `json:"zeros,omitempty"`
	SnapZeros   int     `json:"snapped_zeros,omitempty"`
	Error       string  `json:"error,omitempty"`
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", verifyUsage, stderr)
	tol := fs.Float64("tol", nmfcert.DefaultTol, "largest residual entry |Y − X·Wᵀ| accepted")
	asJSON := fs.Bool("json", false, "print a JSON list of the results as the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &usageError{"name at least one certificate directory"}
	}
	if !(*tol >= 0) {
		return &usageError{"-tol must be ≥ 0"}
	}
	var dirs []string
	for _, d := range fs.Args() {
		if _, err := os.Stat(filepath.Join(d, nmfcert.MetaFile)); err == nil {
			dirs = append(dirs, d)
			continue
		}
		sub, err := filepath.Glob(filepath.Join(d, "*", nmfcert.MetaFile))
		if err != nil {
			return err
		}
		if len(sub) == 0 {
			return fmt.Errorf("%s: no %s in it or in its sub-directories", d, nmfcert.MetaFile)
		}
		sort.Strings(sub)
		for _, s := range sub {
			dirs = append(dirs, filepath.Dir(s))
		}
	}
	var res []verifyResult
	bad := 0
	for _, d := range dirs {
		rep, err := nmfcert.Check(d, *tol)
		if err != nil {
			bad++
			res = append(res, verifyResult{Dir: d, Error: err.Error()})
			fmt.Fprintf(stdout, "FAIL %v\n", err)
			continue
		}
		v := verifyResult{Dir: d, M: rep.M, Rank: rep.Rank, OK: true, MaxResidual: rep.MaxResidual, Zeros: rep.Zeros}
		line := fmt.Sprintf("ok   %s: LEDM m=%d = X·Wᵀ with rank %d, non-negative, max residual %.2g, %d zeros",
			d, rep.M, rep.Rank, rep.MaxResidual, rep.Zeros)
		if rep.Snapped != nil {
			v.SnapZeros = rep.Snapped.Zeros
			line += fmt.Sprintf("; snapped: %d zeros, max residual %.2g", rep.Snapped.Zeros, rep.Snapped.MaxResidual)
		}
		if rep.Bundle {
			line += "; bundle matches"
		}
		res = append(res, v)
		fmt.Fprintln(stdout, line)
	}
	if *asJSON {
		if err := printJSON(stdout, res); err != nil {
			return err
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d certificates INVALID", bad, len(dirs))
	}
	return nil
}
