package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/infer"
	"github.com/lwl-go/lwl/internal/atomicfile"
)

func init() {
	commands["predict"] = command{summary: "apply a bundle to data: classes and scores, codes or reconstructions", run: runPredict}
}

const predictUsage = `Usage: lwl-train predict -model M.lwlb [flags] (-csv FILE | -idx-images FILE [-idx-labels FILE] |
                                             -reftext FILE | -mnist N)

Applies a model bundle to data through the runtime (package infer) and writes CSV, one line
per item in input order, to stdout or -o FILE:

  classifier    the class index, the class name (when the bundle names its classes) and
                the scores y − b of the class nodes (SPEC.md §5.4); the class is the
                highest score, ties to the lower class, exactly as infer's Classify.
  autoencoder   the reconstruction of the item (its feed-around to the data nodes), or
  (generator)   with -encode its code (the code nodes' values).
  NMF           the item's code, ReLU((WᵀW)⁻¹Wᵀy).

Data: -csv rows of as many numbers as the model has data nodes; for a classifier a row may
carry its class as one more, last, column (all rows alike). -idx-images holds n items of
unsigned bytes scaled to [0, 1], -idx-labels their classes. -reftext is the reference
programs' text format (labelled). -mnist N takes the first N MNIST test items (labelled).

With labels a classifier also reports the error rate and the confusion matrix (rows: the
given class, columns: the predicted one) — on stderr when the CSV goes to stdout, on stdout
with -o. -json ends stdout with one JSON line: {"items", "err", "confusion"}; err and
confusion only with labels.
`

// predictResult is predict's JSON summary.
type predictResult struct {
	Model     string   `json:"model"`
	Kind      string   `json:"kind"`
	Items     int      `json:"items"`
	Err       *float64 `json:"err,omitempty"`       // classifier with labels
	Confusion [][]int  `json:"confusion,omitempty"` // [given][predicted]
	Output    string   `json:"output"`              // "classes", "codes" or "reconstructions"
}

func runPredict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("predict", predictUsage, stderr)
	modelPath := fs.String("model", "", "model bundle (.lwlb), required")
	csvPath := fs.String("csv", "", "items as CSV rows (a classifier's may end in the class)")
	idxImages := fs.String("idx-images", "", "items: IDX file of unsigned bytes (n × …), scaled to [0, 1]")
	idxLabels := fs.String("idx-labels", "", "classes of the -idx-images items: IDX file of n unsigned bytes")
	reftext := fs.String("reftext", "", "items in the reference programs' text format")
	mnist := fs.Int("mnist", 0, "the first N MNIST test items")
	outPath := fs.String("o", "", "write the CSV here instead of stdout")
	encode := fs.Bool("encode", false, "autoencoder: write codes instead of reconstructions")
	asJSON := fs.Bool("json", false, "end stdout with a JSON summary line")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *modelPath == "" {
		return &usageError{"-model is required"}
	}
	n := 0
	for _, set := range []bool{*csvPath != "", *idxImages != "", *reftext != "", *mnist != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return &usageError{"give exactly one of -csv FILE, -idx-images FILE, -reftext FILE, -mnist N"}
	}
	if *idxLabels != "" && *idxImages == "" {
		return &usageError{"-idx-labels needs -idx-images"}
	}
	if *mnist < 0 {
		return &usageError{"-mnist N must be positive"}
	}
	m, err := infer.Load(*modelPath)
	if err != nil {
		return err
	}
	kind := m.Kind()
	if *encode && kind != format.KindAutoencoder && kind != format.KindGenerator {
		return &usageError{fmt.Sprintf("-encode is for autoencoders; %s is a %v", *modelPath, kind)}
	}
	items, labels, err := predictData(m, *csvPath, *idxImages, *idxLabels, *reftext, *mnist)
	if err != nil {
		return err
	}

	res := predictResult{Model: *modelPath, Kind: kind.String(), Items: items.Rows}
	var conf [][]int
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		var err error
		switch kind {
		case format.KindClassifier:
			res.Output = "classes"
			conf, err = writeClasses(bw, m, items, labels)
		default:
			res.Output = "reconstructions"
			if *encode || kind == format.KindNMF {
				res.Output = "codes"
			}
			err = writeVectors(bw, m, items, res.Output == "codes")
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	}
	if *outPath != "" {
		err = atomicfile.Write(*outPath, write)
	} else {
		err = write(stdout)
	}
	if err != nil {
		return err
	}
	if conf != nil {
		wrong := 0
		for g, row := range conf {
			for p, c := range row {
				if p != g {
					wrong += c
				}
			}
		}
		e := float64(wrong) / float64(items.Rows)
		res.Err, res.Confusion = &e, conf
		report := stderr
		if *outPath != "" {
			report = stdout
		}
		printConfusion(report, m, conf, wrong, items.Rows)
	}
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// predictData reads the one data source of predict and checks it against the model: rows of
// NumData values, and for a classifier classes below NumClasses. labels is nil for
// unlabelled data (and always for models other than classifiers).
func predictData(m *infer.Model, csvPath, idxImages, idxLabels, reftext string, mnist int) (dataset.Matrix, []int, error) {
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
		set, err = readRefTextFile(reftext)
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

// printConfusion prints the error rate and the confusion matrix (rows: given class,
// columns: predicted class).
func printConfusion(w io.Writer, m *infer.Model, conf [][]int, wrong, items int) {
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
