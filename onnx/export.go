// Package onnx exports the networks of lwl bundles (SPEC.md, package format) as ONNX
// models, so that a trained network runs where Go does not: ONNX Runtime in Python, Node,
// the browser (onnxruntime-web) and servers, and the converters to other runtimes.
//
// An exported model computes what package infer computes: the forward pass of SPEC.md §5,
// y_j = Σ_i x_i·w_ij / Ω and x_j = f(y_j − b_j) (Elser, "Learning Without Loss", §2), with
// the activations that ONNX lacks, step and zigmoid, written as compositions of standard
// operators. It uses operator set 17 of the default domain (IR version 8, ONNX 1.12), which
// ONNX Runtime has run since 1.12 and onnxruntime-web runs too, and only operators that
// both have CPU kernels for: Gather, MatMul, Add, Sub, Div, Relu, Greater, Cast, Clip, Conv,
// Reshape, Transpose, Slice, Concat, Identity and ArgMax.
//
// The models have one input, a batch of N items as [N, width] (data items or codes), and
// take the element type of Options.DType for inputs, weights and real outputs. Metadata
// (metadata_props) records the bundle kind, the part exported, the bundle's format
// version, its training settings and metrics, class names, data shape and the lwl version.
// The runtime packages (infer, generate) do not import this package.
package onnx

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/lwl-go/lwl/format"
)

// Part names the network function to export.
type Part string

// The parts. A classifier bundle exports PartClassifier; an autoencoder PartEncoder or
// PartDecoder; a generator PartDecoder, PartEncoder or PartFilter.
const (
	// PartClassifier: input "data" [N, data nodes], outputs "scores" (y − b of the class
	// nodes, infer.Model.Scores) and "class" (int64 [N], the first highest score,
	// infer.Model.Classify).
	PartClassifier Part = "classifier"
	// PartEncoder: input "data", output "code" (the code nodes' values of the forward pass,
	// infer.Model.Encode).
	PartEncoder Part = "encoder"
	// PartDecoder: input "code", output "data" (the data nodes' values that the code feeds
	// around the cycle to, infer.Model.Decode).
	PartDecoder Part = "decoder"
	// PartFilter: the generator's fake/genuine classifier on codes: input "code", outputs
	// "scores" (fake, genuine) and "class" (1 = genuine, generate.Generator.Genuine).
	PartFilter Part = "filter"
)

// DType is the element type of an exported model's real tensors.
type DType string

// The element types.
const (
	Float32 DType = "float32" // the common deployment type; weights are float32 in a bundle already
	Float64 DType = "float64" // the type infer computes in
)

// Options control an export. The zero value exports a bundle's default part in float32,
// with the class output.
type Options struct {
	// Part is the network function to export; empty means the bundle's default (see
	// DefaultPart).
	Part Part
	// DType is the element type; empty means Float32.
	DType DType
	// NoClass leaves out the "class" output of PartClassifier and PartFilter.
	NoClass bool
	// ConvAsMatMul writes every convolution as a MatMul over gathered patches rather than
	// an ONNX Conv (always so in float64, for which ONNX Runtime's CPU has no Conv kernel).
	ConvAsMatMul bool
}

// DefaultPart is the part Export writes when Options.Part is empty: the classifier of a
// classifier bundle, the encoder of an autoencoder and the decoder (code → image) of a
// generator.
func DefaultPart(k format.Kind) (Part, error) {
	switch k {
	case format.KindClassifier:
		return PartClassifier, nil
	case format.KindAutoencoder:
		return PartEncoder, nil
	case format.KindGenerator:
		return PartDecoder, nil
	case format.KindNMF:
		return "", fmt.Errorf("an nmf bundle cannot be exported to ONNX: its encoding ReLU((WᵀW)⁻¹Wᵀy) is a linear solve, not a network forward pass")
	}
	return "", fmt.Errorf("a bundle of kind %v cannot be exported to ONNX: unknown kind", k)
}

// Export writes bundle b's network as an ONNX model to w. It refuses, with an error saying
// why, a part the bundle's kind does not have, an NMF bundle and an unknown dtype.
func Export(w io.Writer, b *format.Bundle, opt Options) error {
	m, err := Marshal(b, opt)
	if err != nil {
		return err
	}
	_, err = w.Write(m)
	return err
}

// Marshal returns bundle b's network as the bytes of an ONNX model (see Export).
func Marshal(b *format.Bundle, opt Options) ([]byte, error) {
	m, err := build(b, opt)
	if err != nil {
		return nil, err
	}
	return m.marshal(), nil
}

func build(b *format.Bundle, opt Options) (*modelProto, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	part := opt.Part
	if part == "" {
		var err error
		if part, err = DefaultPart(b.Kind); err != nil {
			return nil, err
		}
	}
	var dt int32
	switch opt.DType {
	case "", Float32:
		dt, opt.DType = dtFloat, Float32
	case Float64:
		dt = dtDouble
	default:
		return nil, fmt.Errorf("unknown dtype %q: want float32 or float64", opt.DType)
	}
	kinds := map[Part][]format.Kind{
		PartClassifier: {format.KindClassifier},
		PartEncoder:    {format.KindAutoencoder, format.KindGenerator},
		PartDecoder:    {format.KindAutoencoder, format.KindGenerator},
		PartFilter:     {format.KindGenerator},
	}
	ks, ok := kinds[part]
	if !ok {
		return nil, fmt.Errorf("unknown part %q: want classifier, encoder, decoder or filter", part)
	}
	fits := false
	for _, k := range ks {
		fits = fits || k == b.Kind
	}
	if !fits {
		if b.Kind == format.KindNMF {
			_, err := DefaultPart(b.Kind)
			return nil, err
		}
		return nil, fmt.Errorf("a %v bundle has no %s to export (the %s is part of %v bundles)", b.Kind, part, part, ks)
	}
	bl := newBuilder(dt)
	convOp := dt == dtFloat && !opt.ConvAsMatMul
	net := b.Network
	var doc string
	switch part {
	case PartClassifier, PartFilter:
		start := format.RoleData
		if part == PartFilter {
			net = b.Generator.Filter
		}
		class := net.NodesWithRole(format.RoleClass)
		input := "data"
		if part == PartFilter {
			input = "code"
		}
		f, err := newForward(bl, net, start, input, class, convOp)
		if err != nil {
			return nil, err
		}
		f.collect("scores", class)
		if !opt.NoClass {
			bl.op("class", "ArgMax", []string{"scores"}, intAttr("axis", 1), intAttr("keepdims", 0))
			bl.output("class", dtInt64, -1)
		}
		doc = fmt.Sprintf("lwl %s: %s [N, %d] → scores [N, %d] (y − b of the class nodes)", part, input, len(net.NodesWithRole(format.RoleData)), len(class))
		if !opt.NoClass {
			doc += ", class [N] (int64, the first highest score)"
		}
	case PartEncoder:
		code := net.NodesWithRole(format.RoleCode)
		f, err := newForward(bl, net, format.RoleData, "data", code, convOp)
		if err != nil {
			return nil, err
		}
		f.collect("code", code)
		doc = fmt.Sprintf("lwl encoder: data [N, %d] → code [N, %d]", len(net.NodesWithRole(format.RoleData)), len(code))
	case PartDecoder:
		data := net.NodesWithRole(format.RoleData)
		f, err := newForward(bl, net, format.RoleCode, "code", data, convOp)
		if err != nil {
			return nil, err
		}
		f.collect("data", data)
		doc = fmt.Sprintf("lwl decoder: code [N, %d] → data [N, %d]", len(net.NodesWithRole(format.RoleCode)), len(data))
	}
	bl.g.Name = "lwl_" + string(part)
	bl.g.DocString = doc
	m := &modelProto{
		IRVersion:       irVersion,
		ProducerName:    producerName,
		ProducerVersion: format.Version,
		ModelVersion:    1,
		DocString:       doc,
		Graph:           bl.g,
		Opsets:          []opsetID{{Domain: "", Version: opsetVersion}},
		Metadata:        metadata(b, net, part, opt.DType),
	}
	return m, nil
}

// metadata lists the model's metadata_props, keys prefixed "lwl.".
func metadata(b *format.Bundle, net *format.Network, part Part, dt DType) []stringEntry {
	js := func(v any) string {
		s, err := json.Marshal(v)
		if err != nil { // a NaN or infinite metric, which JSON cannot hold
			return fmt.Sprint(v)
		}
		return string(s)
	}
	version := "1.0"
	for _, n := range []*format.Network{b.Network, filterOf(b)} {
		if n != nil && len(n.Conv) > 0 {
			version = "1.1"
		}
	}
	lib := b.Provenance.LibraryVersion
	if lib == "" {
		lib = format.Version
	}
	md := []stringEntry{
		{"lwl.kind", b.Kind.String()},
		{"lwl.part", string(part)},
		{"lwl.dtype", string(dt)},
		{"lwl.bundle_format", version},
		{"lwl.library_version", lib},
		{"lwl.exporter", format.Version},
		{"lwl.hyper", js(nonNil(b.Provenance.Hyper))},
		{"lwl.metrics", js(nonNil(b.Provenance.Metrics))},
		{"lwl.seed", strconv.FormatUint(b.Provenance.Seed, 10)},
	}
	if len(net.ClassNames) > 0 {
		md = append(md, stringEntry{"lwl.class_names", js(net.ClassNames)})
	}
	if len(b.Network.DataShape) > 0 && part != PartFilter {
		md = append(md, stringEntry{"lwl.data_shape", js(b.Network.DataShape)})
	}
	if b.Provenance.Dataset != "" {
		md = append(md, stringEntry{"lwl.dataset", b.Provenance.Dataset})
	}
	if !b.Provenance.Created.IsZero() {
		md = append(md, stringEntry{"lwl.created", b.Provenance.Created.UTC().Format("2006-01-02T15:04:05.999999999Z")})
	}
	if b.Provenance.Notes != "" {
		md = append(md, stringEntry{"lwl.notes", b.Provenance.Notes})
	}
	return md
}

func filterOf(b *format.Bundle) *format.Network {
	if b.Generator == nil {
		return nil
	}
	return b.Generator.Filter
}

func nonNil(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}
