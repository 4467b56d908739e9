package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/generate"
	"github.com/lwl-go/lwl/infer"
)

func init() {
	commands["judge"] = command{
		summary: "score a generator's images with an independently trained classifier (filtered vs unfiltered)",
		run:     runJudge,
	}
}

// judgeGroup is the classifier's verdict on one set of images.
type judgeGroup struct {
	Name       string  `json:"name"`
	Images     int     `json:"images"`
	Confident  float64 `json:"confident"`   // fraction whose scores satisfy the classifier's class constraint
	MeanMargin float64 `json:"mean_margin"` // mean of top score − runner-up
	Classes    [10]int `json:"classes"`     // images per predicted class (first ten classes)
}

type judgeResult struct {
	Drawn      int          `json:"drawn"`
	Accepted   int          `json:"accepted"`
	Acceptance float64      `json:"acceptance"`
	ClassDelta float64      `json:"class_delta"`
	Groups     []judgeGroup `json:"groups"`
}

func runJudge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("judge", `Usage: lwl-train judge [flags] -classifier CLASSIFIER.lwlb GENERATOR.lwlb

Does the fake/genuine filter help? Draws -n codes from the generator's iDE code, decodes
all of them, and lets an independently trained classifier (a bundle of kind classifier
over the same data layout, e.g. one made by "lwl-train classify -mnist") judge the images
that the filter accepts, those it rejects, and all of them (what lwl-gen -nofilter
gives), beside -test-items real MNIST test digits.

An image counts as confidently recognised when the classifier's scores y − b satisfy its
own training constraint: the winning class at least its margin Δ, every other class at
most 0. The mean margin is the winning score minus the runner-up. With -out DIR the
accepted and rejected images are written there as PNG grids.
`, stderr)
	clsPath := fs.String("classifier", "", "classifier bundle (required)")
	n := fs.Int("n", 2000, "codes to draw")
	seed := fs.Uint64("seed", 1, "seed of the code draws")
	testItems := fs.Int("test-items", 1000, "MNIST test digits judged for comparison (0: none)")
	outDir := fs.String("out", "", "directory for accepted.png and rejected.png (none if empty)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clsPath == "" || fs.NArg() != 1 {
		return &usageError{"want -classifier CLASSIFIER.lwlb and one generator bundle"}
	}
	if *n < 1 || *testItems < 0 {
		return &usageError{fmt.Sprintf("-n %d -test-items %d: want n ≥ 1, test-items ≥ 0", *n, *testItems)}
	}
	gen, err := generate.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	cls, err := infer.Load(*clsPath)
	if err != nil {
		return err
	}
	if cls.Kind() != format.KindClassifier {
		return fmt.Errorf("%s: a %v bundle, want a classifier", *clsPath, cls.Kind())
	}
	if cls.NumData() != gen.Model().NumData() {
		return fmt.Errorf("%s: a classifier of %d inputs for images of %d values (%s)", *clsPath, cls.NumData(), gen.Model().NumData(), fs.Arg(0))
	}
	delta := classDelta(cls)

	all, err := gen.Generate(generate.Options{N: *n, Seed: *seed, NoFilter: true})
	if err != nil {
		return err
	}
	var acc, rej [][]float64
	for i, c := range all.Codes {
		if gen.Genuine(c) {
			acc = append(acc, all.Images[i])
		} else {
			rej = append(rej, all.Images[i])
		}
	}
	res := judgeResult{Drawn: *n, Accepted: len(acc), Acceptance: float64(len(acc)) / float64(*n), ClassDelta: delta}
	if *testItems > 0 {
		test, err := dataset.MNIST(false, *testItems)
		if err != nil {
			return err
		}
		imgs := make([][]float64, test.X.Rows)
		for i := range imgs {
			imgs[i] = test.X.Row(i)
		}
		res.Groups = append(res.Groups, judgeImages(cls, delta, "MNIST test digits", imgs))
	}
	res.Groups = append(res.Groups,
		judgeImages(cls, delta, "accepted by the filter", acc),
		judgeImages(cls, delta, "rejected by the filter", rej),
		judgeImages(cls, delta, "all drawn (no filter)", all.Images))
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return err
		}
		for _, g := range []struct {
			file string
			imgs [][]float64
		}{{"accepted.png", acc}, {"rejected.png", rej}} {
			if len(g.imgs) > 100 {
				g.imgs = g.imgs[:100]
			}
			if len(g.imgs) > 0 {
				if err := writeGrid(filepath.Join(*outDir, g.file), g.imgs); err != nil {
					return err
				}
			}
		}
	}
	fmt.Fprintf(stdout, "%d codes drawn, %d accepted (%.1f%%); classifier %s, class margin Δ %g\n",
		res.Drawn, res.Accepted, 100*res.Acceptance, *clsPath, delta)
	t := newTable(stdout)
	t.row("images", "n", "confident", "mean margin", "per class 0…9")
	for _, g := range res.Groups {
		t.row(g.Name, fmt.Sprint(g.Images), fmt.Sprintf("%.1f%%", 100*g.Confident), fmt.Sprintf("%.3f", g.MeanMargin), fmt.Sprint(g.Classes))
	}
	t.flush()
	if *asJSON {
		return printJSON(stdout, res)
	}
	return nil
}

// classDelta is the class margin Δ recorded for the classifier's class nodes (0 if none).
func classDelta(m *infer.Model) float64 {
	n := m.Bundle().Network
	for j, r := range n.Roles {
		if r == format.RoleClass {
			return n.Groups[n.NodeGroup[j]].Delta
		}
	}
	return 0
}

// judgeImages scores images with the classifier.
func judgeImages(m *infer.Model, delta float64, name string, imgs [][]float64) judgeGroup {
	g := judgeGroup{Name: name, Images: len(imgs)}
	if len(imgs) == 0 {
		return g
	}
	s := make([]float64, m.NumClasses())
	for _, img := range imgs {
		m.Scores(s, img)
		top := 0
		for c, v := range s {
			if v > s[top] {
				top = c
			}
		}
		second, confident := 0.0, s[top] >= delta
		first := true
		for c, v := range s {
			if c == top {
				continue
			}
			if first || v > second {
				second, first = v, false
			}
			if v > 0 {
				confident = false
			}
		}
		if confident {
			g.Confident++
		}
		g.MeanMargin += s[top] - second
		if top < len(g.Classes) {
			g.Classes[top]++
		}
	}
	g.Confident /= float64(len(imgs))
	g.MeanMargin /= float64(len(imgs))
	return g
}
