package main

import "strings"

// commandGroups order the commands of "lwl-train -h" under headings; every registered
// command is in exactly one group (TestCommandGroups).
var commandGroups = []struct {
	heading string
	names   []string
}{
	{"Train", []string{"classify", "nmf", "generative", "filter"}},
	{"Apply", []string{"predict", "export", "judge"}},
	{"Inspect", []string{"inspect", "curves", "verify"}},
	{"Reproduce", []string{"repro"}},
}

// examples are the example command lines of the commands whose usage text has none of its
// own (an "Examples:" paragraph of lwl-train command lines), by flag set name (generative's usage text lives in generative.go, which another
// branch changes): newFlagSet prints them after the usage text.
var examples = map[string][]string{
	"classify": {
		"lwl-train classify -majority 3 -epochs 100 -out majority",
		"lwl-train classify -mnist 10000 -layers 784,20,10 -batch 1000 -delta 0.7 -ee 0.005 -epochs 60 -out mnist",
		"lwl-train classify -mnist 10000 -arch conv5s2x8,conv5s2x16,dense10 -batch 100 -iter 20 -wmetric 0.1,0.1,1 -out conv",
	},
	"generative": {
		"lwl-train generative -o gen.lwlb -figures figs         # a small run of minutes",
		"lwl-train generative -items 10000 -epochs 40 -filter-epochs 20 -filter-iter 1000 -o mnist-generator.lwlb  # the paper's run",
	},
	"filter": {
		"lwl-train filter -generator testdata/mnist-generator.lwlb -o new.lwlb -figures figs",
	},
	"predict": {
		"lwl-train predict -model testdata/mnist-classifier.lwlb -mnist 1000 -o classes.csv",
		"lwl-train predict -model testdata/mnist-generator.lwlb -encode -mnist 10",
	},
	"export": {
		"lwl-train export -format onnx -o classifier.onnx testdata/mnist-classifier.lwlb",
		"lwl-train export -format onnx -part decoder -dtype float32 -o decoder.onnx testdata/mnist-generator.lwlb",
	},
	"judge": {
		"lwl-train judge -classifier testdata/mnist-classifier.lwlb -out judged testdata/mnist-generator.lwlb",
	},
	"inspect": {
		"lwl-train inspect testdata/mnist-classifier.lwlb",
		"lwl-train inspect -json testdata/mnist-generator.lwlb",
	},
	"repro montage": {
		"lwl-train repro montage -runs 10 -json                 # section 4.4.2, figure 7",
	},
	"repro binary": {
		"lwl-train repro binary -n 3 -runs 20                   # section 6.3.1: 80% in the paper",
		"lwl-train repro binary -n 2 -runs 2 -max-iter 40000 -json",
	},
	"repro mnist-autoencoder": {
		"lwl-train repro mnist-autoencoder -out figs            # minutes",
		"lwl-train repro mnist-autoencoder -epochs 40 -items 10000 -out figs  # the paper's run, hours",
	},
	"repro majority": {
		"lwl-train repro majority -depth 3 -runs 10 -epochs 100",
		"lwl-train repro majority -depth 4 -epochs 1000 -checkpoint ckpt   # go on later with -resume",
	},
	"repro mnist-classifier": {
		"lwl-train repro mnist-classifier -runs 10 -epochs 200 -checkpoint ckpt",
	},
	"repro mnist-conv": {
		"lwl-train repro mnist-conv -runs 3 -out best -json   # the best configuration (docs/experiments/conv-classifier.md)",
		"lwl-train repro mnist-conv -arch conv7s3x4,dense10 -wmetric none -epochs 1",
	},
	"repro relabel": {
		"lwl-train repro relabel -flip 0.05 -epochs 30 -json",
	},
}

// examplesText is the "Examples:" paragraph of a flag set's usage text, if examples has
// lines for it and its usage text has none of its own.
func examplesText(name, usageText string) string {
	lines := examples[name]
	if len(lines) == 0 || hasExample(usageText) {
		return ""
	}
	return "\nExamples:\n  " + strings.Join(lines, "\n  ") + "\n"
}

// hasExample reports whether a help text has an "Example:" or "Examples:" line followed by
// a command line.
func hasExample(help string) bool {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		if (strings.HasPrefix(l, "Example:") || strings.HasPrefix(l, "Examples:")) && i+1 < len(lines) &&
			strings.HasPrefix(strings.TrimSpace(lines[i+1]), "lwl-train ") {
			return true
		}
	}
	return false
}
