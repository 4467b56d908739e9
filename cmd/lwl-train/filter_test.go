package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
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
		if k != "filter_epochs" && k != "filter_iter" && k != "fpa" {
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
		"-batch", "3000", "-test-items", "300", "-json")
	assert.Contains(t, stderr, "filter epoch 2/2")
	assert.Contains(t, stderr, "ETA")
	assert.Contains(t, stdout, "paper (figures 22, 23)")
	assert.Contains(t, stdout, "28.5%")
	var res filterResult
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
	assert.Equal(t, a.Provenance.Metrics["gwms"], b.Provenance.Metrics["generative_gwms"])
	assert.Equal(t, res.GWMs, b.Provenance.Metrics["filter_gwms"])

	// The runtime (lwl-gen's package) loads the new bundle and filters with the new
	// filter: measured on the same codes, it gives the figures the command printed.
	g, err := generate.Load(out)
	require.NoError(t, err)
	m, err := infer.Load(shippedGenerator)
	require.NoError(t, err)
	enc, err := marginalRows(a.Generator)
	require.NoError(t, err)
	test, err := dataset.MNIST(false, 300)
	require.NoError(t, err)
	codes := newFilterCodes(enc, encodeRows(m, test.X, 2), len(a.Generator.Marginals), a.Provenance.Seed)
	assert.Equal(t, res.New, measureFilter(g, codes))
	r, err := g.Generate(generate.Options{N: 5, Seed: 1})
	require.NoError(t, err)
	assert.Len(t, r.Images, 5)
}

// A generator of other data than MNIST (the closed-form binary one) is retrained on its
// marginals alone, without test codes.
func TestFilterNonMNISTGenerator(t *testing.T) {
	const bin = "../../testdata/binary5-generator.lwlb"
	out := filepath.Join(t.TempDir(), "b.lwlb")
	stdout, stderr := runOK(t, "filter", "-generator", bin, "-o", out, "-epochs", "3", "-iter", "20", "-batch", "48", "-fpa", "0.5", "-json")
	assert.Contains(t, stderr, "not an MNIST generator")
	var res filterResult
	lastJSON(t, stdout, &res)
	assert.Equal(t, 0, res.TestItems)
	_, b := checkRetrainedBundle(t, bin, out, 3, 20)
	assert.Equal(t, 0.5, b.Generator.FPA)
	assert.NotContains(t, b.Provenance.Metrics, "test_fp")
	_, err := generate.Load(out)
	require.NoError(t, err)
}
