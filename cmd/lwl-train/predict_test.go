package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/infer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeCSV writes the rows of x, with their labels as a last column when labels is not nil.
func writeCSV(t *testing.T, path string, x dataset.Matrix, labels []int) string {
	t.Helper()
	var b strings.Builder
	for k := 0; k < x.Rows; k++ {
		for i, v := range x.Row(k) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		if labels != nil {
			fmt.Fprintf(&b, ",%d", labels[k])
		}
		b.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// csvRows parses predict's CSV output (header skipped) into fields per row.
func csvRows(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rows [][]string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "{") {
			break
		}
		rows = append(rows, strings.Split(l, ","))
	}
	return rows
}

// predict on a classifier that classify trained: one row per item whose class is infer's
// Classify and whose scores are its Scores, and the error rate that classify reported.
func TestPredictClassifierMatchesRuntime(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"classify", "-majority", "2", "-data-seed", "3", "-epochs", "2", "-iter", "20",
		"-out", dir, "-json"}, &stdout, &stderr), stderr.String())
	var trained classifyResult
	lastJSON(t, stdout.String(), &trained)
	bundle := filepath.Join(dir, "classifier.lwlb")
	_, te, err := dataset.Majority(2, 3)
	require.NoError(t, err)
	labelled := writeCSV(t, filepath.Join(dir, "test.csv"), te.X, te.Labels)

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-csv", labelled, "-json"}, &stdout, &stderr), stderr.String())
	var got experiment.PredictResult
	lastJSON(t, stdout.String(), &got)
	require.NotNil(t, got.Err)
	assert.Equal(t, *trained.TestErr, *got.Err, "predict's error rate is classify's test_err")
	assert.Equal(t, te.X.Rows, got.Items)
	require.Len(t, got.Confusion, 2)
	assert.Equal(t, te.X.Rows, got.Confusion[0][0]+got.Confusion[0][1]+got.Confusion[1][0]+got.Confusion[1][1])
	assert.Contains(t, stderr.String(), "confusion")

	m, err := infer.Load(bundle)
	require.NoError(t, err)
	rows := csvRows(t, stdout.String())
	require.Len(t, rows, te.X.Rows)
	for k, row := range rows {
		require.Len(t, row, 3)
		item := te.X.Row(k)
		require.Equal(t, strconv.Itoa(m.Classify(item)), row[0], "item %d", k)
		sc := m.Scores(nil, item)
		for c, s := range sc {
			v, err := strconv.ParseFloat(row[1+c], 64)
			require.NoError(t, err)
			require.Equal(t, s, v, "item %d score %d", k, c)
		}
	}

	// The same items without labels, to a file: the same rows, no error rate.
	unlabelled := writeCSV(t, filepath.Join(dir, "x.csv"), te.X, nil)
	out := filepath.Join(dir, "pred.csv")
	stdout.Reset()
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-csv", unlabelled, "-o", out, "-json"}, &stdout, &stderr))
	var plain experiment.PredictResult
	lastJSON(t, stdout.String(), &plain)
	assert.Nil(t, plain.Err)
	assert.Nil(t, plain.Confusion)
	assert.NotContains(t, stdout.String(), "NaN")
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, rows, csvRows(t, string(written)))
}

// The done-when of issue 12: the shipped MNIST classifier's error on the first 10 000
// test items is the test_err of its provenance, and a CSV of the same items (here the
// first 500) gives the same classes as -mnist.
func TestPredictShippedMNISTClassifier(t *testing.T) {
	needMNIST(t)
	bundle := filepath.Join("..", "..", "testdata", "mnist-classifier.lwlb")
	m, err := infer.Load(bundle)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-mnist", "10000", "-json"}, &stdout, &stderr), stderr.String())
	var got experiment.PredictResult
	lastJSON(t, stdout.String(), &got)
	require.NotNil(t, got.Err)
	assert.Equal(t, m.Bundle().Provenance.Metrics["test_err"], *got.Err)
	assert.Equal(t, 10000, got.Items)
	fromMNIST := csvRows(t, stdout.String())

	te, err := dataset.MNIST(false, 500)
	require.NoError(t, err)
	path := writeCSV(t, filepath.Join(t.TempDir(), "mnist.csv"), te.X, nil)
	stdout.Reset()
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-csv", path}, &stdout, &stderr), stderr.String())
	assert.Equal(t, fromMNIST[:500], csvRows(t, stdout.String()))
}

// Autoencoders give codes (-encode) or reconstructions, NMF codes, each equal to the
// runtime's.
func TestPredictCodesAndReconstructions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		bundle string
		encode bool
	}{
		{"../../format/testdata/binary3.lwlb", true},
		{"../../format/testdata/binary3.lwlb", false},
		{"../../format/testdata/nmf4x2.lwlb", false},
	} {
		m, err := infer.Load(tc.bundle)
		require.NoError(t, err)
		D := m.NumData()
		x := dataset.NewMatrix(D+3, D)
		for k := 0; k < x.Rows; k++ {
			for i := range D {
				x.Data[k*D+i] = float64((k*7+i*3)%5) / 4
			}
		}
		path := writeCSV(t, filepath.Join(dir, "x.csv"), x, nil)
		args := []string{"predict", "-model", tc.bundle, "-csv", path}
		if tc.encode {
			args = append(args, "-encode")
		}
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(args, &stdout, &stderr), stderr.String())
		rows := csvRows(t, stdout.String())
		require.Len(t, rows, x.Rows)
		for k, row := range rows {
			var want []float64
			if tc.encode || m.NumData() == 4 { // the NMF writes codes
				want = m.Encode(nil, x.Row(k))
			} else {
				want = m.Reconstruct(nil, x.Row(k))
			}
			require.Len(t, row, len(want))
			for i, w := range want {
				v, err := strconv.ParseFloat(row[i], 64)
				require.NoError(t, err)
				require.Equal(t, w, v, "%s item %d value %d", tc.bundle, k, i)
			}
		}
	}
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	bundle := "../../format/testdata/majority3.lwlb"
	wide := filepath.Join(dir, "wide.csv")
	require.NoError(t, os.WriteFile(wide, []byte("a,b,c,d,e\n1,2,3,4,5\n4,5,6,7,8\n"), 0o644))
	ragged := filepath.Join(dir, "ragged.csv")
	require.NoError(t, os.WriteFile(ragged, []byte("1,0,1\n1,1\n"), 0o644))
	badClass := filepath.Join(dir, "class.csv")
	require.NoError(t, os.WriteFile(badClass, []byte("1,0,1,1\n1,1,1,5\n"), 0o644))
	nan := filepath.Join(dir, "nan.csv")
	require.NoError(t, os.WriteFile(nan, []byte("1,0,1\n1,NaN,0\n"), 0o644))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-csv", wide}, 1, wide + ":2: row has 5 fields; the model takes 3 (or 4 with the class last)"},
		{[]string{"-csv", ragged}, 1, ragged + ":2: row has 2 fields, want 3"},
		{[]string{"-csv", badClass}, 1, badClass + ": item 2 has class 5; the model has classes 0..1"},
		{[]string{"-csv", nan}, 1, nan + `:2: column 2: "NaN" is not a finite number`},
		{[]string{"-csv", wide, "-encode"}, 2, "-encode is for autoencoders"},
		{[]string{}, 2, "give exactly one of"},
		{[]string{"-csv", wide, "-mnist", "5"}, 2, "give exactly one of"},
		{[]string{"-idx-labels", wide, "-csv", wide}, 2, "-idx-labels needs -idx-images"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"predict", "-model", bundle}, tc.args...), &stdout, &stderr)
		assert.Equal(t, tc.code, code, "%q: %s", tc.args, stderr.String())
		assert.Contains(t, stderr.String(), tc.want, "%q", tc.args)
	}
	var stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"predict", "-csv", wide}, &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "-model is required")
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"predict", "-model", filepath.Join(dir, "none.lwlb"), "-csv", wide}, &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "none.lwlb")
}

// IDX items, with and without labels, give the rows of a CSV of the same values.
func TestPredictIDX(t *testing.T) {
	dir := t.TempDir()
	bundle := "../../format/testdata/majority3.lwlb"
	pix := []byte{0, 255, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0}
	img := idxFile(t, filepath.Join(dir, "img.idx"), []uint32{4, 3}, pix)
	lab := idxFile(t, filepath.Join(dir, "lab.idx"), []uint32{4}, []byte{1, 0, 1, 0})
	x := dataset.NewMatrix(4, 3)
	for i, p := range pix {
		x.Data[i] = float64(p) / 255
	}
	csvPath := writeCSV(t, filepath.Join(dir, "x.csv"), x, nil)
	var want, got, labelled bytes.Buffer
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-csv", csvPath}, &want, os.Stderr))
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-idx-images", img}, &got, os.Stderr))
	var stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"predict", "-model", bundle, "-idx-images", img, "-idx-labels", lab, "-json"}, &labelled, &stderr))
	assert.Equal(t, csvRows(t, want.String()), csvRows(t, got.String()))
	assert.Equal(t, csvRows(t, want.String()), csvRows(t, labelled.String()))
	assert.Contains(t, stderr.String(), "of 4 items")
}
