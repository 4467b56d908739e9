package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
)

// runtimeErr is the fraction of the items of set that the runtime model misclassifies.
func runtimeErr(m *infer.Model, set dataset.Labelled) float64 {
	items := make([][]float64, set.X.Rows)
	for k := range items {
		items[k] = set.X.Row(k)
	}
	wrong := 0
	for k, c := range m.ClassifyBatch(nil, items) {
		if c != set.Labels[k] {
			wrong++
		}
	}
	return float64(wrong) / float64(set.X.Rows)
}

// The saved classifier computes what training did (issue 3): the runtime's classifications
// of the training and test items, loaded from classifier.lwlb, give exactly the train_err
// and test_err that classify reports in its JSON and in the last row of its table, for
// each hidden activation (a wrong Δ in the bundle would change the zigmoid's outputs).
func TestClassifyBundleMatchesTrainer(t *testing.T) {
	for _, act := range []string{"relu", "zigmoid", "step"} {
		t.Run(act, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := []string{"classify", "-majority", "2", "-data-seed", "3", "-epochs", "2", "-batch", "128", "-iter", "30",
				"-ee", "0.02", "-activation", act, "-workers", "2", "-out", dir, "-json"}
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
			}
			var got classifyResult
			lastJSON(t, stdout.String(), &got)
			// -ee 0.02 of 128 is 3 exemptions in each of the 32 batches.
			if got.TestErr == nil || got.Epochs != 2 || got.Train != 4096 || got.Test != 4096 ||
				len(got.Exempted) > 3*32 || got.ModelFlagged > 3*32 || len(got.Relabeled) != 0 {
				t.Fatalf("JSON summary %+v", got)
			}
			if got.TrainErr == 0 || *got.TestErr == 0 {
				// A perfect classifier would make the comparison below weak: the settings
				// above leave errors after two short epochs; shorten them if this fires.
				t.Fatalf("train_err %v test_err %v: the comparison needs a classifier that errs", got.TrainErr, *got.TestErr)
			}
			m, err := infer.Load(filepath.Join(dir, "classifier.lwlb"))
			if err != nil {
				t.Fatal(err)
			}
			tr, te, err := dataset.Majority(2, 3)
			if err != nil {
				t.Fatal(err)
			}
			if m.NumData() != tr.X.Cols || m.NumClasses() != 2 {
				t.Fatalf("bundle has %d inputs and %d classes", m.NumData(), m.NumClasses())
			}
			trainErr, testErr := runtimeErr(m, tr), runtimeErr(m, te)
			t.Logf("train_err %v test_err %v", trainErr, testErr)
			if trainErr != got.TrainErr || testErr != *got.TestErr {
				t.Errorf("runtime on the saved bundle: train_err %v test_err %v; trainer reported %v and %v",
					trainErr, testErr, got.TrainErr, *got.TestErr)
			}
			// The table's last row (epoch 2) prints the same errors.
			want := fmt.Sprintf("%.4f  %.4f", trainErr, testErr)
			if !strings.Contains(strings.Join(strings.Fields(lastTableRow(stdout.String(), "2")), "  "), want) {
				t.Errorf("table row of epoch 2 does not end in %q:\n%s", want, stdout.String())
			}
		})
	}
}

// lastTableRow returns the row of the epoch table whose first field is epoch.
func lastTableRow(out, epoch string) string {
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 8 && f[0] == epoch {
			row = l
		}
	}
	return row
}

// Mistakes on the command line exit with status 2 and a message naming the problem, before
// any training.
func TestClassifyUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{nil, "give exactly one of", 2},
		{[]string{"-majority", "2", "-mnist", "100"}, "give exactly one of", 2},
		{[]string{"-majority", "2", "extra"}, "unexpected arguments", 2},
		{[]string{"-majority", "2", "-layers", "13,x,2"}, `"x" is not a positive layer size`, 2},
		{[]string{"-majority", "2", "-layers", "12,26,2"}, "the data have 13 inputs", 2},
		{[]string{"-majority", "2", "-epochs", "0"}, "must be positive", 2},
		{[]string{"-majority", "2", "-activation", "tanh"}, "want relu, step or zigmoid", 2},
		{[]string{"-majority", "2", "-fpa", "0.1", "-relabel"}, "-fpa cannot be combined", 2},
		{[]string{"-majority", "2", "-nosuchflag"}, "flag provided but not defined", 2},
		{[]string{"-majority", "2", "-arch", "conv3x4,dense2"}, "convolutions need image data", 2},
		{[]string{"-majority", "2", "-arch", "conv3x4"}, "must be dense", 2},
		{[]string{"-majority", "2", "-arch", "dense5,dense1"}, "the class layer has 1 nodes", 2},
		{[]string{"-majority", "2", "-arch", "dense5,dense2", "-layers", "13,5,2"}, "give one of -layers, -net and -arch", 2},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"classify", "-out", t.TempDir()}, tc.args...), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("classify %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// idxFile writes an IDX file of unsigned bytes with the given dimensions.
func idxFile(t *testing.T, path string, dims []uint32, data []byte) string {
	t.Helper()
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	if err := os.WriteFile(path, append(b, data...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// classify reads labelled IDX files: n 4×4 images whose class says which half, left or
// right, is lit; bad file pairs fail with an error naming the file.
func TestClassifyIDX(t *testing.T) {
	dir := t.TempDir()
	const n = 64
	pix, lbl := make([]byte, 0, n*16), make([]byte, n)
	for k := range n {
		lbl[k] = byte(k % 2)
		for r := range 4 {
			for c := range 4 {
				v := byte(40 + 3*((k*7+r*5+c)%11))
				if (c < 2) == (lbl[k] == 0) {
					v += 150
				}
				pix = append(pix, v)
			}
		}
	}
	img := idxFile(t, filepath.Join(dir, "img.idx"), []uint32{n, 4, 4}, pix)
	lab := idxFile(t, filepath.Join(dir, "lab.idx"), []uint32{n}, lbl)
	short := idxFile(t, filepath.Join(dir, "short.idx"), []uint32{n - 1}, lbl[:n-1])
	img9 := idxFile(t, filepath.Join(dir, "img9.idx"), []uint32{n, 9}, make([]byte, n*9))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr, or in the JSON's source on success
	}{
		{"train and test", []string{"-idx-images", img, "-idx-labels", lab, "-test-idx-images", img, "-test-idx-labels", lab}, 0, "img.idx"},
		{"count mismatch", []string{"-idx-images", img, "-idx-labels", short}, 1, short + ": idx: 63 labels for the 64 images of " + img},
		{"test shape", []string{"-idx-images", img, "-idx-labels", lab, "-test-idx-images", img9, "-test-idx-labels", lab}, 1, img9 + ": test images have 9 values each"},
		{"missing file", []string{"-idx-images", filepath.Join(dir, "nope"), "-idx-labels", lab}, 1, filepath.Join(dir, "nope")},
		{"labels alone", []string{"-idx-labels", lab}, 2, "-idx-images and -idx-labels go together"},
		{"test without labels", []string{"-idx-images", img, "-idx-labels", lab, "-test-idx-images", img}, 2, "-test-idx-images and -test-idx-labels go together"},
		{"two sources", []string{"-idx-images", img, "-idx-labels", lab, "-majority", "1"}, 2, "give exactly one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"classify", "-epochs", "2", "-batch", "32", "-iter", "20", "-out", t.TempDir(), "-json"}, tc.args...)
			code := run(args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			if code != 0 {
				if !strings.Contains(stderr.String(), tc.want) {
					t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
				}
				return
			}
			var got classifyResult
			lastJSON(t, stdout.String(), &got)
			if got.Source != tc.want || got.Train != n || got.Test != n || !slices.Equal(got.Layers, []int{16, 20, 2}) {
				t.Errorf("JSON summary %+v", got)
			}
			if got.TrainErr > 0.1 {
				t.Errorf("train_err %v on halves that a linear map separates", got.TrainErr)
			}
		})
	}
}

// stripesIDX writes 96 8×8 images of horizontal (label 0) or vertical (1) stripes as IDX
// files in dir and returns the images' and the labels' paths.
func stripesIDX(t *testing.T, dir string) (img, lab string) {
	t.Helper()
	const n = 96
	pix, lbl := make([]byte, 0, n*64), make([]byte, n)
	for k := range n { // 8×8 horizontal (0) or vertical (1) stripes at phase k/2
		lbl[k] = byte(k % 2)
		for r := range 8 {
			for c := range 8 {
				p := r
				if lbl[k] == 1 {
					p = c
				}
				v := byte(20 + (k*13+r*7+c*3)%30)
				if (p+k/2)%2 == 0 {
					v += 180
				}
				pix = append(pix, v)
			}
		}
	}
	img = idxFile(t, filepath.Join(dir, "img.idx"), []uint32{n, 8, 8}, pix)
	lab = idxFile(t, filepath.Join(dir, "lab.idx"), []uint32{n}, lbl)
	return img, lab
}

// classify -arch trains a convolutional classifier on image data: the bundle describes the
// convolution (inspect shows it), the runtime's classes on it give the reported errors, and
// kernels.png shows the first layer's kernels.
func TestClassifyConv(t *testing.T) {
	dir := t.TempDir()
	img, lab := stripesIDX(t, dir)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"classify", "-idx-images", img, "-idx-labels", lab, "-test-idx-images", img, "-test-idx-labels", lab,
		"-arch", "conv3x2,dense2", "-epochs", "2", "-batch", "32", "-iter", "20", "-omega", "1", "-workers", "1", "-out", out, "-json"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "8×8×1 → conv3s1x2 6×6×2 → 2") {
		t.Errorf("stderr does not describe the architecture: %s", stderr.String())
	}
	var got classifyResult
	lastJSON(t, stdout.String(), &got)
	if !slices.Equal(got.Layers, []int{64, 72, 2}) {
		t.Errorf("layers %v", got.Layers)
	}
	m, err := infer.Load(filepath.Join(out, "classifier.lwlb"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := dataset.ReadLabelledIDX(img, lab, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := runtimeErr(m, tr); e != got.TrainErr || e != *got.TestErr {
		t.Errorf("runtime error %v, trainer reported train_err %v test_err %v", e, got.TrainErr, *got.TestErr)
	}
	var ins, insErr bytes.Buffer
	if code := run([]string{"inspect", filepath.Join(out, "classifier.lwlb")}, &ins, &insErr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, insErr.String())
	}
	for _, want := range []string{"format 1.1", "edge list with 1 convolution,",
		"conv      8×8×1 → kernel 3×3 stride 1, 2 channels → 6×6×2 (18 weights and 2 biases shared by 648 edges)",
		"notes       -arch conv3x2,dense2"} {
		if !strings.Contains(ins.String(), want) {
			t.Errorf("inspect lacks %q:\n%s", want, ins.String())
		}
	}
	// One epoch, then a resumed second one, ends where the two-epoch run ended: the
	// checkpoint restores tied weights onto the graph that -arch rebuilds.
	ck := filepath.Join(dir, "conv.ckpt")
	for i, e := range []string{"1", "2"} {
		a := append(slices.Clone(args), "-epochs", e, "-checkpoint", ck, "-out", filepath.Join(dir, "resumed"))
		if i == 1 {
			a = append(a, "-resume")
		}
		stdout.Reset()
		if code := run(a, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d\nstderr: %s", i+1, code, stderr.String())
		}
	}
	var resumed classifyResult
	lastJSON(t, stdout.String(), &resumed)
	if resumed.TrainErr != got.TrainErr || *resumed.TestErr != *got.TestErr {
		t.Errorf("resumed run: train_err %v test_err %v; uninterrupted %v and %v", resumed.TrainErr, *resumed.TestErr, got.TrainErr, *got.TestErr)
	}
	f, err := os.Open(filepath.Join(out, "kernels.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width <= cfg.Height || cfg.Height < 3*12 {
		t.Errorf("kernels.png: %+v, %v; want one row of two 3×3 kernels at scale 12", cfg, err)
	}
}

// The tie schedule from the shell: -untied-epochs ≥ -epochs trains the locally connected
// network and saves it without convolutions (the runtime gives the reported errors);
// fewer untied epochs end tied, with convolutions. lwl-train curves reads the checkpoints
// of both and draws them side by side.
func TestClassifyUntiedEpochsAndCurves(t *testing.T) {
	dir := t.TempDir()
	img, lab := stripesIDX(t, dir)
	tr, err := dataset.ReadLabelledIDX(img, lab, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"classify", "-idx-images", img, "-idx-labels", lab, "-test-idx-images", img, "-test-idx-labels", lab,
		"-arch", "conv3x2,dense2", "-epochs", "2", "-batch", "32", "-iter", "20", "-omega", "1", "-workers", "1", "-json"}
	for _, tc := range []struct {
		untied string
		conv   int
		hyper  float64
	}{{"2", 0, 2}, {"1", 1, 1}} {
		out := filepath.Join(dir, "u"+tc.untied)
		var stdout, stderr bytes.Buffer
		args := append(slices.Clone(base), "-untied-epochs", tc.untied, "-out", out, "-checkpoint", filepath.Join(dir, "u"+tc.untied+".ckpt"))
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("-untied-epochs %s: exit %d\nstderr: %s", tc.untied, code, stderr.String())
		}
		var got classifyResult
		lastJSON(t, stdout.String(), &got)
		m, err := infer.Load(filepath.Join(out, "classifier.lwlb"))
		if err != nil {
			t.Fatal(err)
		}
		b := m.Bundle()
		if len(b.Network.Conv) != tc.conv || b.Provenance.Hyper["untied_epochs"] != tc.hyper {
			t.Errorf("-untied-epochs %s: %d convolutions, hyper %v", tc.untied, len(b.Network.Conv), b.Provenance.Hyper)
		}
		if e := runtimeErr(m, tr); e != got.TrainErr {
			t.Errorf("-untied-epochs %s: runtime error %v, trainer reported %v", tc.untied, e, got.TrainErr)
		}
	}
	// A warm start from the untied run's bundle: tied from there on.
	var stdout, stderr bytes.Buffer
	warm := filepath.Join(dir, "warm")
	if code := run(append(slices.Clone(base), "-init", filepath.Join(dir, "u2", "classifier.lwlb"), "-out", warm), &stdout, &stderr); code != 0 {
		t.Fatalf("-init: exit %d\nstderr: %s", code, stderr.String())
	}
	if m, err := infer.Load(filepath.Join(warm, "classifier.lwlb")); err != nil || len(m.Bundle().Network.Conv) != 1 {
		t.Fatalf("-init: %v", err)
	}
	png1 := filepath.Join(dir, "curves.png")
	if code := run([]string{"curves", "-o", png1, "-json", "untied=" + filepath.Join(dir, "u2.ckpt"), "schedule=" + filepath.Join(dir, "u1.ckpt")}, &stdout, &stderr); code != 0 {
		t.Fatalf("curves: exit %d: %s", code, stderr.String())
	}
	var runs []curveRun
	lastJSON(t, stdout.String(), &runs)
	if len(runs) != 2 || runs[1].Name != "schedule" || len(runs[0].Epochs) != 2 || runs[0].Epochs[1].Epoch != 2 || runs[0].Epochs[1].TestErr == nil {
		t.Errorf("curves -json: %+v", runs)
	}
	f, err := os.Open(png1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 1280 || cfg.Height != 480 {
		t.Errorf("curves.png: %+v, %v; want two 640×480 panels", cfg, err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"curves"}, 2, "NAME=CHECKPOINT"},
		{[]string{"curves", "x.ckpt"}, 2, "want NAME=CHECKPOINT"},
		{[]string{"curves", "a=" + img}, 1, img},
		{[]string{"classify", "-majority", "2", "-untied-epochs", "1"}, 2, "-untied-epochs needs -arch"},
		{append(slices.Clone(base), "-init", "../../testdata/mnist-classifier.lwlb", "-out", filepath.Join(dir, "x")), 1, "mnist-classifier.lwlb: its network (814 nodes, 15880 edges) is not this run's graph (138 nodes, 792 edges)"},
		{append(slices.Clone(base), "-init", filepath.Join(dir, "nope.lwlb"), "-out", filepath.Join(dir, "x")), 1, "nope.lwlb"},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.msg)
		}
	}
}
