// Package figure writes the data and plots of the trainer's reports: columns of numbers
// as CSV, and time series such as RRR_err against iteration (figures 4 and 6 of the
// paper) as PNG images drawn with gonum/plot.
package figure

import (
	"encoding/csv"
	"fmt"
	"image"
	stddraw "image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/lwl-go/lwl/internal/atomicfile"
)

// WriteSeriesCSV writes cols as the columns of a CSV table under the given header (one
// name per column; nil for none). Columns may differ in length: missing cells are left
// empty. Numbers are written in the shortest form that reads back exactly.
func WriteSeriesCSV(w io.Writer, header []string, cols ...[]float64) error {
	if header != nil && len(header) != len(cols) {
		return fmt.Errorf("figure: %d header names for %d columns", len(header), len(cols))
	}
	cw := csv.NewWriter(w)
	if header != nil {
		if err := cw.Write(header); err != nil {
			return err
		}
	}
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	rec := make([]string, len(cols))
	var buf []byte
	for i := range n {
		for j, c := range cols {
			rec[j] = ""
			if i < len(c) {
				buf = strconv.AppendFloat(buf[:0], c[i], 'g', -1, 64)
				rec[j] = string(buf)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Series is one line of a plot: Y[i] is drawn at x = i+1 (the iteration).
type Series struct {
	Name string
	Y    []float64
	// Color is the index of the series' colour in plotutil's palette, plus one; zero means
	// the series' own position in the plot.
	Color  int
	Dashed bool // drawn dashed
	Dotted bool // drawn dotted
}

// Plot describes a series plot. The zero value draws an untitled, linear plot of
// DefaultWidth×DefaultHeight pixels.
type Plot struct {
	Title, XLabel, YLabel string
	LogY                  bool // logarithmic y axis; points ≤ 0 are left out
	Width, Height         int  // image size in pixels; zero means the default
	// MaxPoints bounds the points drawn per series; longer series are decimated keeping
	// each bucket's minimum and maximum, so spikes survive. Zero means DefaultMaxPoints.
	MaxPoints int
}

// Defaults for Plot.
const (
	DefaultWidth     = 900
	DefaultHeight    = 600
	DefaultMaxPoints = 4000
	dpi              = 96
)

// SeriesPlot draws series against the iteration and writes the plot to path as a PNG of
// the default size; see Plot.Write.
func SeriesPlot(path string, title, xlabel, ylabel string, logY bool, series ...Series) error {
	return Plot{Title: title, XLabel: xlabel, YLabel: ylabel, LogY: logY}.Write(path, series...)
}

// Write draws series and writes the plot to path as a PNG image. Non-finite points (and,
// on a log axis, points ≤ 0) are left out. The file is written atomically: to a
// temporary file in the same folder, then renamed over path.
func (p Plot) Write(path string, series ...Series) error {
	img, err := p.Render(series...)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// Render draws series onto a new canvas of the plot's size.
func (p Plot) Render(series ...Series) (*vgimg.Canvas, error) {
	w, h := p.Width, p.Height
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	if w < 0 || h < 0 {
		return nil, fmt.Errorf("figure: image size %d×%d", w, h)
	}
	maxPts := p.MaxPoints
	if maxPts <= 0 {
		maxPts = DefaultMaxPoints
	}
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	if p.LogY {
		pl.Y.Scale = plot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
	}
	drawn := 0
	for i, s := range series {
		xy := decimate(s.Y, maxPts, p.LogY)
		if len(xy) == 0 {
			continue
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("figure: series %q: %w", s.Name, err)
		}
		line.Color = plotutil.Color(i)
		if s.Color > 0 {
			line.Color = plotutil.Color(s.Color - 1)
		}
		switch {
		case s.Dashed:
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		case s.Dotted:
			line.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		}
		line.Width = vg.Points(1)
		pl.Add(line)
		if s.Name != "" {
			pl.Legend.Add(s.Name, line)
		}
		drawn++
	}
	if drawn == 0 {
		if p.LogY {
			// An empty log axis has no valid range; give it one.
			pl.Y.Min, pl.Y.Max = 1, 10
		}
		pl.X.Min, pl.X.Max = 1, 2
	}
	if p.LogY && drawn > 0 && pl.Y.Min == pl.Y.Max {
		// A flat series: widen the range by a decade each way (gonum would widen it by
		// ±1, which can reach zero).
		pl.Y.Min, pl.Y.Max = pl.Y.Min/10, pl.Y.Max*10
	}
	pl.Legend.Top = true
	c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, w, h))), vgimg.UseDPI(dpi))
	pl.Draw(draw.New(c))
	return c, nil
}

// logTicks marks powers of ten on a log axis, at most about eight of them labelled
// (every 1st, 2nd, 5th, 10th… decade over wide ranges), with unlabelled 2…9 multiples
// when the range spans only a few decades. Ranges within about a decade get gonum's default linear ticks.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	const eps = 1e-9
	e0, e1 := math.Ceil(math.Log10(lo)-eps), math.Floor(math.Log10(hi)+eps)
	if e1-e0 < 1 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := 1.0
	for _, st := range []float64{1, 2, 3, 5, 10, 20, 25, 50, 100, 200, 500} {
		step = st
		if (e1-e0)/st <= 8 {
			break
		}
	}
	var ticks []plot.Tick
	for e := math.Ceil(e0/step) * step; e <= e1; e += step {
		ticks = append(ticks, plot.Tick{Value: math.Pow(10, e), Label: decade(e)})
	}
	if e1-e0 <= 5 {
		for e := e0 - 1; e <= e1; e++ {
			for m := 2.0; m < 10; m++ {
				if v := m * math.Pow(10, e); v >= lo && v <= hi {
					ticks = append(ticks, plot.Tick{Value: v})
				}
			}
		}
	}
	return ticks
}

// decade labels 10^e: plainly near 1, in e-notation otherwise.
func decade(e float64) string {
	if e >= -3 && e <= 4 {
		return strconv.FormatFloat(math.Pow(10, e), 'f', -1, 64)
	}
	return "1e" + strconv.Itoa(int(e))
}

// decimate returns the drawable points of y at x = i+1, at most about maxPts of them: a
// longer series is cut into maxPts/2 buckets, each represented by its minimum and maximum
// in the order they occur, and its first and last points are always kept.
func decimate(y []float64, maxPts int, logY bool) plotter.XYs {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && (!logY || v > 0) }
	var out plotter.XYs
	if len(y) <= maxPts {
		for i, v := range y {
			if ok(v) {
				out = append(out, plotter.XY{X: float64(i + 1), Y: v})
			}
		}
		return out
	}
	buckets := max(maxPts/2, 1)
	out = make(plotter.XYs, 0, 2*buckets+2)
	for b := range buckets {
		lo, hi := b*len(y)/buckets, (b+1)*len(y)/buckets
		iMin, iMax := -1, -1
		for i := lo; i < hi; i++ {
			if !ok(y[i]) {
				continue
			}
			if iMin < 0 || y[i] < y[iMin] {
				iMin = i
			}
			if iMax < 0 || y[i] > y[iMax] {
				iMax = i
			}
		}
		if b == 0 && ok(y[0]) && iMin != 0 && iMax != 0 {
			out = append(out, plotter.XY{X: 1, Y: y[0]})
		}
		if iMin < 0 {
			continue
		}
		first, second := min(iMin, iMax), max(iMin, iMax)
		out = append(out, plotter.XY{X: float64(first + 1), Y: y[first]})
		if second != first {
			out = append(out, plotter.XY{X: float64(second + 1), Y: y[second]})
		}
		if b == buckets-1 && ok(y[len(y)-1]) && second != len(y)-1 {
			out = append(out, plotter.XY{X: float64(len(y)), Y: y[len(y)-1]})
		}
	}
	return out
}

// Panel is one plot of a row of panels (WritePanels).
type Panel struct {
	Plot   Plot
	Series []Series
}

// WritePanels draws the panels side by side, each at its plot's size, and writes them to
// path as one PNG image (atomically, as Plot.Write).
func WritePanels(path string, panels ...Panel) error {
	imgs := make([]image.Image, len(panels))
	w, h := 0, 0
	for i, p := range panels {
		c, err := p.Plot.Render(p.Series...)
		if err != nil {
			return err
		}
		imgs[i] = c.Image()
		b := imgs[i].Bounds()
		w, h = w+b.Dx(), max(h, b.Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(out, out.Bounds(), image.White, image.Point{}, stddraw.Src)
	x := 0
	for _, im := range imgs {
		b := im.Bounds()
		stddraw.Draw(out, image.Rect(x, 0, x+b.Dx(), b.Dy()), im, b.Min, stddraw.Src)
		x += b.Dx()
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, out) })
}
