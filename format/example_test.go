package format_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/lwl-go/lwl/format"
)

// A trainer fills a Bundle and writes it; a program reads it back.
func Example() {
	groups := []format.Group{{Name: "in"}, {Name: "class", Delta: 0.1}}
	net := format.NewLayered([]int{2, 2}, false, 1, groups, []format.Role{format.RoleData, format.RoleClass})
	copy(net.W, []float64{1, 0, 0, 1}) // class node 2 copies input 0, class node 3 input 1
	net.ClassNames = []string{"left", "right"}
	b := &format.Bundle{Kind: format.KindClassifier, Network: net,
		Provenance: format.Provenance{Dataset: "toy", DatasetSize: 2, Hyper: map[string]float64{"omega": 1}}}

	var buf bytes.Buffer
	if err := format.Write(&buf, b); err != nil {
		fmt.Println(err)
		return
	}
	got, err := format.Read(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Kind, got.Network.Layers, got.Network.ClassNames, got.Provenance.Dataset)
	// Output: classifier [2 2] [left right] toy
}

// ReadHeader looks at a bundle without decoding its weights.
func ExampleReadHeader() {
	f, err := os.Open("testdata/binary5.lwlb")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	h, err := format.ReadHeader(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v, format %d.%d, %d nodes, %d edges\n", h.Kind, h.Major, h.Minor, h.Nodes, h.Edges)
	// Output: autoencoder, format 1.0, 37 nodes, 320 edges
}

// Errors say what is wrong and wrap a sentinel.
func ExampleRead_errors() {
	_, err := format.Read(bytes.NewReader([]byte("version https://git-lfs.github.com/spec/v1\n")))
	fmt.Println(err)
	// Output: format: this is a Git LFS pointer file, not the bundle; fetch it with git lfs pull (not an lwl bundle)
}
