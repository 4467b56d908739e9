package dataset

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadRefText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Labelled
	}{
		{"basic", "2 3\n0.5 1 2\n0 -1e-3 0\n", Labelled{
			X: Matrix{Rows: 2, Cols: 2, Data: []float64{0.5, 1, 0, -0.001}}, Labels: []int{2, 0}, Classes: 3, Name: "ref"}},
		{"tabs, blank lines, CRLF", "\n 1\t2 \r\n\r\n7 1\r\n\n", Labelled{
			X: Matrix{Rows: 1, Cols: 1, Data: []float64{7}}, Labels: []int{1}, Classes: 2, Name: "ref"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRefText(strings.NewReader(tc.in), "ref")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReadRefTextErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", `dataset: r.txt: empty input, want a header line "D C"`},
		{"header fields", "2\n", `dataset: r.txt:1: header has 1 fields, want "D C" (inputs, classes)`},
		{"bad inputs", "x 2\n", `dataset: r.txt:1: column 1: inputs "x" is not an integer in [1, 1048576]`},
		{"zero inputs", "0 2\n", `dataset: r.txt:1: column 1: inputs "0" is not an integer in [1, 1048576]`},
		{"huge inputs", "99999999999 2\n", `dataset: r.txt:1: column 1: inputs "99999999999" is not an integer in [1, 1048576]`},
		{"bad classes", "2 -1\n", `dataset: r.txt:1: column 2: classes "-1" is not an integer in [1, 65536]`},
		{"no items", "2 2\n\n", "dataset: r.txt:2: no items after the header"},
		{"short item", "2 2\n1 2 0\n1 0\n", "dataset: r.txt:3: item has 2 fields, want 2 values and a class"},
		{"bad value", "2 2\n1 y 0\n", `dataset: r.txt:2: column 2: "y" is not a number`},
		{"nan", "1 2\nnan 0\n", `dataset: r.txt:2: column 1: "nan" is not a finite number`},
		{"class range", "1 2\n1 2\n", "dataset: r.txt:2: column 2: class 2 is not below 2"},
		{"class not int", "1 2\n1 1.0\n", `dataset: r.txt:2: column 2: class "1.0" is not a non-negative integer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRefText(strings.NewReader(tc.in), "r.txt")
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}
