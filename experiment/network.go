package experiment

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/train"
)

// BuildArch builds the architecture arch (train.ArchSyntax, e.g. "conv5s2x8,conv5s2x16,dense10")
// for data of d values per item and the given classes; convolutions need image data of
// the given [height, width] shape (channels d/(height·width)). Its errors are
// *OptionsError, worded for lwl-train's -arch flag.
func BuildArch(arch string, d, classes int, shape []int) (*train.Arch, error) {
	specs, err := train.ParseArch(arch)
	if err != nil {
		return nil, optionsErr("-arch " + err.Error())
	}
	h, w := 1, d
	conv := specs[0].Kernel > 0
	if conv {
		if len(shape) != 2 || shape[0]*shape[1] == 0 || d%(shape[0]*shape[1]) != 0 {
			return nil, optionsErr(fmt.Sprintf("-arch %q: convolutions need image data (MNIST, IDX images or square rows); these data have %d values per item and no image shape", arch, d))
		}
		h, w = shape[0], shape[1]
	}
	if last := specs[len(specs)-1].Units; last < classes {
		return nil, optionsErr(fmt.Sprintf("-arch %q: the class layer has %d nodes, the data %d classes", arch, last, classes))
	}
	a, err := train.BuildArch(h, w, d/(h*w), specs)
	if err != nil {
		return nil, optionsErr(fmt.Sprintf("-arch %q: %v", arch, err))
	}
	return a, nil
}

// WeightMetric turns a per-layer weight metric γ² of the weight copies in the distance (27)
// ("0.1,0.1,1": one value per layer after the data; empty: nil, the paper's metric 1
// everywhere) into the per-node metric of train.NetworkConfig.WeightMetric for a layered or
// BuildArch network g with layer sizes sizes. Its errors are *OptionsError, worded for
// lwl-train's -wmetric flag.
func WeightMetric(spec string, g *train.Graph, sizes []int) ([]float64, error) {
	if spec == "" {
		return nil, nil
	}
	var per []float64
	for _, p := range strings.Split(spec, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, optionsErr(fmt.Sprintf("-wmetric %q: %q is not a positive number", spec, p))
		}
		per = append(per, v)
	}
	if len(per) != len(sizes)-1 {
		return nil, optionsErr(fmt.Sprintf("-wmetric %q: %d values for %d layers after the data", spec, len(per), len(sizes)-1))
	}
	m := make([]float64, 0, g.Nodes())
	for l, n := range sizes {
		v := 1.0
		if l > 0 {
			v = per[l-1]
		}
		for range n {
			m = append(m, v)
		}
	}
	if len(m) != g.Nodes() {
		return nil, fmt.Errorf("-wmetric: the network has %d nodes, its layers %d", g.Nodes(), len(m))
	}
	return m, nil
}

// WriteKernels draws the kernels of a network's first convolution as a PNG grid: one row
// per output channel, one Kernel×Kernel tile per input channel, scaled so that the largest
// |weight| of the layer is black or white and 0 is mid-grey.
func WriteKernels(w io.Writer, a *train.Arch, weights []float64) error {
	if len(a.Conv) == 0 {
		return fmt.Errorf("no convolution to draw")
	}
	c := a.Conv[0]
	fan, kk := c.FanIn(), c.Kernel*c.Kernel
	var m float64
	for _, v := range weights[c.Edge : c.Edge+c.OutC*fan] {
		m = max(m, math.Abs(v))
	}
	if m == 0 {
		m = 1
	}
	var tiles [][]float64
	for o := 0; o < c.OutC; o++ {
		k := weights[c.Edge+o*fan : c.Edge+(o+1)*fan] // node (0, 0, o): ordered dy, dx, channel
		for ci := 0; ci < c.InC; ci++ {
			t := make([]float64, kk)
			for p := range t {
				t[p] = 0.5 + k[p*c.InC+ci]/(2*m)
			}
			tiles = append(tiles, t)
		}
	}
	cols := c.InC
	if c.InC == 1 {
		cols = c.OutC
	}
	return imgrid.Write(w, tiles, c.Kernel, c.Kernel, cols, 12)
}

// ClassifierMetrics are the bundle metrics of a finished classifier run: the last epoch's
// figures (test_err only with test data) and the run's work and time.
func ClassifierMetrics(res *train.ClassifierResult, last train.EpochStats) map[string]float64 {
	m := map[string]float64{"train_err": last.TrainErr, "batch_err": last.BatchErr, "gwms": res.GWMs(), "seconds": res.Elapsed.Seconds()}
	if !math.IsNaN(last.TestErr) {
		m["test_err"] = last.TestErr
	}
	return m
}

// ClassifierBundleInfo describes how a classifier was trained, for ClassifierBundle.
type ClassifierBundleInfo struct {
	Arch    string      // the architecture's spec, when Built is set
	Built   *train.Arch // the BuildArch network, if any
	WMetric string      // the per-layer weight metric spec (WeightMetric), if any
	// UntiedEpochs is the tie schedule (train.ClassifierSettings.UntiedEpochs). A Built
	// network trained untied throughout (UntiedEpochs ≥ Epochs) is saved in the general form
	// without its convolutions, whose ties do not hold.
	UntiedEpochs int
	Average      bool // train.ClassifierSettings.Average
	// FromNet is set when the graph came from a net file: saved in the general form.
	FromNet bool
	Sizes   []int // the layer sizes of a layered network
	Shape   []int // the image shape [height, width] of the data, if any
	// The hyperparameters of section 5, recorded in the provenance.
	Beta, Tol, Omega, Upsilon, Delta, EE, FPA float64
	Batch, Iter, Epochs, Exempt               int
	Seed                                      uint64
}

// ClassifierBundle converts a trained classifier to the bundle format (SPEC.md). The
// layered graph of train.Layered orders edges as format's layered form does (receiving
// layer, receiving node, sending node), so the weights carry over as they are; a graph from
// a net file is saved in the general (edge list) form, and so is a BuildArch network, with
// its convolutions described (format 1.1, SPEC.md "Convolutions").
func ClassifierBundle(res *train.ClassifierResult, tr dataset.Labelled, info ClassifierBundleInfo, metrics map[string]float64) (*format.Bundle, error) {
	c := res.Classifier
	var n *format.Network
	var notes string
	switch {
	case info.Built != nil && info.UntiedEpochs >= max(info.Epochs, 1):
		var err error
		if n, err = train.FormatNetwork(c.Graph, c.Activation, c.Omega, info.Delta, slices.Clone(c.Weights), slices.Clone(c.Biases)); err != nil {
			return nil, err
		}
		notes = fmt.Sprintf("-arch %s untied (locally connected): %v", info.Arch, info.Built)
		if info.WMetric != "" {
			notes += "; -wmetric " + info.WMetric
		}
	case info.Built != nil:
		var err error
		if n, err = train.FormatArch(info.Built, c.Activation, c.Omega, info.Delta, slices.Clone(c.Weights), slices.Clone(c.Biases)); err != nil {
			return nil, err
		}
		notes = fmt.Sprintf("-arch %s: %v", info.Arch, info.Built)
		if info.WMetric != "" {
			notes += "; -wmetric " + info.WMetric
		}
	case info.FromNet:
		var err error
		n, err = train.FormatNetwork(c.Graph, c.Activation, c.Omega, info.Delta, slices.Clone(c.Weights), slices.Clone(c.Biases))
		if err != nil {
			return nil, err
		}
	default:
		n = layeredClassifier(c, info.Delta, info.Sizes)
	}
	n.DataShape = info.Shape
	b := &format.Bundle{Kind: format.KindClassifier, Network: n, Provenance: format.Provenance{
		Hyper: map[string]float64{"beta": info.Beta, "omega": info.Omega, "upsilon": info.Upsilon, "delta": info.Delta,
			"batch": float64(info.Batch), "iter": float64(info.Iter), "epochs": float64(info.Epochs), "tol": info.Tol,
			"ee": info.EE, "exempt": float64(info.Exempt), "fpa": info.FPA},
		Metrics: metrics, Seed: info.Seed, Dataset: tr.Name, DatasetSize: tr.X.Rows, Created: time.Now().UTC(), Notes: notes,
	}}
	if info.UntiedEpochs > 0 {
		b.Provenance.Hyper["untied_epochs"] = float64(info.UntiedEpochs)
	}
	if info.Average {
		b.Provenance.Hyper["average"] = 1
	}
	return b, nil
}

// layeredClassifier is the compact layered form of a classifier on train.Layered(sizes...).
func layeredClassifier(c *train.Classifier, delta float64, sizes []int) *format.Network {
	groups := make([]format.Group, len(sizes))
	roles := make([]format.Role, len(sizes))
	for l := range sizes {
		switch {
		case l == 0:
			groups[l], roles[l] = format.Group{Name: "data", Activation: format.ActNone}, format.RoleData
		case l == len(sizes)-1:
			groups[l], roles[l] = format.Group{Name: "class", Activation: format.ActNone, Delta: delta}, format.RoleClass
		default:
			g := format.Group{Name: fmt.Sprintf("hidden%d", l), Activation: format.ActReLU}
			switch a := c.Activation.(type) {
			case train.Step:
				g.Activation, g.Delta = format.ActStep, a.Delta
			case train.Zigmoid:
				g.Activation, g.Delta = format.ActZigmoid, a.Delta
			}
			groups[l], roles[l] = g, format.RoleHidden
		}
	}
	n := format.NewLayered(sizes, false, c.Omega, groups, roles)
	copy(n.W, c.Weights)
	copy(n.B, c.Biases)
	return n
}

// ClassifierStart reads the weights and biases of the classifier bundle at path as the
// start of a run on graph g (train.ClassifierSettings.InitWeights, InitBiases): a warm
// start. The bundle must hold a classifier on the same graph, edge for edge (a run with
// the same -layers or -arch saves it so); its float32 values are the start.
func ClassifierStart(path string, g *train.Graph) (w, b []float64, err error) {
	bd, err := format.Load(path)
	if err != nil {
		return nil, nil, err
	}
	n := bd.Network
	if bd.Kind != format.KindClassifier {
		return nil, nil, fmt.Errorf("%s: a %v bundle, not a classifier", path, bd.Kind)
	}
	from, to := n.Edges()
	same := n.Nodes == g.Nodes() && len(from) == g.Edges()
	for j := 0; same && j < g.Nodes(); j++ {
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			if from[e] != g.Src[e] || to[e] != j {
				same = false
				break
			}
		}
	}
	if !same {
		return nil, nil, fmt.Errorf("%s: its network (%d nodes, %d edges) is not this run's graph (%d nodes, %d edges) edge for edge", path, n.Nodes, len(from), g.Nodes(), g.Edges())
	}
	return slices.Clone(n.W), slices.Clone(n.B), nil
}
