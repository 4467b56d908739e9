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
