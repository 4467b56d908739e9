package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"testing"
)

func hashMatrix(m Matrix) string {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(m.Rows))
	h.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], uint64(m.Cols))
	h.Write(b[:])
	for _, v := range m.Data {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// montageGolden is the hash of Montage(64, 2025). A change of font, size, placement or
// sampling order changes it; update it only deliberately.
const montageGolden = "c3b52e7b2f7d4e471b31f68eb09db53bd93caa68e2c65e9d4362709e95e8033b"

func TestMontageGolden(t *testing.T) {
	m, err := Montage(64, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if got := hashMatrix(m); got != montageGolden {
		t.Errorf("hash(Montage(64, 2025)) = %s, want %s", got, montageGolden)
	}
	again, err := Montage(64, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if hashMatrix(again) != hashMatrix(m) {
		t.Error("Montage is not deterministic for a seed")
	}
	other, _ := Montage(64, 2026)
	if hashMatrix(other) == hashMatrix(m) {
		t.Error("Montage gives the same images for different seeds")
	}
}

func TestMontageShapeAndRange(t *testing.T) {
	for _, n := range []int{0, 1, 2000} {
		m, err := Montage(n, 7)
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows != n || m.Cols != MontagePixel || len(m.Data) != n*MontagePixel {
			t.Fatalf("Montage(%d) shape %d×%d, %d values", n, m.Rows, m.Cols, len(m.Data))
		}
		for i, v := range m.Data {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("Montage(%d) pixel %d = %v, outside [0,1]", n, i, v)
			}
		}
	}
}

// cell returns the 20×20 cell at pos of a 40×40 image.
func cell(img []float64, pos int) []float64 {
	out := make([]float64, 0, montageGlyph)
	r0, c0 := (pos/2)*MontageCell, (pos%2)*MontageCell
	for y := range MontageCell {
		out = append(out, img[(r0+y)*MontageSide+c0:][:MontageCell]...)
	}
	return out
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestMontageCellsAreGlyphs checks that every cell is empty or one of the 8 glyphs, and
// that the frequencies follow the documented distribution.
func TestMontageCellsAreGlyphs(t *testing.T) {
	g, err := montageGlyphs()
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	m, err := Montage(n, 3)
	if err != nil {
		t.Fatal(err)
	}
	empty := make([]float64, montageGlyph)
	var counts [9]int // 8 glyphs, then empty
	for k := range n {
		for pos := range 4 {
			c := cell(m.Row(k), pos)
			found := -1
			if equal(c, empty) {
				found = 8
			}
			for l := 0; l < 4 && found < 0; l++ {
				for s := range 2 {
					if equal(c, g.glyph[l][s][:]) {
						found = 2*l + s
					}
				}
			}
			if found < 0 {
				t.Fatalf("image %d cell %d is neither empty nor a glyph", k, pos)
			}
			counts[found]++
		}
	}
	// 8000 cells: half empty, 1/16 each glyph; allow 5 standard deviations.
	check := func(what string, got int, p float64) {
		mean, sd := 4*n*p, math.Sqrt(4*n*p*(1-p))
		if math.Abs(float64(got)-mean) > 5*sd {
			t.Errorf("%s: %d cells, want about %.0f", what, got, mean)
		}
	}
	check("empty", counts[8], 0.5)
	for i := range 8 {
		check(string(MontageLetters[i/2])+[]string{" plain", " slant"}[i%2], counts[i], 1.0/16)
	}
}

func TestMontageGlyphsLargeCentredAndDistinct(t *testing.T) {
	g, err := montageGlyphs()
	if err != nil {
		t.Fatal(err)
	}
	for l := range 4 {
		for s := range 2 {
			gl := g.glyph[l][s][:]
			minX, minY, maxX, maxY, sum := MontageCell, MontageCell, -1, -1, 0.0
			var cx, cy float64
			for i, v := range gl {
				if v > 0.2 {
					x, y := i%MontageCell, i/MontageCell
					minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
				}
				sum += v
				cx += v * float64(i%MontageCell)
				cy += v * float64(i/MontageCell)
			}
			name := string(MontageLetters[l]) + []string{" plain", " slant"}[s]
			if ext := max(maxX-minX, maxY-minY) + 1; ext < int(montageFill)-1 || ext > int(montageFill)+1 {
				t.Errorf("%s: ink extent %d px, want about %v of the %d px cell", name, ext, montageFill, MontageCell)
			}
			// The ink box is centred; the centre of mass need only be near the middle.
			if c := float64(minX+maxX) / 2; math.Abs(c-9.5) > 1.5 {
				t.Errorf("%s: ink box x centre %.1f, want about 9.5", name, c)
			}
			if c := float64(minY+maxY) / 2; math.Abs(c-9.5) > 1.5 {
				t.Errorf("%s: ink box y centre %.1f, want about 9.5", name, c)
			}
			if minX == 0 && maxX == MontageCell-1 || minY == 0 && maxY == MontageCell-1 {
				t.Errorf("%s: ink touches both edges of the cell", name)
			}
		}
		if equal(g.glyph[l][0][:], g.glyph[l][1][:]) {
			t.Errorf("%c: plain and slant glyphs are the same", MontageLetters[l])
		}
	}
}

func TestMontageParts(t *testing.T) {
	p := MontageParts()
	if p.Rows != MontagePartCount || p.Cols != MontagePixel {
		t.Fatalf("parts shape %d×%d", p.Rows, p.Cols)
	}
	g, _ := montageGlyphs()
	for pos := range 4 {
		for l := range 4 {
			row := p.Row(4*pos + l)
			for q := range 4 {
				c := cell(row, q)
				if q != pos {
					if !equal(c, make([]float64, montageGlyph)) {
						t.Errorf("part %d (pos %d, %c) has ink in cell %d", 4*pos+l, pos, MontageLetters[l], q)
					}
					continue
				}
				for i, v := range c {
					want := (g.glyph[l][0][i] + g.glyph[l][1][i]) / 2
					if v != want {
						t.Fatalf("part %d pixel %d = %v, want %v", 4*pos+l, i, v, want)
					}
				}
			}
		}
	}
}

func TestMontageRandUsesSource(t *testing.T) {
	a, _ := MontageRand(10, rand.NewPCG(1, 2))
	b, _ := MontageRand(10, rand.NewPCG(1, 2))
	if hashMatrix(a) != hashMatrix(b) {
		t.Error("MontageRand differs for equal sources")
	}
}
