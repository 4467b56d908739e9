package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/atomicfile"
	"github.com/lwl-go/lwl/internal/figure"
	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

func init() {
	commands["nmf"] = command{
		summary: "non-negative matrix factorisation of a CSV matrix, an LEDM or the letter montages",
		run:     runNMF,
	}
}

// nmfFlags are the hyperparameters of section 4, shared by nmf and repro.
type nmfFlags struct {
	rank, iter, batch, epochs, sparsity, workers int
	omega, beta, gamma, tol                      float64
	seed                                         uint64
}

func (f *nmfFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.rank, "rank", 16, "number of features (code nodes)")
	fs.Float64Var(&f.omega, "omega", 2, "feature norm Ω (14c)")
	fs.Float64Var(&f.beta, "beta", 1, "RRR step β")
	fs.Float64Var(&f.gamma, "gamma", 1, "γ of the generalised update, eq. (47); 1 is RRR (other values run the slow reference iteration)")
	fs.Float64Var(&f.tol, "tol", 0, "stop a batch when RRR_err ≤ tol (0: run to -iter)")
	fs.IntVar(&f.iter, "iter", 4, "RRR_iter: iteration cap per batch")
	fs.IntVar(&f.batch, "batch", 50, "items per batch (0: all data in one batch, exact NMF)")
	fs.IntVar(&f.epochs, "epochs", 30, "passes over the data")
	fs.IntVar(&f.sparsity, "sparsity", 0, "if > 0, features are s-sparse (section 1)")
	fs.IntVar(&f.workers, "workers", 0, "parallel parts per iteration (0: all cores)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed (initial features, shuffles)")
}

func (f *nmfFlags) settings() train.FactorizeSettings {
	return train.FactorizeSettings{
		NMFConfig:    train.NMFConfig{Rank: f.rank, Omega: f.omega, Sparsity: f.sparsity, Workers: f.workers, Reducer: reducer},
		Beta:         f.beta,
		Gamma:        f.gamma,
		Tol:          f.tol,
		IterPerBatch: f.iter,
		BatchSize:    f.batch,
		Epochs:       f.epochs,
		Seed:         f.seed,
	}
}

// newFlagSet returns the flags of one command, printing usageText and the flags' defaults
// for -h or a malformed command line (see flagSet for the exit status).
func newFlagSet(name, usageText string, stderr io.Writer) flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fmt.Fprint(stderr, examplesText(name, usageText))
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return flagSet{fs}
}

const nmfUsage = `Usage: lwl-train nmf [flags] (-csv FILE | -ledm M | -montage)

Factorises a non-negative matrix Y (one data vector per row) as Y ≈ X·Wᵀ with RRR
(section 4 of the paper): W holds -rank non-negative features of norm -omega, X the
non-negative codes. With -batch 0 the whole matrix is one batch (exact NMF); otherwise
batches are processed online with warm starts for -epochs passes.

Writes into -out: features.png (the features as images when -width×-height fits the
data length, else as a heat map), features.csv, codes.csv, rrr_err.csv and rrr_err.png
(RRR_err per iteration, figures 4 and 6 of the paper).

Examples:
  lwl-train nmf -montage                         # the letter montages of section 4.4.2
  lwl-train nmf -ledm 6 -rank 5 -omega 0.6 -beta 0.3 -batch 0 -epochs 1 -iter 1000000 -tol 1e-9
  lwl-train nmf -csv data.csv -rank 4 -batch 0 -epochs 1 -iter 5000
`

// nmfResult is the JSON summary printed with -json.
type nmfResult struct {
	Source     string  `json:"source"`
	Rows       int     `json:"rows"`
	Cols       int     `json:"cols"`
	Rank       int     `json:"rank"`
	ReconErr   float64 `json:"recon_err"`
	RRRErr     float64 `json:"rrr_err"`
	Iterations int     `json:"iterations"`
	GWMs       float64 `json:"gwms"`
	Seconds    float64 `json:"seconds"`
	Stop       string  `json:"stop"`
	Out        string  `json:"out"`
}

func runNMF(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nmf", nmfUsage, stderr)
	var nf nmfFlags
	nf.register(fs.FlagSet)
	csvPath := fs.String("csv", "", "factorise the matrix in this CSV file (one data vector per row)")
	ledm := fs.Int("ledm", 0, "factorise the linear Euclidean distance matrix of this size m")
	montage := fs.Bool("montage", false, "factorise the synthetic letter montages (section 4.4.2)")
	montageN := fs.Int("montage-n", 2000, "number of montage images")
	dataSeed := fs.Uint64("data-seed", 1, "seed of the montage generator")
	out := fs.String("out", "nmf-out", "directory for the output files")
	width := fs.Int("width", 0, "image width of a data vector for features.png (montage: 40)")
	height := fs.Int("height", 0, "image height of a data vector (montage: 40)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return &usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	sources := 0
	for _, set := range []bool{*csvPath != "", *ledm != 0, *montage} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return &usageError{"give exactly one of -csv FILE, -ledm M, -montage"}
	}
	var (
		y    dataset.Matrix
		name string
		err  error
	)
	switch {
	case *csvPath != "":
		y, err = dataset.ReadCSV(*csvPath)
		name = *csvPath
	case *ledm != 0:
		if *ledm < 2 {
			return &usageError{fmt.Sprintf("-ledm %d: m must be at least 2", *ledm)}
		}
		y, name = dataset.LEDM(*ledm), fmt.Sprintf("LEDM m=%d", *ledm)
	default:
		y, err = dataset.Montage(*montageN, *dataSeed)
		name = fmt.Sprintf("letter montages n=%d seed=%d", *montageN, *dataSeed)
		if *width == 0 && *height == 0 {
			*width, *height = dataset.MontageSide, dataset.MontageSide
		}
	}
	if err != nil {
		return err
	}
	s := nf.settings()
	if s.BatchSize > y.Rows {
		s.BatchSize = y.Rows
	}
	batches := 1
	if s.BatchSize > 0 {
		batches = y.Rows / s.BatchSize
	}
	fmt.Fprintf(stderr, "nmf: %s, %d×%d, rank %d, β %g, Ω %g, %d epochs × %d batches × ≤%d iterations\n",
		name, y.Rows, y.Cols, s.Rank, s.Beta, s.Omega, max(s.Epochs, 1), batches, s.IterPerBatch)

	series := make([]float64, 0, min(max(s.Epochs, 1)*batches*s.IterPerBatch, 1<<20))
	// Online runs report per epoch; a single long batch (exact NMF) per 10⁴ iterations.
	var bar *progress.Bar
	if batches*max(s.Epochs, 1) == 1 {
		const step = 10000
		bar = progress.New(stderr, "iterations (cap)", s.IterPerBatch, 0)
		s.Trace = func(i int, e float64) {
			if len(series) < cap(series) {
				series = append(series, e)
			}
			if i%step == 0 {
				bar.Add(step, fmt.Sprintf("RRR_err %.3g", e))
			}
		}
	} else {
		bar = progress.New(stderr, "epoch", max(s.Epochs, 1), 0)
		s.Trace = func(_ int, e float64) {
			if len(series) < cap(series) {
				series = append(series, e)
			}
		}
		s.OnEpoch = func(ep int, recon float64) { bar.Add(1, fmt.Sprintf("recon_err %.4g", recon)) }
	}
	f, err := train.Factorize(ctx, y.Data, y.Rows, y.Cols, s)
	bar.Finish()
	if err != nil {
		return err
	}
	if !leader() { // rank 0 of an MPI run writes the outputs
		return nil
	}
	if err := writeNMFOutputs(*out, f, series, *width, *height); err != nil {
		return err
	}
	bundle := &format.Bundle{
		Kind: format.KindNMF,
		NMF:  &format.NMF{Data: f.D, Codes: f.C, Features: f.Features, Omega: s.Omega},
		Provenance: format.Provenance{
			Hyper: map[string]float64{"rank": float64(s.Rank), "omega": s.Omega, "beta": s.Beta, "gamma": s.Gamma, "tol": s.Tol,
				"iter": float64(s.IterPerBatch), "batch": float64(s.BatchSize), "epochs": float64(max(s.Epochs, 1)),
				"sparsity": float64(s.Sparsity)},
			Metrics: map[string]float64{"recon_err": f.ReconErr, "rrr_err": f.RRRErr, "gwms": f.GWMs(),
				"iterations": float64(f.Iterations), "seconds": f.Elapsed.Seconds()},
			Seed:        s.Seed,
			Dataset:     name,
			DatasetSize: y.Rows,
			Created:     time.Now().UTC(),
		},
	}
	if *width*(*height) == f.D {
		bundle.NMF.DataShape = []int{*height, *width}
	}
	if err := format.Save(filepath.Join(*out, "model.lwlb"), bundle); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recon_err %.6g  RRR_err %.3g  iterations %d  GWMs %.4g  seconds %.2f  (%s)\n",
		f.ReconErr, f.RRRErr, f.Iterations, f.GWMs(), f.Elapsed.Seconds(), f.Stop)
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	if *asJSON {
		return printJSON(stdout, nmfResult{
			Source: name, Rows: y.Rows, Cols: y.Cols, Rank: s.Rank, ReconErr: f.ReconErr, RRRErr: f.RRRErr,
			Iterations: f.Iterations, GWMs: f.GWMs(), Seconds: f.Elapsed.Seconds(), Stop: f.Stop.String(), Out: *out,
		})
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// writeNMFOutputs writes the features, codes and RRR_err series of a factorisation.
func writeNMFOutputs(dir string, f *train.Factorization, series []float64, width, height int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeMatrixCSV(filepath.Join(dir, "features.csv"), f.Features, f.D, f.C); err != nil {
		return err
	}
	if err := writeMatrixCSV(filepath.Join(dir, "codes.csv"), f.Codes, f.Rows, f.C); err != nil {
		return err
	}
	if err := writeFeaturesPNG(filepath.Join(dir, "features.png"), f, width, height); err != nil {
		return err
	}
	iters := make([]float64, len(series))
	for i := range iters {
		iters[i] = float64(i + 1)
	}
	if err := atomicfile.Write(filepath.Join(dir, "rrr_err.csv"), func(w io.Writer) error {
		return figure.WriteSeriesCSV(w, []string{"iteration", "rrr_err"}, iters, series)
	}); err != nil {
		return err
	}
	return figure.SeriesPlot(filepath.Join(dir, "rrr_err.png"), "RRR flow speed", "iteration", "RRR_err", true,
		figure.Series{Name: "RRR_err", Y: series})
}

// writeFeaturesPNG draws every feature (a column of W) as an image, scaled to its maximum.
// Features that are not images (width×height ≠ D) are drawn as a D×1 strip each.
func writeFeaturesPNG(path string, f *train.Factorization, width, height int) error {
	if width*height != f.D {
		width, height = f.D, 1
	}
	imgs := make([][]float64, f.C)
	for i := range imgs {
		img := make([]float64, f.D)
		peak := 0.0
		for j := range img {
			img[j] = f.Features[j*f.C+i]
			peak = math.Max(peak, img[j])
		}
		if peak > 0 {
			for j := range img {
				img[j] /= peak
			}
		}
		imgs[i] = img
	}
	scale := 4
	if height == 1 {
		scale = max(1, 256/max(f.D, 1))
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return imgrid.Write(w, imgs, width, height, int(math.Ceil(math.Sqrt(float64(f.C)))), scale)
	})
}

func writeMatrixCSV(path string, m []float64, rows, cols int) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				sep := ","
				if c == cols-1 {
					sep = "\n"
				}
				// Shortest decimal that parses back to the same float64: the CSV is exact.
				if _, err := fmt.Fprintf(w, "%s%s", strconv.FormatFloat(m[r*cols+c], 'g', -1, 64), sep); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
