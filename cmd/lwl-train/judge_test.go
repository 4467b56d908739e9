package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// judge on the shipped generator and its judge, the convolutional classifier (issue 11: it
// beats the dense one on the test items): the groups add up, the images are written,
// the classifier recognises real test digits more often than decoded codes, and accepted
// codes more often than rejected ones.
func TestJudgeShippedGenerator(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	stdout, _ := runOK(t, "judge", "-classifier", "../../testdata/mnist-conv-classifier.lwlb", "-n", "500", "-test-items", "300",
		"-out", dir, "-json", "../../testdata/mnist-generator.lwlb")
	var got judgeResult
	lastJSON(t, stdout, &got)
	if len(got.Groups) != 4 || got.Drawn != 500 {
		t.Fatalf("got %+v, want 4 groups over 500 draws", got)
	}
	test, acc, rej, all := got.Groups[0], got.Groups[1], got.Groups[2], got.Groups[3]
	if test.Images != 300 || all.Images != 500 || acc.Images+rej.Images != 500 || acc.Images != got.Accepted {
		t.Errorf("group sizes %d %d %d %d, accepted %d", test.Images, acc.Images, rej.Images, all.Images, got.Accepted)
	}
	sum := 0
	for _, c := range all.Classes {
		sum += c
	}
	if sum != 500 || got.ClassDelta <= 0 {
		t.Errorf("per-class counts %v (sum %d), class Δ %v", all.Classes, sum, got.ClassDelta)
	}
	if test.Confident <= all.Confident || test.MeanMargin <= all.MeanMargin {
		t.Errorf("the classifier is surer of generated images than of real digits: %+v vs %+v", all, test)
	}
	// The shipped filter's point: what it accepts looks more like digits than what it rejects.
	if acc.Confident <= rej.Confident || acc.MeanMargin <= rej.MeanMargin {
		t.Errorf("accepted images %+v are not judged better than rejected ones %+v", acc, rej)
	}
	for _, f := range []string{"accepted.png", "rejected.png"} {
		if _, err := readFile(dir, f); err != nil {
			t.Error(err)
		}
	}
}

func TestJudgeRefusesWrongBundles(t *testing.T) {
	gen := "../../testdata/mnist-generator.lwlb"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-classifier", gen, gen}, "want a classifier"},
		{[]string{"-classifier", "../../testdata/mnist-classifier.lwlb", "../../testdata/binary5-generator.lwlb"}, "inputs"},
		{[]string{"-classifier", filepath.Join(t.TempDir(), "none.lwlb"), gen}, "none.lwlb"},
		{[]string{gen}, "want -classifier"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"judge"}, tc.args...), &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("judge %v: exit %d, stderr %q; want an error with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
