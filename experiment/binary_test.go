package experiment

import (
	"context"
	"encoding/json"
	"testing"
)

// The 4 → 2 → 4 encoding is solved from these starts within the cap; every run is listed in
// seed order with where it ended, and the JSON summary has the fields the command prints.
func TestBinary(t *testing.T) {
	o := DefaultBinaryOptions()
	o.N, o.Runs, o.Seed, o.MaxIter = 2, 2, 4, 40000
	got, err := Binary(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Runs != 2 || got.Successes < 1 || got.GWMMean <= 0 || got.Delta != 0.4 || len(got.Each) != 2 {
		t.Fatalf("got %+v, want at least one of 2 runs solved and the work reported", got)
	}
	successes := 0
	for i, r := range got.Each {
		if r.Seed != uint64(4+i) || r.Iterations <= 0 || r.Iterations > 40000 {
			t.Errorf("run %d: %+v", i, r)
		}
		if r.Success {
			successes++
			if r.DataErr != 0 || r.CodeErr != 0 {
				t.Errorf("run %d succeeded with errors left: %+v", i, r)
			}
		}
	}
	if successes != got.Successes {
		t.Errorf("each lists %d successes, Successes = %d", successes, got.Successes)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"successes", "runs", "gwm_mean", "each"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if _, err := Binary(context.Background(), BinaryOptions{N: 11, Runs: 1}, nil); err == nil {
		t.Error("n = 11 ran")
	}
}
