package infer_test

import (
	"fmt"

	"github.com/lwl-go/lwl/infer"
)

// Embedding a classifier in another program takes a load and a call.
func Example() {
	m, err := infer.Load("../format/testdata/majority3.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := m.Classify([]float64{1, 0, 1})
	fmt.Println(m.ClassName(c))
	// Output: one
}

// The closed-form binary encoder of the paper's appendix C: 1-hot position 6 encodes to
// the bits of 6 (least significant first) and decodes back.
func ExampleModel_Encode() {
	m, err := infer.Load("../format/testdata/binary3.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	code := m.Encode(nil, []float64{0, 0, 0, 0, 0, 0, 1, 0})
	fmt.Println(code, m.Decode(nil, code))
	// Output: [0 1 1] [0 0 0 0 0 0 1 0]
}
