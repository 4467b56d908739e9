package main

import (
	"github.com/lwl-go/lwl/experiment"
	"github.com/lwl-go/lwl/train"
)

// archFor builds the -arch architecture for data of d values per item (an image of the
// given [height, width] shape, channels d/(height·width)) and the given classes
// (experiment.BuildArch).
func archFor(arch string, d, classes int, shape []int) (*train.Arch, error) {
	return experiment.BuildArch(arch, d, classes, shape)
}
