package nmfcert

import (
	"encoding/json"
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/format"
)

// golden is a certificate written by "lwl-train repro ledm -m 6 -runs 1 -seed 1 -cert DIR":
// the 6×6 LEDM with rank 5, its non-negative rank (table 1).
const golden = "testdata/m6-r5-s1"

func TestGoldenCertificatePasses(t *testing.T) {
	rep, err := Check(golden, DefaultTol)
	if err != nil {
		t.Fatal(err)
	}
	if rep.M != 6 || rep.Rank != 5 || !(rep.MaxResidual < 1e-7) || !rep.Bundle {
		t.Fatalf("report %+v: want m=6 rank 5, residual < 1e-7, bundle checked", rep)
	}
}

func TestLEDMValues(t *testing.T) {
	y := LEDM(5) // ((i−k)/4)²
	for _, tc := range []struct {
		i, k int
		want float64
	}{{0, 0, 0}, {0, 4, 1}, {4, 0, 1}, {1, 3, 0.25}, {0, 1, 0.0625}, {3, 1, 0.25}} {
		if got := y[tc.i*5+tc.k]; got != tc.want {
			t.Errorf("LEDM(5)[%d][%d] = %v, want %v", tc.i, tc.k, got, tc.want)
		}
	}
}

// The identity factorisation X = Y, W = I is exact at rank m; Verify accepts it, and
// rejects it once any entry moves.
func TestVerifyTrivialFactorisation(t *testing.T) {
	const m = 4
	x, w := LEDM(m), make([]float64, m*m)
	for i := range m {
		w[i*m+i] = 1
	}
	res, zeros, err := Verify(m, m, x, w, DefaultTol)
	if err != nil || res != 0 || zeros != 4+12 {
		t.Fatalf("Verify(identity) = %v, %d zeros, %v; want 0, 16, nil", res, zeros, err)
	}
	x[1] += 2e-6
	if _, _, err := Verify(m, m, x, w, DefaultTol); err == nil || !strings.Contains(err.Error(), "residual") {
		t.Fatalf("a residual of 2e-6 passed: %v", err)
	}
}

// copyCert copies the golden certificate into a fresh directory for tampering.
func copyCert(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(golden)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(golden, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// editCSV rewrites one entry of a factor CSV.
func editCSV(t *testing.T, path string, row, col int, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	f := strings.Split(lines[row], ",")
	f[col] = edit(f[col])
	lines[row] = strings.Join(f, ",")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func editMeta(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every way of tampering with a certificate is caught, with a message that says what.
func TestCheckRejectsTamperedCertificates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"code entry nudged by 1e-5", func(t *testing.T, dir string) {
			editCSV(t, filepath.Join(dir, CodesFile), 2, 4, func(s string) string {
				if s != "0.39440530621035014" {
					t.Fatalf("golden codes.csv [2][4] = %s", s)
				}
				return "0.39441530621035014"
			})
		}, "residual"},
		{"a zero feature made slightly negative", func(t *testing.T, dir string) {
			editCSV(t, filepath.Join(dir, FeaturesFile), 0, 2, func(s string) string {
				if s != "0" {
					t.Fatalf("golden features.csv [0][2] = %s, want 0", s)
				}
				return "-1e-300"
			})
		}, "non-negative"},
		{"NaN code", func(t *testing.T, dir string) {
			editCSV(t, filepath.Join(dir, CodesFile), 5, 0, func(string) string { return "NaN" })
		}, "finite"},
		{"not a number", func(t *testing.T, dir string) {
			editCSV(t, filepath.Join(dir, CodesFile), 1, 1, func(string) string { return "zero" })
		}, "codes.csv:2: column 2"},
		{"features missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, FeaturesFile))
		}, "features.csv"},
		{"claims a smaller rank", func(t *testing.T, dir string) {
			editMeta(t, dir, func(m map[string]any) { m["rank"] = 4.0 })
		}, "5 values, want 4"},
		{"claims another size", func(t *testing.T, dir string) {
			editMeta(t, dir, func(m map[string]any) { m["m"] = 7.0 })
		}, "6 lines, want 7"},
		{"another matrix", func(t *testing.T, dir string) {
			editMeta(t, dir, func(m map[string]any) { m["matrix"] = "EDM" })
		}, `matrix "EDM"`},
		{"bundle with other features", func(t *testing.T, dir string) {
			b, err := format.Load(filepath.Join(dir, BundleFile))
			if err != nil {
				t.Fatal(err)
			}
			b.NMF.Features[6] *= 1.001
			if err := format.Save(filepath.Join(dir, BundleFile), b); err != nil {
				t.Fatal(err)
			}
		}, "model.lwlb: feature entry [1][1]"},
		{"snapped factors that do not factorise", func(t *testing.T, dir string) {
			for _, n := range [][2]string{{CodesFile, SnappedCodesFile}, {FeaturesFile, SnappedFeaturesFile}} {
				b, _ := os.ReadFile(filepath.Join(dir, n[0]))
				os.WriteFile(filepath.Join(dir, n[1]), b, 0o644)
			}
			editCSV(t, filepath.Join(dir, SnappedCodesFile), 0, 4, func(string) string { return "0" })
		}, "snapped factors: residual"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCert(t)
			tc.tamper(t, dir)
			_, err := Check(dir, DefaultTol)
			if err == nil {
				t.Fatal("tampered certificate passed the check")
			}
			if !strings.Contains(err.Error(), "certificate INVALID") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q: want INVALID and %q", err, tc.want)
			}
		})
	}
}

func readFactors(t *testing.T, dir string) (x, w []float64) {
	t.Helper()
	x, err := readCSV(filepath.Join(dir, CodesFile), 6, 5)
	if err != nil {
		t.Fatal(err)
	}
	w, err = readCSV(filepath.Join(dir, FeaturesFile), 6, 5)
	if err != nil {
		t.Fatal(err)
	}
	return x, w
}

// Write round-trips the factors exactly, and the rounding pass turns entries that are
// zero up to rounding into exact zeros, kept beside the raw factors.
func TestWriteAndSnap(t *testing.T) {
	x, w := readFactors(t, golden)
	_, zeros, err := Verify(6, 5, x, w, DefaultTol)
	if err != nil {
		t.Fatal(err)
	}
	// Blur the exact zeros into tiny positive values, as an iteration that stops early
	// leaves them.
	for i := range x {
		if x[i] == 0 {
			x[i] = 3e-13
		}
	}
	for i := range w {
		if w[i] == 0 {
			w[i] = 1e-11
		}
	}
	dir := filepath.Join(t.TempDir(), "cert")
	rep, err := Write(dir, Meta{M: 6, Rank: 5, Seed: 1, Omega: 0.6}, x, w, DefaultTol)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Zeros != 0 || rep.Snapped == nil || rep.Snapped.Zeros != zeros || !rep.Bundle {
		t.Fatalf("report %+v (snapped %+v): want 0 raw zeros, %d snapped ones, the bundle checked", rep, rep.Snapped, zeros)
	}
	gx, gw := readFactors(t, dir)
	for i := range x {
		if gx[i] != x[i] || gw[i] != w[i] {
			t.Fatalf("entry %d: wrote %v, %v; read back %v, %v", i, x[i], w[i], gx[i], gw[i])
		}
	}
	var meta Meta
	b, _ := os.ReadFile(filepath.Join(dir, MetaFile))
	if err := json.Unmarshal(b, &meta); err != nil || meta.Snapped == nil || meta.Snapped.Threshold < 1e-11 || meta.MaxResidual != rep.MaxResidual {
		t.Fatalf("certificate.json %s: want the snap threshold and the residual recorded (%v)", b, err)
	}
}

func TestWriteRefusesAnInexactFactorisation(t *testing.T) {
	x, w := readFactors(t, golden)
	x[3] += 1e-4
	dir := filepath.Join(t.TempDir(), "cert")
	if _, err := Write(dir, Meta{M: 6, Rank: 5}, x, w, DefaultTol); err == nil || !strings.Contains(err.Error(), "residual") {
		t.Fatalf("Write of an inexact factorisation: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a refused certificate left %s behind (%v)", dir, err)
	}
}

// Rows and columns 1…5 of the 6×6 LEDM are the 5×5 LEDM scaled by (4/5)², so the restricted
// factors of the golden certificate factorise it with the same rank.
func TestRestrict(t *testing.T) {
	x, w := readFactors(t, golden)
	for start := 0; start <= 1; start++ {
		sx, sw, err := Restrict(6, 5, x, w, 5, start)
		if err != nil {
			t.Fatal(err)
		}
		if res, _, err := Verify(5, 5, sx, sw, DefaultTol); err != nil {
			t.Fatalf("start %d: %v", start, err)
		} else if !(res < 1e-7) {
			t.Fatalf("start %d: residual %v", start, res)
		}
	}
	if _, _, err := Restrict(6, 5, x, w, 5, 2); err == nil {
		t.Fatal("rows 2…6 of a 6×6 factorisation accepted")
	}
	dst := filepath.Join(t.TempDir(), "m5-r5")
	rep, err := Derive(golden, dst, 5, 1, "test", DefaultTol)
	if err != nil {
		t.Fatal(err)
	}
	var meta Meta
	b, _ := os.ReadFile(filepath.Join(dst, MetaFile))
	if err := json.Unmarshal(b, &meta); err != nil || rep.M != 5 || rep.Rank != 5 || !strings.HasPrefix(meta.DerivedFrom, "m6-r5-s1, rows and columns 1…5") {
		t.Fatalf("derived %+v, meta %s (%v)", rep, b, err)
	}
}

// The check must not share code with what it checks: this package imports neither the
// RRR engine nor the dataset package, directly or through another package of the module.
func TestIndependentOfTheSolver(t *testing.T) {
	const mod = "github.com/lwl-go/lwl/"
	seen := map[string]bool{}
	var walk func(path, dir string)
	walk = func(path, dir string) {
		if seen[path] {
			return
		}
		seen[path] = true
		if path == mod+"train" || path == mod+"dataset" {
			t.Errorf("nmfcert depends on %s", path)
			return
		}
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, mod) {
				walk(imp, filepath.Join("..", "..", strings.TrimPrefix(imp, mod)))
			}
		}
	}
	walk(mod+"internal/nmfcert", ".")
	if !seen[mod+"format"] {
		t.Fatalf("walked %v: the import graph was not followed", seen)
	}
}
