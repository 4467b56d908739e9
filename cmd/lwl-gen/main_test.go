package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const gen = "../../testdata/binary5-generator.lwlb"

func TestPNG(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-n", "32", "-cols", "8", "-scale", "2", gen}, &out, &errb, false); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	// 8 columns of 8·2+1 pixels plus a border; 4 rows of 4·2+1.
	if b := img.Bounds(); b.Dx() != 8*17+1 || b.Dy() != 4*9+1 {
		t.Errorf("grid %v", b)
	}
	if !strings.Contains(errb.String(), "32 codes accepted of 32 drawn (acceptance rate 1.000") {
		t.Errorf("stderr: %s", errb.String())
	}
}

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	codes := filepath.Join(dir, "codes.csv")
	var out, errb bytes.Buffer
	if code := run([]string{"-n", "5", "-seed", "3", "-nofilter", "-format", "csv", "-codes", codes, gen}, &out, &errb, true); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	codeData, _ := os.ReadFile(codes)
	codeLines := strings.Split(strings.TrimSpace(string(codeData)), "\n")
	if len(lines) != 5 || len(codeLines) != 5 {
		t.Fatalf("%d images, %d codes", len(lines), len(codeLines))
	}
	for k, l := range lines {
		px := strings.Split(l, ",")
		bits := strings.Split(codeLines[k], ",")
		if len(px) != 32 || len(bits) != 5 {
			t.Fatalf("line %q / %q", l, codeLines[k])
		}
		v := 0
		for j, b := range bits {
			if b == "1" {
				v |= 1 << j
			}
		}
		for i, p := range px {
			want := "0"
			if i == v {
				want = "1"
			}
			if p != want {
				t.Fatalf("code %v decoded to %q", bits, l)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.lwlb")
	data, _ := os.ReadFile(gen)
	data[100] ^= 4
	os.WriteFile(corrupt, data, 0o644)
	for _, c := range []struct {
		args     []string
		terminal bool
		code     int
		msg      string
	}{
		{[]string{gen}, true, 1, "refusing to write a PNG to a terminal"},
		{[]string{filepath.Join(dir, "missing.lwlb")}, false, 1, "no such file"},
		{[]string{corrupt}, false, 1, "checksum"},
		{[]string{"../../format/testdata/majority3.lwlb"}, false, 1, "classifier, not a generator"},
		// The bundle is checked before the output: a terminal does not hide the real error.
		{[]string{filepath.Join(dir, "missing.lwlb")}, true, 1, "no such file"},
		{[]string{corrupt}, true, 1, "checksum"},
		{[]string{"../../format/testdata/majority3.lwlb"}, true, 1, "classifier, not a generator"},
		// 0 for help, 2 for a mistake on the command line, as flag.ExitOnError would.
		{[]string{"-h"}, true, 0, "usage: lwl-gen"},
		{[]string{"-help"}, false, 0, "Flags:"},
		{[]string{"-nosuchflag", gen}, false, 2, "flag provided but not defined: -nosuchflag"},
		{[]string{"-n", "many", gen}, false, 2, "invalid value"},
		{[]string{}, false, 2, "usage"},
		{[]string{gen, gen}, false, 2, "usage"},
		{[]string{"-n", "0", gen}, false, 2, "-n ≥ 1"},
		{[]string{"-format", "jpeg", gen}, false, 2, "png or csv"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb, c.terminal)
		if code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.msg)
		}
		if code != 0 && out.Len() != 0 {
			t.Errorf("%v: wrote %d bytes to stdout on failure", c.args, out.Len())
		}
	}
}
