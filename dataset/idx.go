package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX limits: a file may have at most MaxIDXDims dimensions and MaxIDXSize bytes of data.
// The MNIST training images, the largest IDX file in common use, hold 47 MB.
const (
	MaxIDXDims = 8
	MaxIDXSize = 1 << 30
)

// IDX type codes (the third byte of the magic number).
const (
	idxUbyte = 0x08
)

// ReadIDX reads an uncompressed IDX file (the format of the MNIST distribution,
// http://yann.lecun.com/exdb/mnist/) of unsigned bytes from r and returns its dimensions
// and data, row-major.
//
// The header is validated before anything is allocated: the magic must be 0, 0, type,
// number of dimensions; every dimension must be positive; and the product of the
// dimensions, checked for overflow, must not exceed MaxIDXSize. The data is then read in
// growing chunks, so a file that declares more than it holds costs no more memory than it
// holds. Data shorter than declared is an error wrapping io.ErrUnexpectedEOF, and bytes
// after the data are an error too. Element types other than unsigned byte are reported
// with an error wrapping errors.ErrUnsupported.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	return readIDX(r, "", -1)
}

// ReadIDXFile reads an IDX file, gzip-compressed or not (detected by its first bytes),
// as ReadIDX does. Errors name the file.
func ReadIDXFile(path string) (dims []int, data []byte, err error) {
	return readIDXFile(path, -1)
}

func readIDXFile(path string, items int) (dims []int, data []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, &FormatError{Name: path, Msg: "gzip: " + err.Error(), Err: err}
		}
		defer zr.Close()
		r = zr
	}
	return readIDX(r, path, items)
}

// readIDX reads an IDX stream named name. If items ≥ 0 it reads only the first items
// entries along the first dimension (reporting dims[0] = items) and ignores the rest.
func readIDX(r io.Reader, name string, items int) (dims []int, data []byte, err error) {
	fail := func(err error, format string, args ...any) ([]int, []byte, error) {
		return nil, nil, &FormatError{Name: name, Msg: "idx: " + fmt.Sprintf(format, args...), Err: err}
	}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return fail(noEOF(err), "reading magic: %v", noEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return fail(nil, "bad magic % x", magic)
	}
	switch magic[2] {
	case idxUbyte:
	case 0x09, 0x0B, 0x0C, 0x0D, 0x0E:
		return fail(errors.ErrUnsupported, "element type 0x%02x is not supported (only unsigned byte, 0x08)", magic[2])
	default:
		return fail(nil, "unknown element type 0x%02x", magic[2])
	}
	nd := int(magic[3])
	if nd == 0 || nd > MaxIDXDims {
		return fail(nil, "%d dimensions, want 1 to %d", nd, MaxIDXDims)
	}
	var hdr [4 * MaxIDXDims]byte
	if _, err := io.ReadFull(r, hdr[:4*nd]); err != nil {
		return fail(noEOF(err), "reading dimensions: %v", noEOF(err))
	}
	dims = make([]int, nd)
	size := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4*i:])
		if d == 0 {
			return fail(nil, "dimension %d is zero", i)
		}
		if uint64(size)*uint64(d) > MaxIDXSize { // both factors ≤ 2³², so no overflow
			return fail(ErrTooLarge, "declared size %v exceeds the limit of %d bytes", dimString(hdr[:4*nd]), MaxIDXSize)
		}
		dims[i] = int(d)
		size *= int(d)
	}
	whole := items < 0
	if !whole {
		if items > dims[0] {
			return fail(nil, "asked for %d items, the file holds %d", items, dims[0])
		}
		size = size / dims[0] * items
		dims[0] = items
	}
	data, err = readN(r, size)
	if err != nil {
		return fail(noEOF(err), "data: read %d of %d bytes: %v", len(data), size, noEOF(err))
	}
	if whole {
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 {
			return fail(nil, "trailing data after %d bytes", size)
		}
	}
	return dims, data, nil
}

// readN reads exactly n bytes, growing its buffer as data arrives so that memory use
// follows the bytes actually present. On error it returns what it read.
func readN(r io.Reader, n int) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(nb, buf)
			buf = nb
		}
		k, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func dimString(hdr []byte) string {
	s := ""
	for i := 0; i < len(hdr); i += 4 {
		if i > 0 {
			s += "×"
		}
		s += fmt.Sprint(binary.BigEndian.Uint32(hdr[i:]))
	}
	return s
}

// noEOF turns a mid-stream io.EOF into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
