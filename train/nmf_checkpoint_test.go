package train

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/lwl-go/lwl/internal/ckpt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ledmResumeSettings is exact NMF of the m = 8 LEDM at rank 5, below its non-negative rank
// 6, so that no run stops by the tolerance before its cap.
func ledmResumeSettings(iters int) FactorizeSettings {
	return FactorizeSettings{NMFConfig: NMFConfig{Rank: 5, Omega: 0.7}, Beta: 0.3, Tol: 1e-9, IterPerBatch: iters, Seed: 3}
}

// sameFactorization asserts that two runs ended at the same iterate, bit for bit.
func sameFactorization(t *testing.T, want, got *Factorization) {
	t.Helper()
	require.Equal(t, want.Iterations, got.Iterations)
	require.Equal(t, want.Work, got.Work)
	require.Equal(t, want.Stop, got.Stop)
	require.Equal(t, want.Features, got.Features, "features")
	require.Equal(t, want.Codes, got.Codes, "codes")
	require.Equal(t, want.ReconErr, got.ReconErr)
	require.Equal(t, want.RRRErr, got.RRRErr)
}

// A run stopped at its cap, or cancelled, and resumed from its checkpoint (through the file
// format) ends at the iterate of an unbroken run, bit for bit; so does one resumed from a
// periodic checkpoint.
func TestFactorizeResumesBitForBit(t *testing.T) {
	y := ledm(8)
	whole, err := Factorize(context.Background(), y, 8, 8, ledmResumeSettings(3000))
	require.NoError(t, err)
	require.Equal(t, StopMaxIter, whole.Stop)

	// First leg: a cap of 1700 iterations, a checkpoint every 500.
	var got []*NMFCheckpoint
	s := ledmResumeSettings(1700)
	s.CheckpointEvery = 500
	s.Checkpoint = func(c *NMFCheckpoint) error { got = append(got, c); return nil }
	first, err := Factorize(context.Background(), y, 8, 8, s)
	require.NoError(t, err)
	require.Len(t, got, 4)
	for i, want := range []int{500, 1000, 1500, 1700} {
		assert.Equal(t, want, got[i].Iter)
		assert.Equal(t, int64(want)*8*8*5, got[i].Work)
	}
	assert.Equal(t, first.RRRErr, got[3].RRRErr)

	resume := func(c *NMFCheckpoint, iters int) *Factorization {
		t.Helper()
		c, err := DecodeNMFCheckpoint(c.Encode())
		require.NoError(t, err)
		s := ledmResumeSettings(iters)
		s.Resume = c
		var firstIter int
		s.Trace = func(i int, _ float64) {
			if firstIter == 0 {
				firstIter = i
			}
		}
		f, err := Factorize(context.Background(), y, 8, 8, s)
		require.NoError(t, err)
		if iters > c.Iter {
			assert.Equal(t, c.Iter+1, firstIter, "iterations are numbered across the legs")
		}
		return f
	}
	sameFactorization(t, whole, resume(got[3], 3000))
	sameFactorization(t, whole, resume(got[1], 3000))
	sameFactorization(t, first, resume(got[3], 1700)) // resumed at its cap: nothing to do

	// A cancelled run leaves its checkpoint at the last whole iteration.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last *NMFCheckpoint
	s = ledmResumeSettings(3000)
	s.Checkpoint = func(c *NMFCheckpoint) error { last = c; return nil }
	s.Trace = func(i int, _ float64) {
		if i == 777 {
			cancel()
		}
	}
	_, err = Factorize(ctx, y, 8, 8, s)
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, last)
	require.Equal(t, 777, last.Iter)
	sameFactorization(t, whole, resume(last, 3000))
}

// A checkpoint is refused by a run that it does not belong to, and checkpoints are refused
// where they are not supported; an error from the Checkpoint function stops the run.
func TestFactorizeResumeRefusesOtherRuns(t *testing.T) {
	y := ledm(8)
	var c *NMFCheckpoint
	s := ledmResumeSettings(100)
	s.Checkpoint = func(k *NMFCheckpoint) error { c = k; return nil }
	_, err := Factorize(context.Background(), y, 8, 8, s)
	require.NoError(t, err)

	changed := append([]float64(nil), y...)
	changed[9] += 1e-3
	for name, tc := range map[string]struct {
		y      []float64
		change func(*FactorizeSettings)
		want   string
	}{
		"other data":  {changed, nil, "other data"},
		"other size":  {ledm(9), nil, "9×9 at rank 5"},
		"other rank":  {y, func(s *FactorizeSettings) { s.Rank = 6 }, "at rank 6"},
		"other omega": {y, func(s *FactorizeSettings) { s.Omega = 0.8 }, "Ω 0.8"},
		"other beta":  {y, func(s *FactorizeSettings) { s.Beta = 0.5 }, "β 0.5"},
		"other seed":  {y, func(s *FactorizeSettings) { s.Seed = 4 }, "seed 4"},
		"other parts": {y, func(s *FactorizeSettings) { s.Workers = 2 }, "2 in this run"},
		"lower cap":   {y, func(s *FactorizeSettings) { s.IterPerBatch = 50 }, "cap of 50"},
	} {
		s := ledmResumeSettings(1000)
		if tc.change != nil {
			tc.change(&s)
		}
		s.Resume = c
		m := map[int]int{64: 8, 81: 9}[len(tc.y)]
		_, err := Factorize(context.Background(), tc.y, m, m, s)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, tc.want, name)
	}

	online := ledmResumeSettings(100)
	online.BatchSize = 4
	online.Checkpoint = func(*NMFCheckpoint) error { return nil }
	_, err = Factorize(context.Background(), y, 8, 8, online)
	require.ErrorIs(t, err, ErrSettings)

	boom := ledmResumeSettings(100)
	boom.CheckpointEvery = 10
	boom.Checkpoint = func(k *NMFCheckpoint) error {
		if k.Iter == 20 {
			return os.ErrPermission
		}
		return nil
	}
	_, err = Factorize(context.Background(), y, 8, 8, boom)
	require.ErrorIs(t, err, os.ErrPermission)
}

// A checkpoint file survives the trip to disk; a damaged or foreign one is refused with an
// error that names the file.
func TestReadNMFCheckpoint(t *testing.T) {
	var c *NMFCheckpoint
	s := ledmResumeSettings(50)
	s.Checkpoint = func(k *NMFCheckpoint) error { c = k; return nil }
	_, err := Factorize(context.Background(), ledm(6), 6, 6, s)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	require.NoError(t, c.WriteFile(path))
	back, err := ReadNMFCheckpoint(path)
	require.NoError(t, err)
	require.Equal(t, c, back)

	data := c.Encode()
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 1
	foreign := ckpt.NewWriter()
	foreign.String("kind", classifierCheckpointKind)
	nan := *c
	nan.WA = append([]float64(nil), c.WA...)
	nan.WA[0] = 0 / zero()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"flipped bit": {flipped, "checksum mismatch"},
		"classifier":  {foreign.Encode(), "not an exact NMF checkpoint"},
		"nan":         {nan.Encode(), "NaN"},
		"empty":       {nil, "checkpoint"},
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, tc.data, 0o644))
		_, err := ReadNMFCheckpoint(p)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, p, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
}

func zero() float64 { return 0 }

// FuzzDecodeNMFCheckpoint: no input panics, and what decodes re-encodes to a checkpoint that
// decodes to the same thing.
func FuzzDecodeNMFCheckpoint(f *testing.F) {
	var c *NMFCheckpoint
	s := ledmResumeSettings(20)
	s.Rank = 2
	s.Checkpoint = func(k *NMFCheckpoint) error { c = k; return nil }
	if _, err := Factorize(context.Background(), ledm(3), 3, 3, s); err != nil {
		f.Fatal(err)
	}
	f.Add(c.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		// The last four bytes are replaced by the CRC, so that mutations reach the fields.
		if len(b) >= 4 {
			b = binary.LittleEndian.AppendUint32(b[:len(b)-4:len(b)-4], crc32.ChecksumIEEE(b[:len(b)-4]))
		}
		c, err := DecodeNMFCheckpoint(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCheckpoint)
			return
		}
		again, err := DecodeNMFCheckpoint(c.Encode())
		require.NoError(t, err)
		require.Equal(t, c.Encode(), again.Encode())
	})
}
