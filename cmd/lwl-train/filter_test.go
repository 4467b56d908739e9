package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const shippedGenerator = "../../testdata/mnist-generator.lwlb"

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// checkRetrainedBundle checks what a filter run promises about the bundle it wrote from
// the generator at old: the autoencoder, code marginals and the rest of the provenance
// are the old bundle's, the filter is new and the provenance says how it was made.
func checkRetrainedBundle(t *testing.T, old, out string, epochs, iter int) (*format.Bundle, *format.Bundle) {
	t.Helper()
	a, err := format.Load(old)
	require.NoError(t, err)
	b, err := format.Load(out)
	require.NoError(t, err)
	assert.Equal(t, a.Kind, b.Kind)
	assert.Equal(t, a.Network, b.Network, "the autoencoder changed")
	assert.Equal(t, a.Generator.Marginals, b.Generator.Marginals, "the code marginals changed")
	assert.NotEqual(t, a.Generator.Filter.W, b.Generator.Filter.W, "the filter is the old one")
	assert.Equal(t, []string{"fake", "genuine"}, b.Generator.Filter.ClassNames)
	assert.Equal(t, a.Provenance.Seed, b.Provenance.Seed)
	assert.Equal(t, a.Provenance.Dataset, b.Provenance.Dataset)
	assert.Contains(t, b.Provenance.Notes, a.Provenance.Notes)
	assert.Contains(t, b.Provenance.Notes, "filter retrained: lwl-train filter -epochs")
	assert.Equal(t, float64(epochs), b.Provenance.Hyper["filter_epochs"])
	assert.Equal(t, float64(iter), b.Provenance.Hyper["filter_iter"])
	for k, v := range a.Provenance.Hyper {
		// The filter's own settings are the new run's (a bundle whose filter was retrained
		// before, as the shipped one, holds filter_batch and filter_test_items too).
		if !strings.HasPrefix(k, "filter_") && k != "fpa" {
			assert.Equal(t, v, b.Provenance.Hyper[k], "hyper %s", k)
		}
	}
	return a, b
}

// The filter command on the shipped MNIST generator rebuilds the codes its filter was
// trained on (the old filter's training fp and tn come out as the bundle recorded them),
// keeps the autoencoder bit for bit, leaves the input alone, and writes a bundle whose
// runtime applies the new filter with the figures the command reported.
func TestFilterRetrainsShippedGenerator(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "new.lwlb")
	before := fileHash(t, shippedGenerator)
	stdout, stderr := runOK(t, "filter", "-generator", shippedGenerator, "-o", out, "-epochs", "2", "-iter", "3",
		"-batch", "3000", "-test-items", "300", "-json", "-figures", filepath.Join(dir, "fig"))
	for _, f := range []string{"filter-fp.png", "filter-tn.png"} {
		if st, err := os.Stat(filepath.Join(dir, "fig", f)); err != nil || st.Size() == 0 {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	assert.Contains(t, stderr, "filter epoch 2/2")
	assert.Contains(t, stderr, "ETA")
	assert.Contains(t, stdout, "paper (figures 22, 23)")
	assert.Contains(t, stdout, "28.5%")
	var res experiment.FilterResult
	lastJSON(t, stdout, &res)
	assert.Equal(t, before, fileHash(t, shippedGenerator), "the input bundle changed")

	a, b := checkRetrainedBundle(t, shippedGenerator, out, 2, 3)
	assert.Equal(t, a.Provenance.Metrics["fp"], res.Old.FP, "the old filter's fp on the rebuilt training codes")
	assert.Equal(t, a.Provenance.Metrics["tn"], res.Old.TN, "the old filter's tn on the rebuilt training codes")
	assert.Equal(t, 300, res.TestItems)
	for k, v := range map[string]float64{"fp": res.New.FP, "tn": res.New.TN, "test_fp": res.New.TestFP, "test_tn": res.New.TestTN} {
		assert.Equal(t, v, b.Provenance.Metrics[k], "metric %s", k)
	}
	assert.Equal(t, 300.0, b.Provenance.Hyper["filter_test_items"])
	// The generative run's total work keeps its value under generative_gwms (a bundle whose
	// filter was retrained before, as the shipped one, already names it so).
	gen, ok := a.Provenance.Metrics["gwms"]
	if !ok {
		gen = a.Provenance.Metrics["generative_gwms"]
	}
	assert.NotZero(t, gen)
	assert.Equal(t, gen, b.Provenance.Metrics["generative_gwms"])
	assert.Equal(t, res.GWMs, b.Provenance.Metrics["filter_gwms"])

	// The runtime (lwl-gen's package) loads the new bundle and filters with the new
	// filter: measured on the same codes, it gives the figures the command printed.
	g, err := generate.Load(out)
	require.NoError(t, err)
	m, err := infer.Load(shippedGenerator)
	require.NoError(t, err)
	enc, err := experiment.MarginalRows(a.Generator)
	require.NoError(t, err)
	test, err := dataset.MNIST(false, 300)
	require.NoError(t, err)
	codes := experiment.NewFilterCodes(enc, experiment.EncodeRows(m, test.X, 2), len(a.Generator.Marginals), a.Provenance.Seed)
	assert.Equal(t, res.New, experiment.MeasureFilter(g, codes))
	r, err := g.Generate(generate.Options{N: 5, Seed: 1})
	require.NoError(t, err)
	assert.Len(t, r.Images, 5)
}

// binaryGenerator writes a generator of other data than MNIST: the closed-form binary
// encoder of testdata/binary5-generator.lwlb (2⁵ one-hot items, 5 code nodes), whose code
// marginals are made the encodings of its 32 items, as a trained generator's are.
func binaryGenerator(t *testing.T) string {
	t.Helper()
	b, err := format.Load("../../testdata/binary5-generator.lwlb")
	require.NoError(t, err)
	m, err := infer.New(b)
	require.NoError(t, err)
	n, C := m.NumData(), m.NumCodes()
	marg := make([][]float64, C)
	for k := 0; k < n; k++ {
		item := make([]float64, n)
		item[k] = 1
		for c, v := range m.Encode(nil, item) {
			marg[c] = append(marg[c], v)
		}
	}
	b.Generator.Marginals = marg
	b.Provenance.DatasetSize = n
	path := filepath.Join(t.TempDir(), "binary.lwlb")
	require.NoError(t, format.Save(path, b))
	return path
}

// A generator whose code marginals are not its items' encodings (the closed-form binary
// one holds 0 and 1 per code node) is refused: its filter's codes cannot be rebuilt.
func TestFilterRefusesMarginalsThatAreNotEncodings(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"filter", "-generator", "../../testdata/binary5-generator.lwlb", "-o", filepath.Join(t.TempDir(), "o.lwlb")}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "binary5-generator.lwlb: the code marginals hold 2 samples per code node, the provenance 32 training items")
}

// A generator of other data than MNIST is retrained on its marginals alone, without test
// codes.
func TestFilterNonMNISTGenerator(t *testing.T) {
	bin := binaryGenerator(t)
	out := filepath.Join(t.TempDir(), "b.lwlb")
	stdout, stderr := runOK(t, "filter", "-generator", bin, "-o", out, "-epochs", "3", "-iter", "20", "-batch", "48", "-fpa", "0.5", "-json")
	assert.Contains(t, stderr, "not an MNIST generator")
	var res experiment.FilterResult
	lastJSON(t, stdout, &res)
	assert.Equal(t, 0, res.TestItems)
	_, b := checkRetrainedBundle(t, bin, out, 3, 20)
	assert.Equal(t, 0.5, b.Generator.FPA)
	assert.NotContains(t, b.Provenance.Metrics, "test_fp")
	_, err := generate.Load(out)
	require.NoError(t, err)
}

// A run stopped by a signal before its first batch writes a checkpoint and exits 1 with the
// command that resumes; resumed, and a run of one epoch extended to three, end with the
// filter of the unbroken three-epoch run.
func TestFilterResumeMatchesUnbroken(t *testing.T) {
	bin := binaryGenerator(t)
	dir := t.TempDir()
	small := []string{"-generator", bin, "-iter", "20", "-batch", "24", "-workers", "1"}
	whole := filepath.Join(dir, "whole.lwlb")
	runOK(t, append([]string{"filter", "-epochs", "3", "-o", whole}, small...)...)
	want, err := format.Load(whole)
	require.NoError(t, err)

	stopped := filepath.Join(dir, "stopped.lwlb")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	args := append([]string{"-epochs", "3", "-o", stopped}, small...)
	err = commands["filter"].run(ctx, args, &stdout, &stderr)
	require.ErrorIs(t, err, train.ErrInterrupted)
	assert.Contains(t, stderr.String(), "resume with:")
	assert.Contains(t, stderr.String(), "-resume")
	assert.Contains(t, stderr.String(), "so far (epoch 1, 0 of 96 codes)")
	assert.Empty(t, stdout.String())
	assert.NoFileExists(t, stopped)
	require.FileExists(t, stopped+".ckpt")
	runOK(t, append([]string{"filter", "-resume"}, args...)...)
	got, err := format.Load(stopped)
	require.NoError(t, err)
	assert.Equal(t, want.Generator.Filter, got.Generator.Filter)

	short := filepath.Join(dir, "short.lwlb")
	runOK(t, append([]string{"filter", "-epochs", "1", "-o", short}, small...)...)
	_, stderrS := runOK(t, append([]string{"filter", "-epochs", "3", "-resume", "-o", short}, small...)...)
	assert.Contains(t, stderrS, "resuming from")
	got, err = format.Load(short)
	require.NoError(t, err)
	assert.Equal(t, want.Generator.Filter, got.Generator.Filter)

	// A checkpoint past -epochs is refused, naming it; one at the end of -epochs writes
	// the bundle again.
	code := run(append([]string{"filter", "-epochs", "2", "-resume", "-o", short}, small...), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), short+".ckpt: unusable checkpoint: it is in epoch 4 (code 0), past the end of a run of 2 epochs")
	require.NoError(t, os.Remove(short))
	runOK(t, append([]string{"filter", "-epochs", "3", "-resume", "-o", short}, small...)...)
	got, err = format.Load(short)
	require.NoError(t, err)
	assert.Equal(t, want.Generator.Filter, got.Generator.Filter)
}
