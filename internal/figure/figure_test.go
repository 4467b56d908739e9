package figure

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteSeriesCSV(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		cols   [][]float64
		want   string
	}{
		{"equal", []string{"iter", "err"}, [][]float64{{1, 2}, {0.5, 0.125}}, "iter,err\n1,0.5\n2,0.125\n"},
		{"ragged", []string{"a", "b"}, [][]float64{{1, 2, 3}, {1e-300}}, "a,b\n1,1e-300\n2,\n3,\n"},
		{"no header", nil, [][]float64{{math.Pi}}, "3.141592653589793\n"},
		{"quoted header", []string{"x,y"}, [][]float64{{1}}, "\"x,y\"\n1\n"},
		{"nan", []string{"v"}, [][]float64{{math.NaN(), math.Inf(-1)}}, "v\nNaN\n-Inf\n"},
		{"empty", []string{"v"}, [][]float64{nil}, "v\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteSeriesCSV(&b, tc.header, tc.cols...); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
	if err := WriteSeriesCSV(&bytes.Buffer{}, []string{"a"}, nil, nil); err == nil {
		t.Error("header/column mismatch: no error")
	}
}

// rrrErr imitates an RRR_err series: noisy search, then geometric convergence to zero.
func rrrErr(n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		if i < n/2 {
			y[i] = 0.1 + 0.05*math.Sin(float64(i)*0.37)*math.Sin(float64(i)*0.011)
		} else {
			y[i] = 0.1 * math.Pow(0.99, float64(i-n/2))
		}
	}
	y[n-1] = 0 // exact convergence: left out on a log axis
	return y
}

func TestSeriesPlotPNG(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		p      Plot
		series []Series
		w, h   int
	}{
		{"default", Plot{Title: "RRR_err", XLabel: "iteration", YLabel: "RRR_err", LogY: true},
			[]Series{{Name: "run 1", Y: rrrErr(3000)}, {Name: "run 2", Y: rrrErr(50000)}}, DefaultWidth, DefaultHeight},
		{"small linear", Plot{Width: 320, Height: 200}, []Series{{Y: []float64{3, 1, 2}}}, 320, 200},
		{"empty log", Plot{LogY: true, Width: 100, Height: 80}, []Series{{Name: "zeros", Y: []float64{0, 0}}}, 100, 80},
		{"flat log", Plot{LogY: true, Width: 200, Height: 150}, []Series{{Name: "flat", Y: []float64{0.5, 0.5}}}, 200, 150},
		{"no series", Plot{Width: 200, Height: 150}, nil, 200, 150},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".png")
			if err := tc.p.Write(path, tc.series...); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("not a valid PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("image is %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
		})
	}
	// SeriesPlot uses the default size, and leaves no temporary files behind.
	path := filepath.Join(dir, "sp.png")
	if err := SeriesPlot(path, "t", "x", "y", true, Series{Name: "a", Y: rrrErr(100)}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := SeriesPlot(filepath.Join(dir, "missing", "x.png"), "", "", "", false); err == nil {
		t.Error("writing into a missing folder: no error")
	}
}

func TestDecimateKeepsShape(t *testing.T) {
	n := 100000
	y := make([]float64, n)
	for i := range y {
		y[i] = 1
	}
	y[12345], y[67890] = 100, 0.001 // spikes must survive
	y[n-1] = 2
	xy := decimate(y, 1000, false)
	if len(xy) > 1002 {
		t.Errorf("%d points, want at most about 1000", len(xy))
	}
	found := map[float64]bool{}
	for i, p := range xy {
		found[p.Y] = true
		if i > 0 && p.X <= xy[i-1].X {
			t.Fatalf("x not increasing at %d: %v after %v", i, p.X, xy[i-1].X)
		}
	}
	if !found[100] || !found[0.001] {
		t.Error("decimation lost a spike")
	}
	if xy[0].X != 1 || xy[len(xy)-1].X != float64(n) || xy[len(xy)-1].Y != 2 {
		t.Errorf("first/last points %v, %v", xy[0], xy[len(xy)-1])
	}
	// Short series pass through, minus the points a log axis cannot show.
	if got := decimate([]float64{1, 0, -1, math.NaN(), 3}, 1000, true); len(got) != 2 || got[1].X != 5 {
		t.Errorf("log filter: %v", got)
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		labels []string
	}{
		{1e-3, 10, []string{"0.001", "0.01", "0.1", "1", "10"}},
		{0.03, 200, []string{"0.1", "1", "10", "100"}},
		{0.5e-110, 0.2, []string{"1e-100", "1e-80", "1e-60", "1e-40", "1e-20"}},
		{2e-16, 3e-1, []string{"1e-14", "1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "0.01"}},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
			if tk.Value < tc.lo || tk.Value > tc.hi {
				t.Errorf("[%g, %g]: tick %g outside the range", tc.lo, tc.hi, tk.Value)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.labels, " ") {
			t.Errorf("[%g, %g]: labels %v, want %v", tc.lo, tc.hi, got, tc.labels)
		}
	}
	if tk := (logTicks{}).Ticks(0.2, 0.5); len(tk) == 0 {
		t.Error("narrow range: no ticks")
	}
}

// Panels sit side by side at their own sizes, in one PNG; dashed and coloured series draw.
func TestWritePanels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.png")
	err := WritePanels(path,
		Panel{Plot{Width: 300, Height: 200, LogY: true}, []Series{{Name: "a", Y: rrrErr(50)}, {Name: "a dashed", Y: rrrErr(40), Color: 1, Dashed: true}}},
		Panel{Plot{Width: 200, Height: 250}, []Series{{Name: "b", Y: []float64{1, 2, 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 500 || b.Dy() != 250 {
		t.Errorf("image is %d×%d, want 500×250", b.Dx(), b.Dy())
	}
	// Below the shorter (left) panel the image is white padding.
	if r, g, b, _ := img.At(150, 240).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
		t.Errorf("below the shorter panel: %x %x %x, want white", r, g, b)
	}
	if err := WritePanels(filepath.Join(t.TempDir(), "missing", "p.png")); err == nil {
		t.Error("writing into a missing folder: no error")
	}
}
