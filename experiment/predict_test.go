package experiment

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/infer"
)

// Predict writes the runtime's class and scores of every item, and its confusion matrix
// counts the items that infer's Classify gets wrong.
func TestPredictShippedClassifier(t *testing.T) {
	needMNIST(t)
	m, err := infer.Load("../testdata/mnist-classifier.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	items, labels, err := PredictData(m, PredictSource{MNIST: 200})
	if err != nil || items.Rows != 200 || len(labels) != 200 {
		t.Fatalf("data: %d items, %d labels, %v", items.Rows, len(labels), err)
	}
	var out bytes.Buffer
	res, err := Predict(m, items, labels, false, &out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 201 || !strings.HasPrefix(lines[0], "class,") || res.Output != "classes" || res.Items != 200 {
		t.Fatalf("%d lines, header %q, result %+v", len(lines), lines[0], res)
	}
	wrong := 0
	for k := range items.Rows {
		c := m.Classify(items.Row(k))
		if got, _ := strconv.Atoi(strings.SplitN(lines[k+1], ",", 2)[0]); got != c {
			t.Errorf("item %d: class %d, Classify %d", k, got, c)
		}
		if c != labels[k] {
			wrong++
		}
	}
	if res.Wrong != wrong || res.Err == nil || *res.Err != float64(wrong)/200 {
		t.Errorf("result %+v, want %d wrong", res, wrong)
	}
	var conf bytes.Buffer
	WriteConfusion(&conf, m, res)
	if !strings.HasPrefix(conf.String(), "err ") {
		t.Errorf("confusion report %q", conf.String())
	}
	if _, err := Predict(m, items, labels, true, &out); err == nil {
		t.Error("encode with a classifier")
	}
}
