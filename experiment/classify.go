package experiment

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/atomicfile"
	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/train"
)

// ClassifyResult is the summary of a classifier run (lwl-train classify's -json line).
type ClassifyResult struct {
	Source   string   `json:"source"` // the training data's name
	Train    int      `json:"train"`
	Test     int      `json:"test"`
	Layers   []int    `json:"layers"` // layer sizes, data to classes
	Epochs   int      `json:"epochs"`
	TrainErr float64  `json:"train_err"`
	TestErr  *float64 `json:"test_err"`
	BatchErr float64  `json:"batch_err"`
	GWMs     float64  `json:"gwms"`
	Seconds  float64  `json:"seconds"`
	Flagged  int      `json:"flagged"`
	// ModelFlagged counts the training items that the trained classifier itself flags under
	// the class rule (train.ClassifierResult.ModelFlagged); Flagged and the lists below are
	// the training iterate's decisions in the final epoch.
	ModelFlagged int      `json:"model_flagged"`
	Relabeled    [][2]int `json:"relabeled,omitempty"` // (item, new class)
	Exempted     []int    `json:"exempted,omitempty"`
	Out          string   `json:"out"` // the output directory
}

// ClassifyData names the training and test data of a classifier: exactly one of Majority,
// MNIST, CSV, RefText and IDXImages (with IDXLabels), each with its optional test data.
type ClassifyData struct {
	Majority int    // majority-gate data of this circuit depth (section 5.5.1)
	DataSeed uint64 // seed of the majority circuit and split
	MNIST    int    // the first MNIST training items, tested on as many test items
	// CSV and TestCSV are labelled CSV files, the class in the last column.
	CSV, TestCSV string
	// RefText and TestRefText are in the reference programs' text format.
	RefText, TestRefText string
	// IDXImages and IDXLabels are IDX files of unsigned bytes (items scaled to [0, 1]) and
	// their classes; TestIDXImages and TestIDXLabels the test data.
	IDXImages, IDXLabels, TestIDXImages, TestIDXLabels string
}

// check reports IDX files given without their partner.
func (f ClassifyData) check() error {
	if (f.IDXImages == "") != (f.IDXLabels == "") {
		return optionsErr("-idx-images and -idx-labels go together")
	}
	if (f.TestIDXImages == "") != (f.TestIDXLabels == "") {
		return optionsErr("-test-idx-images and -test-idx-labels go together")
	}
	if f.IDXImages == "" && f.TestIDXImages != "" {
		return optionsErr("-test-idx-images needs -idx-images")
	}
	return nil
}

// Load reads the data. It returns the default hidden layers for the source (26 per level
// of a majority circuit, else one layer of 20) and the image shape [height, width] of
// image data (nil otherwise). Its *OptionsError messages name lwl-train classify's flags.
func (src ClassifyData) Load() (tr, te dataset.Labelled, hidden, shape []int, err error) {
	majority, dataSeed, mnist, csvPath, testCSV, reftext, testRef := src.Majority, src.DataSeed, src.MNIST, src.CSV, src.TestCSV, src.RefText, src.TestRefText
	idx := src
	n := 0
	for _, set := range []bool{majority != 0, mnist != 0, csvPath != "", reftext != "", idx.IDXImages != "" || idx.IDXLabels != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return tr, te, nil, nil, optionsErr("give exactly one of -majority DEPTH, -mnist N, -csv FILE, -reftext FILE, -idx-images FILE -idx-labels FILE")
	}
	if err := idx.check(); err != nil {
		return tr, te, nil, nil, err
	}
	switch {
	case majority != 0:
		tr, te, err = dataset.Majority(majority, dataSeed)
		hidden = make([]int, max(majority-1, 1))
		for i := range hidden {
			hidden[i] = 2 * dataset.MajorityInputs
		}
		return tr, te, hidden, nil, err
	case mnist != 0:
		if mnist < 0 {
			return tr, te, nil, nil, optionsErr("-mnist N must be positive")
		}
		if tr, err = dataset.MNIST(true, mnist); err != nil {
			return
		}
		te, err = dataset.MNIST(false, mnist)
		return tr, te, []int{20}, []int{28, 28}, err
	case csvPath != "":
		if tr, err = dataset.ReadLabelledCSV(csvPath); err != nil {
			return
		}
		if testCSV != "" {
			te, err = dataset.ReadLabelledCSV(testCSV)
		}
	case idx.IDXImages != "":
		if tr, err = dataset.ReadLabelledIDX(idx.IDXImages, idx.IDXLabels, 0); err != nil {
			return
		}
		if idx.TestIDXImages != "" {
			te, err = dataset.ReadLabelledIDX(idx.TestIDXImages, idx.TestIDXLabels, 0)
		}
		if err == nil && te.X.Rows > 0 && te.X.Cols != tr.X.Cols {
			err = fmt.Errorf("%s: test images have %d values each, the training images of %s %d", idx.TestIDXImages, te.X.Cols, idx.IDXImages, tr.X.Cols)
		}
	default:
		if tr, err = readRefTextFile(reftext); err != nil {
			return
		}
		if testRef != "" {
			te, err = readRefTextFile(testRef)
		}
	}
	if err == nil && te.X.Rows > 0 && te.X.Cols != tr.X.Cols {
		err = fmt.Errorf("test data have %d columns, training data %d", te.X.Cols, tr.X.Cols)
	}
	if w, h := imgrid.Shape(tr.X.Cols); h > 1 {
		shape = []int{h, w}
	}
	return tr, te, []int{20}, shape, err
}

// readRefTextFile reads a file in the reference programs' text format.
func readRefTextFile(path string) (dataset.Labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return dataset.Labelled{}, err
	}
	defer f.Close()
	return dataset.ReadRefText(f, path)
}

// WriteClassifierOutputs writes the outputs of a classifier run into dir: rrr_err.csv
// (RRR_err per iteration of series, numbered from firstIter), flagged.csv (the items the
// class rule exempted or relabeled in the final epoch), flagged.png (those items as images,
// for image data), kernels.png (the first convolution's kernels, for a BuildArch network)
// and classifier.lwlb (ClassifierBundle with metrics).
func WriteClassifierOutputs(dir string, res *train.ClassifierResult, series []float64, firstIter int, tr dataset.Labelled, info ClassifierBundleInfo, metrics map[string]float64) error {
	shape := info.Shape
	if err := atomicfile.Write(filepath.Join(dir, "rrr_err.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "iteration,rrr_err")
		for i, e := range series {
			fmt.Fprintf(w, "%d,%.6g\n", firstIter+i, e)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "flagged.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "item,label,assigned")
		for _, f := range res.Flagged {
			fmt.Fprintf(w, "%d,%d,%d\n", f.Item, f.Label, f.Assigned)
		}
		return nil
	}); err != nil {
		return err
	}
	if shape != nil && len(res.Flagged) > 0 {
		imgs := make([][]float64, len(res.Flagged))
		for i, f := range res.Flagged {
			imgs[i] = tr.X.Row(f.Item)
		}
		cols := int(math.Ceil(math.Sqrt(float64(len(imgs)))))
		if err := atomicfile.Write(filepath.Join(dir, "flagged.png"), func(w io.Writer) error {
			return imgrid.Write(w, imgs, shape[1], shape[0], cols, 2)
		}); err != nil {
			return err
		}
	}
	if info.Built != nil && len(info.Built.Conv) > 0 {
		if err := atomicfile.Write(filepath.Join(dir, "kernels.png"), func(w io.Writer) error {
			return WriteKernels(w, info.Built, res.Classifier.Weights)
		}); err != nil {
			return err
		}
	}
	b, err := ClassifierBundle(res, tr, info, metrics)
	if err != nil {
		return err
	}
	return format.Save(filepath.Join(dir, "classifier.lwlb"), b)
}
