package infer

import (
	"fmt"
	"sync"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/asm/f32"
)

// Model32 is the float32 view of a classifier (Model.Float32): the same network evaluated
// with float32 items, weights and sums, in the plan and blocks of the float64 pass and the
// 8-lane kernels of internal/asm/f32, for programs that want ONNX Runtime's float32 speed
// and hold their items as float32. Bundles store float32 weights, so nothing is rounded on
// the way in; the sums are. Its scores differ from the float64 ones by float32 rounding of
// the sums (relative 2⁻²⁴ per term, growing with the fan-in); on the shipped MNIST
// classifiers' 10,000 test digits the classes are the float64 classes (the tests count the
// differences). Its methods are safe for concurrent use; lengths and non-finite values
// are checked as for Model.
type Model32 struct {
	m    *Model
	w, b []float32
	inv  float32
	pool sync.Pool // *workspace32
}

type workspace32 struct {
	x, y [block][]float32
	xt   []float32 // x of the block interleaved, node i of item b at xt[4i+b], for Gather4
	bad  [block]bool
	d    [8]float32
}

// Float32 returns the float32 view of a classifier (built on the first call, then shared).
// It panics for the other kinds.
func (m *Model) Float32() *Model32 {
	m.need(format.KindClassifier)
	m.f32once.Do(func() {
		n := m.b.Network
		f := &Model32{m: m, w: make([]float32, len(n.W)), b: make([]float32, len(n.B)), inv: float32(1 / n.Omega)}
		for i, v := range n.W {
			f.w[i] = float32(v)
		}
		for i, v := range n.B {
			f.b[i] = float32(v)
		}
		f.pool.New = func() any {
			ws := &workspace32{}
			for b := range block {
				ws.x[b], ws.y[b] = make([]float32, n.Nodes), make([]float32, n.Nodes)
			}
			ws.xt = make([]float32, block*n.Nodes)
			return ws
		}
		m.f32 = f
	})
	return m.f32
}

type rows32 [block][]float32

// run evaluates a block of items with the classifier's plan.
func (f *Model32) run(ws *workspace32, ins *rows32) {
	p, e := f.m.classify, f.m.net
	ws.bad = [block]bool{}
	if !p.direct {
		for b := range block {
			for k, i := range p.start {
				ws.x[b][i] = ins[b][k]
				ws.xt[block*i+b] = ins[b][k]
			}
		}
	}
	for si := range p.steps {
		s := &p.steps[si]
		if s.dense {
			var src [block][]float32
			for b := range block {
				if p.direct && s.lo >= p.start[0] && s.lo+s.n <= p.start[0]+len(p.start) {
					src[b] = ins[b][s.lo-p.start[0] : s.lo-p.start[0]+s.n]
				} else {
					src[b] = ws.x[b][s.lo : s.lo+s.n]
				}
			}
			for k := 0; k < len(s.nodes); k += 2 {
				k1 := min(k+1, len(s.nodes)-1)
				f32.Dots4x2(&ws.d, src[0], src[1], src[2], src[3], f.w[s.weight[k]:s.weight[k]+s.n], f.w[s.weight[k1]:s.weight[k1]+s.n])
				for b := range block {
					f.set(ws, b, s.nodes[k], ws.d[2*b])
					f.set(ws, b, s.nodes[k1], ws.d[2*b+1])
				}
			}
			continue
		}
		var d [block]float32
		for _, j := range s.nodes {
			in := e.ins[j]
			f32.Gather4(&d, ws.xt, f.w, e.src[in.lo:in.lo+in.n], e.eid[in.lo:in.lo+in.n])
			for b := range block {
				f.set(ws, b, j, d[b])
			}
		}
	}
}

func (f *Model32) set(ws *workspace32, b, j int, s float32) {
	e := f.m.net
	y := s * f.inv
	ws.y[b][j] = y
	if y-y != 0 {
		ws.bad[b] = true
	}
	v := float32(Activate(e.act[j], float64(y-f.b[j]), e.delta[j]))
	ws.x[b][j] = v
	ws.xt[block*j+b] = v
}

func (f *Model32) class(ws *workspace32, b int) int {
	best, arg := float32(0), -1
	for k, i := range f.m.net.class {
		if s := ws.y[b][i] - f.b[i]; arg < 0 || s > best {
			best, arg = s, k
		}
	}
	return arg
}

func (f *Model32) one(method string, item []float32) *workspace32 {
	if len(item) != f.m.NumData() {
		panic(fmt.Sprintf("infer: %s: item has %d values, want %d", method, len(item), f.m.NumData()))
	}
	ws := f.pool.Get().(*workspace32)
	ins := rows32{item, item, item, item}
	f.run(ws, &ins)
	if ws.bad[0] {
		f.pool.Put(ws)
		panic(fmt.Sprintf("infer: %s: the input holds a NaN or ±Inf, or a pre-activation overflows", method))
	}
	return ws
}

// Classify is Model.Classify in float32.
func (f *Model32) Classify(item []float32) int {
	ws := f.one("Classify", item)
	c := f.class(ws, 0)
	f.pool.Put(ws)
	return c
}

// Scores is Model.Scores in float32.
func (f *Model32) Scores(dst, item []float32) []float32 {
	if dst == nil {
		dst = make([]float32, f.m.NumClasses())
	}
	if len(dst) != f.m.NumClasses() {
		panic(fmt.Sprintf("infer: dst has %d values, want %d", len(dst), f.m.NumClasses()))
	}
	ws := f.one("Scores", item)
	for k, i := range f.m.net.class {
		dst[k] = ws.y[0][i] - f.b[i]
	}
	f.pool.Put(ws)
	return dst
}

// ClassifyBatch is Model.ClassifyBatch in float32: blocks of four items, batches of 64
// or more split across GOMAXPROCS goroutines.
func (f *Model32) ClassifyBatch(dst []int, items [][]float32) []int {
	if dst == nil {
		dst = make([]int, len(items))
	}
	if len(dst) != len(items) {
		panic(fmt.Sprintf("infer: ClassifyBatch: dst has %d entries for %d items", len(dst), len(items)))
	}
	for i, r := range items {
		if len(r) != f.m.NumData() {
			panic(fmt.Sprintf("infer: ClassifyBatch: item %d has %d values, want %d", i, len(r), f.m.NumData()))
		}
	}
	n := len(items)
	parts := min(partsFor(n), (n+block-1)/block)
	bad := -1
	if parts <= 1 {
		bad = f.part(dst, items, 0, n)
	} else {
		bad = parallel(task{f: f, dst: dst, items3: items}, n, parts)
	}
	if bad >= 0 {
		panic(fmt.Sprintf("infer: ClassifyBatch: item %d holds a NaN or ±Inf, or a pre-activation overflows", bad))
	}
	return dst
}

func (f *Model32) part(dst []int, items [][]float32, lo, hi int) (bad int) {
	bad = -1
	ws := f.pool.Get().(*workspace32)
	for b := lo; b < hi; b += block {
		e := min(b+block, hi)
		for _, next := range items[e:min(e+block, hi)] {
			f32.Prefetch(next)
		}
		var ins rows32
		for k := range block {
			ins[k] = items[min(b+k, e-1)]
		}
		f.run(ws, &ins)
		for k := b; k < e; k++ {
			if ws.bad[k-b] && bad < 0 {
				bad = k
			}
			dst[k] = f.class(ws, k-b)
		}
	}
	f.pool.Put(ws)
	return bad
}
