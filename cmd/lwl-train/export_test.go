package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/onnx"
)

// TestExport: the model goes to stdout or replaces -o's file; it is the bytes of
// onnx.Export with the flags' options.
func TestExport(t *testing.T) {
	bundle := filepath.Join("..", "..", "testdata", "binary5-generator.lwlb")
	b, err := format.Load(bundle)
	require.NoError(t, err)
	for _, c := range []struct {
		args []string
		opt  onnx.Options
	}{
		{nil, onnx.Options{}},
		{[]string{"-part", "filter", "-dtype", "float64"}, onnx.Options{Part: onnx.PartFilter, DType: onnx.Float64}},
		{[]string{"-part", "filter", "-no-class"}, onnx.Options{Part: onnx.PartFilter, NoClass: true}},
		{[]string{"-format", "onnx", "-part", "encoder"}, onnx.Options{Part: onnx.PartEncoder}},
	} {
		want, err := onnx.Marshal(b, c.opt)
		require.NoError(t, err)
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(append(append([]string{"export"}, c.args...), bundle), &stdout, &stderr), stderr.String())
		assert.Equal(t, want, stdout.Bytes(), "%v", c.args)

		out := filepath.Join(t.TempDir(), "m.onnx")
		require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
		stdout.Reset()
		require.Equal(t, 0, run(append(append([]string{"export", "-o", out}, c.args...), bundle), &stdout, &stderr), stderr.String())
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Empty(t, stdout.String())
	}
}

// TestExportRefuses: bad command lines exit 2, what cannot be exported exits 1 with a
// message naming the file, and a failed export leaves an existing -o file as it was.
func TestExportRefuses(t *testing.T) {
	dir := t.TempDir()
	classifier := filepath.Join("..", "..", "testdata", "mnist-classifier.lwlb")
	notBundle := filepath.Join(dir, "x.lwlb")
	require.NoError(t, os.WriteFile(notBundle, []byte("not a bundle"), 0o644))
	out := filepath.Join(dir, "keep.onnx")
	require.NoError(t, os.WriteFile(out, []byte("keep"), 0o644))
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export"}, 2, "give exactly one bundle"},
		{[]string{"export", "-format", "tflite", classifier}, 2, "onnx is the only export format"},
		{[]string{"export", "-dtype", "float16", classifier}, 2, "want float32 or float64"},
		{[]string{"export", "-conv", "fft", classifier}, 2, "want op or matmul"},
		{[]string{"export", "-o", out, "-part", "decoder", classifier}, 1, classifier + ": a classifier bundle has no decoder to export"},
		{[]string{"export", "-o", out, notBundle}, 1, "x.lwlb"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, c.code, run(c.args, &stdout, &stderr), "%v", c.args)
		assert.Contains(t, stderr.String(), c.msg, "%v", c.args)
		assert.Empty(t, stdout.String())
	}
	kept, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(kept))
}
