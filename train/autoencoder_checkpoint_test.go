package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lwl-go/lwl/dataset"
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

func TestReadAutoencoderCheckpointNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ckpt")
	if err := os.WriteFile(bad, []byte("not gob at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadAutoencoderCheckpoint(bad)
	if !errors.Is(err, ErrCheckpoint) || !bytes.Contains([]byte(err.Error()), []byte(bad)) {
		t.Errorf("ReadAutoencoderCheckpoint(garbage) = %v, want ErrCheckpoint naming %s", err, bad)
	}
	if _, err := ReadAutoencoderCheckpoint(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzReadCheckpoint(f *testing.F) {
	a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{4, 2}, Code: 1,
		NetworkConfig: NetworkConfig{Omega: 2, Activation: Step{Delta: 0.2}}, IterPerBatch: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	path := filepath.Join(f.TempDir(), "seed.ckpt")
	if err := a.Checkpoint().WriteFile(path); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := readCheckpoint(bytes.NewReader(b))
		if err != nil {
			return
		}
		_ = a.Restore(c) // must not panic whatever the file holds
	})
}
