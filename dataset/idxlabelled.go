package dataset

import (
	"fmt"
	"path/filepath"
)

// ReadLabelledIDX reads labelled data from a pair of IDX files in the layout of the MNIST
// distribution: images holds n items of any shape (dimensions n×d₁×…, each item flattened
// row-major to d₁·… columns) and labels holds n class labels (dimensions n). Pixel bytes are
// scaled to [0, 1] (divided by 255), as MNIST is. Either file may be gzip-compressed.
//
// classes is the number of classes: every label must be below it. With classes ≤ 0 it is
// one more than the largest label (at least 2). Errors name the file at fault: a label file
// whose item count differs from the image file's names both.
func ReadLabelledIDX(images, labels string, classes int) (Labelled, error) {
	dims, pix, err := ReadIDXFile(images)
	if err != nil {
		return Labelled{}, err
	}
	if len(dims) < 2 {
		return Labelled{}, &FormatError{Name: images, Msg: fmt.Sprintf("idx: image dimensions %v, want items × values (at least 2 dimensions)", dims)}
	}
	ldims, lbl, err := ReadIDXFile(labels)
	if err != nil {
		return Labelled{}, err
	}
	if len(ldims) != 1 {
		return Labelled{}, &FormatError{Name: labels, Msg: fmt.Sprintf("idx: label dimensions %v, want one dimension (one label per item)", ldims)}
	}
	n := dims[0]
	if ldims[0] != n {
		return Labelled{}, &FormatError{Name: labels, Msg: fmt.Sprintf("idx: %d labels for the %d images of %s", ldims[0], n, images)}
	}
	cols := len(pix) / n
	out := Labelled{X: NewMatrix(n, cols), Labels: make([]int, n), Name: filepath.Base(images)}
	for i, p := range pix {
		out.X.Data[i] = float64(p) / 255
	}
	top := 0
	for i, c := range lbl {
		if classes > 0 && int(c) >= classes {
			return Labelled{}, &FormatError{Name: labels, Msg: fmt.Sprintf("idx: item %d has label %d; want 0..%d", i, c, classes-1)}
		}
		out.Labels[i] = int(c)
		top = max(top, int(c))
	}
	out.Classes = classes
	if classes <= 0 {
		out.Classes = max(top+1, 2)
	}
	return out, nil
}
