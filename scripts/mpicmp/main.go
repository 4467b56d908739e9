// Command mpicmp reports whether two outputs of lwl-train are the same once their
// wall-clock fields are set equal (they differ between any two runs): two model bundles
// (.lwlb; the creation time and the wall-clock metrics, "seconds" and those named
// "…_seconds", set equal, then compared byte for
// byte) or two classifier checkpoints (-checkpoint; the seconds of the run and of its
// epochs set equal, then every field compared, the float64 weights and biases bit for
// bit). A bundle stores float32 parameters, so only the checkpoint shows that two runs
// ended on the same float64 iterate. The MPI test (scripts/mpi-test.sh) uses it to check
// that a run over several ranks ends where the one-process run ends.
//
// Usage: go run ./scripts/mpicmp a b
package main

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/train"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mpicmp a b (two .lwlb bundles or two classifier checkpoints)")
		os.Exit(2)
	}
	a, b := os.Args[1], os.Args[2]
	var same bool
	var what string
	var err error
	if strings.HasSuffix(a, ".lwlb") {
		same, what, err = bundles(a, b)
	} else {
		same, what, err = checkpoints(a, b)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpicmp: %v\n", err)
		os.Exit(2)
	}
	if !same {
		fmt.Printf("mpicmp: %s and %s differ (beyond the wall-clock fields)\n", a, b)
		os.Exit(1)
	}
	fmt.Printf("mpicmp: %s and %s are the same %s (wall-clock fields aside)\n", a, b, what)
}

func bundles(a, b string) (bool, string, error) {
	var enc [2][]byte
	for i, p := range []string{a, b} {
		bd, err := format.Load(p)
		if err != nil {
			return false, "", err
		}
		bd.Provenance.Created = time.Time{}
		for k := range bd.Provenance.Metrics { // "seconds", "autoencoder_seconds", "filter_seconds"
			if strings.HasSuffix(k, "seconds") {
				bd.Provenance.Metrics[k] = 0
			}
		}
		if enc[i], err = format.Marshal(bd); err != nil {
			return false, "", fmt.Errorf("%s: %v", p, err)
		}
	}
	return bytes.Equal(enc[0], enc[1]), fmt.Sprintf("bundle (%d bytes)", len(enc[0])), nil
}

func checkpoints(a, b string) (bool, string, error) {
	var cs [2]*train.ClassifierCheckpoint
	for i, p := range []string{a, b} {
		c, err := train.ReadClassifierCheckpoint(p)
		if err != nil {
			return false, "", err
		}
		c.Seconds, c.Partial.Seconds = 0, 0
		for j := range c.History {
			c.History[j].Seconds = 0
		}
		cs[i] = c
	}
	// reflect.DeepEqual compares float64s with ==, which is bit equality but for NaN
	// and ±0; the weights and biases are compared bit for bit.
	for _, pair := range [][2][]float64{{cs[0].W, cs[1].W}, {cs[0].B, cs[1].B}} {
		if len(pair[0]) != len(pair[1]) {
			return false, "", nil
		}
		for i := range pair[0] {
			if fmt.Sprint(pair[0][i]) != fmt.Sprint(pair[1][i]) || pair[0][i] != pair[1][i] {
				return false, "", nil
			}
		}
	}
	return reflect.DeepEqual(cs[0], cs[1]), fmt.Sprintf("checkpoint (%d float64 weights, %d biases)", len(cs[0].W), len(cs[0].B)), nil
}
