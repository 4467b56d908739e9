package onnx

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

func float32bits(f float32) uint32 { return math.Float32bits(f) }

// errDecode wraps every error of decodeModel.
var errDecode = errors.New("onnx: malformed model")

// decodeModel parses the fields of a ModelProto that this package writes (proto.go), with
// the same field numbers, and skips the others. It is the reader of the package's tests,
// which check that an exported model decodes back into the graph and weights of its
// bundle; it rejects malformed protobuf (a truncated field, a wrong wire type for a known
// field) with an error wrapping errDecode, and never panics.
func decodeModel(b []byte) (*modelProto, error) {
	m := &modelProto{}
	err := fieldsOf(b, "model", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case fModelIRVersion:
			m.IRVersion, err = asInt(typ, x, "ir_version")
		case fModelProducerName:
			m.ProducerName, err = asString(typ, v, "producer_name")
		case fModelProducerVersion:
			m.ProducerVersion, err = asString(typ, v, "producer_version")
		case fModelDomain:
			m.Domain, err = asString(typ, v, "domain")
		case fModelModelVersion:
			m.ModelVersion, err = asInt(typ, x, "model_version")
		case fModelDocString:
			m.DocString, err = asString(typ, v, "doc_string")
		case fModelGraph:
			if err = wantBytes(typ, "graph"); err == nil {
				err = decodeGraph(v, &m.Graph)
			}
		case fModelOpsetImport:
			var o opsetID
			if err = wantBytes(typ, "opset_import"); err == nil {
				err = fieldsOf(v, "opset_import", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
					var err error
					switch num {
					case fOpsetDomain:
						o.Domain, err = asString(typ, v, "opset domain")
					case fOpsetVersion:
						o.Version, err = asInt(typ, x, "opset version")
					}
					return err
				})
			}
			m.Opsets = append(m.Opsets, o)
		case fModelMetadataProps:
			var e stringEntry
			if err = wantBytes(typ, "metadata_props"); err == nil {
				err = fieldsOf(v, "metadata_props", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
					var err error
					switch num {
					case fEntryKey:
						e.Key, err = asString(typ, v, "metadata key")
					case fEntryValue:
						e.Value, err = asString(typ, v, "metadata value")
					}
					return err
				})
			}
			m.Metadata = append(m.Metadata, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func decodeGraph(b []byte, g *graphProto) error {
	return fieldsOf(b, "graph", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case fGraphNode:
			var n nodeProto
			if err = wantBytes(typ, "node"); err == nil {
				err = decodeNode(v, &n)
			}
			g.Nodes = append(g.Nodes, n)
		case fGraphName:
			g.Name, err = asString(typ, v, "graph name")
		case fGraphInitializer:
			var t tensorProto
			if err = wantBytes(typ, "initializer"); err == nil {
				err = decodeTensor(v, &t)
			}
			g.Initializers = append(g.Initializers, t)
		case fGraphDocString:
			g.DocString, err = asString(typ, v, "graph doc_string")
		case fGraphInput, fGraphOutput:
			var vi valueInfo
			if err = wantBytes(typ, "graph input/output"); err == nil {
				err = decodeValueInfo(v, &vi)
			}
			if num == fGraphInput {
				g.Inputs = append(g.Inputs, vi)
			} else {
				g.Outputs = append(g.Outputs, vi)
			}
		}
		return err
	})
}

func decodeNode(b []byte, n *nodeProto) error {
	return fieldsOf(b, "node", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		var s string
		switch num {
		case fNodeInput:
			s, err = asString(typ, v, "node input")
			n.Inputs = append(n.Inputs, s)
		case fNodeOutput:
			s, err = asString(typ, v, "node output")
			n.Outputs = append(n.Outputs, s)
		case fNodeName:
			n.Name, err = asString(typ, v, "node name")
		case fNodeOpType:
			n.OpType, err = asString(typ, v, "op_type")
		case fNodeDomain:
			n.Domain, err = asString(typ, v, "node domain")
		case fNodeAttribute:
			var a attribute
			if err = wantBytes(typ, "attribute"); err == nil {
				err = decodeAttribute(v, &a)
			}
			n.Attrs = append(n.Attrs, a)
		}
		return err
	})
}

func decodeAttribute(b []byte, a *attribute) error {
	return fieldsOf(b, "attribute", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case fAttrName:
			a.Name, err = asString(typ, v, "attribute name")
		case fAttrType:
			var t int64
			t, err = asInt(typ, x, "attribute type")
			a.Type = int32(t)
		case fAttrF:
			if typ != protowire.Fixed32Type {
				return fmt.Errorf("%w: attribute f has wire type %d", errDecode, typ)
			}
			a.F = math.Float32frombits(uint32(x))
		case fAttrI:
			a.I, err = asInt(typ, x, "attribute i")
		case fAttrS:
			if err = wantBytes(typ, "attribute s"); err == nil {
				a.S = append([]byte(nil), v...)
			}
		case fAttrFloats:
			a.Floats, err = appendFloats(a.Floats, typ, v, x)
		case fAttrInts:
			a.Ints, err = appendInts(a.Ints, typ, v, x, "attribute ints")
		}
		return err
	})
}

func decodeTensor(b []byte, t *tensorProto) error {
	return fieldsOf(b, "tensor", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case fTensorDims:
			t.Dims, err = appendInts(t.Dims, typ, v, x, "tensor dims")
		case fTensorDataType:
			var d int64
			d, err = asInt(typ, x, "tensor data_type")
			t.DataType = int32(d)
		case fTensorName:
			t.Name, err = asString(typ, v, "tensor name")
		case fTensorRawData:
			if err = wantBytes(typ, "raw_data"); err == nil {
				t.Raw = append([]byte(nil), v...)
			}
		}
		return err
	})
}

func decodeValueInfo(b []byte, vi *valueInfo) error {
	return fieldsOf(b, "value_info", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case fValueName:
			var err error
			vi.Name, err = asString(typ, v, "value name")
			return err
		case fValueType:
			if err := wantBytes(typ, "value type"); err != nil {
				return err
			}
			return fieldsOf(v, "type", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num != fTypeTensor {
					return nil
				}
				if err := wantBytes(typ, "tensor_type"); err != nil {
					return err
				}
				return fieldsOf(v, "tensor_type", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
					switch num {
					case fTensorElemType:
						e, err := asInt(typ, x, "elem_type")
						vi.ElemType = int32(e)
						return err
					case fTensorShape:
						if err := wantBytes(typ, "shape"); err != nil {
							return err
						}
						return fieldsOf(v, "shape", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
							if num != fShapeDim {
								return nil
							}
							if err := wantBytes(typ, "dim"); err != nil {
								return err
							}
							var d dim
							err := fieldsOf(v, "dim", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
								var err error
								switch num {
								case fDimValue:
									d.Value, err = asInt(typ, x, "dim_value")
								case fDimParam:
									d.Param, err = asString(typ, v, "dim_param")
								}
								return err
							})
							vi.Shape = append(vi.Shape, d)
							return err
						})
					}
					return nil
				})
			})
		}
		return nil
	})
}

// fieldsOf calls fn for each field of the message b: v is the payload of a length-delimited
// field, x the value of a varint or fixed one. Groups and unknown fields are skipped.
func fieldsOf(b []byte, what string, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %s: bad field tag: %v", errDecode, what, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var f uint32
			f, n = protowire.ConsumeFixed32(b)
			x = uint64(f)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: %s: field %d: %v", errDecode, what, num, protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.StartGroupType {
			continue
		}
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func wantBytes(typ protowire.Type, what string) error {
	if typ != protowire.BytesType {
		return fmt.Errorf("%w: %s has wire type %d, want length-delimited", errDecode, what, typ)
	}
	return nil
}

func asString(typ protowire.Type, v []byte, what string) (string, error) {
	if err := wantBytes(typ, what); err != nil {
		return "", err
	}
	return string(v), nil
}

func asInt(typ protowire.Type, x uint64, what string) (int64, error) {
	if typ != protowire.VarintType {
		return 0, fmt.Errorf("%w: %s has wire type %d, want varint", errDecode, what, typ)
	}
	return int64(x), nil
}

// appendInts reads a repeated int64 field, unpacked (one varint) or packed.
func appendInts(s []int64, typ protowire.Type, v []byte, x uint64, what string) ([]int64, error) {
	if typ == protowire.VarintType {
		return append(s, int64(x)), nil
	}
	if typ != protowire.BytesType {
		return s, fmt.Errorf("%w: %s has wire type %d", errDecode, what, typ)
	}
	for len(v) > 0 {
		u, n := protowire.ConsumeVarint(v)
		if n < 0 {
			return s, fmt.Errorf("%w: %s: %v", errDecode, what, protowire.ParseError(n))
		}
		if len(s) >= maxRepeatedValue {
			return s, fmt.Errorf("%w: %s has more than %d values", errDecode, what, maxRepeatedValue)
		}
		s, v = append(s, int64(u)), v[n:]
	}
	return s, nil
}

// appendFloats reads a repeated float field, unpacked (one fixed32) or packed.
func appendFloats(s []float32, typ protowire.Type, v []byte, x uint64) ([]float32, error) {
	if typ == protowire.Fixed32Type {
		return append(s, math.Float32frombits(uint32(x))), nil
	}
	if typ != protowire.BytesType || len(v)%4 != 0 {
		return s, fmt.Errorf("%w: attribute floats has wire type %d and %d bytes", errDecode, typ, len(v))
	}
	for ; len(v) > 0; v = v[4:] {
		u, _ := protowire.ConsumeFixed32(v)
		s = append(s, math.Float32frombits(u))
	}
	return s, nil
}
