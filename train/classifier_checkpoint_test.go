package train

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func checkpointSettings() ClassifierSettings {
	return ClassifierSettings{Hidden: []int{8},
		NetworkConfig: NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.1, Mode: ClassRelabel, Count: 2}, Workers: 1},
		IterPerBatch:  15, BatchSize: 100, Epochs: 3, Seed: 7}
}

func majorityData(t *testing.T) (dataset.Labelled, dataset.Labelled) {
	tr, te, err := dataset.Majority(2, 3)
	require.NoError(t, err)
	return tr, te
}

// sameRun asserts that two results are the same bit for bit, wall times aside.
func sameRun(t *testing.T, want, got *ClassifierResult, msg string) {
	t.Helper()
	require.Equal(t, len(want.Classifier.Weights), len(got.Classifier.Weights))
	for i, w := range want.Classifier.Weights {
		require.Equal(t, math.Float64bits(w), math.Float64bits(got.Classifier.Weights[i]), "%s: weight %d", msg, i)
	}
	for i, b := range want.Classifier.Biases {
		require.Equal(t, math.Float64bits(b), math.Float64bits(got.Classifier.Biases[i]), "%s: bias %d", msg, i)
	}
	require.Len(t, got.Epochs, len(want.Epochs), msg)
	for i := range want.Epochs {
		w, g := want.Epochs[i], got.Epochs[i]
		w.Seconds, g.Seconds = 0, 0
		assert.Equal(t, w, g, "%s: epoch %d", msg, i+1)
	}
	assert.Equal(t, want.Work, got.Work, msg)
	assert.Equal(t, want.Flagged, got.Flagged, msg)
	assert.Equal(t, want.ModelFlagged, got.ModelFlagged, msg)
}

// interruptAfter makes a run stop after its n-th batch (Interrupt closed from OnBatch).
func interruptAfter(s *ClassifierSettings, n int) {
	stop := make(chan struct{})
	done := 0
	s.Interrupt = stop
	s.OnBatch = func(int, []int, []int) {
		if done++; done == n {
			close(stop)
		}
	}
}

// A run interrupted after any batch, saved, read back and resumed ends with exactly the
// weights, biases, figures and flagged items of an unbroken run.
func TestClassifierInterruptResumeIsBitIdentical(t *testing.T) {
	ctx := context.Background()
	tr, te := majorityData(t)
	s := checkpointSettings()
	var traceWhole []int
	s.Trace = func(i int, _ float64) { traceWhole = append(traceWhole, i) }
	whole, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	batches := len(whole.Epochs) * (tr.X.Rows / s.BatchSize)
	require.Greater(t, batches, 6)
	path := filepath.Join(t.TempDir(), "c.ckpt")
	for _, stopAfter := range []int{1, batches/3 - 1, batches / 3, batches/3 + 1, batches - 2, batches - 1} {
		s := checkpointSettings()
		interruptAfter(&s, stopAfter)
		part, err := TrainClassifier(ctx, tr, te, s)
		require.ErrorIs(t, err, ErrInterrupted)
		require.NotNil(t, part.Checkpoint)
		require.NotNil(t, part.Classifier)
		require.NoError(t, part.Checkpoint.WriteFile(path))

		c, err := ReadClassifierCheckpoint(path)
		require.NoError(t, err)
		s = checkpointSettings()
		s.Resume = c
		var trace []int
		s.Trace = func(i int, _ float64) { trace = append(trace, i) }
		rest, err := TrainClassifier(ctx, tr, te, s)
		require.NoError(t, err)
		sameRun(t, whole, rest, fmt.Sprint("stopped after batch ", stopAfter))
		require.NotEmpty(t, trace)
		assert.Equal(t, traceWhole[len(traceWhole)-len(trace):], trace, "iterations numbered across the run")
	}
}

// The checkpoints written at each epoch's end resume to the unbroken run, also when the
// resumed run is longer than the one that wrote them.
func TestClassifierEpochCheckpointsExtendRun(t *testing.T) {
	ctx := context.Background()
	tr, te := majorityData(t)
	s := checkpointSettings()
	s.Epochs = 4
	whole, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)

	s = checkpointSettings()
	s.Epochs = 2
	var saved []*ClassifierCheckpoint
	s.Checkpoint = func(c *ClassifierCheckpoint) error {
		saved = append(saved, c)
		return nil
	}
	_, err = TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	require.Len(t, saved, 2)
	assert.Equal(t, 3, saved[1].Epoch)
	assert.Zero(t, saved[1].Next)
	for _, c := range saved {
		c, err := DecodeClassifierCheckpoint(c.Encode())
		require.NoError(t, err)
		s := checkpointSettings()
		s.Epochs, s.Resume = 4, c
		rest, err := TrainClassifier(ctx, tr, te, s)
		require.NoError(t, err)
		sameRun(t, whole, rest, fmt.Sprint("from epoch ", c.Epoch))
	}
}

func TestClassifierResumeRefusesAnotherRun(t *testing.T) {
	ctx := context.Background()
	tr, te := majorityData(t)
	s := checkpointSettings()
	s.Epochs = 1
	var c *ClassifierCheckpoint
	s.Checkpoint = func(k *ClassifierCheckpoint) error { c = k; return nil }
	_, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)

	other := tr
	other.Labels = append([]int(nil), tr.Labels...)
	other.Labels[5] = 1 - other.Labels[5]
	for name, tc := range map[string]struct {
		change func(*ClassifierSettings)
		data   dataset.Labelled
		want   string
	}{
		"omega":  {func(s *ClassifierSettings) { s.Omega = 3 }, tr, "setting omega is 2 there, 3 in this run"},
		"batch":  {func(s *ClassifierSettings) { s.BatchSize = 50 }, tr, "setting batch"},
		"seed":   {func(s *ClassifierSettings) { s.Seed = 8 }, tr, "setting seed"},
		"step":   {func(s *ClassifierSettings) { s.Activation = Step{Delta: 0.2} }, tr, "setting"},
		"graph":  {func(s *ClassifierSettings) { s.Hidden = []int{9} }, tr, "graph of"},
		"labels": {func(*ClassifierSettings) {}, other, "other training data"},
	} {
		s := checkpointSettings()
		tc.change(&s)
		s.Resume = c
		_, err := TrainClassifier(ctx, tc.data, te, s)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
}

// A checkpoint is resumed only by a run at least as long: resuming the end of a 2-epoch
// run with -epochs 1 would hand back a classifier of 2 epochs as one of 1.
func TestClassifierResumeRefusesShorterRun(t *testing.T) {
	ctx := context.Background()
	tr, te := majorityData(t)
	s := checkpointSettings()
	s.Epochs = 2
	var saved []*ClassifierCheckpoint
	s.Checkpoint = func(c *ClassifierCheckpoint) error { saved = append(saved, c); return nil }
	whole, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	require.Len(t, saved, 2)

	s = checkpointSettings()
	s.Epochs, s.Resume = 1, saved[1] // at the end of epoch 2
	_, err = TrainClassifier(ctx, tr, te, s)
	require.ErrorIs(t, err, ErrCheckpoint)
	assert.ErrorContains(t, err, "it is in epoch 3 (item 0), past the end of a run of 1 epochs")

	s.Resume = saved[0] // the end of epoch 1 is a finished 1-epoch run
	one, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	assert.Len(t, one.Epochs, 1)
	s.Epochs, s.Resume = 2, saved[1] // and the end of epoch 2 a finished 2-epoch run
	two, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	sameRun(t, whole, two, "resumed at its end")
}

func TestReadClassifierCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	tr, te := majorityData(t)
	s := checkpointSettings()
	s.Epochs = 1
	var c *ClassifierCheckpoint
	s.Checkpoint = func(k *ClassifierCheckpoint) error { c = k; return nil }
	_, err := TrainClassifier(context.Background(), tr, te, s)
	require.NoError(t, err)
	good := c.Encode()

	bad := *c
	bad.Order = append([]int(nil), c.Order...)
	bad.Order[0] = bad.Order[1]
	badW := *c
	badW.W = append([]float64(nil), c.W...)
	badW.W[3] = math.Inf(1)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"truncated":      {good[:len(good)/2], "checksum"},
		"not a ckpt":     {[]byte("epoch,GWMs\n1,2\n"), "not a checkpoint"},
		"repeated order": {bad.Encode(), "repeats item"},
		"infinite w":     {badW.Encode(), "parameter is +Inf"},
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, tc.data, 0o644))
		_, err := ReadClassifierCheckpoint(path)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, path, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
}

// FuzzDecodeClassifierCheckpoint: no input panics, and what decodes re-encodes to a
// checkpoint that decodes to the same thing.
func FuzzDecodeClassifierCheckpoint(f *testing.F) {
	// A small run (12 items of 3 values, 3→4→2, batches of 4) keeps the seed short.
	tr := dataset.Labelled{X: dataset.Matrix{Rows: 12, Cols: 3, Data: make([]float64, 36)}, Labels: make([]int, 12), Classes: 2}
	for i := range tr.X.Data {
		tr.X.Data[i] = float64(i%7) / 7
	}
	for i := range tr.Labels {
		tr.Labels[i] = i % 2
	}
	s := checkpointSettings()
	s.Hidden, s.Epochs, s.BatchSize, s.Class = []int{4}, 2, 4, ClassRule{Margin: 0.1, Mode: ClassRelabel, Count: 1}
	var c *ClassifierCheckpoint
	s.Checkpoint = func(k *ClassifierCheckpoint) error { c = k; return nil }
	if _, err := TrainClassifier(context.Background(), tr, dataset.Labelled{}, s); err != nil {
		f.Fatal(err)
	}
	f.Add(c.Encode())
	s.Average, s.Checkpoint = true, func(k *ClassifierCheckpoint) error { c = k; return nil }
	if _, err := TrainClassifier(context.Background(), tr, dataset.Labelled{}, s); err != nil {
		f.Fatal(err)
	}
	f.Add(c.Encode()) // with the running mean of Average
	if old, err := os.ReadFile("testdata/classifier-epoch2-v1.ckpt"); err == nil {
		f.Add(old) // nine figures per epoch
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The input's last four bytes are replaced by its CRC, so that mutations reach the
		// fields rather than stopping at the checksum.
		if len(b) >= 4 {
			b = binary.LittleEndian.AppendUint32(b[:len(b)-4:len(b)-4], crc32.ChecksumIEEE(b[:len(b)-4]))
		}
		c, err := DecodeClassifierCheckpoint(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCheckpoint)
			return
		}
		again, err := DecodeClassifierCheckpoint(c.Encode())
		require.NoError(t, err)
		require.Equal(t, len(c.W), len(again.W))
		require.Equal(t, c.Order, again.Order)
	})
}
