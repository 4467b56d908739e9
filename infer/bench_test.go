package infer_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/infer"
)

// The runtime's benchmarks: items per second on each bundle shipped in testdata/, over
// the MNIST test digits, in batches of 1, 64 and 10,000 (`go test -bench . ./infer`).
// Batch 1 is the single-item call (Classify, Encode, Decode); larger batches are the
// *Batch methods, which split big batches across GOMAXPROCS goroutines.

var batchSizes = []int{1, 64, 10000}

var mnistTest = sync.OnceValues(func() ([][]float64, error) {
	d, err := dataset.MNIST(false, 0)
	if err != nil {
		return nil, err
	}
	rows := make([][]float64, d.X.Rows)
	for i := range rows {
		rows[i] = d.X.Row(i)
	}
	return rows, nil
})

func benchData(b *testing.B) [][]float64 {
	rows, err := mnistTest()
	if err != nil {
		b.Skip("MNIST test set not available: ", err)
	}
	return rows
}

func benchModel(b *testing.B, name string) *infer.Model {
	m, err := infer.Load("../testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// perItem reports items/s and ns/item for b.N calls of batch items each.
func perItem(b *testing.B, batch int) {
	items := float64(b.N) * float64(batch)
	b.ReportMetric(items/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
	b.ReportMetric(0, "ns/op")
}

func benchClassifier(b *testing.B, bundle string) {
	m := benchModel(b, bundle)
	rows := benchData(b)
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			if n == 1 {
				for i := 0; b.Loop(); i++ {
					m.Classify(rows[i%len(rows)])
				}
			} else {
				dst := make([]int, n)
				for b.Loop() {
					m.ClassifyBatch(dst, rows[:n])
				}
			}
			perItem(b, n)
		})
	}
}

// BenchmarkClassifyDense is the shipped 784→20→10 classifier (mnist-classifier.lwlb).
func BenchmarkClassifyDense(b *testing.B) { benchClassifier(b, "mnist-classifier.lwlb") }

// BenchmarkClassifyConv is the shipped weight-tied classifier (mnist-conv-classifier.lwlb).
func BenchmarkClassifyConv(b *testing.B) { benchClassifier(b, "mnist-conv-classifier.lwlb") }

// BenchmarkEncode is the MNIST generator's encoder (784→200→10, mnist-generator.lwlb).
func BenchmarkEncode(b *testing.B) {
	m := benchModel(b, "mnist-generator.lwlb")
	rows := benchData(b)
	dst := make([]float64, m.NumCodes())
	for i := 0; b.Loop(); i++ {
		m.Encode(dst, rows[i%len(rows)])
	}
	perItem(b, 1)
}

// BenchmarkDecode is the MNIST generator's decoder (10→200→784), the decoding step of
// lwl-gen, on the codes of the test digits.
func BenchmarkDecode(b *testing.B) {
	m := benchModel(b, "mnist-generator.lwlb")
	rows := benchData(b)
	codes := make([][]float64, len(rows))
	for i, r := range rows {
		codes[i] = m.Encode(nil, r)
	}
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			dst := make([][]float64, n)
			for i := range dst {
				dst[i] = make([]float64, m.NumData())
			}
			if n == 1 {
				for i := 0; b.Loop(); i++ {
					m.Decode(dst[0], codes[i%len(codes)])
				}
			} else {
				for b.Loop() {
					m.DecodeBatch(dst, codes[:n])
				}
			}
			perItem(b, n)
		})
	}
}
