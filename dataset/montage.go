package dataset

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Montage geometry: 40×40 images made of four 20×20 cells.
const (
	MontageSide      = 40                        // image width and height in pixels
	MontagePixel     = MontageSide * MontageSide // values per image (1600)
	MontageCell      = MontageSide / 2           // cell width and height in pixels
	MontagePartCount = 16                        // letter × position combinations
	montageGlyph     = MontageCell * MontageCell // pixels per cell
	montageSeed2     = 0x6c776c2d6d6f6e74        // second PCG word ("lwl-mont")
	montageFill      = float64(MontageCell - 6)  // largest glyph extent in pixels (a 3-pixel margin)
	montageRef       = 64.0                      // font size used to measure the glyphs
)

// MontageLetters are the letters of the montages, in part order.
const MontageLetters = "wxyz"

// Montage returns n synthetic letter montages as in section 4.4.2 of the paper (which
// used n = 2000), one 40×40 image per row, row-major, with white ink (1) on black (0).
//
// Each image is split into four 20×20 cells, position 0 top-left, 1 top-right,
// 2 bottom-left, 3 bottom-right. Independently, each cell is empty with probability 1/2,
// and otherwise holds one of the letters w, x, y, z (uniformly) in the plain (Go Regular)
// or slanted (Go Italic) font (uniformly). A letter always lands at the same place in its
// cell, centred and scaled so that its larger glyph spans 14 of the 20 pixels (the same
// size in both fonts; the paper does not give a size), so the data have an approximate
// rank-16 non-negative factorization whose factors are near the MontageParts rows.
//
// The result depends only on n and seed (a PCG generator). Montage panics if n < 0.
func Montage(n int, seed uint64) (Matrix, error) {
	return MontageRand(n, rand.NewPCG(seed, montageSeed2))
}

// MontageRand is Montage drawing its randomness from src.
func MontageRand(n int, src rand.Source) (Matrix, error) {
	if n < 0 {
		panic(fmt.Sprintf("dataset: negative montage count %d", n))
	}
	g, err := montageGlyphs()
	if err != nil {
		return Matrix{}, err
	}
	r := rand.New(src)
	m := NewMatrix(n, MontagePixel)
	for k := range n {
		img := m.Row(k)
		for pos := range 4 {
			if r.IntN(2) == 0 {
				continue
			}
			letter, slant := r.IntN(4), r.IntN(2)
			g.put(img, pos, g.glyph[letter][slant][:])
		}
	}
	return m, nil
}

// MontageParts returns the 16 parts of the montage data, one 40×40 image per row:
// part 4*position + letter holds letter MontageLetters[letter] at the given position
// (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) as the average of its plain
// and slanted glyphs, and zero elsewhere. A successful rank-16 factorization of Montage
// data recovers features close to these. It panics if the embedded Go fonts cannot be
// rendered, which Montage reports as an error.
func MontageParts() Matrix {
	m, err := MontagePartsMatrix()
	if err != nil {
		panic(err)
	}
	return m
}

// MontagePartsMatrix is MontageParts returning the font error instead of panicking.
func MontagePartsMatrix() (Matrix, error) {
	g, err := montageGlyphs()
	if err != nil {
		return Matrix{}, err
	}
	m := NewMatrix(MontagePartCount, MontagePixel)
	var avg [montageGlyph]float64
	for pos := range 4 {
		for letter := range 4 {
			for i := range avg {
				avg[i] = (g.glyph[letter][0][i] + g.glyph[letter][1][i]) / 2
			}
			g.put(m.Row(4*pos+letter), pos, avg[:])
		}
	}
	return m, nil
}

// glyphSet holds the 4 letters × 2 fonts rendered once into 20×20 cells.
type glyphSet struct {
	glyph [4][2][montageGlyph]float64 // [letter][0 plain, 1 slant]
}

// put copies a 20×20 glyph into cell pos of a 40×40 image.
func (g *glyphSet) put(img []float64, pos int, glyph []float64) {
	r0, c0 := (pos/2)*MontageCell, (pos%2)*MontageCell
	for y := range MontageCell {
		copy(img[(r0+y)*MontageSide+c0:][:MontageCell], glyph[y*MontageCell:][:MontageCell])
	}
}

var montageGlyphs = sync.OnceValues(renderMontageGlyphs)

func renderMontageGlyphs() (*glyphSet, error) {
	var fonts [2]*opentype.Font
	for i, ttf := range [][]byte{goregular.TTF, goitalic.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("dataset: montage font: %w", err)
		}
		fonts[i] = f
	}
	// Measure the ink boxes at a reference size and give each letter the one size (for
	// both fonts) at which its larger glyph extent is montageFill pixels.
	var extent [4]float64
	for _, f := range fonts {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: montageRef, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("dataset: montage font: %w", err)
		}
		for li, l := range MontageLetters {
			b, _, ok := face.GlyphBounds(l)
			if !ok {
				return nil, fmt.Errorf("dataset: montage font lacks %q", l)
			}
			extent[li] = max(extent[li], fix(b.Max.X-b.Min.X), fix(b.Max.Y-b.Min.Y))
		}
		face.Close()
	}
	g := new(glyphSet)
	for s, f := range fonts {
		for li, l := range MontageLetters {
			size := montageRef * montageFill / extent[li]
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
			if err != nil {
				return nil, fmt.Errorf("dataset: montage font: %w", err)
			}
			// Centre the glyph's ink box in the cell; the dot may sit at a fraction of a
			// pixel, so both fonts are centred exactly and differ only by their shapes.
			b, _, _ := face.GlyphBounds(l)
			cx := float64(MontageCell)/2 - fix(b.Min.X+b.Max.X)/2
			cy := float64(MontageCell)/2 - fix(b.Min.Y+b.Max.Y)/2
			dst := image.NewAlpha(image.Rect(0, 0, MontageCell, MontageCell))
			d := font.Drawer{
				Dst:  dst,
				Src:  image.White,
				Face: face,
				Dot:  fixed.Point26_6{X: toFix(cx), Y: toFix(cy)},
			}
			d.DrawString(string(l))
			face.Close()
			for i, a := range dst.Pix {
				g.glyph[li][s][i] = float64(a) / 255
			}
		}
	}
	return g, nil
}

func fix(x fixed.Int26_6) float64 { return float64(x) / 64 }

func toFix(x float64) fixed.Int26_6 { return fixed.Int26_6(math.Round(x * 64)) }
