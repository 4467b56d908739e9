package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// idxBytes builds an IDX stream of unsigned bytes.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func TestReadIDX(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name string
		dims []uint32
		want []int
	}{
		{"vector", []uint32{6}, []int{6}},
		{"matrix", []uint32{2, 3}, []int{2, 3}},
		{"images", []uint32{3, 1, 2}, []int{3, 1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dims, got, err := ReadIDX(bytes.NewReader(idxBytes(0x08, tc.dims, data)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dims, tc.want) || !bytes.Equal(got, data) {
				t.Errorf("got %v %v, want %v %v", dims, got, tc.want, data)
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		is   error  // error the result must wrap, if any
		msg  string // substring of the message
	}{
		{"empty", nil, io.ErrUnexpectedEOF, "reading magic"},
		{"short magic", []byte{0, 0, 8}, io.ErrUnexpectedEOF, "reading magic"},
		{"bad magic", []byte{1, 0, 8, 1, 0, 0, 0, 1, 0}, nil, "bad magic 01 00 08 01"},
		{"unknown type", idxBytes(0x07, []uint32{1}, []byte{0}), nil, "unknown element type 0x07"},
		{"float type", idxBytes(0x0D, []uint32{1}, make([]byte, 4)), errors.ErrUnsupported, "element type 0x0d is not supported"},
		{"no dims", []byte{0, 0, 8, 0}, nil, "0 dimensions"},
		{"too many dims", []byte{0, 0, 8, 9}, nil, "9 dimensions"},
		{"short dims", []byte{0, 0, 8, 2, 0, 0, 0, 1}, io.ErrUnexpectedEOF, "reading dimensions"},
		{"zero dim", idxBytes(0x08, []uint32{2, 0}, nil), nil, "dimension 1 is zero"},
		{"too large", idxBytes(0x08, []uint32{1 << 16, 1 << 15}, nil), ErrTooLarge, "declared size 65536×32768 exceeds"},
		{"overflow", idxBytes(0x08, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), ErrTooLarge, "exceeds"},
		{"short data", idxBytes(0x08, []uint32{2, 3}, []byte{1, 2, 3}), io.ErrUnexpectedEOF, "read 3 of 6 bytes"},
		{"trailing data", idxBytes(0x08, []uint32{2}, []byte{1, 2, 3}), nil, "trailing data after 2 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dims, data, err := ReadIDX(bytes.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error; dims %v, %d bytes", dims, len(data))
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FormatError", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "dataset: idx: ") {
				t.Errorf("error %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

// TestReadIDXAllocatesByContent checks that a header declaring the largest allowed size
// over a few bytes of data does not allocate that size.
func TestReadIDXAllocatesByContent(t *testing.T) {
	in := idxBytes(0x08, []uint32{1 << 10, 1 << 20}, make([]byte, 100)) // declares 1 GiB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadIDX(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 4<<20 {
		t.Errorf("allocated %d bytes for 100 bytes of data", a)
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 3*4*5)
	for i := range data {
		data[i] = byte(i * 7)
	}
	raw := idxBytes(0x08, []uint32{3, 4, 5}, data)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	for _, f := range []struct {
		name string
		b    []byte
	}{{"raw-idx3-ubyte", raw}, {"raw-idx3-ubyte.gz", gz.Bytes()}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.b, 0o644); err != nil {
			t.Fatal(err)
		}
		dims, got, err := ReadIDXFile(p)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !reflect.DeepEqual(dims, []int{3, 4, 5}) || !bytes.Equal(got, data) {
			t.Errorf("%s: got %v and %d bytes", f.name, dims, len(got))
		}
		dims, got, err = readIDXFile(p, 2)
		if err != nil || !reflect.DeepEqual(dims, []int{2, 4, 5}) || !bytes.Equal(got, data[:40]) {
			t.Errorf("%s: first 2 items: %v %v %d bytes", f.name, err, dims, len(got))
		}
		if _, _, err := readIDXFile(p, 4); err == nil || !strings.Contains(err.Error(), "asked for 4 items, the file holds 3") {
			t.Errorf("%s: 4 of 3 items: %v", f.name, err)
		}
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, gz.Bytes()[:gz.Len()/2], 0o644)
	if _, _, err := ReadIDXFile(bad); err == nil || !strings.HasPrefix(err.Error(), "dataset: "+bad+": ") {
		t.Errorf("truncated gzip: error %v does not name the file", err)
	}
}
