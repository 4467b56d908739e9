package infer

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/lwl-go/lwl/format"
)

func golden(t testing.TB, name string) *Model {
	t.Helper()
	m, err := Load("../format/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func oneHot(d, i int) []float64 {
	v := make([]float64, d)
	v[i] = 1
	return v
}

func bitsOf(i, n int) []float64 {
	v := make([]float64, n)
	for j := range n {
		v[j] = float64(i >> j & 1)
	}
	return v
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBinaryEncoders: the closed-form encoders of appendix C reproduce every 1-hot vector.
func TestBinaryEncoders(t *testing.T) {
	for _, n := range []int{3, 4, 5} {
		m := golden(t, fmt.Sprintf("binary%d.lwlb", n))
		D := 1 << n
		if m.NumData() != D || m.NumCodes() != n {
			t.Fatalf("n=%d: %d data, %d codes", n, m.NumData(), m.NumCodes())
		}
		for i := range D {
			x := oneHot(D, i)
			if code := m.Encode(nil, x); !equal(code, bitsOf(i, n)) {
				t.Errorf("n=%d: E(e_%d) = %v, want %v", n, i, code, bitsOf(i, n))
			}
			if img := m.Decode(nil, bitsOf(i, n)); !equal(img, x) {
				t.Errorf("n=%d: D(bits %d) = %v", n, i, img)
			}
			if r := m.Reconstruct(nil, x); !equal(r, x) {
				t.Errorf("n=%d: D(E(e_%d)) = %v", n, i, r)
			}
		}
	}
}

// TestEdgeListAgreesWithLayered: the same network as a scrambled edge list (the general,
// gathered path) gives the same values as the layered (dense) form.
func TestEdgeListAgreesWithLayered(t *testing.T) {
	m := golden(t, "binary4.lwlb")
	l := m.Bundle().Network
	from, to := l.Edges()
	g := &format.Network{Nodes: l.Nodes, Omega: l.Omega, B: l.B, Groups: l.Groups, NodeGroup: l.NodeGroup, Roles: l.Roles}
	for _, e := range rand.New(rand.NewPCG(1, 2)).Perm(len(from)) {
		g.From, g.To, g.W = append(g.From, from[e]), append(g.To, to[e]), append(g.W, l.W[e])
	}
	ge, err := NewNetwork(g)
	if err != nil {
		t.Fatal(err)
	}
	le := m.Network()
	x1, y1 := make([]float64, l.Nodes), make([]float64, l.Nodes)
	x2, y2 := make([]float64, l.Nodes), make([]float64, l.Nodes)
	for i := range 16 {
		le.Forward(x1, y1, oneHot(16, i))
		ge.Forward(x2, y2, oneHot(16, i))
		if !near(x1, x2, 0) || !near(y1, y2, 1e-12) {
			t.Fatalf("item %d: layered %v %v, edge list %v %v", i, x1, y1, x2, y2)
		}
		le.ForwardCode(x1, y1, bitsOf(i, 4))
		ge.ForwardCode(x2, y2, bitsOf(i, 4))
		if !near(x1, x2, 0) || !near(y1, y2, 1e-12) {
			t.Fatalf("code %d differs", i)
		}
	}
}

func near(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*(1+math.Abs(a[i])) {
			return false
		}
	}
	return true
}

// randomNetwork is a layered network with random weights and biases.
func randomNetwork(rng *rand.Rand, layers []int, cyclic bool, act format.Activation, roles []format.Role) *format.Network {
	groups := make([]format.Group, len(layers))
	for l := range groups {
		groups[l] = format.Group{Activation: act, Delta: 0.4}
		if roles[l] == format.RoleClass {
			groups[l].Activation = format.ActNone
		}
	}
	n := format.NewLayered(layers, cyclic, 2, groups, roles)
	for i := range n.W {
		n.W[i] = rng.Float64()*2 - 1
	}
	for i := range n.B {
		n.B[i] = (rng.Float64()*2 - 1) * 0.1
	}
	return n
}

// reference is the forward pass written straight from SPEC.md §5 with no index tricks:
// repeat "evaluate every node whose in-neighbours (outside the start set) are done".
func reference(n *format.Network, item []float64, start format.Role) (x, y []float64) {
	from, to := n.Edges()
	x, y = make([]float64, n.Nodes), make([]float64, n.Nodes)
	done := make([]bool, n.Nodes)
	k := 0
	for i := range n.Nodes {
		if n.Roles[i] == start {
			x[i], done[i] = item[k], true
			k++
		}
	}
	pre := func(j int) float64 {
		s := 0.0
		for e := range to {
			if to[e] == j {
				s += x[from[e]] * n.W[e]
			}
		}
		return s / n.Omega
	}
	for progress := true; progress; {
		progress = false
		for j := range n.Nodes {
			if done[j] {
				continue
			}
			ready := true
			for e := range to {
				if to[e] == j && !done[from[e]] {
					ready = false
				}
			}
			if ready {
				g := n.Groups[n.NodeGroup[j]]
				y[j] = pre(j)
				x[j] = Activate(g.Activation, y[j]-n.B[j], g.Delta)
				done[j], progress = true, true
			}
		}
	}
	for i := range n.Nodes {
		if n.Roles[i] == start {
			y[i] = pre(i)
		}
	}
	return x, y
}

func TestForwardMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	H, D, C, K := format.RoleHidden, format.RoleData, format.RoleCode, format.RoleClass
	for _, act := range []format.Activation{format.ActReLU, format.ActZigmoid, format.ActStep} {
		cl := randomNetwork(rng, []int{13, 7, 5, 3}, false, act, []format.Role{D, H, H, K})
		ae := randomNetwork(rng, []int{12, 6, 4, 6}, true, act, []format.Role{D, H, C, H})
		for _, c := range []struct {
			n     *format.Network
			start format.Role
		}{{cl, D}, {ae, D}, {ae, C}} {
			e, err := NewNetwork(c.n)
			if err != nil {
				t.Fatal(err)
			}
			x, y := make([]float64, c.n.Nodes), make([]float64, c.n.Nodes)
			for range 20 {
				item := make([]float64, len(c.n.NodesWithRole(c.start)))
				for i := range item {
					item[i] = rng.Float64()
				}
				if c.start == D {
					e.Forward(x, y, item)
				} else {
					e.ForwardCode(x, y, item)
				}
				rx, ry := reference(c.n, item, c.start)
				if !near(x, rx, 1e-12) || !near(y, ry, 1e-12) {
					t.Fatalf("%v start %v: x %v y %v, reference x %v y %v", act, c.start, x, y, rx, ry)
				}
			}
		}
	}
}

// TestFloat32Tolerance: a saved model agrees with the float64 network it was saved from to
// the tolerance SPEC.md states: |Δy| ≤ 2⁻²³·Σ|x·w|/Ω per layer, here checked loosely.
func TestFloat32Tolerance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := randomNetwork(rng, []int{50, 20, 10}, false, format.ActReLU, []format.Role{format.RoleData, format.RoleHidden, format.RoleClass})
	var buf bytes.Buffer
	if err := format.Write(&buf, &format.Bundle{Kind: format.KindClassifier, Network: n}); err != nil {
		t.Fatal(err)
	}
	m, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := NewNetwork(n)
	x, y := make([]float64, n.Nodes), make([]float64, n.Nodes)
	for range 50 {
		item := make([]float64, 50)
		for i := range item {
			item[i] = rng.Float64()
		}
		e.Forward(x, y, item)
		want := make([]float64, 10)
		e.Scores(want, y)
		got := m.Scores(nil, item)
		if !near(got, want, 1e-5) {
			t.Fatalf("float32 model scores %v, float64 %v", got, want)
		}
	}
}

func TestClassifier(t *testing.T) {
	m := golden(t, "majority3.lwlb")
	var items [][]float64
	var want []int
	for i := range 8 {
		items = append(items, bitsOf(i, 3))
		if i == 3 || i >= 5 {
			want = append(want, 1)
		} else {
			want = append(want, 0)
		}
	}
	for i, it := range items {
		if c := m.Classify(it); c != want[i] {
			t.Errorf("majority%v = %d (%s)", it, c, m.ClassName(c))
		}
	}
	s := m.Scores(nil, []float64{1, 1, 1})
	if math.Abs(s[1]-1.5/math.Sqrt(3)) > 1e-6 || math.Abs(s[0]+1.5/math.Sqrt(3)) > 1e-6 {
		t.Errorf("scores %v", s)
	}
	var many [][]float64
	for range 100 {
		many = append(many, items...)
	}
	got := m.ClassifyBatch(nil, many)
	for i := range got {
		if got[i] != want[i%8] {
			t.Fatalf("batch item %d: %d", i, got[i])
		}
	}
	if m.ClassName(1) != "one" {
		t.Error(m.ClassName(1))
	}
}

func TestNMF(t *testing.T) {
	m := golden(t, "nmf4x2.lwlb")
	s := float64(float32(1 / math.Sqrt2))
	y := []float64{2 * s, 2 * s, 3 * s, 3 * s}
	if x := m.Encode(nil, y); !near(x, []float64{2, 3}, 1e-12) {
		t.Errorf("encode %v", x)
	}
	if r := m.Decode(nil, []float64{2, 3}); !near(r, y, 1e-12) {
		t.Errorf("reconstruct %v", r)
	}
	// Negative pseudo-inverse coefficients are clipped.
	if x := m.Encode(nil, []float64{1, 1, -1, -1}); x[1] != 0 || x[0] <= 0 {
		t.Errorf("ReLU: %v", x)
	}
	if r := m.Reconstruct(nil, y); !near(r, y, 1e-12) {
		t.Errorf("reconstruct item %v", r)
	}
	if _, err := NewNMF(&format.NMF{Data: 2, Codes: 2, Omega: 1, Features: []float64{1, 1, 1, 1}}); err == nil {
		t.Error("singular features accepted")
	}
}

func TestNoAllocations(t *testing.T) {
	cl := golden(t, "majority3.lwlb")
	ae := golden(t, "binary5.lwlb")
	nmf := golden(t, "nmf4x2.lwlb")
	item, scores := []float64{1, 0, 1}, make([]float64, 2)
	code, img := make([]float64, 5), make([]float64, 32)
	x, y := make([]float64, 37), make([]float64, 37)
	hot := oneHot(32, 7)
	nc, nr := make([]float64, 2), make([]float64, 4)
	for name, f := range map[string]func(){
		"Classify":       func() { cl.Classify(item) },
		"Scores":         func() { cl.Scores(scores, item) },
		"Encode":         func() { ae.Encode(code, hot) },
		"Decode":         func() { ae.Decode(img, code) },
		"Reconstruct":    func() { ae.Reconstruct(img, hot) },
		"Forward":        func() { ae.Network().Forward(x, y, hot) },
		"NMF Encode":     func() { nmf.Encode(nc, []float64{1, 2, 3, 4}) },
		"NMF Reconstruc": func() { nmf.Reconstruct(nr, []float64{1, 2, 3, 4}) },
	} {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocs per call", name, a)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	m := golden(t, "binary5.lwlb")
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			code := make([]float64, 5)
			for r := range 200 {
				i := (g*7 + r) % 32
				m.Encode(code, oneHot(32, i))
				ok = ok && equal(code, bitsOf(i, 5))
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent encode gave a wrong code")
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("no-such-file.lwlb"); err == nil {
		t.Error("missing file loaded")
	}
	data, _ := os.ReadFile("../format/testdata/binary3.lwlb")
	data[len(data)-1] ^= 1
	if _, err := Read(bytes.NewReader(data)); err == nil {
		t.Error("corrupt bundle loaded")
	}
}

func benchNet(b *testing.B, layers []int, roles []format.Role, cyclic bool) (*Model, []float64) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := randomNetwork(rng, layers, cyclic, format.ActZigmoid, roles)
	kind := format.KindClassifier
	if cyclic {
		kind = format.KindAutoencoder
	}
	m, err := New(&format.Bundle{Kind: kind, Network: n})
	if err != nil {
		b.Fatal(err)
	}
	item := make([]float64, layers[0])
	for i := range item {
		item[i] = rng.Float64()
	}
	return m, item
}

// BenchmarkClassify784x20x10: one item through the paper's MNIST classifier shape.
func BenchmarkClassify784x20x10(b *testing.B) {
	H := format.RoleHidden
	m, item := benchNet(b, []int{784, 20, 10}, []format.Role{format.RoleData, H, format.RoleClass}, false)
	b.ReportAllocs()
	for b.Loop() {
		m.Classify(item)
	}
}

// BenchmarkClassify784x200x10x200x784: one item through a layered (acyclic) network of the
// paper's autoencoder shape, classifying over the 784 output nodes.
func BenchmarkClassify784x200x10x200x784(b *testing.B) {
	H := format.RoleHidden
	m, item := benchNet(b, []int{784, 200, 10, 200, 784}, []format.Role{format.RoleData, H, H, H, format.RoleClass}, false)
	b.ReportAllocs()
	for b.Loop() {
		m.Classify(item)
	}
}

// BenchmarkReconstruct784x200x10x200: the autoencoder's feed-around (784 → 200 → 10 → 200
// → back to the 784 data nodes).
func BenchmarkReconstruct784x200x10x200(b *testing.B) {
	H := format.RoleHidden
	m, item := benchNet(b, []int{784, 200, 10, 200}, []format.Role{format.RoleData, H, format.RoleCode, H}, true)
	dst := make([]float64, 784)
	b.ReportAllocs()
	for b.Loop() {
		m.Reconstruct(dst, item)
	}
}

// BenchmarkClassifyBatch784x20x10 classifies 1000 items per op across all cores.
func BenchmarkClassifyBatch1000x784x20x10(b *testing.B) {
	H := format.RoleHidden
	m, item := benchNet(b, []int{784, 20, 10}, []format.Role{format.RoleData, H, format.RoleClass}, false)
	items := make([][]float64, 1000)
	for i := range items {
		items[i] = item
	}
	dst := make([]int, 1000)
	b.ReportAllocs()
	for b.Loop() {
		m.ClassifyBatch(dst, items)
	}
}

func TestForwardBatch(t *testing.T) {
	m := golden(t, "binary4.lwlb")
	e := m.Network()
	N, k := e.NumNodes(), 16
	items := make([]float64, 0, k*16)
	codes := make([]float64, 0, k*4)
	for i := range k {
		items = append(items, oneHot(16, i)...)
		codes = append(codes, bitsOf(i, 4)...)
	}
	x, y := make([]float64, k*N), make([]float64, k*N)
	x1, y1 := make([]float64, N), make([]float64, N)
	for _, parts := range []int{0, 1, 3} {
		e.ForwardBatch(x, y, items, parts)
		for r := range k {
			e.Forward(x1, y1, items[r*16:(r+1)*16])
			if !equal(x[r*N:(r+1)*N], x1) || !equal(y[r*N:(r+1)*N], y1) {
				t.Fatalf("parts %d row %d differs", parts, r)
			}
		}
		e.ForwardCodeBatch(x, y, codes, parts)
		for r := range k {
			e.ForwardCode(x1, y1, codes[r*4:(r+1)*4])
			if !equal(x[r*N:(r+1)*N], x1) || !equal(y[r*N:(r+1)*N], y1) {
				t.Fatalf("code parts %d row %d differs", parts, r)
			}
		}
	}
}
