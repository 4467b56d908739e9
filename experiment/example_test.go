package experiment_test

import (
	"context"
	"fmt"

	"github.com/lwl-go/lwl/experiment"
)

// Table 1's first row: exact NMF of the 6×6 linear Euclidean distance matrix at rank 5
// (section 4.4.1), from two random starts.
func ExampleLEDM() {
	res, err := experiment.LEDM(context.Background(), experiment.LEDMOptions{
		LEDMRunSettings: experiment.LEDMRunSettings{Beta: 0.3, Tol: 1e-9, Cap: 25, Runs: 2, Seed: 1, Jobs: 1},
		M:               6, // rank and Ω: the paper's schedule
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	paper := experiment.LEDMTable1[6]
	fmt.Printf("m=%d rank %d Ω %g: %d of %d runs solved (paper: rank %d, Ω %g)\n",
		res.M, res.Rank, res.Omega, res.Solved, res.Runs, paper.Rank, paper.Omega)
	// Output:
	// m=6 rank 5 Ω 0.6: 2 of 2 runs solved (paper: rank 5, Ω 0.6)
}
