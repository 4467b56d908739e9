package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/lwl-go/lwl/internal/ckpt"
)

// The pieces that the checkpoints of this package (classifier, filter, autoencoder, exact
// NMF) share: a run's settings as named values, the epoch history, the checks of a decoded
// order and parameters, and the file and in-memory readers.

// ErrCheckpoint is wrapped by every error about a checkpoint file that cannot be used.
var ErrCheckpoint = errors.New("unusable checkpoint")

// writeSetting stores a run's settings as two fields, their names (sorted, comma-separated)
// and their values in that order.
func writeSetting(w *ckpt.Writer, m map[string]float64) {
	keys := slices.Sorted(maps.Keys(m))
	vals := make([]float64, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	w.String("setting_names", strings.Join(keys, ","))
	w.Floats("setting_values", vals)
}

// readSetting reads what writeSetting wrote; it is nil when f holds an error.
func readSetting(f *ckpt.File) map[string]float64 {
	names := strings.Split(f.String("setting_names"), ",")
	vals := f.Floats("setting_values", len(names))
	if f.Err() != nil {
		return nil
	}
	m := make(map[string]float64, len(names))
	for i, k := range names {
		m[k] = vals[i]
	}
	return m
}

// checkSetting reports, as an ErrCheckpoint, the first setting of this run (here) that the
// checkpoint's settings (there) lack or give another value, or settings that it lacks.
func checkSetting(there, here map[string]float64) error {
	for k, v := range here {
		if got, ok := there[k]; !ok || got != v {
			return fmt.Errorf("%w: setting %s is %v there, %v in this run", ErrCheckpoint, k, there[k], v)
		}
	}
	if len(there) != len(here) {
		return fmt.Errorf("%w: settings %v, this run has %v", ErrCheckpoint, there, here)
	}
	return nil
}

// epochRecord is a per-epoch report that a checkpoint stores as a row of floats.
type epochRecord interface{ floats() []float64 }

// writeHistory stores the reports of the whole epochs so far, with the names of their fields.
func writeHistory[E epochRecord](w *ckpt.Writer, fields []string, hist []E) {
	v := make([]float64, 0, len(hist)*len(fields))
	for _, e := range hist {
		v = append(v, e.floats()...)
	}
	w.String("history_fields", strings.Join(fields, ","))
	w.Floats("history", v)
}

// readHistory reads what writeHistory wrote for a checkpoint in epoch (1-based), which has
// epoch−1 whole epochs behind it. A history with only the first of the fields (one of the
// counts in older, for files written before the others were kept) is read too; from then
// gets its shorter rows.
func readHistory[E any](f *ckpt.File, fields []string, epoch int, from func([]float64) E, older ...int) ([]E, error) {
	n := len(fields)
	if hf := f.String("history_fields"); f.Err() == nil && hf != strings.Join(fields, ",") {
		n = 0
		for _, k := range older {
			if hf == strings.Join(fields[:k], ",") {
				n = k
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("epoch history has fields %.80q, want %q", hf, strings.Join(fields, ","))
		}
	}
	v := f.Floats("history", -1)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(v)%n != 0 || len(v)/n != epoch-1 {
		return nil, fmt.Errorf("%d values of epoch history at epoch %d", len(v), epoch)
	}
	var hist []E
	for i := 0; i < len(v); i += n {
		hist = append(hist, from(v[i:i+n]))
	}
	return hist, nil
}

// checkPermutation reports an order (values already in 0…len−1) that repeats one, naming
// what it orders (item, code).
func checkPermutation(order []int, what string) error {
	seen := make([]bool, len(order))
	for _, k := range order {
		if seen[k] {
			return fmt.Errorf("the %s order repeats %s %d", what, what, k)
		}
		seen[k] = true
	}
	return nil
}

// checkFinite reports a parameter that is NaN or infinite.
func checkFinite(params ...[]float64) error {
	for _, p := range params {
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("a parameter is %v", v)
			}
		}
	}
	return nil
}

// readCheckpointFile reads a checkpoint file of at most limit bytes and decodes it with decode.
// Its errors name the file and wrap ErrCheckpoint (or are the fs error, which names the file,
// when the file cannot be opened). The checkpoint kinds of this package share it.
func readCheckpointFile[C any](path string, limit int64, decode func(*ckpt.File) (C, error)) (C, error) {
	var c C
	f, err := ckpt.ReadFile(path, limit)
	if err != nil && !errors.Is(err, ckpt.ErrFormat) {
		return c, err
	}
	if err == nil {
		c, err = decode(f)
	}
	if err != nil {
		var zero C
		return zero, fmt.Errorf("%s: %w: %w", path, ErrCheckpoint, err)
	}
	return c, nil
}

// decodeCheckpointBytes decodes a checkpoint held in memory with decode; its errors wrap
// ErrCheckpoint.
func decodeCheckpointBytes[C any](data []byte, decode func(*ckpt.File) (C, error)) (C, error) {
	f, err := ckpt.Decode(data)
	if err == nil {
		var c C
		if c, err = decode(f); err == nil {
			return c, nil
		}
	}
	var zero C
	return zero, fmt.Errorf("%w: %w", ErrCheckpoint, err)
}
