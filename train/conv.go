package train

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/lwl-go/lwl/format"
)

// LayerSpec is one layer of an architecture after the data: a valid 2-D convolution
// (Kernel > 0) or a dense layer.
type LayerSpec struct {
	Kernel, Stride int // convolution: square kernel and stride; 0 for a dense layer
	Units          int // output channels of a convolution, nodes of a dense layer
}

func (s LayerSpec) String() string {
	if s.Kernel > 0 {
		return fmt.Sprintf("conv%ds%dx%d", s.Kernel, s.Stride, s.Units)
	}
	return fmt.Sprintf("dense%d", s.Units)
}

// ArchSyntax explains ParseArch's syntax (for command help).
const ArchSyntax = `An architecture is a comma-separated list of the layers after the data, the last being
the class layer:
  convKsSxC   valid 2-D convolution (no padding): K×K kernel, stride S, C output channels;
              its nodes share one kernel and one bias per channel (weight ties)
  convKxC     the same with stride 1
  denseN      N nodes fully connected to the previous layer
Convolutions read the data as an image (height × width × channels, channels fastest) and
must come before the dense layers. Example: conv5s2x8,conv5s2x16,dense10 on 28×28 MNIST
gives 28×28×1 → 11×11×8 → 4×4×16 → 10 (a hidden convolution is cropped to the rows and
columns that the next convolution reads: 12×12 would leave row and column 11 unread).`

// ParseArch parses an architecture (see ArchSyntax), e.g. "conv5s2x8,conv5s2x16,dense10".
func ParseArch(s string) ([]LayerSpec, error) {
	var specs []LayerSpec
	dense := false
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		var sp LayerSpec
		var err error
		switch {
		case strings.HasPrefix(f, "dense"):
			sp.Units, err = strconv.Atoi(f[len("dense"):])
			dense = true
		case strings.HasPrefix(f, "conv"):
			if dense {
				return nil, fmt.Errorf("architecture %q: %q after a dense layer; convolutions come first", s, f)
			}
			k, c, ok := strings.Cut(f[len("conv"):], "x")
			if !ok {
				err = fmt.Errorf("no x")
				break
			}
			st := "1"
			if ks, ss, ok := strings.Cut(k, "s"); ok {
				k, st = ks, ss
			}
			if sp.Kernel, err = strconv.Atoi(k); err != nil {
				break
			}
			if sp.Stride, err = strconv.Atoi(st); err != nil {
				break
			}
			sp.Units, err = strconv.Atoi(c)
			if sp.Kernel <= 0 || sp.Stride <= 0 {
				err = fmt.Errorf("kernel and stride must be positive")
			}
		default:
			err = fmt.Errorf("unknown layer")
		}
		if err != nil || sp.Units <= 0 {
			return nil, fmt.Errorf("architecture %q: layer %q is not convKsSxC or denseN with positive numbers", s, f)
		}
		specs = append(specs, sp)
	}
	if !dense {
		return nil, fmt.Errorf("architecture %q: the last layer (the classes) must be dense", s)
	}
	return specs, nil
}

// ConvLayer is a valid 2-D convolution in a graph. Its input is the InH×InW×InC nodes
// from In on, its output the OutH×OutW×OutC nodes from Out on, both numbered row by row,
// channels fastest: position (y, x, c) is node In + (y·InW + x)·InC + c. Output node
// (y, x, o) reads the Kernel×Kernel×InC input nodes (y·Stride + dy, x·Stride + dx, c); its
// in-edges are the consecutive edges from Edge + ((y·OutW + x)·OutC + o)·Kernel²·InC on,
// ordered by dy, dx, c, and carry the weights of output channel o's kernel in that order.
// All output nodes of channel o have one bias.
type ConvLayer struct {
	InH, InW, InC    int
	Kernel, Stride   int
	OutH, OutW, OutC int
	In, Out, Edge    int
}

// FanIn is the number of in-edges of an output node: Kernel²·InC.
func (c ConvLayer) FanIn() int { return c.Kernel * c.Kernel * c.InC }

func (c ConvLayer) String() string {
	return fmt.Sprintf("%d×%d×%d → conv %d×%d stride %d → %d×%d×%d", c.InH, c.InW, c.InC, c.Kernel, c.Kernel, c.Stride, c.OutH, c.OutW, c.OutC)
}

// Arch is a network built from layer specifications: its graph, its weight and bias ties,
// its convolutions, and the sizes of its layers (data first, classes last).
type Arch struct {
	Graph *Graph
	Ties  *Ties
	Conv  []ConvLayer
	Sizes []int
	Specs []LayerSpec
}

// maxArchEdges bounds the edges of an architecture: 1<<27 edges are 2 GiB of x and w for
// each item of a batch, so a mistyped -arch fails at once instead of exhausting memory.
const maxArchEdges = 1 << 27

// BuildArch builds the graph of an architecture on h×w×c data (data nodes first, then each
// layer's nodes in order; the last layer holds the class nodes). A convolution's output is
// (in − Kernel)/Stride + 1 positions per side, rounded down; a hidden convolution is then
// cropped to the rows and columns the next convolution reads, so that every hidden node has
// out-edges. Dense layers connect to every node of the previous layer. Every edge of a
// convolution carries its kernel parameter and every node its channel's bias; dense edges
// and nodes are untied.
func BuildArch(h, w, c int, specs []LayerSpec) (*Arch, error) {
	if h <= 0 || w <= 0 || c <= 0 || len(specs) == 0 {
		return nil, fmt.Errorf("%w: data of %d×%d×%d and %d layers", ErrGraph, h, w, c, len(specs))
	}
	if specs[len(specs)-1].Kernel > 0 {
		return nil, fmt.Errorf("%w: the class layer must be dense", ErrGraph)
	}
	// Shapes: forward, then crop hidden convolutions backward.
	type shape struct{ h, w, c int }
	shapes := []shape{{h, w, c}}
	for l, sp := range specs {
		in := shapes[l]
		if sp.Kernel == 0 {
			shapes = append(shapes, shape{1, 1, sp.Units})
			continue
		}
		if l > 0 && specs[l-1].Kernel == 0 {
			return nil, fmt.Errorf("%w: convolution %v after a dense layer", ErrGraph, sp)
		}
		if sp.Kernel > in.h || sp.Kernel > in.w {
			return nil, fmt.Errorf("%w: layer %d (%v): kernel larger than its %d×%d input", ErrGraph, l+1, sp, in.h, in.w)
		}
		shapes = append(shapes, shape{(in.h-sp.Kernel)/sp.Stride + 1, (in.w-sp.Kernel)/sp.Stride + 1, sp.Units})
	}
	for l := len(specs) - 1; l >= 1; l-- {
		if sp := specs[l]; sp.Kernel > 0 {
			out := shapes[l+1]
			shapes[l].h = (out.h-1)*sp.Stride + sp.Kernel
			shapes[l].w = (out.w-1)*sp.Stride + sp.Kernel
		}
	}
	var edges64 int64 // bounded before anything is allocated
	for l := 1; l < len(shapes); l++ {
		in, out := shapes[l-1], shapes[l]
		nIn, nOut := int64(in.h)*int64(in.w)*int64(in.c), int64(out.h)*int64(out.w)*int64(out.c)
		fan := nIn
		if specs[l-1].Kernel > 0 {
			fan = int64(specs[l-1].Kernel) * int64(specs[l-1].Kernel) * int64(in.c)
		}
		if nIn > 1<<24 || nOut > 1<<24 || fan*nOut > maxArchEdges-edges64 {
			return nil, fmt.Errorf("%w: more than %d edges (layer %d has %d nodes)", ErrGraph, maxArchEdges, l, nOut)
		}
		edges64 += fan * nOut
	}
	a := &Arch{Specs: append([]LayerSpec(nil), specs...)}
	var roles []Role
	var edges []Edge
	var wpar, bpar []int
	np, nb := 0, 0 // parameters so far
	start := 0     // first node of the current input layer
	for l := 0; l <= len(specs); l++ {
		s := shapes[l]
		size := s.h * s.w * s.c
		if size <= 0 || size > 1<<24 {
			return nil, fmt.Errorf("%w: layer %d has %d nodes", ErrGraph, l, size)
		}
		a.Sizes = append(a.Sizes, size)
		role := Hidden
		switch l {
		case 0:
			role = Data
		case len(specs):
			role = Class
		}
		out := start
		if l > 0 {
			out = start + a.Sizes[l-1]
		}
		for range size {
			roles = append(roles, role)
		}
		if l == 0 {
			for range size {
				bpar = append(bpar, nb)
				nb++
			}
			continue
		}
		sp, in := specs[l-1], shapes[l-1]
		if sp.Kernel == 0 {
			for j := 0; j < size; j++ {
				for i := 0; i < a.Sizes[l-1]; i++ {
					edges = append(edges, Edge{start + i, out + j})
					wpar = append(wpar, np)
					np++
				}
				bpar = append(bpar, nb)
				nb++
			}
		} else {
			cl := ConvLayer{InH: in.h, InW: in.w, InC: in.c, Kernel: sp.Kernel, Stride: sp.Stride,
				OutH: s.h, OutW: s.w, OutC: s.c, In: start, Out: out, Edge: len(edges)}
			fan := cl.FanIn()
			for y := 0; y < s.h; y++ {
				for x := 0; x < s.w; x++ {
					for o := 0; o < s.c; o++ {
						j := out + (y*s.w+x)*s.c + o
						t := 0
						for dy := 0; dy < sp.Kernel; dy++ {
							for dx := 0; dx < sp.Kernel; dx++ {
								for ci := 0; ci < in.c; ci++ {
									i := start + ((y*sp.Stride+dy)*in.w+x*sp.Stride+dx)*in.c + ci
									edges = append(edges, Edge{i, j})
									wpar = append(wpar, np+o*fan+t)
									t++
								}
							}
						}
						bpar = append(bpar, nb+o)
					}
				}
			}
			np += s.c * fan
			nb += s.c
			a.Conv = append(a.Conv, cl)
		}
		start = out
	}
	g, err := NewGraph(roles, edges)
	if err != nil {
		return nil, err
	}
	a.Graph = g
	if a.Ties, err = NewTies(g, wpar, bpar); err != nil {
		return nil, err
	}
	return a, nil
}

// String describes the architecture's shapes, e.g. "28×28×1 → conv5s2x8 11×11×8 → dense10".
func (a *Arch) String() string {
	var b strings.Builder
	ci := 0
	if len(a.Conv) > 0 {
		c := a.Conv[0]
		fmt.Fprintf(&b, "%d×%d×%d", c.InH, c.InW, c.InC)
	} else {
		fmt.Fprintf(&b, "%d", a.Sizes[0])
	}
	for l, sp := range a.Specs {
		if sp.Kernel > 0 {
			c := a.Conv[ci]
			ci++
			fmt.Fprintf(&b, " → %v %d×%d×%d", sp, c.OutH, c.OutW, c.OutC)
		} else {
			fmt.Fprintf(&b, " → %d", a.Sizes[l+1])
		}
	}
	return b.String()
}

// FormatArch describes a trained architecture for the bundle format: the general form of
// FormatNetwork (per-edge weights w and per-node biases b, not copied) with its convolutions
// described (format 1.1), so that readers can show them as such.
func FormatArch(a *Arch, act Activation, omega, margin float64, w, b []float64) (*format.Network, error) {
	n, err := FormatNetwork(a.Graph, act, omega, margin, w, b)
	if err != nil {
		return nil, err
	}
	for _, c := range a.Conv {
		n.Conv = append(n.Conv, format.Conv{In: c.In, Out: c.Out, Edge: c.Edge,
			InShape: [3]int{c.InH, c.InW, c.InC}, OutShape: [3]int{c.OutH, c.OutW, c.OutC},
			Kernel: c.Kernel, Stride: c.Stride})
	}
	return n, nil
}

// WeightMetric returns the per-node weight metric of NetworkConfig.WeightMetric that gives
// the w copies of every in-edge of layer l (the l-th of Specs, the class layer last) the
// metric weight perLayer[l]: one value per layer. See Network, "Weight metric".
func (a *Arch) WeightMetric(perLayer []float64) ([]float64, error) {
	if len(perLayer) != len(a.Specs) {
		return nil, fmt.Errorf("%w: %d weight metrics for %d layers", ErrSettings, len(perLayer), len(a.Specs))
	}
	m := make([]float64, a.Graph.Nodes())
	j := 0
	for l, s := range a.Sizes {
		v := 1.0
		if l > 0 {
			v = perLayer[l-1]
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: weight metric %v of layer %d, want positive and finite", ErrSettings, v, l)
			}
		}
		for range s {
			m[j] = v
			j++
		}
	}
	return m, nil
}
