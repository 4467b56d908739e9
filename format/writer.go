package format

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// The fixed header (SPEC.md §2).
const (
	// Magic starts every bundle. Like PNG's, it catches text-mode transfers (CR, LF, ^Z)
	// and 7-bit channels (the high first byte).
	Magic = "\x89LWLB\r\n\x1a"
	// HeaderSize is the size of the fixed header that precedes the compressed body.
	HeaderSize = 52
	// Major and Minor are the newest format version this package writes: a bundle is
	// written with the lowest minor that expresses it (1.1 only with convolutions). A reader
	// accepts any minor version of its major version (unknown fields are skipped) and
	// refuses newer majors with ErrVersion.
	Major = 1
	Minor = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header is the fixed-size part of a bundle, readable without decoding the body.
type Header struct {
	Major, Minor   uint16
	Flags          uint32
	Kind           Kind
	Nodes          uint32 // nodes of the main network (NMF: data + code nodes)
	Edges          uint32 // edges of the main network (NMF: data × code)
	BodySize       uint64 // uncompressed msgpack body
	CompressedSize uint64 // zstd frame
	BodyCRC        uint32 // CRC-32C of the compressed body
}

func (h *Header) marshal() []byte {
	b := make([]byte, HeaderSize)
	copy(b, Magic)
	binary.LittleEndian.PutUint16(b[8:], h.Major)
	binary.LittleEndian.PutUint16(b[10:], h.Minor)
	binary.LittleEndian.PutUint32(b[12:], h.Flags)
	b[16] = byte(h.Kind)
	binary.LittleEndian.PutUint32(b[20:], h.Nodes)
	binary.LittleEndian.PutUint32(b[24:], h.Edges)
	binary.LittleEndian.PutUint64(b[28:], h.BodySize)
	binary.LittleEndian.PutUint64(b[36:], h.CompressedSize)
	binary.LittleEndian.PutUint32(b[44:], h.BodyCRC)
	binary.LittleEndian.PutUint32(b[48:], crc32.Checksum(b[:48], castagnoli))
	return b
}

// Marshal encodes b as a bundle. It validates b first and returns an ErrInvalid error
// for an inconsistent model. The output is deterministic for a given b.
func Marshal(b *Bundle) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	e := msgpack.NewEncoder(&body)
	if err := encodeBundle(e, b); err != nil {
		return nil, fmt.Errorf("format: encoding body: %w", err)
	}
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	comp := zw.EncodeAll(body.Bytes(), nil)
	zw.Close()
	h := Header{Major: Major, Minor: b.minor(), Kind: b.Kind,
		BodySize: uint64(body.Len()), CompressedSize: uint64(len(comp)),
		BodyCRC: crc32.Checksum(comp, castagnoli)}
	if b.Kind == KindNMF {
		h.Nodes, h.Edges = uint32(b.NMF.Data+b.NMF.Codes), uint32(b.NMF.Data*b.NMF.Codes)
	} else {
		h.Nodes, h.Edges = uint32(b.Network.Nodes), uint32(len(b.Network.W))
	}
	return append(h.marshal(), comp...), nil
}

// Write encodes b as a bundle onto w.
func Write(w io.Writer, b *Bundle) error {
	data, err := Marshal(b)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// saveHook, when set by a test, wraps the temporary file's writer.
var saveHook func(io.Writer) io.Writer

// Save writes b to path atomically: it writes a temporary file in the same folder, syncs
// it, reads it back and compares, renames it over path and syncs the folder. If anything
// fails the previous file at path is left untouched and the temporary file is removed.
func Save(path string, b *Bundle) (err error) {
	data, err := Marshal(b)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("format: save: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("format: save %s: %w", path, err)
		}
	}()
	var w io.Writer = f
	if saveHook != nil {
		w = saveHook(f)
	}
	if _, err = w.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	back, err := os.ReadFile(tmp)
	if err != nil {
		return err
	}
	if !bytes.Equal(back, data) {
		return fmt.Errorf("temporary file %s does not read back as written", tmp)
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs folders
		d.Close()
	}
	return nil
}

// Body encoding (SPEC.md §3). Keys are written in a fixed order; readers must not rely on it.

func encodeBundle(e *msgpack.Encoder, b *Bundle) error {
	n := 2
	if b.Network != nil && b.Kind != KindNMF {
		n++
	}
	if b.Kind == KindNMF {
		n++
	}
	if b.Kind == KindGenerator {
		n++
	}
	w := &enc{e: e}
	w.mapLen(n)
	w.key("kind")
	w.uint(uint64(b.Kind))
	if b.Kind == KindNMF {
		w.key("nmf")
		w.nmf(b.NMF)
	} else {
		w.key("network")
		w.network(b.Network)
	}
	if b.Kind == KindGenerator {
		w.key("generator")
		g := b.Generator
		w.mapLen(3)
		w.key("marginals")
		w.e.EncodeArrayLen(len(g.Marginals))
		for _, m := range g.Marginals {
			w.f32(m)
		}
		w.key("filter")
		w.network(g.Filter)
		w.key("fpa")
		w.float(g.FPA)
	}
	w.key("provenance")
	w.provenance(&b.Provenance)
	return w.err
}

// enc wraps msgpack.Encoder and keeps the first error.
type enc struct {
	e   *msgpack.Encoder
	err error
}

func (w *enc) keep(err error) {
	if w.err == nil {
		w.err = err
	}
}
func (w *enc) mapLen(n int)    { w.keep(w.e.EncodeMapLen(n)) }
func (w *enc) key(s string)    { w.keep(w.e.EncodeString(s)) }
func (w *enc) str(s string)    { w.keep(w.e.EncodeString(s)) }
func (w *enc) uint(v uint64)   { w.keep(w.e.EncodeUint(v)) }
func (w *enc) int(v int64)     { w.keep(w.e.EncodeInt(v)) }
func (w *enc) float(v float64) { w.keep(w.e.EncodeFloat64(v)) }
func (w *enc) bool(v bool)     { w.keep(w.e.EncodeBool(v)) }
func (w *enc) bytes(v []byte)  { w.keep(w.e.EncodeBytes(v)) }
func (w *enc) ints(v []int) {
	w.arrayLen(len(v))
	for _, x := range v {
		w.uint(uint64(x))
	}
}
func (w *enc) arrayLen(n int)      { w.keep(w.e.EncodeArrayLen(n)) }
func (w *enc) f32(v []float64)     { w.bytes(f32bytes(v)) }
func (w *enc) u32(v []int)         { w.bytes(u32bytes(v)) }
func (w *enc) kv(k string, v bool) { w.key(k); w.bool(v) }

func f32bytes(v []float64) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return b
}

func u32bytes(v []int) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func (w *enc) network(n *Network) {
	fields := 8 // nodes, weights, biases, omega, groups, node_groups, roles, + layers|from+to
	if n.Layers == nil {
		fields++
	} else {
		fields++ // cyclic
	}
	if len(n.ClassNames) > 0 {
		fields++
	}
	if n.DataShape != nil {
		fields++
	}
	if len(n.Conv) > 0 {
		fields++
	}
	w.mapLen(fields)
	w.key("nodes")
	w.uint(uint64(n.Nodes))
	if n.Layers != nil {
		w.key("layers")
		w.ints(n.Layers)
		w.kv("cyclic", n.Cyclic)
	} else {
		w.key("from")
		w.u32(n.From)
		w.key("to")
		w.u32(n.To)
	}
	w.key("weights")
	w.f32(n.W)
	w.key("biases")
	w.f32(n.B)
	w.key("omega")
	w.float(n.Omega)
	w.key("groups")
	w.arrayLen(len(n.Groups))
	for _, g := range n.Groups {
		w.mapLen(3)
		w.key("name")
		w.str(g.Name)
		w.key("activation")
		w.uint(uint64(g.Activation))
		w.key("delta")
		w.float(g.Delta)
	}
	ng := make([]byte, n.Nodes)
	roles := make([]byte, n.Nodes)
	for i := range n.Nodes {
		ng[i], roles[i] = byte(n.NodeGroup[i]), byte(n.Roles[i])
	}
	w.key("node_groups")
	w.bytes(ng)
	w.key("roles")
	w.bytes(roles)
	if len(n.ClassNames) > 0 {
		w.key("class_names")
		w.arrayLen(len(n.ClassNames))
		for _, s := range n.ClassNames {
			w.str(s)
		}
	}
	if n.DataShape != nil {
		w.key("data_shape")
		w.ints(n.DataShape)
	}
	if len(n.Conv) > 0 {
		w.key("conv")
		w.arrayLen(len(n.Conv))
		for _, c := range n.Conv {
			w.mapLen(7)
			for _, kv := range []struct {
				k string
				v int
			}{{"in", c.In}, {"out", c.Out}, {"edge", c.Edge}, {"kernel", c.Kernel}, {"stride", c.Stride}} {
				w.key(kv.k)
				w.uint(uint64(kv.v))
			}
			w.key("in_shape")
			w.ints(c.InShape[:])
			w.key("out_shape")
			w.ints(c.OutShape[:])
		}
	}
}

// minor is the lowest minor version that expresses b: 1 when a network describes
// convolutions (SPEC.md §2, Convolutions), else 0, so that bundles without them stay
// byte-identical to format 1.0.
func (b *Bundle) minor() uint16 {
	for _, n := range []*Network{b.Network, b.filter()} {
		if n != nil && len(n.Conv) > 0 {
			return 1
		}
	}
	return 0
}

func (b *Bundle) filter() *Network {
	if b.Generator == nil {
		return nil
	}
	return b.Generator.Filter
}

func (w *enc) nmf(m *NMF) {
	fields := 4
	if m.DataShape != nil {
		fields++
	}
	w.mapLen(fields)
	w.key("data")
	w.uint(uint64(m.Data))
	w.key("codes")
	w.uint(uint64(m.Codes))
	w.key("features")
	w.f32(m.Features)
	w.key("omega")
	w.float(m.Omega)
	if m.DataShape != nil {
		w.key("data_shape")
		w.ints(m.DataShape)
	}
}

func (w *enc) params(m map[string]float64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.mapLen(len(keys))
	for _, k := range keys {
		w.key(k)
		w.float(m[k])
	}
}

func (w *enc) provenance(p *Provenance) {
	w.mapLen(8)
	w.key("hyper")
	w.params(p.Hyper)
	w.key("metrics")
	w.params(p.Metrics)
	w.key("seed")
	w.uint(p.Seed)
	w.key("dataset")
	w.str(p.Dataset)
	w.key("dataset_size")
	w.uint(uint64(max(p.DatasetSize, 0)))
	w.key("library_version")
	v := p.LibraryVersion
	if v == "" {
		v = Version
	}
	w.str(v)
	w.key("created_unix_ns")
	if p.Created.IsZero() {
		w.int(0)
	} else {
		w.int(p.Created.UnixNano())
	}
	w.key("notes")
	w.str(p.Notes)
}
