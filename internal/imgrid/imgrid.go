// Package imgrid writes grids of small grayscale images (values in [0, 1]) as one PNG:
// generated samples, NMF features, reconstructions. Standard library only.
package imgrid

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// Border is the gray level of the 1-pixel border drawn around and between cells.
const Border = 128

// Write draws images as a grid with cols columns (cols ≤ 0 means a roughly square grid),
// each image height×width values in row-major order, every pixel scaled up to a
// scale×scale block (scale ≤ 0 means 1). Value 0 is black, 1 white; values outside
// [0, 1] are clipped and NaN is drawn black. Cells are separated by a 1-pixel border.
func Write(w io.Writer, images [][]float64, width, height, cols, scale int) error {
	img, err := Draw(images, width, height, cols, scale)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// Draw is Write without the encoding: it returns the grid image.
func Draw(images [][]float64, width, height, cols, scale int) (*image.Gray, error) {
	if len(images) == 0 {
		return nil, fmt.Errorf("imgrid: no images")
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("imgrid: image size %d×%d", width, height)
	}
	for i, im := range images {
		if len(im) != width*height {
			return nil, fmt.Errorf("imgrid: image %d has %d values, want %d×%d", i, len(im), width, height)
		}
	}
	if scale <= 0 {
		scale = 1
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(len(images)))))
	}
	cols = min(cols, len(images))
	rows := (len(images) + cols - 1) / cols
	cw, ch := width*scale+1, height*scale+1
	W, H := cols*cw+1, rows*ch+1
	if W > 1<<15 || H > 1<<15 {
		return nil, fmt.Errorf("imgrid: grid of %d×%d pixels is too large", W, H)
	}
	img := image.NewGray(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = Border
	}
	for k, im := range images {
		x0, y0 := (k%cols)*cw+1, (k/cols)*ch+1
		for r := range height {
			for c := range width {
				g := color.Gray{Y: level(im[r*width+c])}
				for dy := range scale {
					for dx := range scale {
						img.SetGray(x0+c*scale+dx, y0+r*scale+dy, g)
					}
				}
			}
		}
	}
	return img, nil
}

func level(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(math.Round(v * 255))
}

// Shape picks an image shape for n pixels when a model records none: a square when n is
// a perfect square, else one row of n pixels.
func Shape(n int) (width, height int) {
	s := int(math.Round(math.Sqrt(float64(n))))
	if s*s == n {
		return s, s
	}
	return n, 1
}
