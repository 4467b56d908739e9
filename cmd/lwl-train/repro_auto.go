package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/atomicfile"
	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

func init() {
	reproCommands["binary"] = command{summary: "binary encoding 2ⁿ → n → 2ⁿ with the step activation (section 6.3.1)", run: runReproBinary}
	reproCommands["mnist-autoencoder"] = command{summary: "MNIST autoencoder 784→200→10→200→784 with iDE codes (section 6.3.2)", run: runReproMNISTAuto}
}

// binaryPaper is the success rate of section 6.3.1.
var binaryPaper = map[int]float64{3: 0.80, 4: 0.30, 5: 0.25}

type binaryResult struct {
	N         int         `json:"n"`
	Runs      int         `json:"runs"`
	Successes int         `json:"successes"`
	GWMMean   float64     `json:"gwm_mean"`
	Beta      float64     `json:"beta"`
	Delta     float64     `json:"delta"`
	MaxIter   int         `json:"max_iter"`
	Omega     float64     `json:"omega"`
	Each      []binaryRun `json:"each"` // every run, in seed order
}

// binaryRun is one run of repro binary: when it succeeded, or where it stopped.
type binaryRun struct {
	Seed       uint64  `json:"seed"`
	Success    bool    `json:"success"`
	Iterations int     `json:"iterations"`
	DataErr    float64 `json:"data_err"`
	CodeErr    float64 `json:"code_err"`
}

func runReproBinary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro binary", `Usage: lwl-train repro binary [flags]

Trains the 2ⁿ → n → 2ⁿ autoencoder with the step activation at every node on the 2ⁿ one-hot
vectors and all 2ⁿ binary codes in one batch (β 0.5, Ω 100, Δ 0.4, 0.34 at n = 5 by
default), -runs times from random starts. A run succeeds when, with the plain step, every
one-hot vector and every code round-trips through the feed-around; success is checked every
-check iterations, and a run stops at success, at RRR_err ≤ -tol, or after -max-iter
iterations. Runs go to separate cores.
`, stderr)
	n := fs.Int("n", 3, "code length n")
	runs := fs.Int("runs", 20, "independent runs")
	seed := fs.Uint64("seed", 1, "seed of the first run; run i uses seed+i")
	beta := fs.Float64("beta", 0.5, "RRR step β")
	omega := fs.Float64("omega", 100, "weight norm Ω")
	delta := fs.Float64("delta", 0, "the step's gap width Δ as in the paper, a margin Δ/2 on each side (0: 0.4, or 0.34 at n = 5)")
	maxIter := fs.Int("max-iter", 200000, "iteration cap per run")
	check := fs.Int("check", 200, "iterations between success checks")
	rewarm := fs.Bool("rewarm", false, "warm-start the batch again (feed-around from the consensus parameters) at every check, as an epoch of one batch")
	tol := fs.Float64("tol", 1e-10, "stop a run when RRR_err ≤ tol")
	workers := fs.Int("jobs", 0, "runs at a time (0: one per core)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *n < 1 || *n > 10 || *runs < 1 {
		return &usageError{fmt.Sprintf("-n %d -runs %d: want 1 ≤ n ≤ 10 and runs ≥ 1", *n, *runs)}
	}
	res := make([]*train.BinaryResult, *runs)
	done := 0
	// The bar counts iterations against every run's cap; a run that stops early counts its
	// remainder as done, so the ETA is an upper bound.
	bar := progress.New(stderr, "iterations (runs × cap)", *runs**maxIter, 0)
	defer bar.Finish()
	err := runParallel(ctx, *runs, *workers, func(ctx context.Context, i int) error {
		r, err := train.TrainBinary(ctx, train.BinarySettings{N: *n, Beta: *beta, Omega: *omega, Delta: *delta,
			MaxIter: *maxIter, Tol: *tol, Check: *check, Rewarm: *rewarm, Seed: *seed + uint64(i),
			Progress: func(it int) { bar.Add(it, "") }})
		res[i] = r
		if r != nil && r.Iterations < *maxIter {
			bar.Add(*maxIter-r.Iterations, "")
		}
		return err
	}, func(i int) {
		done++
		if r := res[i]; r != nil {
			bar.Printf("run %d/%d (seed %d): success %v after %d iterations, %.4f GWMs, data_err %.3g, code_err %.3g\n",
				done, *runs, *seed+uint64(i), r.Success, r.Iterations, r.GWMs, r.DataErr, r.CodeErr)
		}
	})
	if err != nil {
		return err
	}
	out := binaryResult{N: *n, Runs: *runs, Beta: *beta, Delta: *delta, MaxIter: *maxIter, Omega: *omega}
	if out.Delta == 0 {
		out.Delta = 0.4
		if *n == 5 {
			out.Delta = 0.34
		}
	}
	for i, r := range res {
		if r.Success {
			out.Successes++
		}
		out.GWMMean += r.GWMs / float64(*runs)
		out.Each = append(out.Each, binaryRun{Seed: *seed + uint64(i), Success: r.Success, Iterations: r.Iterations, DataErr: r.DataErr, CodeErr: r.CodeErr})
	}
	t := newTable(stdout)
	t.row("n", "runs", "successes", "rate", "paper", "GWMs (mean)")
	paper := "—"
	if p, ok := binaryPaper[*n]; ok {
		paper = fmt.Sprintf("%.0f%%", 100*p)
	}
	t.row(fmt.Sprint(*n), fmt.Sprint(*runs), fmt.Sprint(out.Successes), fmt.Sprintf("%.0f%%", 100*float64(out.Successes)/float64(*runs)), paper, fmt.Sprintf("%.4f", out.GWMMean))
	t.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

type mnistAutoResult struct {
	Epochs   int     `json:"epochs"`
	Items    int     `json:"items"`
	DataErr  float64 `json:"data_err"`
	CodeErr  float64 `json:"code_err"`
	TrainErr float64 `json:"train_data_err"`
	TestErr  float64 `json:"test_data_err"`
	GWM      float64 `json:"gwm"`
	Seconds  float64 `json:"seconds"`
}

func runReproMNISTAuto(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro mnist-autoencoder", `Usage: lwl-train repro mnist-autoencoder [flags]

Trains the 784→200→10→200→784 autoencoder with iDE codes on MNIST (section 6.3.2): zigmoid
Δ 0.4, Ω 10, β 1, batches of 200 data items and 20 iDE codes, 50 iterations per batch. The
paper's run is 40 epochs of 10⁴ items (~7000 GWMs: about 7 hours on two cores at 3.8 ns
per weight-multiply); the defaults here, 1 epoch of 2000 items (~35 GWMs), take minutes. data_err and code_err are the
epoch means of the batches' warm-start errors (eqs. 40, 41), as the paper reports them.
Writes, into -out, test digits through the autoencoder (figure 21 top), decoded iDE
samples (figure 21 bottom) and the code marginals as histograms (figure 20).
`, stderr)
	epochs := fs.Int("epochs", 1, "epochs")
	items := fs.Int("items", 2000, "training items")
	iter := fs.Int("iter", 50, "RRR iterations per batch")
	dataBatch := fs.Int("data-batch", 200, "data items per batch")
	codeBatch := fs.Int("code-batch", 20, "iDE codes per batch")
	hidden := fs.Int("hidden", 200, "hidden layer width")
	codes := fs.Int("codes", 10, "code nodes")
	seed := fs.Uint64("seed", 1, "seed")
	zdelta := fs.Float64("delta", 0.4, "zigmoid Δ as in the reference programs: the ramp from 0 to 1 spans z ∈ [−Δ, Δ]")
	outDir := fs.String("out", ".", "directory for the PNG figures")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	netPath := fs.String("net", "", "autoencoder graph from a reference autonet net file instead of 784→H→C→H (-hidden and -codes do not apply)")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	graph, err := mnistAutoencoderNet(fs.FlagSet, *netPath, codes)
	if err != nil {
		return err
	}
	trainSet, err := dataset.MNIST(true, *items)
	if err != nil {
		return err
	}
	testSet, err := dataset.MNIST(false, 1000)
	if err != nil {
		return err
	}
	a, err := train.NewAutoencoder(train.AutoencoderSettings{Sizes: []int{784, *hidden, *codes, *hidden}, Code: 2, Graph: graph,
		NetworkConfig: train.NetworkConfig{Omega: 10, Activation: train.Zigmoid{Delta: *zdelta}},
		Beta:          1, IterPerBatch: *iter, DataBatch: *dataBatch, CodeBatch: *codeBatch, Epochs: *epochs, Seed: *seed,
		OnEpoch: func(s train.AutoEpochStats) {
			fmt.Fprintf(stderr, "epoch %d: data_err %.4f code_err %.4f RRR_err %.4g→%.4g  %.1f GWMs  %.0fs\n",
				s.Epoch, s.DataErr, s.CodeErr, s.ErrStart, s.ErrStop, s.GWMs, s.Seconds)
		}})
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	stats, err := a.Train(ctx, trainSet.X)
	if err != nil {
		return err
	}
	last := stats[len(stats)-1]
	res := mnistAutoResult{Epochs: *epochs, Items: trainSet.X.Rows, DataErr: last.DataErr, CodeErr: last.CodeErr,
		GWM: float64(a.Work()) * 1e-9, Seconds: time.Since(start).Seconds()}
	enc := make([]float64, trainSet.X.Rows**codes)
	res.TrainErr = a.Encode(enc, nil, trainSet.X.Data, trainSet.X.Rows)
	if err := autoFigures(a, *outDir, enc, trainSet.X.Rows, *codes, testSet.X, *seed, &res.TestErr); err != nil {
		return err
	}
	t := newTable(stdout)
	t.row("", "ours", "paper (40 epochs × 10⁴ items)")
	t.row("data_err", fmt.Sprintf("%.4f", res.DataErr), "0.153")
	t.row("code_err", fmt.Sprintf("%.4f", res.CodeErr), "0.040")
	t.row("GWMs", fmt.Sprintf("%.1f", res.GWM), "~7000")
	t.row("data_err train/test (final model)", fmt.Sprintf("%.4f / %.4f", res.TrainErr, res.TestErr), "")
	t.flush()
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// autoFigures writes figure 21 (test digits through the autoencoder, decoded iDE samples) and
// figure 20 (code marginals) for an MNIST autoencoder whose training encodings are enc.
func autoFigures(a *train.Autoencoder, dir string, enc []float64, m, C int, test dataset.Matrix, seed uint64, testErr *float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const show = 50
	rec := make([]float64, test.Rows*784)
	tenc := make([]float64, test.Rows*C)
	*testErr = a.Encode(tenc, rec, test.Data, test.Rows)
	imgs := make([][]float64, 0, 2*show)
	for i := 0; i < show && i < test.Rows; i++ {
		imgs = append(imgs, test.Row(i))
	}
	for i := 0; i < show && i < test.Rows; i++ {
		imgs = append(imgs, rec[i*784:(i+1)*784])
	}
	if err := writeGrid(filepath.Join(dir, "autoencoder-test.png"), imgs); err != nil {
		return err
	}
	samples := make([]float64, show*C)
	train.SampleIDE(samples, enc, m, C, show, train.NewRand(seed+1))
	dec := make([]float64, show*784)
	a.Decode(dec, samples, show)
	imgs = imgs[:0]
	for i := 0; i < show; i++ {
		imgs = append(imgs, dec[i*784:(i+1)*784])
	}
	if err := writeGrid(filepath.Join(dir, "autoencoder-ide-samples.png"), imgs); err != nil {
		return err
	}
	return marginalHistograms(filepath.Join(dir, "autoencoder-marginals.png"), enc, m, C)
}

func writeGrid(path string, imgs [][]float64) error {
	return atomicfile.Write(path, func(w io.Writer) error { return imgrid.Write(w, imgs, 28, 28, 10, 2) })
}

// marginalHistograms draws one histogram per code node of the m×C encodings (figure 20).
func marginalHistograms(path string, enc []float64, m, C int) error {
	cols := min(C, 5)
	rows := (C + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for c := 0; c < C; c++ {
		v := make(plotter.Values, m)
		for k := 0; k < m; k++ {
			v[k] = enc[k*C+c]
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("code node %d", c)
		p.X.Min, p.X.Max = 0, 1
		h, err := plotter.NewHist(v, 25)
		if err != nil {
			return err
		}
		p.Add(h)
		plots[c/cols][c%cols] = p
	}
	img := vgimg.New(vg.Points(float64(200*cols)), vg.Points(float64(160*rows)))
	dc := draw.New(img)
	canv := plot.Align(plots, draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter, PadY: vg.Millimeter}, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canv[r][c])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
