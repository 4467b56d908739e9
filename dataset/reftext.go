package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Limits of the reference text format.
const (
	MaxRefTextInputs = 1 << 20  // most values per item
	maxRefTextLine   = 64 << 20 // longest line in bytes
)

// ReadRefText reads the whitespace-separated text format of the paper's reference C
// programs (RRRclass.c and friends): a first line "D C" giving the number of inputs and
// classes, then one item per line, D numbers followed by the class index in [0, C).
// Blank lines are ignored; an input without items is an error. D is at most
// MaxRefTextInputs and C at most MaxClasses; values must be finite. Errors are
// *FormatError values naming name, the line and the field.
func ReadRefText(r io.Reader, name string) (Labelled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRefTextLine)
	line := 0
	next := func() ([][]byte, bool) {
		for sc.Scan() {
			line++
			if f := bytes.Fields(sc.Bytes()); len(f) > 0 {
				return f, true
			}
		}
		return nil, false
	}
	fail := func(col int, format string, args ...any) (Labelled, error) {
		return Labelled{}, &FormatError{Name: name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	hdr, ok := next()
	if !ok {
		if err := sc.Err(); err != nil {
			line++ // the line that could not be read
			return fail(0, "%v", err)
		}
		return fail(0, "empty input, want a header line \"D C\"")
	}
	if len(hdr) != 2 {
		return fail(0, "header has %d fields, want \"D C\" (inputs, classes)", len(hdr))
	}
	d, err := strconv.Atoi(string(hdr[0]))
	if err != nil || d < 1 || d > MaxRefTextInputs {
		return fail(1, "inputs %q is not an integer in [1, %d]", hdr[0], MaxRefTextInputs)
	}
	c, err := strconv.Atoi(string(hdr[1]))
	if err != nil || c < 1 || c > MaxClasses {
		return fail(2, "classes %q is not an integer in [1, %d]", hdr[1], MaxClasses)
	}
	out := Labelled{X: Matrix{Cols: d}, Classes: c, Name: name}
	for {
		f, ok := next()
		if !ok {
			break
		}
		if len(f) != d+1 {
			return fail(0, "item has %d fields, want %d values and a class", len(f), d)
		}
		for j, s := range f[:d] {
			v, err := parseNumber(string(s))
			if err != nil {
				return fail(j+1, "%v", err)
			}
			out.X.Data = append(out.X.Data, v)
		}
		k, err := parseClass(string(f[d]), c)
		if err != nil {
			return fail(d+1, "%v", err)
		}
		out.Labels = append(out.Labels, k)
		out.X.Rows++
	}
	if err := sc.Err(); err != nil {
		line++
		return fail(0, "%v", err)
	}
	if out.X.Rows == 0 {
		return fail(0, "no items after the header")
	}
	return out, nil
}
