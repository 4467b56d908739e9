package infer_test

import (
	"fmt"
	"testing"
)

// benchClassifier32 is benchClassifier for the float32 view (Model.Float32).
func benchClassifier32(b *testing.B, bundle string) {
	f := benchModel(b, bundle).Float32()
	rows := benchData(b)
	items := make([][]float32, len(rows))
	for i, r := range rows {
		items[i] = make([]float32, len(r))
		for j, v := range r {
			items[i][j] = float32(v)
		}
	}
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			if n == 1 {
				for i := 0; b.Loop(); i++ {
					f.Classify(items[i%len(items)])
				}
			} else {
				dst := make([]int, n)
				for b.Loop() {
					f.ClassifyBatch(dst, items[:n])
				}
			}
			perItem(b, n)
		})
	}
}

// BenchmarkClassifyDense32 is BenchmarkClassifyDense in float32.
func BenchmarkClassifyDense32(b *testing.B) { benchClassifier32(b, "mnist-classifier.lwlb") }

// BenchmarkClassifyConv32 is BenchmarkClassifyConv in float32.
func BenchmarkClassifyConv32(b *testing.B) { benchClassifier32(b, "mnist-conv-classifier.lwlb") }
