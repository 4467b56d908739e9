package onnx_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/onnx"
)

// Export the shipped MNIST classifier as a float64 ONNX model, for ONNX Runtime (docs/onnx.md): input "data" [N, 784], outputs "scores" [N, 10] and "class".
func Example() {
	b, err := format.Load("../testdata/mnist-classifier.lwlb")
	if err != nil {
		log.Fatal(err)
	}
	var model bytes.Buffer
	if err := onnx.Export(&model, b, onnx.Options{DType: onnx.Float64}); err != nil {
		log.Fatal(err)
	}
	part, _ := onnx.DefaultPart(b.Kind)
	fmt.Println(part, model.Len() > 15880*8, bytes.HasPrefix(model.Bytes(), []byte{0x08, 0x08}))
	// Output: classifier true true
}
