package experiment

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
	"github.com/lwl-go/lwl/train"
)

// MNISTAutoencoderOptions are the settings of MNISTAutoencoder; DefaultMNISTAutoencoderOptions
// gives section 6.3.2's network and settings on a short budget.
type MNISTAutoencoderOptions struct {
	Epochs    int
	Items     int // training items (the first of MNIST's training set)
	Iter      int // RRR iterations per batch
	DataBatch int // data items per batch
	CodeBatch int // iDE codes per batch
	Hidden    int // hidden layer width (784→Hidden→Codes→Hidden→784)
	Codes     int // code nodes
	Seed      uint64
	// Delta is the zigmoid's Δ as in the reference programs: the ramp from 0 to 1 spans
	// z ∈ [−Δ, Δ].
	Delta float64
	// Graph, if not nil, is the autoencoder's network (a reference autonet net file, read by
	// train.ReadAutoencoderNet) instead of the layered one; Codes must be its code nodes,
	// and Hidden does not apply.
	Graph *train.Graph
	// Out is the directory for the figures (autoencoder-test.png, autoencoder-ide-samples.png,
	// autoencoder-marginals.png); empty: the current directory.
	Out string
}

// DefaultMNISTAutoencoderOptions are section 6.3.2's settings (zigmoid Δ 0.4, batches of
// 200 data items and 20 iDE codes, 50 iterations per batch) with the budget cut from the
// paper's 40 epochs of 10⁴ items to 1 epoch of 2000.
func DefaultMNISTAutoencoderOptions() MNISTAutoencoderOptions {
	return MNISTAutoencoderOptions{Epochs: 1, Items: 2000, Iter: 50, DataBatch: 200, CodeBatch: 20, Hidden: 200, Codes: 10, Seed: 1, Delta: 0.4, Out: "."}
}

// MNISTAutoencoderResult is the outcome of MNISTAutoencoder.
type MNISTAutoencoderResult struct {
	Epochs   int     `json:"epochs"`
	Items    int     `json:"items"`
	DataErr  float64 `json:"data_err"`       // the last epoch's mean warm-start data_err (eq. 40)
	CodeErr  float64 `json:"code_err"`       // the last epoch's mean warm-start code_err (eq. 41)
	TrainErr float64 `json:"train_data_err"` // data_err of the final model on the training items
	TestErr  float64 `json:"test_data_err"`  // and on the first 1000 test items
	GWM      float64 `json:"gwm"`
	Seconds  float64 `json:"seconds"`
}

// MNISTAutoencoder trains the 784→200→10→200→784 autoencoder with iDE codes on MNIST
// (section 6.3.2) and writes, into o.Out, test digits through the autoencoder (figure 21
// top), decoded iDE samples (figure 21 bottom) and the code marginals as histograms
// (figure 20). Progress reports each epoch's figures as a line.
func MNISTAutoencoder(ctx context.Context, o MNISTAutoencoderOptions, progress Progress) (MNISTAutoencoderResult, error) {
	if o.Out == "" {
		o.Out = "."
	}
	trainSet, err := dataset.MNIST(true, o.Items)
	if err != nil {
		return MNISTAutoencoderResult{}, err
	}
	testSet, err := dataset.MNIST(false, 1000)
	if err != nil {
		return MNISTAutoencoderResult{}, err
	}
	a, err := train.NewAutoencoder(train.AutoencoderSettings{Sizes: []int{784, o.Hidden, o.Codes, o.Hidden}, Code: 2, Graph: o.Graph,
		NetworkConfig: train.NetworkConfig{Omega: 10, Activation: train.Zigmoid{Delta: o.Delta}},
		Beta:          1, IterPerBatch: o.Iter, DataBatch: o.DataBatch, CodeBatch: o.CodeBatch, Epochs: o.Epochs, Seed: o.Seed,
		OnEpoch: func(s train.AutoEpochStats) {
			reporter{progress}.Printf("epoch %d: data_err %.4f code_err %.4f RRR_err %.4g→%.4g  %.1f GWMs  %.0fs\n",
				s.Epoch, s.DataErr, s.CodeErr, s.ErrStart, s.ErrStop, s.GWMs, s.Seconds)
		}})
	if err != nil {
		return MNISTAutoencoderResult{}, err
	}
	defer a.Close()
	start := time.Now()
	stats, err := a.Train(ctx, trainSet.X)
	if err != nil {
		return MNISTAutoencoderResult{}, err
	}
	last := stats[len(stats)-1]
	res := MNISTAutoencoderResult{Epochs: o.Epochs, Items: trainSet.X.Rows, DataErr: last.DataErr, CodeErr: last.CodeErr,
		GWM: float64(a.Work()) * 1e-9, Seconds: time.Since(start).Seconds()}
	enc := make([]float64, trainSet.X.Rows*o.Codes)
	res.TrainErr = a.Encode(enc, nil, trainSet.X.Data, trainSet.X.Rows)
	if res.TestErr, err = AutoencoderFigures(a, o.Out, enc, trainSet.X.Rows, o.Codes, testSet.X, o.Seed); err != nil {
		return MNISTAutoencoderResult{}, err
	}
	return res, nil
}

// AutoencoderFigures writes figure 21 (test digits through the autoencoder,
// autoencoder-test.png; decoded iDE samples, autoencoder-ide-samples.png) and figure 20
// (code marginals, autoencoder-marginals.png) into dir for an MNIST autoencoder with C code
// nodes whose m training encodings are enc. It returns the data_err of test.
func AutoencoderFigures(a *train.Autoencoder, dir string, enc []float64, m, C int, test dataset.Matrix, seed uint64) (float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	const show = 50
	rec := make([]float64, test.Rows*784)
	tenc := make([]float64, test.Rows*C)
	testErr := a.Encode(tenc, rec, test.Data, test.Rows)
	imgs := make([][]float64, 0, 2*show)
	for i := 0; i < show && i < test.Rows; i++ {
		imgs = append(imgs, test.Row(i))
	}
	for i := 0; i < show && i < test.Rows; i++ {
		imgs = append(imgs, rec[i*784:(i+1)*784])
	}
	if err := WriteDigitGrid(filepath.Join(dir, "autoencoder-test.png"), imgs); err != nil {
		return testErr, err
	}
	samples := make([]float64, show*C)
	train.SampleIDE(samples, enc, m, C, show, train.NewRand(seed+1))
	dec := make([]float64, show*784)
	a.Decode(dec, samples, show)
	imgs = imgs[:0]
	for i := 0; i < show; i++ {
		imgs = append(imgs, dec[i*784:(i+1)*784])
	}
	if err := WriteDigitGrid(filepath.Join(dir, "autoencoder-ide-samples.png"), imgs); err != nil {
		return testErr, err
	}
	return testErr, marginalHistograms(filepath.Join(dir, "autoencoder-marginals.png"), enc, m, C)
}

// WriteDigitGrid writes 28×28 images as a PNG grid ten to a row.
func WriteDigitGrid(path string, imgs [][]float64) error {
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
