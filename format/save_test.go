package format

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

type failingWriter struct {
	w    io.Writer
	left int
}

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.w.Write(p[:f.left])
		f.left = 0
		return n, errDiskFull
	}
	f.left -= len(p)
	return f.w.Write(p)
}

// TestSaveAtomic: a save that fails at any offset leaves the previous bundle byte-identical
// and no temporary file behind; a save that succeeds replaces it.
func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.lwlb")
	if err := Save(path, majority3()); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	next, _ := Marshal(binaryEncoderBundle(4))
	defer func() { saveHook = nil }()
	for off := 0; off < len(next); off += 1 + off/8 {
		saveHook = func(w io.Writer) io.Writer { return &failingWriter{w: w, left: off} }
		err := Save(path, binaryEncoderBundle(4))
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("offset %d: %v", off, err)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
			t.Fatalf("offset %d: previous bundle changed", off)
		}
	}
	saveHook = nil
	if err := Save(path, binaryEncoderBundle(4)); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, next) {
		t.Error("successful save did not write the new bundle")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the bundle", len(entries))
	}
	if err := Save(path, &Bundle{Kind: KindClassifier}); !errors.Is(err, ErrInvalid) {
		t.Errorf("saving an invalid bundle: %v", err)
	}
	if err := Save(filepath.Join(dir, "missing", "x.lwlb"), majority3()); err == nil {
		t.Error("saving into a missing folder succeeded")
	}
}
