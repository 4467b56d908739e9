package infer_test

import (
	"fmt"
	"math"

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

// A program that classifies items from outside (a request body, a file) checks their
// length against NumData before the call and answers a wrong one with an error of its own;
// Classify itself panics on a wrong length, as a programming error. Codes for Decode are
// checked against NumCodes the same way.
func ExampleModel_NumData() {
	m, err := infer.Load("../format/testdata/majority3.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	classify := func(item []float64) (string, error) {
		if len(item) != m.NumData() {
			return "", fmt.Errorf("item has %d values, the model takes %d", len(item), m.NumData())
		}
		return m.ClassName(m.Classify(item)), nil
	}
	for _, item := range [][]float64{{1, 1, 0}, {0, 1, 0}, {1, 0}} {
		class, err := classify(item)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(class)
	}
	// Output:
	// one
	// zero
	// error: item has 2 values, the model takes 3
}

// Check turns an item a program received from outside into an error before it reaches
// Classify, which panics on a wrong length or a NaN.
func ExampleModel_Check() {
	m, err := infer.Load("../format/testdata/majority3.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, item := range [][]float64{{1, 1, 0}, {1, math.NaN(), 0}, {1, 0}} {
		if err := m.Check(item); err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(m.ClassName(m.Classify(item)))
	}
	// Output:
	// one
	// error: infer: item value 1 is NaN
	// error: infer: item has 2 values, want 3
}
