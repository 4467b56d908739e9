package imgrid

import (
	"bytes"
	"image/png"
	"testing"
)

func TestWrite(t *testing.T) {
	ims := [][]float64{{0, 1, 0.5, 2}, {-1, 0.25, 1, 0}, {1, 1, 1, 1}}
	var buf bytes.Buffer
	if err := Write(&buf, ims, 2, 2, 2, 3); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// 2 columns of 2·3+1 plus 1 border; 2 rows.
	if b := img.Bounds(); b.Dx() != 15 || b.Dy() != 15 {
		t.Fatalf("size %v", b)
	}
	g, _ := Draw(ims, 2, 2, 2, 3)
	for _, c := range []struct{ x, y, want int }{
		{0, 0, Border}, {1, 1, 0}, {4, 1, 255}, {1, 4, 128}, {4, 4, 255}, {7, 1, Border},
		{8, 1, 0}, {11, 1, 64}, {8 + 3, 4, 0}, {1, 8, 255}, {8, 8, Border},
	} {
		if got := int(g.GrayAt(c.x, c.y).Y); got != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, got, c.want)
		}
	}
	if err := Write(&buf, [][]float64{{1}}, 2, 2, 1, 1); err == nil {
		t.Error("wrong image size accepted")
	}
	if err := Write(&buf, nil, 2, 2, 1, 1); err == nil {
		t.Error("no images accepted")
	}
	if w, h := Shape(784); w != 28 || h != 28 {
		t.Error(w, h)
	}
	if w, h := Shape(32); w != 32 || h != 1 {
		t.Error(w, h)
	}
}
