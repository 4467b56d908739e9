package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadCSV reads a numeric CSV file; see ParseCSV.
func ReadCSV(path string) (Matrix, error) {
	var m Matrix
	err := withFile(path, func(r io.Reader) (err error) {
		m, _, err = parseCSV(r, path, false)
		return err
	})
	return m, err
}

// ParseCSV reads comma-separated numbers, one item per row, from r; name identifies the
// source in errors. Fields may be surrounded by spaces and quoted. The first row is a
// header, and skipped, when none of its fields is a number. Every row must have as many
// fields as the first; NaN, infinite and out-of-range values are rejected, and so is
// input with no data rows. Errors are *FormatError values that name the line and the
// field (column), as in
//
//	dataset: data.csv:12: column 3: "abc" is not a number
func ParseCSV(r io.Reader, name string) (Matrix, error) {
	m, _, err := parseCSV(r, name, false)
	return m, err
}

// ReadLabelledCSV reads a labelled CSV file; see ParseLabelledCSV.
func ReadLabelledCSV(path string) (Labelled, error) {
	var l Labelled
	err := withFile(path, func(r io.Reader) (err error) {
		l, err = ParseLabelledCSV(r, path)
		return err
	})
	return l, err
}

// ParseLabelledCSV reads CSV data as ParseCSV does, except that the last column of each
// row is the item's class, an integer in [0, MaxClasses). Classes is one more than the
// largest class seen, and Name is name.
func ParseLabelledCSV(r io.Reader, name string) (Labelled, error) {
	m, labels, err := parseCSV(r, name, true)
	if err != nil {
		return Labelled{}, err
	}
	classes := 0
	for _, c := range labels {
		classes = max(classes, c+1)
	}
	return Labelled{X: m, Labels: labels, Classes: classes, Name: name}, nil
}

func withFile(path string, fn func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return fn(f)
}

func parseCSV(r io.Reader, name string, labelled bool) (Matrix, []int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with our own message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		m      Matrix
		labels []int
		first  = true
		width  int // fields per row
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Matrix{}, nil, &FormatError{Name: name, Line: pe.Line, Msg: pe.Err.Error(), Err: pe.Err}
			}
			return Matrix{}, nil, &FormatError{Name: name, Msg: "read: " + err.Error(), Err: err}
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			width = len(rec)
			if labelled && width < 2 {
				return Matrix{}, nil, &FormatError{Name: name, Line: line, Msg: "a labelled row needs at least one value and a class"}
			}
			if isHeader(rec) {
				continue
			}
		}
		if len(rec) != width {
			return Matrix{}, nil, &FormatError{Name: name, Line: line,
				Msg: fmt.Sprintf("row has %d fields, want %d like the first row", len(rec), width)}
		}
		vals := rec
		if labelled {
			vals = rec[:width-1]
		}
		for j, f := range vals {
			v, err := parseNumber(f)
			if err != nil {
				return Matrix{}, nil, &FormatError{Name: name, Line: line, Column: j + 1, Msg: err.Error()}
			}
			m.Data = append(m.Data, v)
		}
		if labelled {
			c, err := parseClass(rec[width-1], MaxClasses)
			if err != nil {
				return Matrix{}, nil, &FormatError{Name: name, Line: line, Column: width, Msg: err.Error()}
			}
			labels = append(labels, c)
		}
		m.Rows++
	}
	if m.Rows == 0 {
		return Matrix{}, nil, &FormatError{Name: name, Msg: "no data rows"}
	}
	m.Cols = width
	if labelled {
		m.Cols--
	}
	return m, labels, nil
}

// isHeader reports whether no field of rec parses as a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

// parseNumber parses a finite float64, with a message fit for a FormatError.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is out of range", s)
	case err != nil:
		if s == "" {
			return 0, errors.New("empty field")
		}
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// parseClass parses a class index in [0, limit).
func parseClass(s string, limit int) (int, error) {
	s = strings.TrimSpace(s)
	c, err := strconv.Atoi(s)
	if err != nil || c < 0 {
		return 0, fmt.Errorf("class %q is not a non-negative integer", s)
	}
	if c >= limit {
		return 0, fmt.Errorf("class %d is not below %d", c, limit)
	}
	return c, nil
}
