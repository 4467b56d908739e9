package train

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Average changes only the model a run reports: the iterates (work, the last consensus's
// errors) are those of a run without it; the returned classifier is the epoch's mean,
// tied and of norm Ω, and its errors are the table's.
func TestAverageKeepsIterates(t *testing.T) {
	ctx := context.Background()
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	tr, te := stripes(200, 1), stripes(200, 2)
	plain, err := TrainClassifier(ctx, tr, te, scheduleSettings(a))
	require.NoError(t, err)
	s := scheduleSettings(a)
	s.Average = true
	avg, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	require.Equal(t, plain.Work, avg.Work)
	for i, e := range plain.Epochs {
		g := avg.Epochs[i]
		assert.Equal(t, e.TrainErr, g.LastTrainErr, "epoch %d", i+1)
		assert.Equal(t, e.TestErr, g.LastTestErr, "epoch %d", i+1)
		assert.Equal(t, e.ErrStop, g.ErrStop, "epoch %d", i+1)
		assert.Equal(t, e.TrainErr, e.LastTrainErr, "without Average the last consensus is the model")
	}
	c := avg.Classifier
	checkTiesHold(t, a.Graph, a.Ties, c.Weights, 1)
	last := avg.Epochs[len(avg.Epochs)-1]
	assert.Equal(t, last.TrainErr, c.ErrorRate(tr.X, tr.Labels))
	assert.Equal(t, last.TestErr, c.ErrorRate(te.X, te.Labels))
	assert.NotEqual(t, plain.Classifier.Weights, c.Weights, "the mean is not the last consensus")
}

// An averaging run interrupted after any batch resumes to the unbroken run bit for bit (the
// checkpoint keeps the running sums); a checkpoint of a run without Average serves from an
// epoch's end, and is refused inside an epoch.
func TestAverageResume(t *testing.T) {
	ctx := context.Background()
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	tr, te := stripes(200, 1), stripes(200, 2)
	s := scheduleSettings(a)
	s.Average = true
	whole, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	for _, stopAfter := range []int{3, 4, 5, 15} {
		s := scheduleSettings(a)
		s.Average = true
		interruptAfter(&s, stopAfter)
		part, err := TrainClassifier(ctx, tr, te, s)
		require.ErrorIs(t, err, ErrInterrupted)
		c, err := DecodeClassifierCheckpoint(part.Checkpoint.Encode())
		require.NoError(t, err)
		require.NotNil(t, c.MeanW)
		s = scheduleSettings(a)
		s.Average, s.Resume = true, c
		rest, err := TrainClassifier(ctx, tr, te, s)
		require.NoError(t, err)
		sameRun(t, whole, rest, fmt.Sprint("stopped after batch ", stopAfter))
	}
	// A plain run's checkpoints: at an epoch's end it resumes into the averaging run.
	s = scheduleSettings(a)
	var saved []*ClassifierCheckpoint
	s.Checkpoint = func(c *ClassifierCheckpoint) error { saved = append(saved, c); return nil }
	_, err = TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	s = scheduleSettings(a)
	s.Average, s.Resume = true, saved[1]
	rest, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	sameRun(t, &ClassifierResult{Classifier: whole.Classifier, Epochs: append(rest.Epochs[:2:2], whole.Epochs[2:]...),
		Work: whole.Work, Flagged: whole.Flagged, ModelFlagged: whole.ModelFlagged}, rest, "from a plain run's epoch 2")
	s = scheduleSettings(a)
	interruptAfter(&s, 3)
	part, err := TrainClassifier(ctx, tr, te, s)
	require.ErrorIs(t, err, ErrInterrupted)
	s = scheduleSettings(a)
	s.Average, s.Resume = true, part.Checkpoint
	_, err = TrainClassifier(ctx, tr, te, s)
	require.ErrorIs(t, err, ErrCheckpoint)
}

// A checkpoint written before EpochStats kept LastTrainErr and LastTestErr (the file
// testdata/classifier-epoch2-v1.ckpt, checkpointSettings after 2 epochs) still reads, with
// NaN for them, and resumes.
func TestOldClassifierCheckpoint(t *testing.T) {
	c, err := ReadClassifierCheckpoint("testdata/classifier-epoch2-v1.ckpt")
	require.NoError(t, err)
	require.Len(t, c.History, 2)
	assert.True(t, math.IsNaN(c.History[1].LastTestErr))
	assert.Greater(t, c.History[1].TrainErr, 0.0)
	tr, te := majorityData(t)
	s := checkpointSettings()
	s.Resume = c
	res, err := TrainClassifier(context.Background(), tr, te, s)
	require.NoError(t, err)
	require.Len(t, res.Epochs, 3)
	whole, err := TrainClassifier(context.Background(), tr, te, checkpointSettings())
	require.NoError(t, err)
	// The fixture was written with the assembly kernels; under -tags noasm the pure-Go twins
	// round differently, so the resumed run matches the unbroken one closely, not bit for bit.
	assert.InDelta(t, whole.Epochs[2].TestErr, res.Epochs[2].TestErr, 0.01)
	for i, w := range whole.Classifier.Weights {
		require.InDelta(t, w, res.Classifier.Weights[i], 1e-9, "weight %d", i)
	}
}
