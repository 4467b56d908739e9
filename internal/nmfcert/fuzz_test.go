package nmfcert

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseCSV: any input either fails with an error or yields exactly rows×cols numbers,
// and what writeCSV writes parses back to the same float64s.
func FuzzParseCSV(f *testing.F) {
	for _, name := range []string{CodesFile, FeaturesFile} {
		b, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(6), uint8(5))
	}
	f.Add([]byte("1,2\n3,4\n"), uint8(2), uint8(2))
	f.Add([]byte("1e400,-0,NaN\r\n"), uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, rows, cols uint8) {
		r, c := int(rows%40)+1, int(cols%40)+1
		v, err := parseCSV("fuzz.csv", b, r, c)
		if err != nil {
			return
		}
		if len(v) != r*c {
			t.Fatalf("%d values for %d×%d", len(v), r, c)
		}
		path := filepath.Join(t.TempDir(), "m.csv")
		if err := writeCSV(path, v, r, c); err != nil {
			t.Fatal(err)
		}
		back, err := readCSV(path, r, c)
		if err != nil {
			t.Fatalf("written CSV does not parse: %v", err)
		}
		for i := range v {
			if math.Float64bits(back[i]) != math.Float64bits(v[i]) && !(math.IsNaN(v[i]) && math.IsNaN(back[i])) {
				t.Fatalf("entry %d: wrote %v, read %v", i, v[i], back[i])
			}
		}
	})
}

// FuzzCheck: a certificate directory with any certificate.json and factor files is
// accepted or rejected, never a panic; whatever passes really factorises the LEDM.
func FuzzCheck(f *testing.F) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read(MetaFile), read(CodesFile), read(FeaturesFile))
	f.Add([]byte(`{"matrix":"LEDM","m":2,"rank":2}`), []byte("0,1\n1,0\n"), []byte("1,0\n0,1\n"))
	f.Add([]byte(`{"matrix":"LEDM","m":3,"rank":1}`), []byte("0\n0\n0\n"), []byte("0\n0\n0\n"))
	f.Fuzz(func(t *testing.T, meta, codes, features []byte) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{MetaFile: meta, CodesFile: codes, FeaturesFile: features} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := Check(dir, DefaultTol)
		if err != nil {
			return
		}
		x, _ := readCSV(filepath.Join(dir, CodesFile), rep.M, rep.Rank)
		w, _ := readCSV(filepath.Join(dir, FeaturesFile), rep.M, rep.Rank)
		if _, _, err := Verify(rep.M, rep.Rank, x, w, DefaultTol); err != nil {
			t.Fatalf("Check passed what Verify rejects: %v", err)
		}
	})
}
