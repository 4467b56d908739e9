package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lwl-go/lwl/dataset"
	"github.com/lwl-go/lwl/internal/progress"
	"github.com/lwl-go/lwl/train"
)

// reproCommands are the paper's experiments, each registered from the file that runs it.
var reproCommands = map[string]command{}

func init() {
	commands["repro"] = command{
		summary: "rerun one of the paper's experiments with its settings and compare",
		run:     runRepro,
	}
	reproCommands["ledm"] = command{summary: "exact NMF of linear Euclidean distance matrices (table 1)", run: runReproLEDM}
	reproCommands["montage"] = command{summary: "online NMF of the synthetic letter montages (section 4.4.2)", run: runReproMontage}
}

func runRepro(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(reproCommands))
	for n := range reproCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintf(stderr, "Usage: lwl-train repro <experiment> [flags]\n\nReruns an experiment of the paper with the paper's settings, prints our figures beside\nthe paper's, and with -json ends with one JSON line of them.\n\nExperiments:\n\n")
		for _, n := range names {
			fmt.Fprintf(stderr, "\t%-18s %s\n", n, reproCommands[n].summary)
		}
		if len(args) == 0 {
			return &usageError{"name an experiment"}
		}
		return nil
	}
	c, ok := reproCommands[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("unknown experiment %q (have %s)", args[0], strings.Join(names, ", "))}
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

// runParallel runs n independent jobs, one per core, and reports each completion.
func runParallel(ctx context.Context, n, workers int, job func(ctx context.Context, i int) error, done func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make([]error, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = job(ctx, i)
				if errs[i] != nil {
					cancel()
				}
				mu.Lock()
				done(i)
				mu.Unlock()
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type montageResult struct {
	Runs           int     `json:"runs"`
	ReconErrMedian float64 `json:"recon_err_median"`
	AllPartsFound  int     `json:"all_parts_found"`
	SecondsMedian  float64 `json:"seconds_median"`
}

func runReproMontage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("repro montage", `Usage: lwl-train repro montage [flags]

Online NMF of 2000 synthetic 40×40 letter montages with the settings of section 4.4.2:
16 features, 40 batches of 50, 30 epochs, 4 RRR iterations per batch, β 1, Ω 2. Reports
recon_err and whether the 16 features cover the 16 letter/position parts.
`, stderr)
	runs := fs.Int("runs", 10, "independent runs")
	seed := fs.Uint64("seed", 1, "seed of the first run; run i uses seed+i")
	dataSeed := fs.Uint64("data-seed", 1, "seed of the montage generator")
	epochs := fs.Int("epochs", 30, "passes over the data")
	workers := fs.Int("jobs", 0, "runs at a time (0: one per core)")
	asJSON := fs.Bool("json", false, "print a JSON summary as the last line of stdout")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *runs <= 0 {
		return &usageError{"-runs must be positive"}
	}
	y, err := dataset.Montage(2000, *dataSeed)
	if err != nil {
		return err
	}
	parts, err := dataset.MontagePartsMatrix()
	if err != nil {
		return err
	}
	type run struct {
		recon, s float64
		found    int
	}
	res := make([]run, *runs)
	bar := progress.New(stderr, "runs", *runs, 0)
	start := time.Now()
	err = runParallel(ctx, *runs, *workers, func(ctx context.Context, i int) error {
		f, err := train.Factorize(ctx, y.Data, y.Rows, y.Cols, train.FactorizeSettings{
			NMFConfig:    train.NMFConfig{Rank: 16, Omega: 2, Workers: 1},
			Beta:         1,
			IterPerBatch: 4,
			BatchSize:    50,
			Epochs:       *epochs,
			Seed:         *seed + uint64(i),
		})
		if err != nil {
			return err
		}
		res[i] = run{recon: f.ReconErr, s: f.Elapsed.Seconds(), found: partsFound(f, parts)}
		return nil
	}, func(i int) {
		bar.Add(1, fmt.Sprintf("run %d: recon_err %.4f, %d/16 parts", i+1, res[i].recon, res[i].found))
	})
	bar.Finish()
	if err != nil {
		return err
	}
	out := montageResult{Runs: *runs}
	var recon, secs []float64
	tw := newTable(stdout)
	tw.row("run", "recon_err", "parts found", "seconds")
	for i, r := range res {
		recon = append(recon, r.recon)
		secs = append(secs, r.s)
		if r.found == 16 {
			out.AllPartsFound++
		}
		tw.row(fmt.Sprint(i+1), fmt.Sprintf("%.4f", r.recon), fmt.Sprintf("%d/16", r.found), fmt.Sprintf("%.1f", r.s))
	}
	tw.flush()
	out.ReconErrMedian, out.SecondsMedian = median(recon), median(secs)
	fmt.Fprintln(stdout)
	tw.row("letter montages", "recon_err", "all 16 parts", "seconds per run")
	tw.row("paper (fig. 7)", "≈0.089 when all parts found", "most runs", "—")
	tw.row("lwl", fmt.Sprintf("%.4f (median)", out.ReconErrMedian), fmt.Sprintf("%d of %d runs", out.AllPartsFound, *runs),
		fmt.Sprintf("%.1f (median; %s wall in all)", out.SecondsMedian, time.Since(start).Round(time.Second)))
	tw.flush()
	if *asJSON {
		return printJSON(stdout, out)
	}
	return nil
}

// partsFound counts the letter/position parts that some feature matches: each part is
// assigned the feature of largest cosine similarity, and counts when that similarity is at
// least 0.8 and no other part claimed the same feature first.
func partsFound(f *train.Factorization, parts dataset.Matrix) int {
	used := make([]bool, f.C)
	found := 0
	for p := 0; p < parts.Rows; p++ {
		part := parts.Data[p*parts.Cols : (p+1)*parts.Cols]
		best, bestCos := -1, 0.0
		for i := 0; i < f.C; i++ {
			var dot, nf, np float64
			for j, v := range part {
				w := f.Features[j*f.C+i]
				dot += v * w
				nf += w * w
				np += v * v
			}
			if c := dot / math.Sqrt(nf*np); c > bestCos {
				best, bestCos = i, c
			}
		}
		if best >= 0 && bestCos >= 0.8 && !used[best] {
			used[best] = true
			found++
		}
	}
	return found
}
