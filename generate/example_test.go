package generate_test

import (
	"fmt"

	"github.com/lwl-go/lwl/generate"
)

func Example() {
	g, err := generate.Load("../testdata/binary5-generator.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := g.Generate(generate.Options{N: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, code := range r.Codes {
		hot := 0
		for i, v := range r.Images[k] {
			if v == 1 {
				hot = i
			}
		}
		fmt.Println(code, "→ 1-hot position", hot)
	}
	fmt.Printf("acceptance rate %.2f\n", r.AcceptanceRate())
	// Output:
	// [1 1 1 0 0] → 1-hot position 7
	// [1 1 1 0 1] → 1-hot position 23
	// [0 1 0 1 0] → 1-hot position 10
	// acceptance rate 1.00
}
