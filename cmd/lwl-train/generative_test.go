package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func needMNIST(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("reads MNIST and trains for seconds")
	}
	if _, err := dataset.MNISTDir(); err != nil {
		t.Skipf("MNIST data not available: %v", err)
	}
}

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("lwl-train %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// A tiny generative run writes a generator bundle that lwl-gen's package can use, its
// figures, and a checkpoint; a run stopped after one epoch and resumed for the second
// writes the same model as the uninterrupted two-epoch run.
func TestGenerativeResumeMatchesUninterrupted(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	small := []string{"generative", "-items", "400", "-test-items", "200", "-hidden", "16", "-codes", "4",
		"-filter-epochs", "1", "-filter-iter", "20", "-filter-batch", "200"}
	whole := filepath.Join(dir, "whole.lwlb")
	_, stderr := runOK(t, append(small, "-epochs", "2", "-o", whole, "-figures", filepath.Join(dir, "fig"))...)
	for _, want := range []string{"autoencoder epoch 2/2", "filter epoch 1/1", "test", "ETA"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, f := range []string{"autoencoder-test.png", "autoencoder-ide-samples.png", "autoencoder-marginals.png", "filter-fp.png", "filter-tn.png"} {
		if st, err := os.Stat(filepath.Join(dir, "fig", f)); err != nil || st.Size() == 0 {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	if _, err := os.Stat(whole + ".ckpt"); err != nil {
		t.Errorf("no checkpoint beside the bundle: %v", err)
	}

	part := filepath.Join(dir, "part.lwlb")
	runOK(t, append(small, "-epochs", "1", "-o", part)...)
	_, stderr = runOK(t, append(small, "-epochs", "2", "-resume", "-o", part)...)
	if !strings.Contains(stderr, "resuming from") || strings.Contains(stderr, "autoencoder epoch 1/2") {
		t.Errorf("resumed run did not skip epoch 1:\n%s", stderr)
	}
	a, err := format.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	b, err := format.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Network.W, b.Network.W) || !slices.Equal(a.Network.B, b.Network.B) {
		t.Error("resumed run's autoencoder differs from the uninterrupted run's")
	}
	if !slices.Equal(a.Generator.Filter.W, b.Generator.Filter.W) {
		t.Error("resumed run's filter differs from the uninterrupted run's")
	}
	g, err := generate.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := g.Generate(generate.Options{N: 5, Seed: 1}); err != nil || len(r.Images) != 5 {
		t.Errorf("Generate on the written bundle: %v", err)
	}
	for _, k := range []string{"data_err", "code_err", "fp", "tn", "test_fp", "test_tn", "gwms"} {
		if _, ok := b.Provenance.Metrics[k]; !ok {
			t.Errorf("bundle provenance lacks metric %s", k)
		} else if k != "gwms" && b.Provenance.Metrics[k] != a.Provenance.Metrics[k] {
			t.Errorf("metric %s: %v resumed, %v uninterrupted", k, b.Provenance.Metrics[k], a.Provenance.Metrics[k])
		}
	}

	// The two-epoch checkpoint does not resume a one-epoch run (it would write the
	// two-epoch model as one of a single epoch).
	var stdout, errb bytes.Buffer
	code := run(append(small, "-epochs", "1", "-resume", "-o", whole), &stdout, &errb)
	if want := whole + ".ckpt: unusable checkpoint: it has 2 whole epochs, past the end of a run of 1 epochs"; code != 1 || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
}

// A resume refuses a checkpoint of another run and names the file.
func TestGenerativeResumeRefusesOtherCheckpoint(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "g.lwlb")
	runOK(t, "generative", "-items", "200", "-test-items", "100", "-hidden", "8", "-codes", "3", "-epochs", "1",
		"-filter-epochs", "1", "-filter-iter", "5", "-filter-batch", "200", "-o", out)
	var stdout, stderr bytes.Buffer
	code := run([]string{"generative", "-items", "200", "-test-items", "100", "-hidden", "9", "-codes", "3", "-epochs", "2",
		"-filter-epochs", "1", "-filter-iter", "5", "-resume", "-o", out}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), out+".ckpt") || !strings.Contains(stderr.String(), "layers") {
		t.Errorf("exit %d, stderr %q: want a refusal naming %s.ckpt and its layers", code, stderr.String(), out)
	}
}

// A resume from a gob checkpoint of an earlier build (train/testdata/autoencoder-gob-v1.ckpt,
// written at commit 1f07cf6) stops before training with an error that names the file, says
// what it is and how to go on; the file is left as it was.
func TestGenerativeResumeRefusesGobCheckpoint(t *testing.T) {
	needMNIST(t)
	old, err := os.ReadFile(filepath.Join("..", "..", "train", "testdata", "autoencoder-gob-v1.ckpt"))
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "g.lwlb")
	require.NoError(t, os.WriteFile(out+".ckpt", old, 0o644))
	var stdout, stderr bytes.Buffer
	code := run([]string{"generative", "-items", "200", "-test-items", "100", "-hidden", "8", "-codes", "3", "-epochs", "1",
		"-filter-epochs", "1", "-filter-iter", "5", "-resume", "-o", out}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	for _, want := range []string{out + ".ckpt: unusable checkpoint: an autoencoder checkpoint in the gob encoding", "without -resume", "1f07cf6"} {
		assert.Contains(t, stderr.String(), want)
	}
	assert.NotContains(t, stderr.String(), "autoencoder epoch", "it trained")
	now, err := os.ReadFile(out + ".ckpt")
	require.NoError(t, err)
	assert.Equal(t, old, now)
	_, err = os.Stat(out)
	assert.ErrorIs(t, err, os.ErrNotExist, "no bundle")
}

// generative -net with a net file like autonet -784 -16 4 16 trains, seed for seed, the
// autoencoder of -hidden 16 -codes 4, and the bundle (general form) generates.
func TestGenerativeNetFile(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	g, err := train.LayeredAutoencoder(2, 784, 16, 4, 16)
	require.NoError(t, err)
	var nb bytes.Buffer
	require.NoError(t, train.WriteNet(&nb, g))
	net := filepath.Join(dir, "auto.net")
	require.NoError(t, os.WriteFile(net, nb.Bytes(), 0o644))
	small := []string{"generative", "-items", "200", "-test-items", "100", "-epochs", "1",
		"-filter-epochs", "1", "-filter-iter", "5", "-filter-batch", "200"}
	layered, fromNet := filepath.Join(dir, "l.lwlb"), filepath.Join(dir, "n.lwlb")
	runOK(t, append(small, "-hidden", "16", "-codes", "4", "-o", layered)...)
	runOK(t, append(small, "-net", net, "-o", fromNet)...)
	a, err := infer.Load(layered)
	require.NoError(t, err)
	b, err := infer.Load(fromNet)
	require.NoError(t, err)
	te, err := dataset.MNIST(false, 20)
	require.NoError(t, err)
	for k := 0; k < te.X.Rows; k++ {
		require.Equal(t, a.Encode(nil, te.X.Row(k)), b.Encode(nil, te.X.Row(k)), "item %d", k)
		require.Equal(t, a.Reconstruct(nil, te.X.Row(k)), b.Reconstruct(nil, te.X.Row(k)), "item %d", k)
	}
	gen, err := generate.Load(fromNet)
	require.NoError(t, err)
	r, err := gen.Generate(generate.Options{N: 3, Seed: 1})
	require.NoError(t, err)
	assert.Len(t, r.Images, 3)

	var stderr bytes.Buffer
	assert.Equal(t, 2, run(append(small, "-net", net, "-codes", "4", "-o", fromNet), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "-hidden and -codes do not apply")

	// repro mnist-autoencoder takes the same file.
	repro := []string{"repro", "mnist-autoencoder", "-items", "200", "-iter", "5", "-out", dir, "-json"}
	var got [2]mnistAutoResult
	for i, extra := range [][]string{{"-hidden", "16", "-codes", "4"}, {"-net", net}} {
		out, _ := runOK(t, append(repro, extra...)...)
		lastJSON(t, out, &got[i])
	}
	assert.Equal(t, got[0].DataErr, got[1].DataErr)
	assert.Equal(t, got[0].CodeErr, got[1].CodeErr)
	assert.Equal(t, got[0].TestErr, got[1].TestErr)
}
