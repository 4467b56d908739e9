// Package nmfcert writes and checks certificates of exact non-negative factorisations of
// the linear Euclidean distance matrices (LEDMs, section 4.4.1 of the paper),
//
//	Y[i][k] = ((i−k)/(m−1))²,  i, k = 0 … m−1.
//
// A certificate is a directory holding the factors as CSV at full float64 precision
// (codes.csv: X, m×r; features.csv: W, m×r; Y = X·Wᵀ), the features as an NMF bundle
// (model.lwlb, which stores them as float32 like every bundle, so that the CSV and not the
// bundle is the certificate), and certificate.json, which says which matrix and rank it claims and how the
// factors were found. When the rounding pass (Snap) could set more entries to exactly zero
// without spoiling the residual, the sparser factors are kept beside the raw ones as
// codes-snapped.csv and features-snapped.csv.
//
// Check is independent of the code that finds factorisations: it computes the LEDM itself
// from the formula above, parses the CSV with strconv, multiplies the factors out and
// confirms that every entry is finite and non-negative and that no entry of the residual
// exceeds the tolerance. It imports neither the RRR engine (train/) nor the dataset package,
// so a bug there cannot certify its own output.
//
// A certificate with rank r shows rank⁺(Y) ≤ r to within floating-point rounding: the
// residual is at most the tolerance, not zero. It says nothing about rank r−1.
package nmfcert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lwl-go/lwl/format"
	"github.com/lwl-go/lwl/internal/atomicfile"
)

// File names inside a certificate directory.
const (
	MetaFile            = "certificate.json"
	CodesFile           = "codes.csv"
	FeaturesFile        = "features.csv"
	BundleFile          = "model.lwlb"
	SnappedCodesFile    = "codes-snapped.csv"
	SnappedFeaturesFile = "features-snapped.csv"
)

// DefaultTol is the largest residual entry |Y − X·Wᵀ| a certificate may have. The smallest
// non-zero LEDM entry is 1/(m−1)², about 10⁻³ at m = 32, so 10⁻⁶ leaves no room for an
// approximate factorisation to pass as exact.
const DefaultTol = 1e-6

// Meta is certificate.json: what the certificate claims and how it was found.
type Meta struct {
	Matrix string `json:"matrix"` // "LEDM"
	M      int    `json:"m"`
	Rank   int    `json:"rank"`

	// How the factors were found (informational; Check does not trust any of it).
	Command     string  `json:"command,omitempty"` // reproduces the factorisation
	Seed        uint64  `json:"seed"`
	Beta        float64 `json:"beta,omitempty"`
	Omega       float64 `json:"omega,omitempty"`
	Tol         float64 `json:"tol,omitempty"` // RRR_err at which the run stopped
	Iterations  int     `json:"iterations,omitempty"`
	GWMs        float64 `json:"gwms,omitempty"`
	Seconds     float64 `json:"seconds,omitempty"`
	ReconErr    float64 `json:"recon_err,omitempty"`    // eq. (23), as the solver computed it
	DerivedFrom string  `json:"derived_from,omitempty"` // set by Restrict
	Created     string  `json:"created,omitempty"`

	// Filled in by Write from its own check of the factors.
	MaxResidual float64    `json:"max_residual"`
	Zeros       int        `json:"zeros"` // entries of X and W that are exactly 0
	Snapped     *SnapStats `json:"snapped,omitempty"`
}

// SnapStats describes the snapped factors of a certificate.
type SnapStats struct {
	Threshold   float64 `json:"threshold"` // entries below it were set to 0
	Zeros       int     `json:"zeros"`     // exact zeros in X and W after snapping
	MaxResidual float64 `json:"max_residual"`
}

// Report is what Check found in one certificate.
type Report struct {
	Dir         string
	M, Rank     int
	MaxResidual float64 // max |Y − X·Wᵀ| of the raw factors
	Zeros       int
	Snapped     *SnapStats // nil when the certificate has no snapped factors
	Bundle      bool       // model.lwlb was present and matched features.csv (as float32)
}

// LEDM returns the m×m linear Euclidean distance matrix, row-major. It is deliberately
// written out here rather than taken from the dataset package (see the package comment).
func LEDM(m int) []float64 {
	y := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for k := 0; k < m; k++ {
			d := float64(i-k) / float64(m-1)
			y[i*m+k] = d * d
		}
	}
	return y
}

// Verify checks that the row-major m×r factors x (codes) and w (features) are finite and
// non-negative and reproduce the m×m LEDM as X·Wᵀ with no residual entry above tol. It
// returns the largest residual entry and the number of exact zeros, and an error naming
// every problem it found.
func Verify(m, r int, x, w []float64, tol float64) (maxRes float64, zeros int, err error) {
	if m < 2 || r < 1 {
		return 0, 0, fmt.Errorf("size m=%d rank %d: want m ≥ 2 and rank ≥ 1", m, r)
	}
	if len(x) != m*r || len(w) != m*r {
		return 0, 0, fmt.Errorf("factors have %d and %d entries, want %d×%d = %d each", len(x), len(w), m, r, m*r)
	}
	var probs []error
	for _, fac := range []struct {
		name string
		f    []float64
	}{{"codes X", x}, {"features W", w}} {
		name, f, bad := fac.name, fac.f, 0
		for i, v := range f {
			if v == 0 {
				zeros++
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				if bad < 3 {
					probs = append(probs, fmt.Errorf("%s[%d][%d] = %v is not a finite non-negative number", name, i/r, i%r, v))
				}
				bad++
			}
		}
		if bad > 3 {
			probs = append(probs, fmt.Errorf("%s: %d entries in all are negative or not finite", name, bad))
		}
	}
	y := LEDM(m)
	worst := [2]int{}
	for i := 0; i < m; i++ {
		for k := 0; k < m; k++ {
			s := 0.0
			for c := 0; c < r; c++ {
				s += x[i*r+c] * w[k*r+c]
			}
			d := math.Abs(y[i*m+k] - s)
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			if d > maxRes {
				maxRes, worst = d, [2]int{i, k}
			}
		}
	}
	if !(maxRes <= tol) {
		probs = append(probs, fmt.Errorf("residual |Y − X·Wᵀ| reaches %.3g at (%d, %d), above the tolerance %.3g", maxRes, worst[0], worst[1], tol))
	}
	return maxRes, zeros, errors.Join(probs...)
}

// Write checks the factors and, if they pass, writes a certificate into dir (created if
// needed): the CSVs, certificate.json, the NMF bundle with the features, and snapped factors
// when the rounding pass finds more zeros. It then reads the directory back with Check. A
// factorisation that fails the check is not written; the error says why.
func Write(dir string, meta Meta, x, w []float64, tol float64) (*Report, error) {
	if meta.Matrix == "" {
		meta.Matrix = "LEDM"
	}
	maxRes, zeros, err := Verify(meta.M, meta.Rank, x, w, tol)
	if err != nil {
		return nil, fmt.Errorf("nmfcert: not writing %s: %w", dir, err)
	}
	meta.MaxResidual, meta.Zeros = maxRes, zeros
	if meta.Created == "" {
		meta.Created = time.Now().UTC().Format(time.RFC3339)
	}
	sx, sw, stats := Snap(meta.M, meta.Rank, x, w, tol)
	if stats != nil && stats.Zeros > zeros {
		meta.Snapped = stats
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("nmfcert: %w", err)
	}
	files := []struct {
		name string
		f    []float64
	}{{CodesFile, x}, {FeaturesFile, w}}
	if meta.Snapped != nil {
		files = append(files, struct {
			name string
			f    []float64
		}{SnappedCodesFile, sx}, struct {
			name string
			f    []float64
		}{SnappedFeaturesFile, sw})
	} else {
		for _, n := range []string{SnappedCodesFile, SnappedFeaturesFile} {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("nmfcert: %w", err)
			}
		}
	}
	for _, f := range files {
		if err := writeCSV(filepath.Join(dir, f.name), f.f, meta.M, meta.Rank); err != nil {
			return nil, fmt.Errorf("nmfcert: %w", err)
		}
	}
	b := &format.Bundle{
		Kind: format.KindNMF,
		NMF:  &format.NMF{Data: meta.M, Codes: meta.Rank, Features: w, Omega: meta.Omega},
		Provenance: format.Provenance{
			Hyper:       map[string]float64{"rank": float64(meta.Rank), "omega": meta.Omega, "beta": meta.Beta, "tol": meta.Tol},
			Metrics:     map[string]float64{"recon_err": meta.ReconErr, "max_residual": maxRes, "gwms": meta.GWMs, "iterations": float64(meta.Iterations), "seconds": meta.Seconds},
			Seed:        meta.Seed,
			Dataset:     fmt.Sprintf("LEDM m=%d", meta.M),
			DatasetSize: meta.M,
			Created:     time.Now().UTC(),
			Notes:       "exact NMF certificate; " + meta.Command,
		},
	}
	if b.NMF.Omega <= 0 {
		b.NMF.Omega = 1 // the bundle needs a positive Ω; a derived certificate has none of its own
	}
	if err := format.Save(filepath.Join(dir, BundleFile), b); err != nil {
		return nil, fmt.Errorf("nmfcert: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, MetaFile), func(wr io.Writer) error {
		enc := json.NewEncoder(wr)
		enc.SetIndent("", "  ")
		return enc.Encode(meta)
	}); err != nil {
		return nil, fmt.Errorf("nmfcert: %w", err)
	}
	return Check(dir, tol)
}

// Check reads the certificate in dir and verifies it independently: certificate.json names
// an LEDM of size m and a rank r; codes.csv and features.csv are m×r, finite, non-negative,
// and multiply out to the LEDM with no residual entry above tol; model.lwlb, if present, is
// an NMF bundle whose features equal those of features.csv rounded to float32; snapped factors, if present,
// pass the same check. The error lists every problem.
func Check(dir string, tol float64) (*Report, error) {
	fail := func(err error) (*Report, error) {
		return nil, fmt.Errorf("%s: certificate INVALID: %w", dir, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return fail(err)
	}
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return fail(fmt.Errorf("%s: %w", MetaFile, err))
	}
	if meta.Matrix != "LEDM" {
		return fail(fmt.Errorf("%s: matrix %q, want \"LEDM\"", MetaFile, meta.Matrix))
	}
	if meta.M < 2 || meta.Rank < 1 || meta.Rank > meta.M {
		return fail(fmt.Errorf("%s: m = %d, rank = %d: want 2 ≤ m and 1 ≤ rank ≤ m", MetaFile, meta.M, meta.Rank))
	}
	rep := &Report{Dir: dir, M: meta.M, Rank: meta.Rank}
	var probs []error
	x, errX := readCSV(filepath.Join(dir, CodesFile), meta.M, meta.Rank)
	w, errW := readCSV(filepath.Join(dir, FeaturesFile), meta.M, meta.Rank)
	if errX != nil || errW != nil {
		return fail(errors.Join(errX, errW))
	}
	rep.MaxResidual, rep.Zeros, err = Verify(meta.M, meta.Rank, x, w, tol)
	if err != nil {
		probs = append(probs, err)
	}
	if _, err := os.Stat(filepath.Join(dir, BundleFile)); err == nil {
		if err := checkBundle(filepath.Join(dir, BundleFile), meta, w); err != nil {
			probs = append(probs, err)
		} else {
			rep.Bundle = true
		}
	}
	_, errSX := os.Stat(filepath.Join(dir, SnappedCodesFile))
	_, errSW := os.Stat(filepath.Join(dir, SnappedFeaturesFile))
	if errSX == nil || errSW == nil {
		sx, errX := readCSV(filepath.Join(dir, SnappedCodesFile), meta.M, meta.Rank)
		sw, errW := readCSV(filepath.Join(dir, SnappedFeaturesFile), meta.M, meta.Rank)
		if errX != nil || errW != nil {
			probs = append(probs, errX, errW)
		} else {
			res, zeros, err := Verify(meta.M, meta.Rank, sx, sw, tol)
			if err != nil {
				probs = append(probs, fmt.Errorf("snapped factors: %w", err))
			}
			rep.Snapped = &SnapStats{Zeros: zeros, MaxResidual: res}
			if meta.Snapped != nil {
				rep.Snapped.Threshold = meta.Snapped.Threshold
			}
		}
	}
	if err := errors.Join(probs...); err != nil {
		return fail(err)
	}
	return rep, nil
}

func checkBundle(path string, meta Meta, w []float64) error {
	b, err := format.Load(path)
	if err != nil {
		return err
	}
	if b.Kind != format.KindNMF || b.NMF == nil {
		return fmt.Errorf("%s: a %v bundle, want an NMF", path, b.Kind)
	}
	if b.NMF.Data != meta.M || b.NMF.Codes != meta.Rank || len(b.NMF.Features) != len(w) {
		return fmt.Errorf("%s: %d×%d features, want %d×%d", path, b.NMF.Data, b.NMF.Codes, meta.M, meta.Rank)
	}
	// The bundle stores parameters as float32 (SPEC.md), so it holds the features rounded
	// to float32; the CSV is the exact certificate.
	for i, v := range b.NMF.Features {
		if v != float64(float32(w[i])) {
			return fmt.Errorf("%s: feature entry [%d][%d] = %v, but %s has %v (float32: %v)", path, i/meta.Rank, i%meta.Rank, v, FeaturesFile, w[i], float32(w[i]))
		}
	}
	return nil
}

// Snap is the rounding pass: it sets every entry of X and W below a threshold to exactly 0
// and re-checks the residual, trying thresholds from 10⁻³ down to 10⁻¹²; it returns copies
// snapped at the largest threshold that keeps every residual entry within tol, or nil
// factors and stats when none does. Sparse exact factors are easier to verify by hand and
// often show the factorisation's structure.
func Snap(m, r int, x, w []float64, tol float64) (sx, sw []float64, st *SnapStats) {
	for t := 1e-3; t >= 1e-12; t /= 10 {
		sx, sw = snapBelow(x, t), snapBelow(w, t)
		if res, zeros, err := Verify(m, r, sx, sw, tol); err == nil {
			return sx, sw, &SnapStats{Threshold: t, Zeros: zeros, MaxResidual: res}
		}
	}
	return nil, nil, nil
}

func snapBelow(f []float64, t float64) []float64 {
	s := make([]float64, len(f))
	for i, v := range f {
		if v >= t {
			s[i] = v
		}
	}
	return s
}

// Restrict derives a certificate for a smaller LEDM from one of size M: the rows and
// columns start, start+1, …, start+m−1 of Y(M) are ((M−1)/(m−1))⁻² · Y(m), so the same
// rows of X, scaled by ((M−1)/(m−1))², and of W factor Y(m) with the same rank. Hence
// rank⁺(Y(m)) ≤ rank⁺(Y(M)) for m ≤ M.
func Restrict(bigM, r int, x, w []float64, m, start int) (sx, sw []float64, err error) {
	if m < 2 || start < 0 || start+m > bigM || len(x) != bigM*r || len(w) != bigM*r {
		return nil, nil, fmt.Errorf("nmfcert: cannot restrict a %d×%d factorisation to rows %d…%d", bigM, r, start, start+m-1)
	}
	s := float64(bigM-1) / float64(m-1)
	s *= s
	sx = make([]float64, m*r)
	sw = append([]float64(nil), w[start*r:(start+m)*r]...)
	for i := range sx {
		sx[i] = x[start*r+i] * s
	}
	return sx, sw, nil
}

// writeCSV writes a rows×cols row-major matrix with the shortest decimal form of each entry
// that parses back to the same float64, so the CSV is the factor exactly.
func writeCSV(path string, f []float64, rows, cols int) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		var sb strings.Builder
		for i := 0; i < rows; i++ {
			sb.Reset()
			for c := 0; c < cols; c++ {
				if c > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(strconv.FormatFloat(f[i*cols+c], 'g', -1, 64))
			}
			sb.WriteByte('\n')
			if _, err := io.WriteString(w, sb.String()); err != nil {
				return err
			}
		}
		return nil
	})
}

// readCSV reads a rows×cols matrix of decimal numbers, naming the file, line and column of
// anything else.
func readCSV(path string, rows, cols int) ([]float64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCSV(path, raw, rows, cols)
}

func parseCSV(name string, raw []byte, rows, cols int) ([]float64, error) {
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) != rows {
		return nil, fmt.Errorf("%s: %d lines, want %d", name, len(lines), rows)
	}
	f := make([]float64, 0, rows*cols)
	for i, line := range lines {
		fields := strings.Split(strings.TrimRight(line, "\r"), ",")
		if len(fields) != cols {
			return nil, fmt.Errorf("%s:%d: %d values, want %d", name, i+1, len(fields), cols)
		}
		for c, s := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: column %d: %q is not a number", name, i+1, c+1, s)
			}
			f = append(f, v)
		}
	}
	return f, nil
}

// Derive writes into dst the certificate for the m×m LEDM that Restrict derives from the
// rows and columns start … start+m−1 of the certificate in src, which must pass Check
// first. command is recorded as the way to reproduce it.
func Derive(src, dst string, m, start int, command string, tol float64) (*Report, error) {
	rep, err := Check(src, tol)
	if err != nil {
		return nil, err
	}
	x, errX := readCSV(filepath.Join(src, CodesFile), rep.M, rep.Rank)
	w, errW := readCSV(filepath.Join(src, FeaturesFile), rep.M, rep.Rank)
	if err := errors.Join(errX, errW); err != nil {
		return nil, err
	}
	var meta Meta
	if raw, err := os.ReadFile(filepath.Join(src, MetaFile)); err != nil {
		return nil, err
	} else if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(src, MetaFile), err)
	}
	sx, sw, err := Restrict(rep.M, rep.Rank, x, w, m, start)
	if err != nil {
		return nil, err
	}
	out := Meta{M: m, Rank: rep.Rank, Omega: meta.Omega, Command: command,
		DerivedFrom: fmt.Sprintf("%s, rows and columns %d…%d (its run: %s)", filepath.Base(filepath.Clean(src)), start, start+m-1, meta.Command)}
	return Write(dst, out, sx, sw, tol)
}
