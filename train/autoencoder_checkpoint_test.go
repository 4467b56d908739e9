package train

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func checkpointRun(t *testing.T, epochs int, seed uint64) *Autoencoder {
	t.Helper()
	a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{12, 6, 3, 6}, Code: 2,
		NetworkConfig: NetworkConfig{Omega: 4, Activation: Zigmoid{Delta: 0.2}, Workers: 2},
		Beta:          1, IterPerBatch: 5, DataBatch: 10, CodeBatch: 3, Epochs: epochs, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func checkpointData() dataset.Matrix {
	rng := NewRand(99)
	m := dataset.Matrix{Rows: 40, Cols: 12, Data: make([]float64, 40*12)}
	for i := range m.Data {
		m.Data[i] = rng.Float64()
	}
	return m
}

// A run stopped after an epoch and resumed from its checkpoint file ends with exactly the
// parameters of the uninterrupted run: a user's long run loses nothing by the stop.
func TestAutoencoderResumeRepeatsUninterruptedRun(t *testing.T) {
	ctx, data := context.Background(), checkpointData()
	whole := checkpointRun(t, 3, 7)
	if _, err := whole.Train(ctx, data); err != nil {
		t.Fatal(err)
	}

	first := checkpointRun(t, 1, 7)
	if _, err := first.Train(ctx, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.ckpt")
	if err := first.Checkpoint().WriteFile(path); err != nil {
		t.Fatal(err)
	}
	c, err := ReadAutoencoderCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	rest := checkpointRun(t, 3, 7)
	if err := rest.Restore(c); err != nil {
		t.Fatal(err)
	}
	stats, err := rest.Train(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 || stats[0].Epoch != 2 || rest.Epoch() != 3 {
		t.Fatalf("resumed run trained epochs %v, ends at %d; want 2 and 3", stats, rest.Epoch())
	}
	if !slices.Equal(rest.net.wA, whole.net.wA) || !slices.Equal(rest.net.bB, whole.net.bB) {
		t.Error("resumed run's parameters differ from the uninterrupted run's")
	}
	if h := rest.History(); len(h) != 3 || h[0].Epoch != 1 || h[2].Epoch != 3 || h[2].DataErr != whole.History()[2].DataErr {
		t.Errorf("resumed run's history %+v, want the three epochs of the uninterrupted run", h)
	}
	if rest.Work() != whole.Work() {
		t.Errorf("resumed work %d, uninterrupted %d", rest.Work(), whole.Work())
	}
}

func TestAutoencoderRestoreRefusesOtherRuns(t *testing.T) {
	a := checkpointRun(t, 1, 7)
	good := a.Checkpoint()
	other, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{12, 5, 3, 6}, Code: 2,
		NetworkConfig: NetworkConfig{Omega: 4, Activation: Zigmoid{Delta: 0.2}},
		Beta:          1, IterPerBatch: 5, DataBatch: 10, CodeBatch: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	seed8 := checkpointRun(t, 1, 8)
	nan := a.Checkpoint()
	nan.W[3] = nan.W[3] / 0 * 0
	short := a.Checkpoint()
	short.B = short.B[1:]
	longer := a.Checkpoint() // two whole epochs, into a run of one
	longer.Epoch = 2
	for _, tc := range []struct {
		name string
		into *Autoencoder
		c    *AutoencoderCheckpoint
	}{
		{"other layers", other, good},
		{"other seed", seed8, good},
		{"NaN weight", a, nan},
		{"missing bias", a, short},
		{"longer run", a, longer},
	} {
		if err := tc.into.Restore(tc.c); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: Restore = %v, want ErrCheckpoint", tc.name, err)
		}
	}
	finished := a.Checkpoint() // the end of a one-epoch run resumes a one-epoch run
	finished.Epoch = 1
	if err := a.Restore(finished); err != nil {
		t.Errorf("finished run: %v", err)
	}
}

// A checkpoint file holds the run's state exactly: every field comes back bit for bit, for
// a layered autoencoder and for one on a net file's graph (whose weights are not those of a
// full layered cycle).
func TestAutoencoderCheckpointRoundTripIsExact(t *testing.T) {
	a := checkpointRun(t, 2, 7)
	_, err := a.Train(context.Background(), checkpointData())
	require.NoError(t, err)
	full, err := LayeredAutoencoder(2, 12, 6, 3, 6)
	require.NoError(t, err)
	var edges []Edge
	for j := range full.Nodes() {
		for e := full.InStart[j]; e < full.InStart[j+1]; e++ {
			if e%5 != 0 { // a sparser graph of the same nodes
				edges = append(edges, Edge{full.Src[e], j})
			}
		}
	}
	sparse, err := NewGraph(full.Roles, edges)
	require.NoError(t, err)
	net, err := NewAutoencoder(AutoencoderSettings{Graph: sparse,
		NetworkConfig: NetworkConfig{Omega: 4, Activation: Step{Delta: 0.2}, Workers: 1}, IterPerBatch: 2, Seed: 3})
	require.NoError(t, err)
	defer net.Close()
	for name, c := range map[string]*AutoencoderCheckpoint{"layers": a.Checkpoint(), "net file": net.Checkpoint()} {
		path := filepath.Join(t.TempDir(), "a.ckpt")
		require.NoError(t, c.WriteFile(path), name)
		got, err := ReadAutoencoderCheckpoint(path)
		require.NoError(t, err, name)
		require.Equal(t, c, got, name)
		for i := range c.W {
			require.Equal(t, math.Float64bits(c.W[i]), math.Float64bits(got.W[i]), name)
		}
		dec, err := DecodeAutoencoderCheckpoint(c.Encode())
		require.NoError(t, err, name)
		require.Equal(t, c, dec, name)
	}
	_, netGraph := net.Checkpoint().Setting["graph"]
	assert.True(t, netGraph, "a net file's checkpoint records its graph")
}

func TestReadAutoencoderCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	a := checkpointRun(t, 1, 7)
	_, err := a.Train(context.Background(), checkpointData())
	require.NoError(t, err)
	c := a.Checkpoint()
	good := c.Encode()
	edit := func(f func(c *AutoencoderCheckpoint)) []byte {
		d := *c
		d.Sizes, d.W, d.B, d.History = slices.Clone(c.Sizes), slices.Clone(c.W), slices.Clone(c.B), slices.Clone(c.History)
		f(&d)
		return d.Encode()
	}
	filter := &FilterCheckpoint{Layers: []int{1, 2}, Setting: map[string]float64{"seed": 1}, Genuine: 1, Fake: 1,
		Epoch: 1, Order: []int{1, 0}, W: []float64{0, 0}, B: []float64{0, 0, 0}}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"truncated":   {good[:len(good)/2], "checksum"},
		"not a ckpt":  {[]byte("epoch,data_err\n1,2\n"), "not a checkpoint"},
		"filter":      {filter.Encode(), `not an autoencoder checkpoint (kind "lwl filter checkpoint")`},
		"NaN w":       {edit(func(c *AutoencoderCheckpoint) { c.W[3] = math.NaN() }), "parameter is NaN"},
		"short w":     {edit(func(c *AutoencoderCheckpoint) { c.W = c.W[1:] }), "weights"},
		"extra b":     {edit(func(c *AutoencoderCheckpoint) { c.B = append(c.B, 0) }), "biases"},
		"empty layer": {edit(func(c *AutoencoderCheckpoint) { c.Sizes[1] = 0 }), "layer 1 has no nodes"},
		"code layer":  {edit(func(c *AutoencoderCheckpoint) { c.Code = 4 }), "code at layer 4"},
		"one layer":   {edit(func(c *AutoencoderCheckpoint) { c.Sizes = c.Sizes[:1] }), "code at layer 2"},
		"history":     {edit(func(c *AutoencoderCheckpoint) { c.Epoch = 2 }), "after 2 whole epochs: 8 values of epoch history"},
		"negative":    {edit(func(c *AutoencoderCheckpoint) { c.Work = -1 }), `field "position" element 1 is -1`},
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, tc.data, 0o644))
		_, err := ReadAutoencoderCheckpoint(path)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, path, name)
		assert.ErrorContains(t, err, tc.want, name)
		_, err = DecodeAutoencoderCheckpoint(tc.data)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	_, err = ReadAutoencoderCheckpoint(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// testdata/autoencoder-gob-v1.ckpt is a checkpoint that the encoding/gob code this format
// replaced wrote (commit 1f07cf6: layers 4, 2 with the code at layer 1, one epoch). It, and
// what is left of it when cut short, is refused with an error that says what it is and how
// to go on; so is the same file in memory.
func TestReadAutoencoderCheckpointRefusesGob(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "autoencoder-gob-v1.ckpt"))
	require.NoError(t, err)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"whole": old, "head": old[:40], "magic only": old[0x170:0x1b0]} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o644))
		_, err := ReadAutoencoderCheckpoint(path)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		for _, want := range []string{path, "gob encoding of lwl builds up to commit 1f07cf6", "without -resume"} {
			assert.ErrorContains(t, err, want, name)
		}
		_, err = DecodeAutoencoderCheckpoint(data)
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.ErrorContains(t, err, "gob encoding", name)
	}
}

// FuzzDecodeAutoencoderCheckpoint: no input panics, what decodes re-encodes to a checkpoint
// that decodes to the same thing, and Restore takes or refuses it without panicking.
func FuzzDecodeAutoencoderCheckpoint(f *testing.F) {
	a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{4, 2}, Code: 1,
		NetworkConfig: NetworkConfig{Omega: 2, Activation: Step{Delta: 0.2}, Workers: 1}, IterPerBatch: 1, DataBatch: 4, CodeBatch: 2, Epochs: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	data := dataset.Matrix{Rows: 4, Cols: 4, Data: make([]float64, 16)}
	for i := range data.Data {
		data.Data[i] = float64(i%3) / 2
	}
	if _, err := a.Train(context.Background(), data); err != nil {
		f.Fatal(err)
	}
	f.Add(a.Checkpoint().Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		// The input's last four bytes are replaced by its CRC, so that mutations reach the
		// fields rather than stopping at the checksum.
		if len(b) >= 4 {
			b = binary.LittleEndian.AppendUint32(b[:len(b)-4:len(b)-4], crc32.ChecksumIEEE(b[:len(b)-4]))
		}
		c, err := DecodeAutoencoderCheckpoint(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCheckpoint)
			return
		}
		again, err := DecodeAutoencoderCheckpoint(c.Encode())
		require.NoError(t, err)
		require.Equal(t, c.Encode(), again.Encode()) // bit for bit, NaNs included
		// Restore must not panic whatever the file holds.
		_ = a.Restore(c)
	})
}
