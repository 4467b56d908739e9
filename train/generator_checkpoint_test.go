package train

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filterCheckpointRun is a small filter run: 200 genuine and 400 fake codes of 3 values,
// 3→8→8→2, batches of 150 (4 per epoch), one worker (so that resumed runs repeat it bit
// for bit).
func filterCheckpointRun() (genuine, fake []float64, s FilterSettings) {
	return parityCodes(200, 0, 1), parityCodes(400, 1, 2), FilterSettings{Hidden: []int{8, 8}, FPA: 0.25,
		IterPerBatch: 30, BatchSize: 150, Epochs: 3, Seed: 3, Workers: 1,
		TestGenuine: parityCodes(50, 0, 4), TestFake: parityCodes(100, 1, 5)}
}

// sameEpochs compares epoch reports but for their wall times.
func sameEpochs(t *testing.T, want, got []FilterEpoch) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		w.Seconds, g.Seconds = 0, 0
		assert.Equal(t, w, g, "epoch %d", i+1)
	}
}

// A run interrupted inside an epoch, or stopped at an epoch's end, and resumed from its
// checkpoint (through the file form) ends with the filter and the epoch reports of the
// unbroken run.
func TestTrainFilterResumeRepeatsUnbrokenRun(t *testing.T) {
	ctx := context.Background()
	gen, fake, s := filterCheckpointRun()
	whole, wholeEpochs, err := TrainFilter(ctx, gen, fake, 3, s)
	require.NoError(t, err)

	// Interrupted after the 6th batch (the second of epoch 2).
	stop := make(chan struct{})
	is := s
	is.Interrupt = stop
	is.OnBatch = func(done, _ int) {
		if done == 6 {
			close(stop)
		}
	}
	var saved *FilterCheckpoint
	is.Checkpoint = func(c *FilterCheckpoint) error { saved = c; return nil }
	part, partEpochs, err := TrainFilter(ctx, gen, fake, 3, is)
	require.ErrorIs(t, err, ErrInterrupted)
	require.NotNil(t, part)
	require.Len(t, partEpochs, 1)
	require.Equal(t, 2, saved.Epoch)
	require.Equal(t, 300, saved.Next)
	c, err := DecodeFilterCheckpoint(saved.Encode())
	require.NoError(t, err)

	rs := s
	rs.Resume = c
	var totals []int
	rs.OnBatch = func(done, total int) { totals = append(totals, total) }
	resumed, resumedEpochs, err := TrainFilter(ctx, gen, fake, 3, rs)
	require.NoError(t, err)
	assert.Equal(t, whole.Weights, resumed.Weights)
	assert.Equal(t, whole.Biases, resumed.Biases)
	sameEpochs(t, wholeEpochs, resumedEpochs)
	assert.Len(t, totals, 6, "batches after the resume")
	assert.Equal(t, 6, totals[0], "the progress total counts the batches left")

	// Stopped after epoch 1 (a run of 1 epoch) and extended to 3.
	one := s
	one.Epochs = 1
	one.Checkpoint = func(c *FilterCheckpoint) error { saved = c; return nil }
	_, _, err = TrainFilter(ctx, gen, fake, 3, one)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "f.ckpt")
	require.NoError(t, saved.WriteFile(path))
	c, err = ReadFilterCheckpoint(path)
	require.NoError(t, err)
	rs.Resume = c
	resumed, resumedEpochs, err = TrainFilter(ctx, gen, fake, 3, rs)
	require.NoError(t, err)
	assert.Equal(t, whole.Weights, resumed.Weights)
	sameEpochs(t, wholeEpochs, resumedEpochs)
}

// A resume refuses a checkpoint of other codes, settings or layers.
func TestTrainFilterResumeRefusesOtherRuns(t *testing.T) {
	ctx := context.Background()
	gen, fake, s := filterCheckpointRun()
	s.Epochs = 1
	var c *FilterCheckpoint
	s.Checkpoint = func(k *FilterCheckpoint) error { c = k; return nil }
	_, _, err := TrainFilter(ctx, gen, fake, 3, s)
	require.NoError(t, err)
	otherGen := slices.Clone(gen)
	otherGen[5] += 1e-9
	for name, tc := range map[string]struct {
		change func(*FilterSettings, *[]float64)
		want   string
	}{
		"codes":  {func(_ *FilterSettings, g *[]float64) { *g = otherGen }, "other codes"},
		"fpa":    {func(s *FilterSettings, _ *[]float64) { s.FPA = 0.3 }, "setting"},
		"iter":   {func(s *FilterSettings, _ *[]float64) { s.IterPerBatch = 31 }, "setting iter"},
		"layers": {func(s *FilterSettings, _ *[]float64) { s.Hidden = []int{8, 9} }, "layers"},
		"test":   {func(s *FilterSettings, _ *[]float64) { s.TestGenuine = s.TestGenuine[3:] }, "setting test_codes"},
	} {
		rs, g := s, gen
		rs.Checkpoint, rs.Epochs = nil, 3
		tc.change(&rs, &g)
		rs.Resume = c
		_, _, err := TrainFilter(ctx, g, fake, 3, rs)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, tc.want, name)
	}

	// A checkpoint inside epoch 2 cannot end a run of 1 epoch (its weights are past it).
	stop := make(chan struct{})
	is := s
	is.Epochs, is.Interrupt = 3, stop
	is.OnBatch = func(done, _ int) {
		if done == 5 {
			close(stop)
		}
	}
	_, _, err = TrainFilter(ctx, gen, fake, 3, is)
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, 2, c.Epoch)
	rs := s
	rs.Checkpoint, rs.Resume = nil, c
	_, _, err = TrainFilter(ctx, gen, fake, 3, rs)
	require.ErrorIs(t, err, ErrCheckpoint)
	assert.ErrorContains(t, err, "past the end of a run of 1 epochs")
}

func TestReadFilterCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	gen, fake, s := filterCheckpointRun()
	s.Epochs = 1
	var c *FilterCheckpoint
	s.Checkpoint = func(k *FilterCheckpoint) error { c = k; return nil }
	_, _, err := TrainFilter(context.Background(), gen, fake, 3, s)
	require.NoError(t, err)
	good := c.Encode()
	bad := *c
	bad.Order = slices.Clone(c.Order)
	bad.Order[0] = bad.Order[1]
	badW := *c
	badW.W = slices.Clone(c.W)
	badW.W[3] = math.NaN()
	short := *c
	short.W = c.W[1:]
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"truncated":      {good[:len(good)/2], "checksum"},
		"not a ckpt":     {[]byte("epoch,fp\n1,2\n"), "not a checkpoint"},
		"repeated order": {bad.Encode(), "repeats code"},
		"NaN w":          {badW.Encode(), "parameter is NaN"},
		"short w":        {short.Encode(), "weights"},
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, tc.data, 0o644))
		_, err := ReadFilterCheckpoint(path)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, path, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	_, err = ReadFilterCheckpoint(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// FuzzDecodeFilterCheckpoint: no input panics, and what decodes re-encodes to a checkpoint
// that decodes to the same thing.
func FuzzDecodeFilterCheckpoint(f *testing.F) {
	s := FilterSettings{Hidden: []int{2}, FPA: 0.25, IterPerBatch: 3, BatchSize: 6, Epochs: 1, Seed: 1, Workers: 1}
	var c *FilterCheckpoint
	s.Checkpoint = func(k *FilterCheckpoint) error { c = k; return nil }
	if _, _, err := TrainFilter(context.Background(), parityCodes(4, 0, 1), parityCodes(8, 1, 2), 3, s); err != nil {
		f.Fatal(err)
	}
	f.Add(c.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		// The input's last four bytes are replaced by its CRC, so that mutations reach the
		// fields rather than stopping at the checksum.
		if len(b) >= 4 {
			b = binary.LittleEndian.AppendUint32(b[:len(b)-4:len(b)-4], crc32.ChecksumIEEE(b[:len(b)-4]))
		}
		c, err := DecodeFilterCheckpoint(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCheckpoint)
			return
		}
		again, err := DecodeFilterCheckpoint(c.Encode())
		require.NoError(t, err)
		require.Equal(t, c.W, again.W)
		require.Equal(t, c.Order, again.Order)
	})
}
