package onnx

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The ONNX messages this package writes, with the field numbers of onnx/onnx.proto as of
// ONNX 1.12 (IR version 8; the numbers are unchanged in IR version 9 and later):
// https://github.com/onnx/onnx/blob/v1.12.0/onnx/onnx.proto. onnx.proto is proto2, so
// repeated scalars are written unpacked as proto2 does; decodeModel reads both forms, as
// every protobuf parser must. Only the fields an exported model uses are modelled.

// ModelProto fields.
const (
	fModelIRVersion       = 1  // int64 ir_version
	fModelProducerName    = 2  // string producer_name
	fModelProducerVersion = 3  // string producer_version
	fModelDomain          = 4  // string domain
	fModelModelVersion    = 5  // int64 model_version
	fModelDocString       = 6  // string doc_string
	fModelGraph           = 7  // GraphProto graph
	fModelOpsetImport     = 8  // repeated OperatorSetIdProto opset_import
	fModelMetadataProps   = 14 // repeated StringStringEntryProto metadata_props
)

// OperatorSetIdProto and StringStringEntryProto fields.
const (
	fOpsetDomain  = 1 // string domain
	fOpsetVersion = 2 // int64 version
	fEntryKey     = 1 // string key
	fEntryValue   = 2 // string value
)

// GraphProto fields.
const (
	fGraphNode        = 1  // repeated NodeProto node
	fGraphName        = 2  // string name
	fGraphInitializer = 5  // repeated TensorProto initializer
	fGraphDocString   = 10 // string doc_string
	fGraphInput       = 11 // repeated ValueInfoProto input
	fGraphOutput      = 12 // repeated ValueInfoProto output
)

// NodeProto fields.
const (
	fNodeInput     = 1 // repeated string input
	fNodeOutput    = 2 // repeated string output
	fNodeName      = 3 // string name
	fNodeOpType    = 4 // string op_type
	fNodeAttribute = 5 // repeated AttributeProto attribute
	fNodeDomain    = 7 // string domain
)

// AttributeProto fields and the AttributeType values used.
const (
	fAttrName   = 1  // string name
	fAttrF      = 2  // float f
	fAttrI      = 3  // int64 i
	fAttrS      = 4  // bytes s
	fAttrFloats = 7  // repeated float floats
	fAttrInts   = 8  // repeated int64 ints
	fAttrType   = 20 // AttributeType type

	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrFloats = 6
	attrInts   = 7
)

// TensorProto fields and the TensorProto.DataType values used.
const (
	fTensorDims     = 1 // repeated int64 dims
	fTensorDataType = 2 // int32 data_type
	fTensorName     = 8 // string name
	fTensorRawData  = 9 // bytes raw_data (little-endian, row-major)

	dtFloat  = 1  // FLOAT (float32)
	dtInt64  = 7  // INT64
	dtDouble = 11 // DOUBLE (float64)
)

// ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and its Dimension fields.
const (
	fValueName       = 1 // ValueInfoProto: string name
	fValueType       = 2 // ValueInfoProto: TypeProto type
	fTypeTensor      = 1 // TypeProto: Tensor tensor_type
	fTensorElemType  = 1 // TypeProto.Tensor: int32 elem_type
	fTensorShape     = 2 // TypeProto.Tensor: TensorShapeProto shape
	fShapeDim        = 1 // TensorShapeProto: repeated Dimension dim
	fDimValue        = 1 // Dimension: int64 dim_value
	fDimParam        = 2 // Dimension: string dim_param
	irVersion        = 8 // IR version of ONNX 1.12, whose operator set is 17
	opsetVersion     = 17
	producerName     = "lwl"
	batchDimParam    = "N"
	maxRepeatedValue = 1 << 26
)

type modelProto struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           graphProto
	Opsets          []opsetID
	Metadata        []stringEntry
}

type opsetID struct {
	Domain  string
	Version int64
}

type stringEntry struct{ Key, Value string }

type graphProto struct {
	Nodes        []nodeProto
	Name         string
	Initializers []tensorProto
	DocString    string
	Inputs       []valueInfo
	Outputs      []valueInfo
}

type nodeProto struct {
	Inputs, Outputs []string
	Name, OpType    string
	Domain          string
	Attrs           []attribute
}

type attribute struct {
	Name   string
	Type   int32
	F      float32
	I      int64
	S      []byte
	Floats []float32
	Ints   []int64
}

type tensorProto struct {
	Dims     []int64
	DataType int32
	Name     string
	Raw      []byte
}

// valueInfo is a graph input or output: a tensor of ElemType with Shape, each dimension a
// number or (Param != "") a symbolic size.
type valueInfo struct {
	Name     string
	ElemType int32
	Shape    []dim
}

type dim struct {
	Value int64
	Param string
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendMessage(b []byte, num protowire.Number, m []byte) []byte {
	return appendBytes(b, num, m)
}

func (m *modelProto) marshal() []byte {
	var b []byte
	b = appendVarint(b, fModelIRVersion, uint64(m.IRVersion))
	b = appendString(b, fModelProducerName, m.ProducerName)
	b = appendString(b, fModelProducerVersion, m.ProducerVersion)
	b = appendString(b, fModelDomain, m.Domain)
	b = appendVarint(b, fModelModelVersion, uint64(m.ModelVersion))
	b = appendString(b, fModelDocString, m.DocString)
	b = appendMessage(b, fModelGraph, m.Graph.marshal())
	for _, o := range m.Opsets {
		var ob []byte
		ob = appendString(ob, fOpsetDomain, o.Domain)
		ob = appendVarint(ob, fOpsetVersion, uint64(o.Version))
		b = appendMessage(b, fModelOpsetImport, ob)
	}
	for _, e := range m.Metadata {
		var eb []byte
		eb = appendString(eb, fEntryKey, e.Key)
		eb = appendString(eb, fEntryValue, e.Value)
		b = appendMessage(b, fModelMetadataProps, eb)
	}
	return b
}

func (g *graphProto) marshal() []byte {
	var b []byte
	for i := range g.Nodes {
		b = appendMessage(b, fGraphNode, g.Nodes[i].marshal())
	}
	b = appendString(b, fGraphName, g.Name)
	for i := range g.Initializers {
		b = appendMessage(b, fGraphInitializer, g.Initializers[i].marshal())
	}
	b = appendString(b, fGraphDocString, g.DocString)
	for i := range g.Inputs {
		b = appendMessage(b, fGraphInput, g.Inputs[i].marshal())
	}
	for i := range g.Outputs {
		b = appendMessage(b, fGraphOutput, g.Outputs[i].marshal())
	}
	return b
}

func (n *nodeProto) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, fNodeInput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, fNodeOutput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendString(b, fNodeName, n.Name)
	b = appendString(b, fNodeOpType, n.OpType)
	for i := range n.Attrs {
		b = appendMessage(b, fNodeAttribute, n.Attrs[i].marshal())
	}
	b = appendString(b, fNodeDomain, n.Domain)
	return b
}

func (a *attribute) marshal() []byte {
	var b []byte
	b = appendString(b, fAttrName, a.Name)
	switch a.Type {
	case attrFloat:
		b = protowire.AppendTag(b, fAttrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, float32bits(a.F))
	case attrInt:
		b = appendVarint(b, fAttrI, uint64(a.I))
	case attrString:
		b = appendBytes(b, fAttrS, a.S)
	case attrFloats:
		for _, f := range a.Floats {
			b = protowire.AppendTag(b, fAttrFloats, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, float32bits(f))
		}
	case attrInts:
		for _, v := range a.Ints {
			b = appendVarint(b, fAttrInts, uint64(v))
		}
	}
	b = appendVarint(b, fAttrType, uint64(a.Type))
	return b
}

func (t *tensorProto) marshal() []byte {
	var b []byte
	for _, d := range t.Dims {
		b = appendVarint(b, fTensorDims, uint64(d))
	}
	b = appendVarint(b, fTensorDataType, uint64(t.DataType))
	b = appendString(b, fTensorName, t.Name)
	b = appendBytes(b, fTensorRawData, t.Raw)
	return b
}

func (v *valueInfo) marshal() []byte {
	var shape []byte
	for _, d := range v.Shape {
		var db []byte
		if d.Param != "" {
			db = appendString(db, fDimParam, d.Param)
		} else {
			db = appendVarint(db, fDimValue, uint64(d.Value))
		}
		shape = appendMessage(shape, fShapeDim, db)
	}
	var tt []byte
	tt = appendVarint(tt, fTensorElemType, uint64(v.ElemType))
	tt = appendMessage(tt, fTensorShape, shape)
	var typ []byte
	typ = appendMessage(typ, fTypeTensor, tt)
	var b []byte
	b = appendString(b, fValueName, v.Name)
	b = appendMessage(b, fValueType, typ)
	return b
}
