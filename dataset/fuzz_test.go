package dataset

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// checkMatrix fails unless m is a consistent, non-empty matrix of finite values.
func checkMatrix(t *testing.T, m Matrix) {
	t.Helper()
	if m.Rows <= 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		t.Fatalf("bad shape %d×%d with %d values", m.Rows, m.Cols, len(m.Data))
	}
	for _, v := range m.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite value %v", v)
		}
	}
}

// checkError fails unless err is a *FormatError naming the source.
func checkError(t *testing.T, err error, name string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	if !strings.HasPrefix(err.Error(), "dataset: "+name) {
		t.Fatalf("error %q does not name %q", err, name)
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"1,2,3\n4,5,6\n", "a,b\n1,2\n", "1,NaN\n", "1,2\n3\n", "\"1\",2\n", "x\n", "1e999", ",\n,\n", "1,2,0\n3,4,1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, perr := ParseCSV(strings.NewReader(s), "f.csv")
		if err := perr; err != nil {
			checkError(t, err, "f.csv")
		} else {
			checkMatrix(t, m)
		}
		l, err := ParseLabelledCSV(strings.NewReader(s), "f.csv")
		if err != nil {
			checkError(t, err, "f.csv")
			return
		}
		checkMatrix(t, l.X)
		if len(l.Labels) != l.X.Rows || l.Classes < 1 || l.Classes > MaxClasses {
			t.Fatalf("%d labels for %d rows, %d classes", len(l.Labels), l.X.Rows, l.Classes)
		}
		for _, c := range l.Labels {
			if c < 0 || c >= l.Classes {
				t.Fatalf("label %d outside [0, %d)", c, l.Classes)
			}
		}
		// The labelled reading is the plain one without its last column.
		if perr != nil {
			t.Fatalf("labelled reading succeeds where the plain one fails: %v", perr)
		}
		if m.Cols != l.X.Cols+1 || m.Rows != l.X.Rows {
			t.Fatalf("plain %d×%d, labelled %d×%d", m.Rows, m.Cols, l.X.Rows, l.X.Cols)
		}
	})
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes(0x08, []uint32{1 << 10, 1 << 20}, []byte{1}))
	f.Add(idxBytes(0x0D, []uint32{1}, []byte{1, 2, 3, 4}))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		dims, data, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			checkError(t, err, "idx")
			return
		}
		size := 1
		for _, d := range dims {
			if d <= 0 {
				t.Fatalf("dimension %d", d)
			}
			size *= d
		}
		if size != len(data) || size > MaxIDXSize || 4+4*len(dims)+size != len(b) {
			t.Fatalf("dims %v, %d data bytes from %d input bytes", dims, len(data), len(b))
		}
		// Reading a prefix agrees with reading the whole.
		pd, pdata, err := readIDX(bytes.NewReader(b), "", dims[0]/2)
		if err != nil || pd[0] != dims[0]/2 || !bytes.Equal(pdata, data[:len(data)/dims[0]*(dims[0]/2)]) {
			t.Fatalf("prefix read: %v %v", err, pd)
		}
	})
}

func FuzzReadRefText(f *testing.F) {
	for _, s := range []string{"2 3\n0.5 1 2\n0 0 0\n", "1 2\n1 1\n", "2\n", "1 1\nnan 0\n", "3 2\n1 2 3 1\n1 2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ReadRefText(strings.NewReader(s), "r.txt")
		if err != nil {
			checkError(t, err, "r.txt")
			return
		}
		checkMatrix(t, l.X)
		if len(l.Labels) != l.X.Rows || l.Classes < 1 {
			t.Fatalf("%d labels for %d rows, %d classes", len(l.Labels), l.X.Rows, l.Classes)
		}
		for _, c := range l.Labels {
			if c < 0 || c >= l.Classes {
				t.Fatalf("label %d outside [0, %d)", c, l.Classes)
			}
		}
	})
}
