package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		rows     int
		data     []float64
	}{
		{"plain", "1,2,3\n4,5,6\n", 2, []float64{1, 2, 3, 4, 5, 6}},
		{"header", "a,b\n1,2\n", 1, []float64{1, 2}},
		{"header with empty field", ",x\n1,2\n", 1, []float64{1, 2}},
		{"numeric header is data", "0,1\n1,2\n", 2, []float64{0, 1, 1, 2}},
		{"no final newline", "1.5,-2e3", 1, []float64{1.5, -2000}},
		{"spaces and quotes", " 1 , \"2\"\r\n3,4 \r\n", 2, []float64{1, 2, 3, 4}},
		{"blank lines", "\n1\n\n2\n\n", 2, []float64{1, 2}},
		{"one column", "x\n7\n", 1, []float64{7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseCSV(strings.NewReader(tc.in), "t.csv")
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != tc.rows || m.Rows*m.Cols != len(m.Data) || !reflect.DeepEqual(m.Data, tc.data) {
				t.Errorf("got %d×%d %v, want %d rows %v", m.Rows, m.Cols, m.Data, tc.rows, tc.data)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not a number", "1,2,3\n4,5,abc\n", `dataset: data.csv:2: column 3: "abc" is not a number`},
		{"not a number after header", "x,y\n1,2\n3,z\n", `dataset: data.csv:3: column 2: "z" is not a number`},
		{"mixed first row", "1,abc\n", `dataset: data.csv:1: column 2: "abc" is not a number`},
		{"ragged", "1,2\n3\n", "dataset: data.csv:2: row has 1 fields, want 2 like the first row"},
		{"ragged long", "a,b\n1,2\n3,4,5\n", "dataset: data.csv:3: row has 3 fields, want 2 like the first row"},
		{"nan", "1,NaN\n", `dataset: data.csv:1: column 2: "NaN" is not a finite number`},
		{"inf", "1\n-Inf\n", `dataset: data.csv:2: column 1: "-Inf" is not a finite number`},
		{"overflow", "1\n1e999\n", `dataset: data.csv:2: column 1: "1e999" is out of range`},
		{"empty field", "1,2\n3,\n", "dataset: data.csv:2: column 2: empty field"},
		{"empty", "", "dataset: data.csv: no data rows"},
		{"header only", "a,b\n", "dataset: data.csv: no data rows"},
		{"bad quote", "1,2\n3,\"4\n", "dataset: data.csv:2: extraneous or missing \" in quoted-field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.in), "data.csv")
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FormatError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestParseLabelledCSV(t *testing.T) {
	l, err := ParseLabelledCSV(strings.NewReader("x1,x2,label\n0.5,1,2\n0,0,0\n"), "l.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := Labelled{X: Matrix{Rows: 2, Cols: 2, Data: []float64{0.5, 1, 0, 0}}, Labels: []int{2, 0}, Classes: 3, Name: "l.csv"}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("got %+v, want %+v", l, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"1,2,x\n", `dataset: l.csv:1: column 3: class "x" is not a non-negative integer`},
		{"1,2,1.5\n", `dataset: l.csv:1: column 3: class "1.5" is not a non-negative integer`},
		{"1,2,-1\n", `dataset: l.csv:1: column 3: class "-1" is not a non-negative integer`},
		{"1,2,65536\n", `dataset: l.csv:1: column 3: class 65536 is not below 65536`},
		{"1\n", "dataset: l.csv:1: a labelled row needs at least one value and a class"},
		{"1,q,0\n", `dataset: l.csv:1: column 2: "q" is not a number`},
	} {
		_, err := ParseLabelledCSV(strings.NewReader(tc.in), "l.csv")
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseLabelledCSV(%q) error %v, want %s", tc.in, err, tc.want)
		}
	}
}

func TestReadCSVFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(p, []byte("a,b,c\n1,2,0\n3,4,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadCSV(p)
	if err != nil || m.Rows != 2 || m.Cols != 3 {
		t.Fatalf("ReadCSV: %v, %d×%d", err, m.Rows, m.Cols)
	}
	l, err := ReadLabelledCSV(p)
	if err != nil || l.X.Cols != 2 || l.Classes != 2 || l.Name != p {
		t.Fatalf("ReadLabelledCSV: %v, %+v", err, l)
	}
	if _, err := ReadCSV(filepath.Join(dir, "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("1,2\n3,x\n"), 0o644)
	if _, err := ReadCSV(bad); err == nil || !strings.HasPrefix(err.Error(), "dataset: "+bad+":2: column 2:") {
		t.Errorf("bad file error %v does not name the file, line and column", err)
	}
}
