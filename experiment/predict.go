package experiment

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
)

// PredictResult is the summary of Predict (lwl-train predict's -json line).
type PredictResult struct {
	Model     string   `json:"model"` // the bundle's path, as the caller names it
	Kind      string   `json:"kind"`
	Items     int      `json:"items"`
	Err       *float64 `json:"err,omitempty"`       // classifier with labels
	Confusion [][]int  `json:"confusion,omitempty"` // [given][predicted]
	Output    string   `json:"output"`              // "classes", "codes" or "reconstructions"
	Wrong     int      `json:"-"`                   // misclassified items (with labels)
}

// Predict applies a model bundle to items through the runtime (package infer) and writes
// CSV to w, a header and one line per item in input order: for a classifier the class
// index, the class name (when the bundle names its classes) and the scores y − b of the
// class nodes (SPEC.md §5.4), the class the highest score, ties to the lower class, exactly
// as infer's Classify; for an autoencoder or generator the reconstruction of the item (its
// feed-around to the data nodes), or with encode its code; for an NMF the item's code,
// ReLU((WᵀW)⁻¹Wᵀy). With labels a classifier's result has the error rate and the confusion
// matrix.
func Predict(m *infer.Model, items dataset.Matrix, labels []int, encode bool, w io.Writer) (PredictResult, error) {
	kind := m.Kind()
	res := PredictResult{Kind: kind.String(), Items: items.Rows}
	if encode && kind != format.KindAutoencoder && kind != format.KindGenerator {
		return res, optionsErr(fmt.Sprintf("encode is for autoencoders, not a %v", kind))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var conf [][]int
	var err error
	switch kind {
	case format.KindClassifier:
		res.Output = "classes"
		conf, err = writeClasses(bw, m, items, labels)
	default:
		res.Output = "reconstructions"
		if encode || kind == format.KindNMF {
			res.Output = "codes"
		}
		err = writeVectors(bw, m, items, res.Output == "codes")
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return res, err
	}
	if conf != nil {
		for g, row := range conf {
			for p, c := range row {
				if p != g {
					res.Wrong += c
				}
			}
		}
		e := float64(res.Wrong) / float64(items.Rows)
		res.Err, res.Confusion = &e, conf
	}
	return res, nil
}

// table prints aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

func (t *table) flush() { t.tw.Flush() }

// PredictSource names the data of Predict: exactly one of CSV, IDXImages (with IDXLabels
// optional), RefText and MNIST.
type PredictSource struct {
	CSV       string // rows of NumData values; for a classifier a row may end in its class
	IDXImages string // IDX file of n items of unsigned bytes, scaled to [0, 1]
	IDXLabels string // IDX file of the IDXImages items' classes
	RefText   string // the reference programs' text format (labelled)
	MNIST     int    // the first MNIST test items (labelled)
}

// PredictData reads the one data source of src and checks it against the model: rows of
// NumData values, and for a classifier classes below NumClasses. labels is nil for
// unlabelled data (and always for models other than classifiers).
func PredictData(m *infer.Model, src PredictSource) (dataset.Matrix, []int, error) {
	csvPath, idxImages, idxLabels, reftext, mnist := src.CSV, src.IDXImages, src.IDXLabels, src.RefText, src.MNIST
	D := m.NumData()
	classifier := m.Kind() == format.KindClassifier
	var (
		set  dataset.Labelled
		name string
		err  error
	)
	switch {
	case csvPath != "":
		name = csvPath
		var x dataset.Matrix
		if x, err = dataset.ReadCSV(csvPath); err != nil {
			return x, nil, err
		}
		switch {
		case x.Cols == D:
			set.X = x
		case x.Cols == D+1 && classifier:
			if set, err = dataset.ReadLabelledCSV(csvPath); err != nil {
				return x, nil, err
			}
		default:
			want := fmt.Sprint(D)
			if classifier {
				want += fmt.Sprintf(" (or %d with the class last)", D+1)
			}
			return x, nil, &dataset.FormatError{Name: csvPath, Line: firstCSVDataLine(csvPath),
				Msg: fmt.Sprintf("row has %d fields; the model takes %s", x.Cols, want)}
		}
	case idxImages != "":
		name = idxImages
		if idxLabels != "" {
			set, err = dataset.ReadLabelledIDX(idxImages, idxLabels, 0)
		} else {
			set.X, err = readIDXItems(idxImages)
		}
	case reftext != "":
		name = reftext
		var f *os.File
		if f, err = os.Open(reftext); err == nil {
			set, err = dataset.ReadRefText(f, reftext)
			f.Close()
		}
	default:
		name = "MNIST test set"
		set, err = dataset.MNIST(false, mnist)
	}
	if err != nil {
		return set.X, nil, err
	}
	if set.X.Cols != D {
		return set.X, nil, fmt.Errorf("%s: items have %d values; the model %v takes %d", name, set.X.Cols, m.Kind(), D)
	}
	for k := range set.X.Rows {
		if err := m.Check(set.X.Row(k)); err != nil {
			return set.X, nil, fmt.Errorf("%s: item %d: %w", name, k+1, err)
		}
	}
	if !classifier {
		return set.X, nil, nil
	}
	for k, l := range set.Labels {
		if l >= m.NumClasses() {
			return set.X, nil, fmt.Errorf("%s: item %d has class %d; the model has classes 0..%d", name, k+1, l, m.NumClasses()-1)
		}
	}
	return set.X, set.Labels, nil
}

// firstCSVDataLine is the line of a CSV file's first data row (after a header), for errors;
// 0 if it cannot be found.
func firstCSVDataLine(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	for i := 0; i < 2; i++ {
		rec, err := r.Read()
		if err != nil {
			return 0
		}
		line, _ := r.FieldPos(0)
		for _, v := range rec {
			if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil || errors.Is(err, strconv.ErrRange) {
				return line
			}
		}
	}
	return 0
}

// readIDXItems reads an IDX file of n items of unsigned bytes, scaled to [0, 1].
func readIDXItems(path string) (dataset.Matrix, error) {
	dims, pix, err := dataset.ReadIDXFile(path)
	if err != nil {
		return dataset.Matrix{}, err
	}
	if len(dims) < 2 || dims[0] == 0 {
		return dataset.Matrix{}, &dataset.FormatError{Name: path, Msg: fmt.Sprintf("idx: dimensions %v, want items × values", dims)}
	}
	x := dataset.NewMatrix(dims[0], len(pix)/dims[0])
	for i, p := range pix {
		x.Data[i] = float64(p) / 255
	}
	return x, nil
}

// predictChunk is the number of items evaluated at once (their node values are held).
const predictChunk = 1024

// writeClasses writes each item's class, class name and scores, and returns the confusion
// matrix when there are labels. Items are evaluated in chunks by Model.ScoresBatch; each
// row's class is infer.ArgMax of its scores, which is Model.Classify on the item.
func writeClasses(w *bufio.Writer, m *infer.Model, x dataset.Matrix, labels []int) ([][]int, error) {
	C := m.NumClasses()
	names := m.Bundle().Network.ClassNames
	head := []string{"class"}
	if len(names) > 0 {
		head = append(head, "name")
	}
	for c := range C {
		head = append(head, "score_"+csvName(m.ClassName(c)))
	}
	fmt.Fprintln(w, strings.Join(head, ","))
	var conf [][]int
	if labels != nil {
		conf = make([][]int, C)
		for i := range conf {
			conf[i] = make([]int, C)
		}
	}
	chunk := min(predictChunk, x.Rows)
	rows, scores := make([][]float64, chunk), make([][]float64, chunk)
	for r := range scores {
		scores[r] = make([]float64, C)
	}
	var line []byte
	for lo := 0; lo < x.Rows; lo += chunk {
		k := min(chunk, x.Rows-lo)
		for r := range k {
			rows[r] = x.Row(lo + r)
		}
		m.ScoresBatch(scores[:k], rows[:k])
		for r := range k {
			c := infer.ArgMax(scores[r])
			line = strconv.AppendInt(line[:0], int64(c), 10)
			if len(names) > 0 {
				line = append(line, ',')
				line = append(line, csvName(m.ClassName(c))...)
			}
			for _, s := range scores[r] {
				line = append(line, ',')
				line = strconv.AppendFloat(line, s, 'g', -1, 64)
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return nil, err
			}
			if conf != nil {
				conf[labels[lo+r]][c]++
			}
		}
	}
	return conf, nil
}

// csvName makes a class name safe as a CSV field (no separators, quotes or line breaks).
func csvName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ',' || r == '"' || r == '\n' || r == '\r' {
			return '_'
		}
		return r
	}, s)
}

// writeVectors writes each item's code (codes) or reconstruction, evaluated across
// GOMAXPROCS goroutines in chunks.
func writeVectors(w *bufio.Writer, m *infer.Model, x dataset.Matrix, codes bool) error {
	width, prefix := m.NumData(), "x"
	if codes {
		width, prefix = m.NumCodes(), "code"
	}
	head := make([]string, width)
	for i := range head {
		head[i] = prefix + strconv.Itoa(i)
	}
	fmt.Fprintln(w, strings.Join(head, ","))
	chunk := min(predictChunk, x.Rows)
	out := make([]float64, chunk*width)
	var line []byte
	for lo := 0; lo < x.Rows; lo += chunk {
		k := min(chunk, x.Rows-lo)
		parts := min(runtime.GOMAXPROCS(0), k)
		var wg sync.WaitGroup
		for p := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := p * k / parts; r < (p+1)*k/parts; r++ {
					item, dst := x.Row(lo+r), out[r*width:(r+1)*width]
					if codes {
						m.Encode(dst, item)
					} else {
						m.Reconstruct(dst, item)
					}
				}
			}()
		}
		wg.Wait()
		for r := range k {
			line = line[:0]
			for i, v := range out[r*width : (r+1)*width] {
				if i > 0 {
					line = append(line, ',')
				}
				line = strconv.AppendFloat(line, v, 'g', -1, 64)
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteConfusion writes the error rate and the confusion matrix (rows: given class,
// columns: predicted class) of a classifier's PredictResult with labels.
func WriteConfusion(w io.Writer, m *infer.Model, res PredictResult) {
	conf, wrong, items := res.Confusion, res.Wrong, res.Items
	fmt.Fprintf(w, "err %.4f (%d of %d items)\nconfusion (rows: given class, columns: predicted):\n", float64(wrong)/float64(items), wrong, items)
	tw := newTable(w)
	head := []string{""}
	for c := range conf {
		head = append(head, m.ClassName(c))
	}
	tw.row(head...)
	for g, row := range conf {
		cells := []string{m.ClassName(g)}
		for _, c := range row {
			cells = append(cells, strconv.Itoa(c))
		}
		tw.row(cells...)
	}
	tw.flush()
}
