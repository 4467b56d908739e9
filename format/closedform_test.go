package format

import (
	"math"
	"math/bits"
	"time"
)

// Closed-form models whose weights are known exactly; they make the golden bundles.

var goldenTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func closedFormProvenance(name string, size int, hyper map[string]float64) Provenance {
	return Provenance{
		Hyper:          hyper,
		Metrics:        map[string]float64{"data_err": 0, "code_err": 0, "rrr_err": 0, "gwms": 0},
		Dataset:        name,
		DatasetSize:    size,
		LibraryVersion: "lwl 0.1.0",
		Created:        goldenTime,
		Notes:          "closed-form weights, Elser \"Learning Without Loss\" appendix C",
	}
}

// binaryEncoder is the perfect 2^n → n → 2^n binary encoder with step activation of
// appendix C: 1-hot position i encodes to the binary digits of i (code node j = bit j).
// Encoder weights ±Ω/√|D| (eq. 61), decoder weights ±Ω/√|C| (the equality case of
// eq. 64); biases at the midpoints of the intervals (58) and (63): 0 on code nodes and
// (popcount(i) − ½)/√|C| on data node i.
func binaryEncoder(n int) *Network {
	D, C := 1<<n, n
	const omega = 100
	delta := 0.4
	if n >= 5 {
		delta = 0.34
	}
	groups := []Group{{Name: "data", Activation: ActStep, Delta: delta}, {Name: "code", Activation: ActStep, Delta: delta}}
	net := NewLayered([]int{D, C}, true, omega, groups, []Role{RoleData, RoleCode})
	sd, sc := omega/math.Sqrt(float64(D)), omega/math.Sqrt(float64(C))
	for j := range C { // encoder: row j holds the in-weights of code node D+j
		for i := range D {
			net.W[j*D+i] = -sd
			if i>>j&1 == 1 {
				net.W[j*D+i] = sd
			}
		}
	}
	for i := range D { // decoder: row i holds the in-weights of data node i
		for j := range C {
			net.W[D*C+i*C+j] = -sc
			if i>>j&1 == 1 {
				net.W[D*C+i*C+j] = sc
			}
		}
		net.B[i] = (float64(bits.OnesCount(uint(i))) - 0.5) / math.Sqrt(float64(C))
	}
	if n == 5 {
		net.DataShape = []int{4, 8}
	}
	return net
}

func binaryEncoderBundle(n int) *Bundle {
	net := binaryEncoder(n)
	return &Bundle{Kind: KindAutoencoder, Network: net,
		Provenance: closedFormProvenance("binary 1-hot", 1<<n, map[string]float64{"omega": 100, "delta": net.Groups[0].Delta, "beta": 0.5})}
}

// acceptAllFilter is a closed-form fake/genuine classifier on n codes in [0, 1] that
// calls every code genuine: genuine score (Σz)/√n + 0.1 > 0 > fake score −(Σz)/√n − 0.1.
// For the binary encoder every one of the 2^n codes decodes to a valid 1-hot vector, so
// accepting all is the right filter and the fpa is 1.
func acceptAllFilter(n int) *Network {
	const omega = 5
	groups := []Group{{Name: "codes"}, {Name: "class", Delta: 0.1}}
	f := NewLayered([]int{n, 2}, false, omega, groups, []Role{RoleData, RoleClass})
	s := omega / math.Sqrt(float64(n))
	for i := range n {
		f.W[i] = -s  // into c0 (fake)
		f.W[n+i] = s // into c1 (genuine)
	}
	f.B[n], f.B[n+1] = 0.1, -0.1
	f.ClassNames = []string{"fake", "genuine"}
	return f
}

func binaryGeneratorBundle(n int) *Bundle {
	b := binaryEncoderBundle(n)
	b.Kind = KindGenerator
	g := &Generator{Filter: acceptAllFilter(n), FPA: 1}
	for range n {
		g.Marginals = append(g.Marginals, []float64{0, 1})
	}
	b.Generator = g
	b.Provenance.Hyper["fpa"] = 1
	return b
}

// majority3 is a 3 → 2 classifier of the majority of three bits:
// score("one") = (Σx − 1.5)/√3, score("zero") = (1.5 − Σx)/√3.
func majority3() *Bundle {
	const omega = 2
	groups := []Group{{Name: "bits"}, {Name: "class", Delta: 0.1}}
	net := NewLayered([]int{3, 2}, false, omega, groups, []Role{RoleData, RoleClass})
	s := omega / math.Sqrt(3)
	for i := range 3 {
		net.W[i], net.W[3+i] = -s, s
	}
	net.B[3], net.B[4] = -1.5/math.Sqrt(3), 1.5/math.Sqrt(3)
	net.ClassNames = []string{"zero", "one"}
	return &Bundle{Kind: KindClassifier, Network: net,
		Provenance: closedFormProvenance("3-bit majority", 8, map[string]float64{"omega": omega, "delta": 0.1, "upsilon": 1})}
}

// nmf4x2 factorises 4-pixel images into two non-overlapping parts.
func nmf4x2() *Bundle {
	s := 1 / math.Sqrt2
	return &Bundle{Kind: KindNMF, NMF: &NMF{Data: 4, Codes: 2, Omega: 1, DataShape: []int{2, 2},
		Features: []float64{s, 0, s, 0, 0, s, 0, s}},
		Provenance: closedFormProvenance("two bars", 4, map[string]float64{"omega": 1, "beta": 0.3})}
}

// edgeListEncoder is binaryEncoder(n) in the general edge-list form, with its edges
// listed in a scrambled order.
func edgeListEncoder(n int) *Network {
	l := binaryEncoder(n)
	from, to := l.Edges()
	g := &Network{Nodes: l.Nodes, Omega: l.Omega, B: l.B, Groups: l.Groups, NodeGroup: l.NodeGroup, Roles: l.Roles}
	ne := len(from)
	for k := range ne {
		e := (k * 7) % ne // 7 is coprime to every 2^n·n·2 here
		g.From, g.To, g.W = append(g.From, from[e]), append(g.To, to[e]), append(g.W, l.W[e])
	}
	return g
}

// stripes6 is the golden convolutional classifier (format 1.1): 6×6 images → valid 3×3
// convolution, stride 1, 2 channels (4×4×2, ReLU) → 2 classes, "horizontal" and
// "vertical" stripes. Channel 0's kernel responds to a bright row over a dark one, channel
// 1's to a bright column beside a dark one; each class node sums its channel and subtracts
// the other. Kernels ±Ω/√6, class weights ±Ω/√32, Ω 1; biases 0.
func stripes6() *Bundle {
	const omega, k = 1.0, 3
	groups := []Group{{Name: "pixels"}, {Name: "conv", Activation: ActReLU}, {Name: "class", Delta: 0.1}}
	net := &Network{Nodes: 36 + 32 + 2, Omega: omega, Groups: groups, DataShape: []int{6, 6}, ClassNames: []string{"horizontal", "vertical"}}
	for i := range net.Nodes {
		switch {
		case i < 36:
			net.NodeGroup, net.Roles = append(net.NodeGroup, 0), append(net.Roles, RoleData)
		case i < 68:
			net.NodeGroup, net.Roles = append(net.NodeGroup, 1), append(net.Roles, RoleHidden)
		default:
			net.NodeGroup, net.Roles = append(net.NodeGroup, 2), append(net.Roles, RoleClass)
		}
	}
	s := omega / math.Sqrt(6)
	kernel := [2][9]float64{{s, s, s, 0, 0, 0, -s, -s, -s}, {s, 0, -s, s, 0, -s, s, 0, -s}}
	for y := range 4 {
		for x := range 4 {
			for o := range 2 {
				for dy := range k {
					for dx := range k {
						net.From = append(net.From, (y+dy)*6+x+dx)
						net.To = append(net.To, 36+(y*4+x)*2+o)
						net.W = append(net.W, kernel[o][dy*k+dx])
					}
				}
			}
		}
	}
	c := omega / math.Sqrt(32)
	for cl := range 2 {
		for i := range 32 {
			net.From, net.To = append(net.From, 36+i), append(net.To, 68+cl)
			net.W = append(net.W, c*float64(1-2*((i+cl)%2)))
		}
	}
	net.B = make([]float64, net.Nodes)
	net.Conv = []Conv{{In: 0, Out: 36, Edge: 0, InShape: [3]int{6, 6, 1}, OutShape: [3]int{4, 4, 2}, Kernel: k, Stride: 1}}
	p := closedFormProvenance("6×6 stripes", 12, map[string]float64{"omega": omega, "delta": 0.1, "upsilon": 1})
	p.Notes = "closed-form weights: edge-detector kernels of a valid convolution"
	p.Metrics = map[string]float64{"train_err": 0}
	return &Bundle{Kind: KindClassifier, Network: net, Provenance: p}
}
