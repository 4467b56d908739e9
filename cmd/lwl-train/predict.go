package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lwl-go/lwl/experiment"
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
	items, labels, err := experiment.PredictData(m, experiment.PredictSource{CSV: *csvPath, IDXImages: *idxImages, IDXLabels: *idxLabels,
		RefText: *reftext, MNIST: *mnist})
	if err != nil {
		return err
	}
	var res experiment.PredictResult
	write := func(w io.Writer) error {
		var err error
		res, err = experiment.Predict(m, items, labels, *encode, w)
		return err
	}
	if *outPath != "" {
		err = atomicfile.Write(*outPath, write)
	} else {
		err = write(stdout)
	}
	if err != nil {
		return err
	}
	res.Model = *modelPath
	if res.Confusion != nil {
		report := stderr
		if *outPath != "" {
			report = stdout
		}
		experiment.WriteConfusion(report, m, res)
	}
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}
