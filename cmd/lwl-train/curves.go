package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/lwl-go/lwl/internal/figure"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["curves"] = command{summary: "learning curves (train/test error, RRR_err per epoch) of classifier checkpoints, side by side", run: runCurves}
}

const curvesUsage = `Usage: lwl-train curves [-o FILE.png] [-json] NAME=CHECKPOINT...

Reads classifier checkpoints (classify -checkpoint writes one after every epoch, so a run
in progress can be read too) and prints their per-epoch history as one table: run, epoch,
GWMs, seconds, errstop (mean last RRR_err of the epoch's batches), train_err, test_err.
For a run with -average, train_err and test_err are the epoch mean's, and last_test_err
is that of the last batch's consensus. With -o it draws the learning curves side by side:
train_err (dashed), test_err (solid) and, where it differs, last_test_err (dotted) per
epoch on the left, errstop per epoch on the right, one colour per run.

Example:
  lwl-train classify -mnist 10000 -arch conv5s2x8,conv5s2x16,dense10 -batch 100 -iter 20 -wmetric 0.1,0.1,1 -delta 0.7 -exempt 1 -epochs 40 -checkpoint tied.ckpt -out tied
  lwl-train curves -o curves.png tied=tied.ckpt untied=untied.ckpt
`

// curveRun is one run's history, as -json prints it.
type curveRun struct {
	Name   string        `json:"name"`
	File   string        `json:"file"`
	Epochs []curvesEpoch `json:"epochs"`
}

type curvesEpoch struct {
	Epoch    int      `json:"epoch"`
	GWMs     float64  `json:"gwms"`
	Seconds  float64  `json:"seconds"`
	ErrStop  float64  `json:"errstop"`
	TrainErr float64  `json:"train_err"`
	TestErr  *float64 `json:"test_err"` // null without test data
	// LastTestErr is the last batch consensus's test_err (differs from TestErr with
	// -average; null without test data or in a checkpoint written before it was kept).
	LastTestErr *float64 `json:"last_test_err"`
}

func runCurves(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("curves", curvesUsage, stderr)
	out := fs.String("o", "", "write the learning curves to this PNG file")
	asJSON := fs.Bool("json", false, "print the histories as JSON, the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &usageError{"name at least one NAME=CHECKPOINT"}
	}
	var runs []curveRun
	for _, a := range fs.Args() {
		name, file, ok := strings.Cut(a, "=")
		if !ok || name == "" || file == "" {
			return &usageError{fmt.Sprintf("%q: want NAME=CHECKPOINT", a)}
		}
		c, err := train.ReadClassifierCheckpoint(file)
		if err != nil {
			return err // names the file
		}
		r := curveRun{Name: name, File: file}
		for _, e := range c.History {
			ce := curvesEpoch{Epoch: e.Epoch, GWMs: e.GWMs, Seconds: e.Seconds, ErrStop: e.ErrStop, TrainErr: e.TrainErr}
			if !math.IsNaN(e.TestErr) {
				v := e.TestErr
				ce.TestErr = &v
			}
			if !math.IsNaN(e.LastTestErr) {
				v := e.LastTestErr
				ce.LastTestErr = &v
			}
			r.Epochs = append(r.Epochs, ce)
		}
		if len(r.Epochs) == 0 {
			fmt.Fprintf(stderr, "curves: %s holds no finished epoch yet\n", file)
		}
		runs = append(runs, r)
	}
	tw := newTable(stdout)
	tw.row("run", "epoch", "GWMs", "seconds", "errstop", "train_err", "test_err", "last_test_err")
	cell := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.4f", *v)
	}
	for _, r := range runs {
		for _, e := range r.Epochs {
			tw.row(r.Name, fmt.Sprint(e.Epoch), fmt.Sprintf("%.4g", e.GWMs), fmt.Sprintf("%.0f", e.Seconds),
				fmt.Sprintf("%.4g", e.ErrStop), fmt.Sprintf("%.4f", e.TrainErr), cell(e.TestErr), cell(e.LastTestErr))
		}
	}
	tw.flush()
	if *out != "" {
		var errs, stops []figure.Series
		for i, r := range runs {
			n := len(r.Epochs)
			tr, te, lt, st := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			differs := false
			for k, e := range r.Epochs {
				tr[k], st[k], te[k], lt[k] = e.TrainErr, e.ErrStop, math.NaN(), math.NaN()
				if e.TestErr != nil {
					te[k] = *e.TestErr
				}
				if e.LastTestErr != nil {
					lt[k] = *e.LastTestErr
					differs = differs || lt[k] != te[k]
				}
			}
			errs = append(errs, figure.Series{Name: r.Name + " test", Y: te, Color: i + 1},
				figure.Series{Name: r.Name + " train", Y: tr, Color: i + 1, Dashed: true})
			if differs {
				errs = append(errs, figure.Series{Name: r.Name + " test, last batch", Y: lt, Color: i + 1, Dotted: true})
			}
			stops = append(stops, figure.Series{Name: r.Name, Y: st, Color: i + 1})
		}
		err := figure.WritePanels(*out,
			figure.Panel{Plot: figure.Plot{Title: "classification error", XLabel: "epoch", YLabel: "error rate", LogY: true, Width: 640, Height: 480}, Series: errs},
			figure.Panel{Plot: figure.Plot{Title: "RRR_err at the end of a batch (mean)", XLabel: "epoch", YLabel: "errstop", Width: 640, Height: 480}, Series: stops})
		if err != nil {
			return fmt.Errorf("curves: %s: %w", *out, err)
		}
		fmt.Fprintf(stderr, "wrote %s\n", *out)
	}
	if *asJSON {
		b, err := json.Marshal(runs)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return nil
}
