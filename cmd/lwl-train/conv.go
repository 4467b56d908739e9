package main

import (
	"fmt"
	"io"
	"math"

	"github.com/lwl-go/lwl/internal/imgrid"
	"github.com/lwl-go/lwl/train"
)

// archFor builds the -arch architecture for data of d values per item (an image of the
// given [height, width] shape, channels d/(height·width)) and the given classes.
func archFor(arch string, d, classes int, shape []int) (*train.Arch, error) {
	specs, err := train.ParseArch(arch)
	if err != nil {
		return nil, &usageError{"-arch " + err.Error()}
	}
	h, w := 1, d
	conv := specs[0].Kernel > 0
	if conv {
		if len(shape) != 2 || shape[0]*shape[1] == 0 || d%(shape[0]*shape[1]) != 0 {
			return nil, &usageError{fmt.Sprintf("-arch %q: convolutions need image data (MNIST, IDX images or square rows); these data have %d values per item and no image shape", arch, d)}
		}
		h, w = shape[0], shape[1]
	}
	if last := specs[len(specs)-1].Units; last < classes {
		return nil, &usageError{fmt.Sprintf("-arch %q: the class layer has %d nodes, the data %d classes", arch, last, classes)}
	}
	a, err := train.BuildArch(h, w, d/(h*w), specs)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("-arch %q: %v", arch, err)}
	}
	return a, nil
}

// writeKernels draws the kernels of a network's first convolution as a PNG grid: one row per
// output channel, one Kernel×Kernel tile per input channel, scaled so that the largest
// |weight| of the layer is black or white and 0 is mid-grey.
func writeKernels(w io.Writer, a *train.Arch, weights []float64) error {
	if len(a.Conv) == 0 {
		return fmt.Errorf("no convolution to draw")
	}
	c := a.Conv[0]
	fan, kk := c.FanIn(), c.Kernel*c.Kernel
	var m float64
	for _, v := range weights[c.Edge : c.Edge+c.OutC*fan] {
		m = max(m, math.Abs(v))
	}
	if m == 0 {
		m = 1
	}
	var tiles [][]float64
	for o := 0; o < c.OutC; o++ {
		k := weights[c.Edge+o*fan : c.Edge+(o+1)*fan] // node (0, 0, o): ordered dy, dx, channel
		for ci := 0; ci < c.InC; ci++ {
			t := make([]float64, kk)
			for p := range t {
				t[p] = 0.5 + k[p*c.InC+ci]/(2*m)
			}
			tiles = append(tiles, t)
		}
	}
	cols := c.InC
	if c.InC == 1 {
		cols = c.OutC
	}
	return imgrid.Write(w, tiles, c.Kernel, c.Kernel, cols, 12)
}
