package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Load reads the bundle at path with DefaultLimits.
func Load(path string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	defer f.Close()
	b, err := Read(f)
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			fe.Where = joinWhere(path, fe.Where)
		}
	}
	return b, err
}

func joinWhere(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + b
}

// Unmarshal decodes a bundle held in memory (for example one embedded with go:embed).
func Unmarshal(data []byte) (*Bundle, error) { return Read(bytes.NewReader(data)) }

// Read decodes one bundle from r with DefaultLimits. It reads exactly the bundle and
// reports trailing bytes as corruption.
func Read(r io.Reader) (*Bundle, error) { return ReadLimits(r, DefaultLimits) }

// sniff explains why b (the first bytes of an input) is not a bundle.
func sniff(b []byte) error {
	trim := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	lower := bytes.ToLower(trim[:min(len(trim), 16)])
	switch {
	case len(b) == 0:
		return errf(ErrNotBundle, "", "empty input")
	case len(b) < len(Magic) && bytes.HasPrefix([]byte(Magic), b):
		return errf(ErrCorrupt, "header", "truncated after %d bytes", len(b))
	case bytes.HasPrefix(b, []byte("version https://git-lfs")):
		return errf(ErrNotBundle, "", "this is a Git LFS pointer file, not the bundle; fetch it with git lfs pull")
	case bytes.HasPrefix(lower, []byte("<!doctype")) || bytes.HasPrefix(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<?xml")) || bytes.HasPrefix(lower, []byte("<")):
		return errf(ErrNotBundle, "", "this is an HTML/XML page, not a bundle (a failed download?)")
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return errf(ErrNotBundle, "", "this is gzip-compressed data; decompress it first")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return errf(ErrNotBundle, "", "this is a zip archive; extract the .lwlb file from it")
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return errf(ErrNotBundle, "", "this is a bare zstd frame without the bundle header")
	case bytes.HasPrefix(b, []byte("\x89LWLB")) || bytes.HasPrefix(b, []byte("LWLB")) || bytes.HasPrefix(b, []byte("\x09LWLB")):
		return errf(ErrCorrupt, "header", "damaged magic %q (a text-mode or 7-bit transfer?)", b[:min(len(b), 8)])
	}
	return errf(ErrNotBundle, "", "does not start with the lwl bundle magic (starts with %q)", b[:min(len(b), 8)])
}

// parseHeader checks a complete header: magic, version, flags, checksum, kind.
func parseHeader(b []byte) (Header, error) {
	if string(b[:8]) != Magic {
		return Header{}, sniff(b)
	}
	h := Header{
		Major: binary.LittleEndian.Uint16(b[8:]),
		Minor: binary.LittleEndian.Uint16(b[10:]),
	}
	if h.Major > Major {
		return h, errf(ErrVersion, "header", "bundle has format version %d.%d but this reader supports only up to %d.x; upgrade lwl", h.Major, h.Minor, Major)
	}
	if h.Major < 1 {
		return h, errf(ErrVersion, "header", "bundle has format version %d.%d; this reader supports %d.x", h.Major, h.Minor, Major)
	}
	if got, want := crc32.Checksum(b[:48], castagnoli), binary.LittleEndian.Uint32(b[48:]); got != want {
		return h, errf(ErrCorrupt, "header", "checksum is %08x, header says %08x", got, want)
	}
	h.Flags = binary.LittleEndian.Uint32(b[12:])
	h.Kind = Kind(b[16])
	h.Nodes = binary.LittleEndian.Uint32(b[20:])
	h.Edges = binary.LittleEndian.Uint32(b[24:])
	h.BodySize = binary.LittleEndian.Uint64(b[28:])
	h.CompressedSize = binary.LittleEndian.Uint64(b[36:])
	h.BodyCRC = binary.LittleEndian.Uint32(b[44:])
	if h.Flags&0xffff != 0 {
		return h, errf(ErrVersion, "header", "required flags %#04x are unknown to this reader (format %d.%d)", h.Flags&0xffff, Major, Minor)
	}
	if h.Kind < KindClassifier || h.Kind > KindGenerator {
		return h, errf(ErrCorrupt, "header", "unknown kind %d", b[16])
	}
	if h.BodySize == 0 || h.CompressedSize == 0 {
		return h, errf(ErrCorrupt, "header", "empty body")
	}
	return h, nil
}

// ReadHeader reads and checks only the fixed header: kind, version and sizes, without
// reading or decoding the body (compare image.DecodeConfig).
func ReadHeader(r io.Reader) (Header, error) {
	buf := make([]byte, HeaderSize)
	n, err := io.ReadFull(r, buf)
	if err != nil {
		if n == 0 && err != io.EOF {
			return Header{}, fmt.Errorf("format: %w", err)
		}
		if n < len(Magic) || string(buf[:len(Magic)]) != Magic {
			return Header{}, sniff(buf[:n])
		}
		return Header{}, errf(ErrCorrupt, "header", "truncated after %d of %d bytes", n, HeaderSize)
	}
	return parseHeader(buf)
}

// maxCompressed is the largest zstd frame that can hold n bytes (raw blocks: 3 bytes per
// 128 KiB block, frame header and checksum), with room to spare.
func maxCompressed(n uint64) uint64 { return n + n/1024 + 64 }

// ReadLimits is Read with explicit limits.
func ReadLimits(r io.Reader, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	h, err := ReadHeader(r)
	if err != nil {
		return nil, err
	}
	if h.BodySize > uint64(lim.MaxBodySize) {
		return nil, errf(ErrTooLarge, "header", "body of %d bytes exceeds the limit of %d", h.BodySize, lim.MaxBodySize)
	}
	if h.CompressedSize > maxCompressed(h.BodySize) {
		return nil, errf(ErrCorrupt, "header", "compressed size %d is impossible for a body of %d bytes", h.CompressedSize, h.BodySize)
	}
	// ReadAll grows its buffer as bytes arrive, so a short input cannot make it allocate
	// the declared size.
	comp, err := io.ReadAll(io.LimitReader(r, int64(h.CompressedSize)+1))
	if err != nil {
		return nil, fmt.Errorf("format: reading body: %w", err)
	}
	if uint64(len(comp)) < h.CompressedSize {
		return nil, errf(ErrCorrupt, "body", "truncated: %d of %d compressed bytes", len(comp), h.CompressedSize)
	}
	if uint64(len(comp)) > h.CompressedSize {
		return nil, errf(ErrCorrupt, "body", "trailing data after the %d-byte body", h.CompressedSize)
	}
	if got := crc32.Checksum(comp, castagnoli); got != h.BodyCRC {
		return nil, errf(ErrCorrupt, "body", "checksum is %08x, header says %08x", got, h.BodyCRC)
	}
	zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(max(h.BodySize, 1<<10)), zstd.WithDecoderMaxWindow(max(h.BodySize, 1<<10)))
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	// Preallocate the declared size only as far as the compressed bytes make it plausible;
	// beyond that the output grows as it is produced, up to the memory limit.
	body, err := zr.DecodeAll(comp, make([]byte, 0, min(h.BodySize, 64*h.CompressedSize+4096)))
	zr.Close()
	if err != nil {
		return nil, errf(ErrCorrupt, "body", "zstd: %v", err)
	}
	if uint64(len(body)) != h.BodySize {
		return nil, errf(ErrCorrupt, "body", "decompresses to %d bytes, header says %d", len(body), h.BodySize)
	}
	b, err := decodeBody(body, lim)
	if err != nil {
		return nil, err
	}
	if b.Kind != h.Kind {
		return nil, errf(ErrCorrupt, "body", "kind %v does not match the header's %v", b.Kind, h.Kind)
	}
	if err := b.validate(lim); err != nil {
		return nil, err
	}
	nodes, edges := 0, 0
	if b.Kind == KindNMF {
		nodes, edges = b.NMF.Data+b.NMF.Codes, b.NMF.Data*b.NMF.Codes
	} else {
		nodes, edges = b.Network.Nodes, len(b.Network.W)
	}
	if uint64(nodes) != uint64(h.Nodes) || uint64(edges) != uint64(h.Edges) {
		return nil, errf(ErrCorrupt, "header", "says %d nodes and %d edges, body has %d and %d", h.Nodes, h.Edges, nodes, edges)
	}
	return b, nil
}

// fields iterates over a map with string keys, calling fn for each; fn returns false for
// an unknown key, which is then skipped. Duplicate keys are an error.
func fields(d *dec, where string, fn func(key string) (bool, error)) error {
	n, err := d.mapLen()
	if err != nil {
		return wrapWhere(err, where)
	}
	seen := make(map[string]bool, min(n, 32))
	for range n {
		k, err := d.str()
		if err != nil {
			return wrapWhere(err, where)
		}
		if seen[k] {
			return errf(ErrCorrupt, where, "field %q appears twice", k)
		}
		seen[k] = true
		known, err := fn(k)
		if err != nil {
			return wrapWhere(err, where+"."+k)
		}
		if !known {
			if err := d.skip(0); err != nil {
				return wrapWhere(err, where+"."+k)
			}
		}
	}
	return nil
}

func wrapWhere(err error, where string) error {
	var fe *Error
	if errors.As(err, &fe) && fe.Where == "body" {
		fe.Where = where
	}
	return err
}

func decodeBody(body []byte, lim Limits) (*Bundle, error) {
	d := &dec{b: body}
	b := &Bundle{}
	err := fields(d, "body", func(k string) (bool, error) {
		var err error
		switch k {
		case "kind":
			var v uint64
			v, err = d.uint()
			b.Kind = Kind(min(v, 255))
		case "network":
			b.Network, err = decodeNetwork(d, "network", lim)
		case "nmf":
			b.NMF, err = decodeNMF(d)
		case "generator":
			b.Generator, err = decodeGenerator(d, lim)
		case "provenance":
			err = decodeProvenance(d, &b.Provenance)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if d.off != len(body) {
		return nil, errf(ErrCorrupt, "body", "%d bytes after the body's map", len(body)-d.off)
	}
	return b, nil
}

func decodeInts(d *dec, max uint64) ([]int, error) {
	n, err := d.arrayLen()
	if err != nil {
		return nil, err
	}
	v := make([]int, n)
	for i := range v {
		u, err := d.uint()
		if err != nil {
			return nil, err
		}
		if u > max {
			return nil, d.corrupt("value %d exceeds %d", u, max)
		}
		v[i] = int(u)
	}
	return v, nil
}

func u32s(b []byte, where string) ([]int, error) {
	if len(b)%4 != 0 {
		return nil, errf(ErrInvalid, where, "has %d bytes, not a whole number of uint32", len(b))
	}
	v := make([]int, len(b)/4)
	for i := range v {
		v[i] = int(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

func decodeNetwork(d *dec, where string, lim Limits) (*Network, error) {
	n := &Network{}
	var from, to, w, bias, ng, roles []byte
	var haveNodes bool
	err := fields(d, where, func(k string) (bool, error) {
		var err error
		switch k {
		case "nodes":
			var v uint64
			v, err = d.uint()
			if err == nil && v > uint64(lim.MaxNodes) {
				return true, errf(ErrTooLarge, where, "%d nodes exceed the limit of %d", v, lim.MaxNodes)
			}
			n.Nodes, haveNodes = int(v), true
		case "layers":
			n.Layers, err = decodeInts(d, uint64(lim.MaxNodes))
		case "cyclic":
			n.Cyclic, err = d.bool()
		case "from":
			from, err = d.bin()
		case "to":
			to, err = d.bin()
		case "weights":
			w, err = d.bin()
		case "biases":
			bias, err = d.bin()
		case "omega":
			n.Omega, err = d.float()
		case "groups":
			var c int
			c, err = d.arrayLen()
			if err == nil && c > 255 {
				return true, errf(ErrInvalid, where, "%d groups, at most 255 allowed", c)
			}
			for g := 0; g < c && err == nil; g++ {
				var gr Group
				err = fields(d, fmt.Sprintf("%s: group %d", where, g), func(k string) (bool, error) {
					var err error
					switch k {
					case "name":
						gr.Name, err = d.str()
					case "activation":
						var v uint64
						v, err = d.uint()
						gr.Activation = Activation(min(v, 255))
					case "delta":
						gr.Delta, err = d.float()
					default:
						return false, nil
					}
					return true, err
				})
				n.Groups = append(n.Groups, gr)
			}
		case "node_groups":
			ng, err = d.bin()
		case "roles":
			roles, err = d.bin()
		case "class_names":
			var c int
			c, err = d.arrayLen()
			for i := 0; i < c && err == nil; i++ {
				var s string
				s, err = d.str()
				n.ClassNames = append(n.ClassNames, s)
			}
		case "data_shape":
			n.DataShape, err = decodeInts(d, uint64(lim.MaxNodes))
		case "conv":
			n.Conv, err = decodeConvs(d, where, lim)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if !haveNodes || w == nil || bias == nil || ng == nil || roles == nil || n.Groups == nil {
		return nil, errf(ErrInvalid, where, "lacks a required field (nodes, weights, biases, groups, node_groups, roles)")
	}
	if (from == nil) != (to == nil) || (from == nil) == (n.Layers == nil) {
		return nil, errf(ErrInvalid, where, "needs either layers or both from and to")
	}
	if len(w)/4 > lim.MaxEdges {
		return nil, errf(ErrTooLarge, where, "%d weights exceed the limit of %d edges", len(w)/4, lim.MaxEdges)
	}
	if from != nil {
		if n.From, err = u32s(from, where+": from"); err != nil {
			return nil, err
		}
		if n.To, err = u32s(to, where+": to"); err != nil {
			return nil, err
		}
	}
	if len(w)%4 != 0 {
		return nil, errf(ErrInvalid, where, "weights have %d bytes, not a whole number of float32", len(w))
	}
	if n.W, err = float32s(w, len(w)/4, where+": weights"); err != nil {
		return nil, err
	}
	if len(bias) != 4*n.Nodes {
		return nil, errf(ErrInvalid, where, "has %d nodes but %d bytes of biases (want %d)", n.Nodes, len(bias), 4*n.Nodes)
	}
	if n.B, err = float32s(bias, n.Nodes, where+": biases"); err != nil {
		return nil, err
	}
	if len(ng) != n.Nodes || len(roles) != n.Nodes {
		return nil, errf(ErrInvalid, where, "has %d nodes but %d group indices and %d roles", n.Nodes, len(ng), len(roles))
	}
	n.NodeGroup = make([]int, n.Nodes)
	n.Roles = make([]Role, n.Nodes)
	for i := range n.Nodes {
		n.NodeGroup[i], n.Roles[i] = int(ng[i]), Role(roles[i])
	}
	return n, nil
}

func decodeNMF(d *dec) (*NMF, error) {
	m := &NMF{}
	var feat []byte
	err := fields(d, "nmf", func(k string) (bool, error) {
		var err error
		var v uint64
		switch k {
		case "data":
			v, err = d.uint()
			m.Data = int(min(v, 1<<40))
		case "codes":
			v, err = d.uint()
			m.Codes = int(min(v, 1<<40))
		case "features":
			feat, err = d.bin()
		case "omega":
			m.Omega, err = d.float()
		case "data_shape":
			m.DataShape, err = decodeInts(d, 1<<32)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if m.Data < 1 || m.Codes < 1 || m.Data > 1<<24 || m.Codes > 1<<16 || len(feat) != 4*m.Data*m.Codes {
		return nil, errf(ErrInvalid, "nmf", "has %d data and %d code nodes but %d bytes of features", m.Data, m.Codes, len(feat))
	}
	m.Features, err = float32s(feat, m.Data*m.Codes, "nmf: features")
	return m, err
}

func decodeGenerator(d *dec, lim Limits) (*Generator, error) {
	g := &Generator{}
	err := fields(d, "generator", func(k string) (bool, error) {
		var err error
		switch k {
		case "marginals":
			var c int
			c, err = d.arrayLen()
			for i := 0; i < c && err == nil; i++ {
				var b []byte
				if b, err = d.bin(); err != nil {
					break
				}
				if len(b)/4 > lim.MaxSamples {
					return true, errf(ErrTooLarge, "generator", "marginal %d has %d samples, limit %d", i, len(b)/4, lim.MaxSamples)
				}
				if len(b)%4 != 0 {
					return true, errf(ErrInvalid, "generator", "marginal %d has %d bytes, not a whole number of float32", i, len(b))
				}
				var m []float64
				m, err = float32s(b, len(b)/4, fmt.Sprintf("generator: marginal %d", i))
				g.Marginals = append(g.Marginals, m)
			}
		case "filter":
			g.Filter, err = decodeNetwork(d, "generator filter", lim)
		case "fpa":
			g.FPA, err = d.float()
		default:
			return false, nil
		}
		return true, err
	})
	return g, err
}

func decodeParams(d *dec) (map[string]float64, error) {
	m := map[string]float64{}
	return m, fields(d, "provenance", func(k string) (bool, error) {
		v, err := d.float()
		m[k] = v
		return true, err
	})
}

func decodeProvenance(d *dec, p *Provenance) error {
	return fields(d, "provenance", func(k string) (bool, error) {
		var err error
		var v uint64
		switch k {
		case "hyper":
			p.Hyper, err = decodeParams(d)
		case "metrics":
			p.Metrics, err = decodeParams(d)
		case "seed":
			p.Seed, err = d.uint()
		case "dataset":
			p.Dataset, err = d.str()
		case "dataset_size":
			v, err = d.uint()
			p.DatasetSize = int(min(v, 1<<62))
		case "library_version":
			p.LibraryVersion, err = d.str()
		case "created_unix_ns":
			var f float64
			start := d.off
			f, err = d.float()
			if err == nil {
				// Re-read exactly: float64 cannot hold every int64.
				d.off = start
				p.Created, err = readTime(d, f)
			}
		case "notes":
			p.Notes, err = d.str()
		default:
			return false, nil
		}
		return true, err
	})
}

func readTime(d *dec, f float64) (time.Time, error) {
	c := d.b[d.off]
	var ns int64
	switch {
	case c == 0xd3 || c == 0xcf:
		d.off++
		v, err := d.be(8)
		if err != nil {
			return time.Time{}, err
		}
		ns = int64(v)
	default:
		if _, err := d.float(); err != nil {
			return time.Time{}, err
		}
		ns = int64(f)
	}
	if ns == 0 {
		return time.Time{}, nil
	}
	return time.Unix(0, ns).UTC(), nil
}
