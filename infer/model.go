package infer

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/asm/f64"
)

// Model is a loaded bundle ready for use. Its methods are safe for concurrent use and do
// not allocate once warm when the caller supplies dst (scratch buffers come from a pool).
// Calling a method that does not fit the model's kind (Classify on an NMF, …) panics.
//
// Lengths are the caller's contract, as in gonum's mat: a data item has NumData values, a
// code NumCodes, and a dst that is not nil has the length of the result (NumClasses for
// Scores, NumCodes for Encode, NumData for Decode and Reconstruct). A wrong length is a
// programming error and panics with a message that names both lengths. A program that takes
// items from outside (a request body, a file) checks them against NumData or NumCodes
// before the call and answers a wrong one with an error of its own (Check, CheckCode and
// CheckBatch do it); see the example of NumData. An item or code holding a NaN or ±Inf, or
// one that makes a pre-activation overflow, panics too, naming the item, rather than
// giving a class that means nothing; Check reports the former as an *InputError. An empty
// batch gives an empty result.
type Model struct {
	b    *format.Bundle
	net  *Network
	nmf  *NMF
	pool sync.Pool // *workspace

	classify, encode, decode, reconstruct *plan

	f32once sync.Once
	f32     *Model32
}

// Load reads the bundle at path and prepares it.
func Load(path string) (*Model, error) {
	b, err := format.Load(path)
	if err != nil {
		return nil, err
	}
	return New(b)
}

// Read reads a bundle from r (a file, an HTTP body, bytes from go:embed) and prepares it.
func Read(r io.Reader) (*Model, error) {
	b, err := format.Read(r)
	if err != nil {
		return nil, err
	}
	return New(b)
}

// New prepares a bundle held in memory. The model shares b's slices.
func New(b *format.Bundle) (*Model, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	m := &Model{b: b}
	var err error
	if b.Kind == format.KindNMF {
		m.nmf, err = NewNMF(b.NMF)
		return m, err
	}
	if m.net, err = NewNetwork(b.Network); err != nil {
		return nil, err
	}
	n, e := b.Network.Nodes, m.net
	m.pool.New = func() any { return newWorkspace(n) }
	if b.Kind == format.KindClassifier {
		m.classify = newPlan(e, e.data, e.fromData, e.class, false)
	} else {
		m.encode = newPlan(e, e.data, e.fromData, e.code, false)
		m.decode = newPlan(e, e.code, e.fromCode, e.data, false)
		m.reconstruct = newPlan(e, e.data, e.fromData, nil, true)
	}
	return m, nil
}

// Kind is the kind of the bundle.
func (m *Model) Kind() format.Kind { return m.b.Kind }

// Bundle is the bundle the model was made from: provenance, class names, shapes.
func (m *Model) Bundle() *format.Bundle { return m.b }

// Network is the model's network evaluator (nil for NMF).
func (m *Model) Network() *Network { return m.net }

// NMF is the model's NMF evaluator (nil unless Kind is KindNMF).
func (m *Model) NMF() *NMF { return m.nmf }

// NumData is the length of a data item (input pixels): the item of Classify, Scores,
// Encode and Reconstruct, and the result of Decode and Reconstruct.
func (m *Model) NumData() int {
	if m.nmf != nil {
		return m.nmf.d
	}
	return len(m.net.data)
}

// NumClasses is the number of class nodes of a classifier, the length of Scores' result
// (0 for the other kinds).
func (m *Model) NumClasses() int {
	if m.nmf != nil {
		return 0
	}
	return len(m.net.class)
}

// NumCodes is the code length of an autoencoder, a generator or an NMF: the code that
// Decode takes and Encode returns (0 for a classifier).
func (m *Model) NumCodes() int {
	if m.nmf != nil {
		return m.nmf.c
	}
	return len(m.net.code)
}

func (m *Model) need(kinds ...format.Kind) {
	for _, k := range kinds {
		if m.b.Kind == k {
			return
		}
	}
	panic(fmt.Sprintf("infer: %v model used as %v", m.b.Kind, kinds[0]))
}

func out(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("infer: dst has %d values, want %d", len(dst), n))
	}
	return dst
}

// Classify returns the class (index into the class nodes and ClassNames) of one item.
// It panics unless len(item) == NumData(), and when the item holds a NaN or ±Inf or
// makes a pre-activation overflow (Check reports both as an error instead).
func (m *Model) Classify(item []float64) int {
	m.need(format.KindClassifier)
	checkLen("Classify", "item", item, len(m.net.data))
	ws := m.one(m.classify, "Classify", item)
	c := m.class(ws, 0)
	m.pool.Put(ws)
	return c
}

// Scores writes the class scores y − b of one item into dst (allocated when nil) and
// returns it. It panics unless len(item) == NumData() and dst is nil or NumClasses() long,
// and on non-finite values as Classify does.
func (m *Model) Scores(dst, item []float64) []float64 {
	m.need(format.KindClassifier)
	checkLen("Scores", "item", item, len(m.net.data))
	dst = out(dst, len(m.net.class))
	ws := m.one(m.classify, "Scores", item)
	b := m.net.net.B
	for k, i := range m.net.class {
		dst[k] = ws.y[0][i] - b[i]
	}
	m.pool.Put(ws)
	return dst
}

// class is the argmax over the class nodes of y − b of item k of the block (ties to the
// lower class node, as Network.Class).
func (m *Model) class(ws *workspace, k int) int {
	return m.net.Class(ws.y[k])
}

// one evaluates a single item with plan p and returns the workspace holding it (the
// caller puts it back in the pool), panicking in the caller's goroutine on a non-finite
// value.
func (m *Model) one(p *plan, method string, item []float64) *workspace {
	ws := m.pool.Get().(*workspace)
	p.runOne(m.net, ws, item)
	if ws.bad[0] {
		m.pool.Put(ws)
		panic(fmt.Sprintf("infer: %s: the input holds a NaN or ±Inf, or a pre-activation overflows (Model.Check reports this as an error)", method))
	}
	return ws
}

func checkLen(method, what string, v []float64, n int) {
	if len(v) != n {
		panic(fmt.Sprintf("infer: %s: %s has %d values, want %d", method, what, len(v), n))
	}
}

// ClassName is the name of class c, or its number when the bundle has no names.
func (m *Model) ClassName(c int) string {
	if c >= 0 && c < len(m.b.Network.ClassNames) {
		return m.b.Network.ClassNames[c]
	}
	return fmt.Sprint(c)
}

// ClassifyBatch classifies items[i] into dst[i] (allocated when nil), splitting the batch
// across GOMAXPROCS goroutines. It panics unless every item is NumData() long and dst is
// nil or as long as items; it checks the whole batch first, in the caller's goroutine, so
// that the panic can be recovered there.
func (m *Model) ClassifyBatch(dst []int, items [][]float64) []int {
	m.need(format.KindClassifier)
	if dst == nil {
		dst = make([]int, len(items))
	}
	if len(dst) != len(items) {
		panic(fmt.Sprintf("infer: ClassifyBatch: dst has %d entries for %d items", len(dst), len(items)))
	}
	checkRows("ClassifyBatch", "item", items, m.NumData())
	m.batch("ClassifyBatch", m.classify, items, results{classes: dst})
	return dst
}

// ScoresBatch writes the class scores of items[i] into dst[i] (allocated when nil) as
// Scores does, in blocks and across goroutines as ClassifyBatch. It panics unless every
// item is NumData() long and dst is nil or holds as many rows of NumClasses() values.
func (m *Model) ScoresBatch(dst, items [][]float64) [][]float64 {
	m.need(format.KindClassifier)
	if dst == nil {
		dst = make([][]float64, len(items))
		for i := range dst {
			dst[i] = make([]float64, m.NumClasses())
		}
	}
	if len(dst) != len(items) {
		panic(fmt.Sprintf("infer: ScoresBatch: dst has %d rows for %d items", len(dst), len(items)))
	}
	checkRows("ScoresBatch", "item", items, m.NumData())
	checkRows("ScoresBatch", "dst row", dst, m.NumClasses())
	m.batch("ScoresBatch", m.classify, items, results{scores: dst})
	return dst
}

// ArgMax is the class of a row of scores: the index of the largest, ties going to the
// lower index (as Classify).
func ArgMax(scores []float64) int {
	best, arg := 0.0, -1
	for k, s := range scores {
		if arg < 0 || s > best {
			best, arg = s, k
		}
	}
	return arg
}

// checkRows panics unless every row has n values. The batch methods check their whole
// input before they split the work: a panic in one of their goroutines would end the
// program, where one in the caller's goroutine can be recovered (as net/http does).
func checkRows(method, what string, rows [][]float64, n int) {
	for i, r := range rows {
		if len(r) != n {
			panic(fmt.Sprintf("infer: %s: %s %d has %d values, want %d", method, what, i, len(r), n))
		}
	}
}

// parallelMin is the smallest batch that ClassifyBatch and DecodeBatch split across
// goroutines; smaller ones run on the caller's goroutine.
const parallelMin = 64

// partsFor is the number of goroutines a batch of n items is split across.
func partsFor(n int) int {
	if n < parallelMin {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// results is where batch writes: one of its fields is set.
type results struct {
	classes []int       // ClassifyBatch: the class of each item
	scores  [][]float64 // ScoresBatch: the class scores of each item
	images  [][]float64 // DecodeBatch: the data-node values of each code
}

// write stores the results of block items lo…hi-1 (block item k-lo is item k).
func (m *Model) write(r results, ws *workspace, lo, hi int) {
	for k := lo; k < hi; k++ {
		switch {
		case r.classes != nil:
			r.classes[k] = m.class(ws, k-lo)
		case r.scores != nil:
			for c, i := range m.net.class {
				r.scores[k][c] = ws.y[k-lo][i] - m.net.net.B[i]
			}
		case r.images != nil:
			for c, i := range m.net.data {
				r.images[k][c] = ws.x[k-lo][i]
			}
		}
	}
}

// batch evaluates items with plan p in blocks and writes each block's results into r
// (no function values here: they would make the blocks' rows escape to the heap). Batches
// of parallelMin items or more are split across up to GOMAXPROCS goroutines (parallel, in
// workers.go). A non-finite value panics in the caller's
// goroutine, naming the first such item, after all goroutines have finished.
func (m *Model) batch(method string, p *plan, items [][]float64, r results) {
	n := len(items)
	bad := -1
	parts := min(partsFor(n), (n+block-1)/block)
	if parts <= 1 {
		bad = m.part(p, items, r, 0, n)
	} else {
		bad = parallel(task{m: m, p: p, items: items, r: r}, n, parts)
	}
	if bad >= 0 {
		panic(fmt.Sprintf("infer: %s: item %d holds a NaN or ±Inf, or a pre-activation overflows (Model.CheckBatch reports this as an error)", method, bad))
	}
}

// part evaluates items lo…hi-1 on the calling goroutine and returns the first item that
// met a non-finite value, or -1.
func (m *Model) part(p *plan, items [][]float64, r results, lo, hi int) (bad int) {
	bad = -1
	ws := m.pool.Get().(*workspace)
	for b := lo; b < hi; b += block {
		e := min(b+block, hi)
		for _, next := range items[e:min(e+block, hi)] {
			f64.Prefetch(next)
		}
		var ins rows
		ins.load(items[b:e])
		p.run(m.net, ws, &ins)
		for k := b; k < e; k++ {
			if ws.bad[k-b] && bad < 0 {
				bad = k
			}
		}
		m.write(r, ws, b, e)
	}
	m.pool.Put(ws)
	return bad
}

// Encode writes the code of a data item (the code-node values of its forward pass) into
// dst (allocated when nil). For an NMF model it is the NMF encoding. It panics unless
// len(item) == NumData() and dst is nil or NumCodes() long.
func (m *Model) Encode(dst, item []float64) []float64 {
	if m.nmf != nil {
		return m.nmf.Encode(dst, item)
	}
	m.need(format.KindAutoencoder, format.KindGenerator)
	checkLen("Encode", "item", item, len(m.net.data))
	dst = out(dst, len(m.net.code))
	ws := m.one(m.encode, "Encode", item)
	for k, i := range m.net.code {
		dst[k] = ws.x[0][i]
	}
	m.pool.Put(ws)
	return dst
}

// Decode writes the data-node values that a code decodes to into dst (allocated when
// nil): the code item's feed-around from the code layer to the data layer. For an NMF
// model it is the reconstruction W·code. It panics unless len(code) == NumCodes() and dst
// is nil or NumData() long.
func (m *Model) Decode(dst, code []float64) []float64 {
	if m.nmf != nil {
		return m.nmf.Reconstruct(dst, code)
	}
	m.need(format.KindAutoencoder, format.KindGenerator)
	checkLen("Decode", "code", code, len(m.net.code))
	dst = out(dst, len(m.net.data))
	ws := m.one(m.decode, "Decode", code)
	for k, i := range m.net.data {
		dst[k] = ws.x[0][i]
	}
	m.pool.Put(ws)
	return dst
}

// Reconstruct writes D(E(item)) into dst (allocated when nil): the data item's
// feed-around back to the data layer, f(y − b) there. For NMF, W·Encode(item). It panics
// unless len(item) == NumData() and dst is nil or NumData() long.
func (m *Model) Reconstruct(dst, item []float64) []float64 {
	if m.nmf != nil {
		return m.nmf.ReconstructItem(dst, item)
	}
	m.need(format.KindAutoencoder, format.KindGenerator)
	checkLen("Reconstruct", "item", item, len(m.net.data))
	dst = out(dst, len(m.net.data))
	ws := m.one(m.reconstruct, "Reconstruct", item)
	m.net.Output(dst, ws.y[0], m.net.data)
	m.pool.Put(ws)
	return dst
}

// DecodeBatch decodes codes[i] into dst[i] (allocated when nil) across GOMAXPROCS
// goroutines. It panics unless every code is NumCodes() long and dst is nil or holds as
// many rows of NumData() values; like ClassifyBatch it checks them all before it starts.
func (m *Model) DecodeBatch(dst, codes [][]float64) [][]float64 {
	if m.nmf == nil {
		m.need(format.KindAutoencoder, format.KindGenerator)
	}
	if dst == nil {
		dst = make([][]float64, len(codes))
		for i := range dst {
			dst[i] = make([]float64, m.NumData())
		}
	}
	if len(dst) != len(codes) {
		panic(fmt.Sprintf("infer: DecodeBatch: dst has %d rows for %d codes", len(dst), len(codes)))
	}
	checkRows("DecodeBatch", "code", codes, m.NumCodes())
	checkRows("DecodeBatch", "dst row", dst, m.NumData())
	if m.nmf != nil {
		for i := range codes {
			m.nmf.Reconstruct(dst[i], codes[i])
		}
		return dst
	}
	m.batch("DecodeBatch", m.decode, codes, results{images: dst})
	return dst
}

// Check reports what is wrong with item as an input of Classify, Scores, Encode and
// Reconstruct (or, for a model whose items are codes, see CheckCode): a wrong length, or a
// NaN or ±Inf value. Those calls panic on such an item; a program that takes items from
// outside checks them first and answers with the error.
func (m *Model) Check(item []float64) error { return checkValues("item", item, m.NumData()) }

// CheckCode is Check for a code given to Decode.
func (m *Model) CheckCode(code []float64) error { return checkValues("code", code, m.NumCodes()) }

// CheckBatch is Check for every item of a batch, naming the first bad one.
func (m *Model) CheckBatch(items [][]float64) error {
	for i, item := range items {
		if err := m.Check(item); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return nil
}

// InputError describes an item or code that a model cannot evaluate.
type InputError struct {
	What  string // "item" or "code"
	Len   int    // its length
	Want  int    // the length the model takes
	Index int    // the position of the first non-finite value, or -1
	Value float64
}

func (e *InputError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("infer: %s has %d values, want %d", e.What, e.Len, e.Want)
	}
	return fmt.Sprintf("infer: %s value %d is %v", e.What, e.Index, e.Value)
}

func checkValues(what string, v []float64, n int) error {
	if len(v) != n {
		return &InputError{What: what, Len: len(v), Want: n, Index: -1}
	}
	for i, x := range v {
		if x-x != 0 {
			return &InputError{What: what, Len: len(v), Want: n, Index: i, Value: x}
		}
	}
	return nil
}
