package format

import (
	"fmt"
)

// Conv describes a valid 2-D convolution (no padding) among the nodes and edges of a
// general-form network (format 1.1, SPEC.md §2 "Convolutions"). It adds no parameters: the
// edges and their per-edge weights are in From, To and W as in 1.0, so a 1.0 reader, which
// skips the field, computes the same outputs. It says how those edges were made:
//
// The input is the InShape[0]×InShape[1]×InShape[2] (height × width × channels) nodes from
// node In on, the output the OutShape nodes from Out on, both numbered row by row with
// channels fastest: position (y, x, c) is node In + (y·InShape[1] + x)·InShape[2] + c. Output
// node (y, x, o) has Kernel²·InShape[2] in-edges, the consecutive edges from
// Edge + ((y·OutShape[1] + x)·OutShape[2] + o)·Kernel²·InShape[2] on, coming from the input
// nodes (y·Stride + dy, x·Stride + dx, c) in the order dy, dx, c. The weights of these edges
// are the same for every output node of channel o (its kernel), and so is the bias.
type Conv struct {
	In, Out, Edge     int
	InShape, OutShape [3]int // height, width, channels
	Kernel, Stride    int
}

// FanIn is the number of in-edges of each output node.
func (c Conv) FanIn() int { return c.Kernel * c.Kernel * c.InShape[2] }

func (c Conv) String() string {
	return fmt.Sprintf("%d×%d×%d → conv %d×%d stride %d → %d×%d×%d", c.InShape[0], c.InShape[1], c.InShape[2],
		c.Kernel, c.Kernel, c.Stride, c.OutShape[0], c.OutShape[1], c.OutShape[2])
}

// maxConvs is the most convolutions a network may describe.
const maxConvs = 255

// checkConvs validates n.Conv against the general-form graph, weights and biases.
func (n *Network) checkConvs(where string) error {
	if len(n.Conv) == 0 {
		return nil
	}
	if n.Layers != nil {
		return errf(ErrInvalid, where, "describes convolutions but is in layered form; convolutions need the general form")
	}
	if len(n.Conv) > maxConvs {
		return errf(ErrInvalid, where, "has %d convolutions, at most %d allowed", len(n.Conv), maxConvs)
	}
	ne := int64(len(n.From))
	indeg := make([]int32, n.Nodes)
	for _, j := range n.To {
		indeg[j]++
	}
	var prevEnd int64
	for i, c := range n.Conv {
		w := fmt.Sprintf("%s: convolution %d", where, i)
		// Sizes, each bounded before it is multiplied.
		in, out := int64(1), int64(1)
		for a := 0; a < 3; a++ {
			if c.InShape[a] < 1 || c.OutShape[a] < 1 || int64(c.InShape[a]) > int64(n.Nodes) || int64(c.OutShape[a]) > int64(n.Nodes) {
				return errf(ErrInvalid, w, "has input shape %v and output shape %v; want positive sizes within the %d nodes", c.InShape, c.OutShape, n.Nodes)
			}
			in *= int64(c.InShape[a])
			out *= int64(c.OutShape[a])
			if in > int64(n.Nodes) || out > int64(n.Nodes) {
				return errf(ErrInvalid, w, "has input shape %v and output shape %v, more nodes than the network's %d", c.InShape, c.OutShape, n.Nodes)
			}
		}
		if c.Kernel < 1 || c.Stride < 1 || c.Kernel > c.InShape[0] || c.Kernel > c.InShape[1] {
			return errf(ErrInvalid, w, "has kernel %d and stride %d for a %d×%d input", c.Kernel, c.Stride, c.InShape[0], c.InShape[1])
		}
		if int64(c.OutShape[0]-1)*int64(c.Stride)+int64(c.Kernel) > int64(c.InShape[0]) ||
			int64(c.OutShape[1]-1)*int64(c.Stride)+int64(c.Kernel) > int64(c.InShape[1]) {
			return errf(ErrInvalid, w, "output %d×%d reads beyond its %d×%d input (kernel %d, stride %d; valid convolutions have no padding)",
				c.OutShape[0], c.OutShape[1], c.InShape[0], c.InShape[1], c.Kernel, c.Stride)
		}
		if c.In < 0 || c.Out < 0 || int64(c.In)+in > int64(n.Nodes) || int64(c.Out)+out > int64(n.Nodes) {
			return errf(ErrInvalid, w, "nodes %d.. (input) and %d.. (output) run past the %d nodes", c.In, c.Out, n.Nodes)
		}
		fan := int64(c.Kernel) * int64(c.Kernel) * int64(c.InShape[2])
		if fan > ne || out > ne/fan || c.Edge < 0 || int64(c.Edge) < prevEnd || int64(c.Edge)+out*fan > ne {
			return errf(ErrInvalid, w, "edges %d.. (%d×%d) overlap an earlier convolution or run past the %d edges", c.Edge, out, fan, ne)
		}
		prevEnd = int64(c.Edge) + out*fan
		// The edges, their tied weights and the tied biases.
		oh, ow, oc := c.OutShape[0], c.OutShape[1], c.OutShape[2]
		iw, ic := c.InShape[1], c.InShape[2]
		f := int(fan)
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < oc; o++ {
					node := (y*ow+x)*oc + o
					e0 := c.Edge + node*f
					j := c.Out + node
					t := 0
					for dy := 0; dy < c.Kernel; dy++ {
						for dx := 0; dx < c.Kernel; dx++ {
							for ci := 0; ci < ic; ci++ {
								e := e0 + t
								src := c.In + ((y*c.Stride+dy)*iw+x*c.Stride+dx)*ic + ci
								if n.From[e] != src || n.To[e] != j {
									return errf(ErrInvalid, w, "edge %d is %d→%d, want %d→%d", e, n.From[e], n.To[e], src, j)
								}
								if k := c.Edge + o*f + t; n.W[e] != n.W[k] {
									return errf(ErrInvalid, w, "weight of edge %d is %v, its kernel's (edge %d) %v", e, n.W[e], k, n.W[k])
								}
								t++
							}
						}
					}
					if int64(indeg[j]) != fan {
						return errf(ErrInvalid, w, "output node %d has %d in-edges, want the kernel's %d", j, indeg[j], fan)
					}
					if n.B[j] != n.B[c.Out+o] {
						return errf(ErrInvalid, w, "bias of node %d is %v, its channel's (node %d) %v", j, n.B[j], c.Out+o, n.B[c.Out+o])
					}
				}
			}
		}
	}
	return nil
}

// decodeConvs reads the `conv` array of a network.
func decodeConvs(d *dec, where string, lim Limits) ([]Conv, error) {
	c, err := d.arrayLen()
	if err != nil {
		return nil, err
	}
	if c > maxConvs {
		return nil, errf(ErrInvalid, where, "has %d convolutions, at most %d allowed", c, maxConvs)
	}
	convs := make([]Conv, c)
	for i := range convs {
		cv := &convs[i]
		w := fmt.Sprintf("%s: convolution %d", where, i)
		seen := 0
		err := fields(d, w, func(k string) (bool, error) {
			var err error
			seen++
			var v uint64
			var s []int
			switch k {
			case "in", "out", "edge", "kernel", "stride":
				if v, err = d.uint(); err == nil && v > uint64(max(lim.MaxNodes, lim.MaxEdges)) {
					err = errf(ErrInvalid, w, "%s = %d is out of range", k, v)
				}
				*map[string]*int{"in": &cv.In, "out": &cv.Out, "edge": &cv.Edge, "kernel": &cv.Kernel, "stride": &cv.Stride}[k] = int(v)
			case "in_shape", "out_shape":
				if s, err = decodeInts(d, uint64(lim.MaxNodes)); err == nil && len(s) != 3 {
					err = errf(ErrInvalid, w, "%s has %d values, want 3 (height, width, channels)", k, len(s))
				}
				if err == nil {
					if k == "in_shape" {
						cv.InShape = [3]int(s)
					} else {
						cv.OutShape = [3]int(s)
					}
				}
			default:
				seen--
				return false, nil
			}
			return true, err
		})
		if err != nil {
			return nil, err
		}
		if seen != 7 {
			return nil, errf(ErrInvalid, w, "lacks a required field (in, out, edge, kernel, stride, in_shape, out_shape)")
		}
	}
	return convs, nil
}
