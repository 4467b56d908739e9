package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/lwl-go/lwl/format"
)

func init() {
	commands["inspect"] = command{
		summary: "print what a .lwlb bundle holds (kind, graph, hyperparameters, metrics, provenance)",
		run:     runInspect,
	}
}

// inspectReport is the -json output of inspect.
type inspectReport struct {
	File           string             `json:"file"`
	Bytes          int64              `json:"bytes"`
	Format         string             `json:"format"`
	Kind           string             `json:"kind"`
	BodyBytes      uint64             `json:"body_bytes"`
	Network        *networkReport     `json:"network,omitempty"`
	NMF            *nmfReport         `json:"nmf,omitempty"`
	Generator      *generatorReport   `json:"generator,omitempty"`
	Hyper          map[string]float64 `json:"hyperparameters"`
	Metrics        map[string]float64 `json:"metrics"`
	Seed           uint64             `json:"seed"`
	Dataset        string             `json:"dataset"`
	DatasetSize    int                `json:"dataset_size"`
	LibraryVersion string             `json:"library_version"`
	Created        string             `json:"created,omitempty"`
	Notes          string             `json:"notes,omitempty"`
}

type networkReport struct {
	Nodes      int            `json:"nodes"`
	Edges      int            `json:"edges"`
	Layers     []int          `json:"layers,omitempty"`
	Cyclic     bool           `json:"cyclic"`
	Omega      float64        `json:"omega"`
	Roles      map[string]int `json:"roles"`
	Groups     []groupReport  `json:"groups"`
	ClassNames []string       `json:"class_names,omitempty"`
	DataShape  []int          `json:"data_shape,omitempty"`
	Conv       []convReport   `json:"conv,omitempty"`
}

// convReport is one convolution of a network (format 1.1): shapes are height, width,
// channels; Weights and Biases count the shared parameters, Edges the edges that carry them.
type convReport struct {
	InShape  [3]int `json:"in_shape"`
	Kernel   int    `json:"kernel"`
	Stride   int    `json:"stride"`
	Channels int    `json:"channels"`
	OutShape [3]int `json:"out_shape"`
	Weights  int    `json:"weights"`
	Biases   int    `json:"biases"`
	Edges    int    `json:"edges"`
}

type groupReport struct {
	Name       string  `json:"name"`
	Activation string  `json:"activation"`
	Delta      float64 `json:"delta"`
	Nodes      int     `json:"nodes"`
}

type nmfReport struct {
	Data      int     `json:"data"`
	Codes     int     `json:"codes"`
	Omega     float64 `json:"omega"`
	DataShape []int   `json:"data_shape,omitempty"`
}

type generatorReport struct {
	Marginals []int          `json:"marginal_samples"`
	Filter    *networkReport `json:"filter"`
	FPA       float64        `json:"fpa"`
}

func runInspect(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "Usage: lwl-train inspect [-json] model.lwlb\n\nPrints what a bundle holds. Exits with status 1 on a damaged file.\n", stderr)
	asJSON := fs.Bool("json", false, "print a JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{"want exactly one bundle file"}
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := format.ReadHeader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	b, err := format.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	st, _ := f.Stat()
	r := inspectReport{File: path, Bytes: st.Size(), Format: fmt.Sprintf("%d.%d", h.Major, h.Minor),
		Kind: b.Kind.String(), BodyBytes: h.BodySize, Hyper: b.Provenance.Hyper, Metrics: b.Provenance.Metrics,
		Seed: b.Provenance.Seed, Dataset: b.Provenance.Dataset, DatasetSize: b.Provenance.DatasetSize,
		LibraryVersion: b.Provenance.LibraryVersion, Notes: b.Provenance.Notes}
	if !b.Provenance.Created.IsZero() {
		r.Created = b.Provenance.Created.UTC().Format(time.RFC3339Nano)
	}
	if b.Network != nil {
		r.Network = reportNetwork(b.Network)
	}
	if b.NMF != nil {
		r.NMF = &nmfReport{Data: b.NMF.Data, Codes: b.NMF.Codes, Omega: b.NMF.Omega, DataShape: b.NMF.DataShape}
	}
	if g := b.Generator; g != nil {
		r.Generator = &generatorReport{Filter: reportNetwork(g.Filter), FPA: g.FPA}
		for _, m := range g.Marginals {
			r.Generator.Marginals = append(r.Generator.Marginals, len(m))
		}
	}
	if *asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		return e.Encode(r)
	}
	printInspect(stdout, &r)
	return nil
}

func reportNetwork(n *format.Network) *networkReport {
	r := &networkReport{Nodes: n.Nodes, Edges: n.NumEdges(), Layers: n.Layers, Cyclic: n.Cyclic, Omega: n.Omega,
		Roles: map[string]int{}, ClassNames: n.ClassNames, DataShape: n.DataShape}
	count := make([]int, len(n.Groups))
	for i := range n.Nodes {
		r.Roles[n.Roles[i].String()]++
		count[n.NodeGroup[i]]++
	}
	for g, gr := range n.Groups {
		r.Groups = append(r.Groups, groupReport{Name: gr.Name, Activation: gr.Activation.String(), Delta: gr.Delta, Nodes: count[g]})
	}
	for _, c := range n.Conv {
		out := c.OutShape[0] * c.OutShape[1] * c.OutShape[2]
		r.Conv = append(r.Conv, convReport{InShape: c.InShape, Kernel: c.Kernel, Stride: c.Stride, Channels: c.OutShape[2],
			OutShape: c.OutShape, Weights: c.OutShape[2] * c.FanIn(), Biases: c.OutShape[2], Edges: out * c.FanIn()})
	}
	return r
}

func printInspect(w io.Writer, r *inspectReport) {
	fmt.Fprintf(w, "file        %s (%d bytes, format %s, body %d bytes)\n", r.File, r.Bytes, r.Format, r.BodyBytes)
	fmt.Fprintf(w, "kind        %s\n", r.Kind)
	if r.Network != nil {
		printNetwork(w, "network", r.Network)
	}
	if r.NMF != nil {
		fmt.Fprintf(w, "nmf         %d data × %d codes, Ω %g", r.NMF.Data, r.NMF.Codes, r.NMF.Omega)
		if r.NMF.DataShape != nil {
			fmt.Fprintf(w, ", images %d×%d", r.NMF.DataShape[1], r.NMF.DataShape[0])
		}
		fmt.Fprintln(w)
	}
	if g := r.Generator; g != nil {
		fmt.Fprintf(w, "generator   %d code marginals (samples: %v), fpa %g\n", len(g.Marginals), g.Marginals, g.FPA)
		printNetwork(w, "filter", g.Filter)
	}
	fmt.Fprintf(w, "hyper       %s\n", params(r.Hyper))
	fmt.Fprintf(w, "metrics     %s\n", params(r.Metrics))
	fmt.Fprintf(w, "dataset     %q, %d items\n", r.Dataset, r.DatasetSize)
	fmt.Fprintf(w, "seed        %d\n", r.Seed)
	fmt.Fprintf(w, "library     %s\n", r.LibraryVersion)
	if r.Created != "" {
		fmt.Fprintf(w, "created     %s\n", r.Created)
	}
	if r.Notes != "" {
		fmt.Fprintf(w, "notes       %s\n", r.Notes)
	}
}

func printNetwork(w io.Writer, label string, n *networkReport) {
	graph := "edge list"
	if len(n.Conv) > 0 {
		graph = fmt.Sprintf("edge list with %d convolutions", len(n.Conv))
		if len(n.Conv) == 1 {
			graph = "edge list with 1 convolution"
		}
	}
	if n.Layers != nil {
		s := make([]string, len(n.Layers))
		for i, l := range n.Layers {
			s[i] = fmt.Sprint(l)
		}
		graph = "layers " + strings.Join(s, " → ")
		if n.Cyclic {
			graph += " → (layer 0)"
		}
	}
	roles := make([]string, 0, len(n.Roles))
	for _, k := range []string{"data", "hidden", "code", "class"} {
		if n.Roles[k] > 0 {
			roles = append(roles, fmt.Sprintf("%d %s", n.Roles[k], k))
		}
	}
	fmt.Fprintf(w, "%-11s %d nodes (%s), %d edges, %s, Ω %g\n", label, n.Nodes, strings.Join(roles, ", "), n.Edges, graph, n.Omega)
	for _, g := range n.Groups {
		fmt.Fprintf(w, "  group     %-8q %d nodes, %s, Δ %g\n", g.Name, g.Nodes, g.Activation, g.Delta)
	}
	for _, c := range n.Conv {
		fmt.Fprintf(w, "  conv      %d×%d×%d → kernel %d×%d stride %d, %d channels → %d×%d×%d (%d weights and %d biases shared by %d edges)\n",
			c.InShape[0], c.InShape[1], c.InShape[2], c.Kernel, c.Kernel, c.Stride, c.Channels,
			c.OutShape[0], c.OutShape[1], c.OutShape[2], c.Weights, c.Biases, c.Edges)
	}
	if len(n.ClassNames) > 0 {
		fmt.Fprintf(w, "  classes   %s\n", strings.Join(n.ClassNames, ", "))
	}
	if n.DataShape != nil {
		fmt.Fprintf(w, "  images    %d×%d\n", n.DataShape[1], n.DataShape[0])
	}
}

func params(m map[string]float64) string {
	if len(m) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = fmt.Sprintf("%s=%g", k, m[k])
	}
	return strings.Join(s, " ")
}
