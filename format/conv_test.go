package format

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bundle with convolutions is written as format 1.1; every other bundle stays 1.0, byte
// for byte (TestGolden), so that 1.0 readers keep reading them.
func TestConvMinorVersion(t *testing.T) {
	for name, want := range map[string]uint16{"stripes6.lwlb": 1, "majority3.lwlb": 0, "binary5-generator.lwlb": 0, "nmf4x2.lwlb": 0} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint16(data[10:]); got != want {
			t.Errorf("%s: minor version %d, want %d", name, got, want)
		}
	}
	b, err := Load(filepath.Join("testdata", "stripes6.lwlb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Network.Conv) != 1 || b.Network.Conv[0].FanIn() != 9 || b.Network.Conv[0].String() != "6×6×1 → conv 3×3 stride 1 → 4×4×2" {
		t.Errorf("convolutions %v", b.Network.Conv)
	}
}

// A description that does not match the graph, the tied weights or the tied biases is
// invalid: the writer refuses it.
func TestConvValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(n *Network)
		msg   string
	}{
		{"untied weight", func(n *Network) { n.W[9*5+4] += 0.25 }, "its kernel's"},
		{"untied bias", func(n *Network) { n.B[36+6] = 0.5 }, "its channel's"},
		{"wrong source", func(n *Network) { n.From[3] = 35 }, "want"},
		{"extra in-edge", func(n *Network) {
			n.From, n.To, n.W = append(n.From, 0), append(n.To, 37), append(n.W, 0)
		}, "in-edges"},
		{"reads beyond the input", func(n *Network) { n.Conv[0].OutShape = [3]int{5, 4, 2} }, "beyond"},
		{"too many output nodes", func(n *Network) { n.Conv[0].OutShape = [3]int{4, 4, 5} }, "more nodes"},
		{"edges past the end", func(n *Network) { n.Conv[0].Edge = len(n.W) - 10 }, "run past"},
		{"overlapping", func(n *Network) { n.Conv = append(n.Conv, n.Conv[0]) }, "overlap"},
		{"zero stride", func(n *Network) { n.Conv[0].Stride = 0 }, "stride"},
		{"layered", func(n *Network) {
			l := NewLayered([]int{36, 2}, false, 1, []Group{{}, {}}, []Role{RoleData, RoleClass})
			l.Conv = n.Conv
			*n = *l
		}, "layered form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := stripes6()
			tc.spoil(b.Network)
			_, err := Marshal(b)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want ErrInvalid with %q", err, tc.msg)
			}
		})
	}
}
