package infer

import (
	"fmt"
	"strings"
	"testing"
)

// panics runs f and returns the panic's message, or "" when it returns normally.
func panics(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// The documented contract of Model: items of NumData values, codes of NumCodes and dst of
// the result's length pass; any other length panics with a message naming both lengths, in
// the caller's goroutine (batches included), so that a server can recover it.
func TestLengthContract(t *testing.T) {
	cls, auto, nmf := golden(t, "majority3.lwlb"), golden(t, "binary3.lwlb"), golden(t, "nmf4x2.lwlb")
	for _, c := range []struct {
		m                    *Model
		data, classes, codes int
	}{
		{cls, 3, 2, 0}, {auto, 8, 0, 3}, {nmf, 4, 0, 2},
	} {
		if c.m.NumData() != c.data || c.m.NumClasses() != c.classes || c.m.NumCodes() != c.codes {
			t.Errorf("%v: NumData %d, NumClasses %d, NumCodes %d; want %d, %d, %d", c.m.Kind(),
				c.m.NumData(), c.m.NumClasses(), c.m.NumCodes(), c.data, c.classes, c.codes)
		}
	}
	rows := func(k, n int) [][]float64 {
		r := make([][]float64, k)
		for i := range r {
			r[i] = make([]float64, n)
		}
		return r
	}
	badBatch := rows(64, 3)
	badBatch[40] = make([]float64, 4)
	badCodes := rows(64, 3)
	badCodes[50] = make([]float64, 2)
	for _, c := range []struct {
		name string
		call func()
		want string // "" for no panic
	}{
		{"Classify", func() { cls.Classify(make([]float64, 3)) }, ""},
		{"Classify short", func() { cls.Classify(make([]float64, 2)) }, "item has 2 values, want 3"},
		{"Classify long", func() { cls.Classify(make([]float64, 4)) }, "item has 4 values, want 3"},
		{"Scores", func() { cls.Scores(make([]float64, 2), make([]float64, 3)) }, ""},
		{"Scores item", func() { cls.Scores(nil, make([]float64, 5)) }, "item has 5 values, want 3"},
		{"Scores dst", func() { cls.Scores(make([]float64, 3), make([]float64, 3)) }, "dst has 3 values, want 2"},
		{"ClassifyBatch", func() { cls.ClassifyBatch(nil, rows(64, 3)) }, ""},
		{"ClassifyBatch item", func() { cls.ClassifyBatch(nil, badBatch) }, "item 40 has 4 values, want 3"},
		{"ClassifyBatch dst", func() { cls.ClassifyBatch(make([]int, 3), rows(4, 3)) }, "dst has 3 entries for 4 items"},
		{"Encode", func() { auto.Encode(make([]float64, 3), make([]float64, 8)) }, ""},
		{"Encode item", func() { auto.Encode(nil, make([]float64, 7)) }, "item has 7 values, want 8"},
		{"Encode dst", func() { auto.Encode(make([]float64, 8), make([]float64, 8)) }, "dst has 8 values, want 3"},
		{"Decode", func() { auto.Decode(make([]float64, 8), make([]float64, 3)) }, ""},
		{"Decode code", func() { auto.Decode(nil, make([]float64, 8)) }, "code has 8 values, want 3"},
		{"Decode dst", func() { auto.Decode(make([]float64, 3), make([]float64, 3)) }, "dst has 3 values, want 8"},
		{"Reconstruct", func() { auto.Reconstruct(make([]float64, 8), make([]float64, 8)) }, ""},
		{"Reconstruct item", func() { auto.Reconstruct(nil, make([]float64, 3)) }, "item has 3 values, want 8"},
		{"DecodeBatch", func() { auto.DecodeBatch(nil, rows(64, 3)) }, ""},
		{"DecodeBatch code", func() { auto.DecodeBatch(nil, badCodes) }, "code 50 has 2 values, want 3"},
		{"DecodeBatch dst", func() { auto.DecodeBatch(rows(64, 7), rows(64, 3)) }, "dst row 0 has 7 values, want 8"},
		{"DecodeBatch rows", func() { auto.DecodeBatch(rows(2, 8), rows(64, 3)) }, "dst has 2 rows for 64 codes"},
		{"NMF Encode", func() { nmf.Encode(nil, make([]float64, 4)) }, ""},
		{"NMF Encode item", func() { nmf.Encode(nil, make([]float64, 2)) }, "2 values, want 4"},
		{"NMF Decode code", func() { nmf.Decode(nil, make([]float64, 4)) }, "4 values, want 2"},
		{"NMF Reconstruct item", func() { nmf.Reconstruct(nil, make([]float64, 5)) }, "5 values, want 4"},
		{"NMF DecodeBatch code", func() { nmf.DecodeBatch(nil, rows(3, 4)) }, "code 0 has 4 values, want 2"},
	} {
		got := panics(c.call)
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: panicked: %s", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: panic %q, want one with %q", c.name, got, c.want)
		}
	}
}
