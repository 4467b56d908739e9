package generate

import "testing"

// BenchmarkGenerate1000 is lwl-gen -n 1000 without the picture: draw and filter codes
// until 1000 are accepted, then decode them (mnist-generator.lwlb).
func BenchmarkGenerate1000(b *testing.B) {
	g, err := Load("../testdata/mnist-generator.lwlb")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := g.Generate(Options{N: 1000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
