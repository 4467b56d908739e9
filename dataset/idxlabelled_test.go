package dataset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadLabelledIDX(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Three 2×2 images and their labels.
	img := write("img", idxBytes(0x08, []uint32{3, 2, 2}, []byte{0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0}))
	lbl := write("lbl", idxBytes(0x08, []uint32{3}, []byte{2, 0, 1}))
	flat := write("flat", idxBytes(0x08, []uint32{3, 4}, []byte{0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0}))
	lbl7 := write("lbl7", idxBytes(0x08, []uint32{3}, []byte{2, 7, 1}))
	short := write("short", idxBytes(0x08, []uint32{2}, []byte{2, 0}))
	lbl2d := write("lbl2d", idxBytes(0x08, []uint32{3, 1}, []byte{2, 0, 1}))
	vec := write("vec", idxBytes(0x08, []uint32{3}, []byte{1, 2, 3}))
	trunc := write("trunc", idxBytes(0x08, []uint32{3, 2, 2}, []byte{1, 2, 3}))
	missing := filepath.Join(dir, "missing")

	got, err := ReadLabelledIDX(img, lbl, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantX := []float64{0, 1, 0.2, 0.4, 1. / 255, 2. / 255, 3. / 255, 4. / 255, 1, 1, 0, 0}
	if got.X.Rows != 3 || got.X.Cols != 4 || !reflect.DeepEqual(got.X.Data, wantX) ||
		!reflect.DeepEqual(got.Labels, []int{2, 0, 1}) || got.Classes != 3 || got.Name != "img" {
		t.Fatalf("got %+v", got)
	}
	for _, tc := range []struct {
		name, images, labels string
		classes              int
		wantClasses          int
		err                  string // substring of the error; "" for success
		file                 string // file the error must name
	}{
		{"images 2-D", flat, lbl, 0, 3, "", ""},
		{"classes given", img, lbl, 10, 10, "", ""},
		{"one class seen", img, write("zeros", idxBytes(0x08, []uint32{3}, []byte{0, 0, 0})), 0, 2, "", ""},
		{"label out of range", img, lbl7, 5, 0, "item 1 has label 7; want 0..4", lbl7},
		{"count mismatch", img, short, 0, 0, "2 labels for the 3 images of " + img, short},
		{"labels not 1-D", img, lbl2d, 0, 0, "label dimensions [3 1]", lbl2d},
		{"images 1-D", vec, lbl, 0, 0, "image dimensions [3]", vec},
		{"images truncated", trunc, lbl, 0, 0, "unexpected EOF", trunc},
		{"no image file", missing, lbl, 0, 0, "no such file", missing},
		{"no label file", img, missing, 0, 0, "no such file", missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadLabelledIDX(tc.images, tc.labels, tc.classes)
			if tc.err == "" {
				if err != nil || got.Classes != tc.wantClasses || got.X.Rows != 3 || got.X.Cols != 4 {
					t.Fatalf("got %d×%d, %d classes, err %v; want 3×4, %d classes", got.X.Rows, got.X.Cols, got.Classes, err, tc.wantClasses)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.file) {
				t.Fatalf("error %v; want one naming %s with %q", err, tc.file, tc.err)
			}
		})
	}
}
