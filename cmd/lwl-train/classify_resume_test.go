package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signalOn is a stderr that sends this process SIGINT once it has printed text.
type signalOn struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	text string
	sent bool
}

func (w *signalOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.sent && strings.Contains(w.buf.String(), w.text) {
		w.sent = true
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}
	return n, err
}

// Ctrl-C during a classify run writes the checkpoint and a bundle, says how to resume, and
// the resumed run ends with the weights of an unbroken run, bit for bit.
func TestClassifySIGINTResume(t *testing.T) {
	base := []string{"classify", "-majority", "2", "-data-seed", "3", "-epochs", "4", "-batch", "128", "-iter", "20",
		"-ee", "0.02", "-workers", "1", "-json"}
	wholeDir := t.TempDir()
	var stdout, stderr bytes.Buffer
	wholeCkpt := filepath.Join(wholeDir, "c.ckpt")
	require.Equal(t, 0, run(append(base, "-out", wholeDir, "-checkpoint", wholeCkpt), &stdout, &stderr), stderr.String())
	var whole classifyResult
	wholeOut := stdout.String()
	lastJSON(t, wholeOut, &whole)

	dir := t.TempDir()
	args := append(base, "-out", dir) // no -checkpoint: the signal writes classifier.ckpt in -out
	// The signal comes as training starts: where it stops depends on the scheduler (the
	// trainer's tests stop after every possible batch).
	sig := &signalOn{text: "class rule"}
	code := run(args, io.Discard, sig)
	require.Equal(t, 1, code, sig.buf.String())
	assert.Contains(t, sig.buf.String(), "interrupted in epoch 1")
	assert.Contains(t, sig.buf.String(), "resume with:")
	ckptPath := filepath.Join(dir, "classifier.ckpt")
	assert.Contains(t, sig.buf.String(), "-checkpoint "+ckptPath+" -resume")
	assert.FileExists(t, filepath.Join(dir, "classifier.lwlb"))
	_, err := train.ReadClassifierCheckpoint(ckptPath)
	require.NoError(t, err)

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run(append(args, "-checkpoint", ckptPath, "-resume"), &stdout, &stderr), stderr.String())
	var resumed classifyResult
	lastJSON(t, stdout.String(), &resumed)
	assert.Contains(t, stderr.String(), "resuming from "+ckptPath)
	assert.Equal(t, 4, resumed.Epochs)
	assert.Equal(t, whole.TrainErr, resumed.TrainErr)
	assert.Equal(t, *whole.TestErr, *resumed.TestErr)
	assert.Equal(t, whole.Exempted, resumed.Exempted)
	assert.Equal(t, whole.GWMs, resumed.GWMs)
	for _, e := range []string{"1", "2", "3", "4"} { // restored rows included
		assert.Equal(t, strings.Fields(lastTableRow(wholeOut, e)), strings.Fields(lastTableRow(stdout.String(), e)), "epoch %s", e)
	}
	// The last checkpoint of each run (after epoch 4) holds the same float64 parameters.
	a, err := train.ReadClassifierCheckpoint(wholeCkpt)
	require.NoError(t, err)
	b, err := train.ReadClassifierCheckpoint(ckptPath)
	require.NoError(t, err)
	require.Equal(t, 5, b.Epoch)
	for i := range a.W {
		require.Equal(t, math.Float64bits(a.W[i]), math.Float64bits(b.W[i]), "weight %d", i)
	}
	for i := range a.B {
		require.Equal(t, math.Float64bits(a.B[i]), math.Float64bits(b.B[i]), "bias %d", i)
	}
	wb, err := os.ReadFile(filepath.Join(wholeDir, "classifier.lwlb"))
	require.NoError(t, err)
	rb, err := os.ReadFile(filepath.Join(dir, "classifier.lwlb"))
	require.NoError(t, err)
	assert.Equal(t, len(wb), len(rb))
}

func TestClassifyResumeErrors(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"classify", "-majority", "1", "-epochs", "1", "-iter", "5", "-out", dir}
	code := run(append(args, "-resume"), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), filepath.Join(dir, "classifier.ckpt"))

	bad := filepath.Join(dir, "bad.ckpt")
	require.NoError(t, os.WriteFile(bad, []byte("LWLCKPT\x00 not really"), 0o644))
	stderr.Reset()
	code = run(append(args, "-checkpoint", bad, "-resume"), io.Discard, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), bad+": unusable checkpoint")

	// A checkpoint of another run is refused with the setting that differs.
	ck := filepath.Join(dir, "c.ckpt")
	require.Equal(t, 0, run(append(args, "-checkpoint", ck), io.Discard, io.Discard))
	stderr.Reset()
	code = run(append(args, "-checkpoint", ck, "-resume", "-omega", "3"), io.Discard, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), ck+": unusable checkpoint: setting omega is 2 there, 3 in this run")

	// A finished run resumes only with as many epochs or more.
	stderr.Reset()
	more := append(append([]string{}, args...), "-checkpoint", ck, "-resume")
	more[4] = "2" // -epochs
	require.Equal(t, 0, run(more, io.Discard, io.Discard))
	code = run(append(args, "-checkpoint", ck, "-resume"), io.Discard, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), ck+": unusable checkpoint: it is in epoch 3 (item 0), past the end of a run of 1 epochs")
}

// Without test data nothing reads NaN: the table shows "-", the JSON null.
func TestClassifyWithoutTestData(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	var b strings.Builder
	for k := 0; k < 40; k++ {
		x := float64(k%10) / 10
		l := 0
		if x > 0.45 {
			l = 1
		}
		b.WriteString(fmt.Sprintf("%g,%g,%d", x, 1-x, l) + "\n")
	}
	require.NoError(t, os.WriteFile(csv, []byte(b.String()), 0o644))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"classify", "-csv", csv, "-epochs", "2", "-batch", "20", "-iter", "10", "-out", dir, "-json"}, &stdout, &stderr), stderr.String())
	assert.NotContains(t, stdout.String(), "NaN")
	assert.NotContains(t, stderr.String(), "NaN")
	assert.Contains(t, stdout.String(), `"test_err":null`)
	assert.Equal(t, "-", strings.Fields(lastTableRow(stdout.String(), "2"))[7])
}

// classify -net with a net file like completenet 13 26 26 2 trains the same classifier,
// seed for seed, as -layers 13,26,26,2: the same errors and the same scores for every item.
func TestClassifyNetFileEqualsLayers(t *testing.T) {
	dir := t.TempDir()
	g, err := train.Layered(13, 26, 26, 2)
	require.NoError(t, err)
	var nb bytes.Buffer
	require.NoError(t, train.WriteNet(&nb, g))
	netPath := filepath.Join(dir, "majority.net")
	require.NoError(t, os.WriteFile(netPath, nb.Bytes(), 0o644))
	base := []string{"classify", "-majority", "3", "-epochs", "2", "-iter", "20", "-workers", "1", "-json"}
	var results [2]classifyResult
	var models [2]*infer.Model
	for i, extra := range [][]string{{"-layers", "13,26,26,2"}, {"-net", netPath}} {
		out := filepath.Join(dir, fmt.Sprint(i))
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(append(append(base, extra...), "-out", out), &stdout, &stderr), stderr.String())
		lastJSON(t, stdout.String(), &results[i])
		models[i], err = infer.Load(filepath.Join(out, "classifier.lwlb"))
		require.NoError(t, err)
	}
	assert.Equal(t, results[0].TrainErr, results[1].TrainErr)
	assert.Equal(t, *results[0].TestErr, *results[1].TestErr)
	assert.Equal(t, []int{13, 52, 2}, results[1].Layers)
	_, te, err := dataset.Majority(3, 1)
	require.NoError(t, err)
	for k := 0; k < te.X.Rows; k += 7 {
		require.Equal(t, models[0].Scores(nil, te.X.Row(k)), models[1].Scores(nil, te.X.Row(k)), "item %d", k)
	}

	// A broken net file names itself and the record.
	bad := filepath.Join(dir, "bad.net")
	require.NoError(t, os.WriteFile(bad, []byte("13 0 2\n13 13 0 1 2 3 4 5 6 7 8 9 10 11 99\n14 1 0\n"), 0o644))
	var stderr bytes.Buffer
	assert.Equal(t, 1, run(append(base, "-net", bad, "-out", dir), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), bad+": record 1 (node 13): in-edge from node 99")
	stderr.Reset()
	assert.Equal(t, 2, run(append(base, "-net", netPath, "-layers", "13,2", "-out", dir), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "-net and -layers exclude each other")
}

// repro majority refuses -resume without -checkpoint (experiment's TestMajorityResume
// tests the resumed runs themselves).
func TestReproMajorityResumeNeedsCheckpoint(t *testing.T) {
	base := []string{"repro", "majority", "-depth", "2", "-runs", "2", "-jobs", "2", "-json"}
	var stderr bytes.Buffer
	assert.Equal(t, 2, run(append(base, "-resume"), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "-resume needs -checkpoint DIR")
}
