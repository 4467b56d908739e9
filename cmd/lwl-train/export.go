package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/atomicfile"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/onnx"
)

func init() {
	commands["export"] = command{summary: "export a bundle's network as an ONNX model (for ONNX Runtime, onnxruntime-web, …)", run: runExport}
}

const exportUsage = `Usage: lwl-train export -format onnx [-part P] [-dtype float32|float64] [-o FILE] BUNDLE

Writes the network of a bundle as an ONNX model (package onnx; operator set 17, IR version
8) to -o FILE, replaced atomically, or to stdout when stdout is not a terminal. The model
computes what package infer computes, on a batch of N items at once:

  part        bundle kinds             input           outputs
  classifier  classifier (default)     data [N, D]     scores [N, C], class [N] (int64)
  encoder     autoencoder (default),   data [N, D]     code [N, K] (infer's Encode)
              generator
  decoder     generator (default),     code [N, K]     data [N, D] (infer's Decode)
              autoencoder
  filter      generator                code [N, K]     scores [N, 2] (fake, genuine),
                                                       class [N] (1 = genuine)

scores are y − b of the class nodes, class the first highest score (ties to the lower
class, as infer's Classify). Step and zigmoid activations become Cast(Greater(z, 0)) and
Clip((z + Δ)/(2Δ), 0, 1). A layer, or the nodes of one level and activation group of a
general-form network, is a MatMul (over gathered columns where it reads only some nodes).
A convolution that the bundle describes (format 1.1) is an ONNX Conv in float32 (NHWC
nodes transposed to NCHW and back), and a MatMul over gathered patches with the same tied
kernel in float64 (ONNX Runtime's CPU has no float64 Conv) or with -conv matmul. NMF
bundles do not export (their encoding is a linear solve, not a forward pass).
Metadata (metadata_props, keys lwl.*): kind, part, dtype, bundle format version,
training settings (lwl.hyper), metrics, seed, class names, data shape, lwl version.
`

func runExport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportUsage, stderr)
	outFmt := fs.String("format", "onnx", "output format; onnx is the only one")
	part := fs.String("part", "", "classifier, encoder, decoder or filter (default: the bundle kind's, see above)")
	dtype := fs.String("dtype", "float32", "element type of the model: float32 or float64")
	conv := fs.String("conv", "op", "convolutions in float32: op (ONNX Conv) or matmul (gathered patches)")
	noClass := fs.Bool("no-class", false, "classifier and filter: leave out the class (argmax) output")
	outPath := fs.String("o", "", "write the model here (replaced atomically) instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{"give exactly one bundle (lwl-train export [flags] BUNDLE)"}
	}
	if *outFmt != "onnx" {
		return &usageError{fmt.Sprintf("-format %q: onnx is the only export format", *outFmt)}
	}
	if *dtype != "float32" && *dtype != "float64" {
		return &usageError{fmt.Sprintf("-dtype %q: want float32 or float64", *dtype)}
	}
	if *conv != "op" && *conv != "matmul" {
		return &usageError{fmt.Sprintf("-conv %q: want op or matmul", *conv)}
	}
	path := fs.Arg(0)
	b, err := format.Load(path)
	if err != nil {
		return err
	}
	opt := onnx.Options{Part: onnx.Part(*part), DType: onnx.DType(*dtype), NoClass: *noClass, ConvAsMatMul: *conv == "matmul"}
	var buf bytes.Buffer
	if err := onnx.Export(&buf, b, opt); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if *outPath != "" {
		return atomicfile.Write(*outPath, func(w io.Writer) error {
			_, err := w.Write(buf.Bytes())
			return err
		})
	}
	if progress.IsTerminal(stdout) {
		return errors.New("refusing to write an ONNX model (binary) to a terminal; redirect the output (lwl-train export BUNDLE > model.onnx) or use -o FILE")
	}
	_, err = stdout.Write(buf.Bytes())
	return err
}
