package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/format"
)

// The batched forward pass (plan.go) against the plain one (Network.Forward): every kind
// of network, every shipped bundle, batches of every size class.

func randomItems(rng *rand.Rand, k, n int) [][]float64 {
	items := make([][]float64, k)
	for i := range items {
		items[i] = make([]float64, n)
		for j := range items[i] {
			items[i][j] = rng.Float64()
		}
	}
	return items
}

// sparse turns a layered network into the general form with a random half of its edges
// in a shuffled order, so that most nodes gather scattered in-edges.
func sparse(rng *rand.Rand, l *format.Network) *format.Network {
	from, to := l.Edges()
	g := &format.Network{Nodes: l.Nodes, Omega: l.Omega, B: l.B, Groups: l.Groups, NodeGroup: l.NodeGroup, Roles: l.Roles}
	for _, e := range rng.Perm(len(from)) {
		if rng.IntN(2) == 0 {
			g.From, g.To, g.W = append(g.From, from[e]), append(g.To, to[e]), append(g.W, l.W[e])
		}
	}
	return g
}

// checkModel compares every method of m with Network.Forward on items (data items; codes
// are made by encoding them).
func checkModel(t *testing.T, name string, m *Model, items [][]float64) {
	t.Helper()
	e := m.Network()
	n := e.NumNodes()
	x, y := make([]float64, n), make([]float64, n)
	close := func(what string, i int, got, want []float64) {
		t.Helper()
		if !near(want, got, 1e-12) {
			t.Fatalf("%s: %s of item %d: fast %v, plain %v", name, what, i, got, want)
		}
	}
	switch m.Kind() {
	case format.KindClassifier:
		want := make([]float64, m.NumClasses())
		classes := m.ClassifyBatch(nil, items)
		scores := m.ScoresBatch(nil, items)
		for i, item := range items {
			e.Forward(x, y, item)
			e.Scores(want, y)
			close("scores", i, m.Scores(nil, item), want)
			close("batch scores", i, scores[i], want)
			if ArgMax(scores[i]) != classes[i] {
				t.Fatalf("%s: item %d: ArgMax of ScoresBatch %d, ClassifyBatch %d", name, i, ArgMax(scores[i]), classes[i])
			}
			c := m.Classify(item)
			if c != e.Class(y) && math.Abs(want[c]-want[e.Class(y)]) > 1e-9 {
				t.Fatalf("%s: item %d: class %d, plain %d (scores %v)", name, i, c, e.Class(y), want)
			}
			if classes[i] != c {
				t.Fatalf("%s: item %d: ClassifyBatch %d, Classify %d", name, i, classes[i], c)
			}
		}
	default:
		codes := make([][]float64, len(items))
		want := make([]float64, len(e.DataNodes()))
		for i, item := range items {
			codes[i] = m.Encode(nil, item)
			e.Forward(x, y, item)
			wc := make([]float64, len(e.CodeNodes()))
			Gather(wc, x, e.CodeNodes())
			close("code", i, codes[i], wc)
			e.Output(want, y, e.DataNodes())
			close("reconstruction", i, m.Reconstruct(nil, item), want)
		}
		images := m.DecodeBatch(nil, codes)
		for i, code := range codes {
			e.ForwardCode(x, y, code)
			Gather(want, x, e.DataNodes())
			close("decoding", i, m.Decode(nil, code), want)
			close("batch decoding", i, images[i], want)
		}
	}
}

func TestFastMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	H, D, C, K := format.RoleHidden, format.RoleData, format.RoleCode, format.RoleClass
	for _, act := range []format.Activation{format.ActReLU, format.ActZigmoid, format.ActStep} {
		nets := map[string]*format.Network{
			"layered classifier":  randomNetwork(rng, []int{37, 9, 6, 3}, false, act, []format.Role{D, H, H, K}),
			"layered autoencoder": randomNetwork(rng, []int{23, 7, 5, 7}, true, act, []format.Role{D, H, C, H}),
			"sparse classifier":   sparse(rng, randomNetwork(rng, []int{30, 12, 8, 4}, false, act, []format.Role{D, H, H, K})),
			"sparse autoencoder":  sparse(rng, randomNetwork(rng, []int{20, 9, 5, 9}, true, act, []format.Role{D, H, C, H})),
		}
		for name, n := range nets {
			kind := format.KindAutoencoder
			if strings.Contains(name, "classifier") {
				kind = format.KindClassifier
			}
			m, err := New(&format.Bundle{Kind: kind, Network: n})
			if err != nil {
				t.Fatal(name, err)
			}
			for _, k := range []int{1, 3, 4, 5, 67, 130} {
				checkModel(t, act.String()+" "+name, m, randomItems(rng, k, m.NumData()))
			}
		}
	}
}

var mnistItems = sync.OnceValue(func() [][]float64 {
	d, err := dataset.MNIST(false, 300)
	if err != nil {
		return nil
	}
	rows := make([][]float64, d.X.Rows)
	for i := range rows {
		rows[i] = d.X.Row(i)
	}
	return rows
})

var mnistAll = sync.OnceValue(func() [][]float64 {
	d, err := dataset.MNIST(false, 0)
	if err != nil {
		return nil
	}
	rows := make([][]float64, d.X.Rows)
	for i := range rows {
		rows[i] = d.X.Row(i)
	}
	return rows
})

// TestShippedBundles: the bundles in testdata/ on random items and, where the module
// cache has it, the first 300 MNIST test digits.
func TestShippedBundles(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, name := range []string{"mnist-classifier.lwlb", "mnist-conv-classifier.lwlb", "mnist-generator.lwlb", "binary5-generator.lwlb"} {
		m, err := Load("../testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		items := randomItems(rng, 70, m.NumData())
		if m.NumData() == dataset.MNISTPixels {
			items = append(items, mnistItems()...)
		}
		checkModel(t, name, m, items)
	}
}

// TestBatchEqualsSingle: one item gets bit for bit the same scores alone (Dots1x8,
// Dots1x4, Gather1) as in a block of four (Dots4x2, Gather4), in dense and weight-tied
// networks.
func TestBatchEqualsSingle(t *testing.T) {
	for _, name := range []string{"mnist-classifier.lwlb", "mnist-conv-classifier.lwlb"} {
		t.Run(name, func(t *testing.T) { batchEqualsSingle(t, name) })
	}
}

func batchEqualsSingle(t *testing.T, name string) {
	m, err := Load("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	items := randomItems(rand.New(rand.NewPCG(25, 26)), 9, m.NumData())
	var ins rows
	ins.load(items[:4])
	ws := newWorkspace(m.Network().NumNodes())
	m.classify.run(m.net, ws, &ins)
	one := newWorkspace(m.Network().NumNodes())
	for b := range block {
		m.classify.runOne(m.net, one, items[b])
		for _, j := range m.net.class {
			if ws.y[b][j] != one.y[0][j] {
				t.Fatalf("item %d node %d: %v in a block, %v alone", b, j, ws.y[b][j], one.y[0][j])
			}
		}
	}
}

func TestNonFinite(t *testing.T) {
	cl := golden(t, "majority3.lwlb")
	ae := golden(t, "binary5.lwlb")
	nan, inf := []float64{1, math.NaN(), 0}, []float64{math.Inf(-1), 0, 1}
	for _, c := range []struct {
		name string
		call func()
		want string
	}{
		{"Classify NaN", func() { cl.Classify(nan) }, "Classify: the input holds a NaN"},
		{"Scores Inf", func() { cl.Scores(nil, inf) }, "Scores: the input holds a NaN"},
		{"ClassifyBatch", func() { cl.ClassifyBatch(nil, [][]float64{{1, 1, 1}, {0, 0, 0}, inf}) }, "ClassifyBatch: item 2 holds"},
		{"ClassifyBatch parallel", func() {
			items := randomItems(rand.New(rand.NewPCG(1, 1)), 200, 3)
			items[150] = nan
			cl.ClassifyBatch(nil, items)
		}, "ClassifyBatch: item 150 holds"},
		{"Decode", func() { ae.Decode(nil, []float64{0, 1, math.NaN(), 0, 0}) }, "Decode: the input holds"},
		{"Encode", func() { ae.Encode(nil, append(make([]float64, 31), math.Inf(1))) }, "Encode: the input holds"},
	} {
		if got := panics(c.call); !strings.Contains(got, c.want) {
			t.Errorf("%s: panic %q, want one with %q", c.name, got, c.want)
		}
	}
	var ie *InputError
	if err := cl.Check(nan); !errors.As(err, &ie) || ie.Index != 1 || !strings.Contains(err.Error(), "item value 1 is NaN") {
		t.Errorf("Check(NaN item) = %v", err)
	}
	if err := cl.CheckBatch([][]float64{{1, 0, 1}, {1, 0}}); err == nil || !strings.Contains(err.Error(), "item 1: infer: item has 2 values, want 3") {
		t.Errorf("CheckBatch(short item) = %v", err)
	}
	if err := ae.CheckCode([]float64{0, 1, 0, 1, 1}); err != nil {
		t.Errorf("CheckCode(good code) = %v", err)
	}
	if got := cl.ClassifyBatch(nil, nil); len(got) != 0 {
		t.Errorf("empty batch gave %v", got)
	}
}

func TestBatchNoAllocations(t *testing.T) {
	m, err := Load("../testdata/mnist-classifier.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Load("../testdata/mnist-generator.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(27, 28))
	// 63 items stay on the caller's goroutine, 300 are split across the workers.
	items, dst := randomItems(rng, 63, m.NumData()), make([]int, 63)
	codes, images := randomItems(rng, 13, g.NumCodes()), randomItems(rng, 13, g.NumData())
	big, bigDst := randomItems(rng, 300, m.NumData()), make([]int, 300)
	bigScores := randomItems(rng, 300, m.NumClasses())
	bigCodes, bigImages := randomItems(rng, 300, g.NumCodes()), randomItems(rng, 300, g.NumData())
	m32, big32 := m.Float32(), to32(big)
	for name, f := range map[string]func(){
		"ClassifyBatch":          func() { m.ClassifyBatch(dst, items) },
		"DecodeBatch":            func() { g.DecodeBatch(images, codes) },
		"ClassifyBatch parallel": func() { m.ClassifyBatch(bigDst, big) },
		"ScoresBatch parallel":   func() { m.ScoresBatch(bigScores, big) },
		"DecodeBatch parallel":   func() { g.DecodeBatch(bigImages, bigCodes) },
		"Model32 parallel":       func() { m32.ClassifyBatch(bigDst, big32) },
	} {
		if a := testing.AllocsPerRun(20, f); a != 0 {
			t.Errorf("%s: %v allocs per call", name, a)
		}
	}
}

// TestConcurrentBatches shares one model between goroutines that each run batches big
// enough to be split again (run under -race by .ci/run).
func TestConcurrentBatches(t *testing.T) {
	m, err := Load("../testdata/mnist-classifier.lwlb")
	if err != nil {
		t.Fatal(err)
	}
	items := randomItems(rand.New(rand.NewPCG(29, 30)), 300, m.NumData())
	want := m.ClassifyBatch(nil, items)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := m.ClassifyBatch(nil, items)
			for i := range got {
				if got[i] != want[i] || m.Classify(items[i]) != want[i] {
					errs <- "a concurrent batch gave another class"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func to32(rows [][]float64) [][]float32 {
	out := make([][]float32, len(rows))
	for i, r := range rows {
		out[i] = make([]float32, len(r))
		for j, v := range r {
			out[i][j] = float32(v)
		}
	}
	return out
}

// TestFloat32 compares the float32 view with the float64 model on random items and all
// 10,000 MNIST test digits: scores to float32 rounding, and classes, counting the items
// whose class differs (logged; a handful at most is expected, only where two scores are
// within the rounding; 0 of 10,067 on both shipped classifiers when this was written).
func TestFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	H, D, K := format.RoleHidden, format.RoleData, format.RoleClass
	random, err := New(&format.Bundle{Kind: format.KindClassifier, Network: sparse(rng, randomNetwork(rng, []int{30, 12, 8, 4}, false, format.ActReLU, []format.Role{D, H, H, K}))})
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]*Model{"sparse random": random}
	for _, name := range []string{"mnist-classifier.lwlb", "mnist-conv-classifier.lwlb"} {
		if models[name], err = Load("../testdata/" + name); err != nil {
			t.Fatal(err)
		}
	}
	for name, m := range models {
		items := randomItems(rng, 67, m.NumData())
		if m.NumData() == dataset.MNISTPixels {
			items = append(items, mnistAll()...)
		}
		f := m.Float32()
		items32 := to32(items)
		want := m.ClassifyBatch(nil, items)
		got := f.ClassifyBatch(nil, items32)
		differ := 0
		for i, item := range items {
			s64 := m.Scores(nil, item)
			s32 := f.Scores(nil, items32[i])
			for c := range s64 {
				if math.Abs(float64(s32[c])-s64[c]) > 1e-4*(1+math.Abs(s64[c])) {
					t.Fatalf("%s: item %d score %d: float32 %v, float64 %v", name, i, c, s32[c], s64[c])
				}
			}
			if got[i] != f.Classify(items32[i]) {
				t.Fatalf("%s: item %d: ClassifyBatch %d, Classify %d", name, i, got[i], f.Classify(items32[i]))
			}
			if got[i] != want[i] {
				differ++
			}
		}
		t.Logf("%s: %d of %d classes differ between float32 and float64", name, differ, len(items))
		if differ > len(items)/100 {
			t.Errorf("%s: %d of %d classes differ between float32 and float64", name, differ, len(items))
		}
	}
}
