package train

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/stretchr/testify/require"
)

// memGroup is a Reducer group of goroutines in one process, the test double of the MPI
// reducer (internal/mpi): Allgather waits for every rank, then copies the ranks' values in
// rank order.
type memGroup struct {
	mu   sync.Mutex
	cond *sync.Cond
	size int
	in   [][]float64
	got  int
	gen  int
	out  []float64 // the last completed round's gathered values
}

type memRank struct {
	g    *memGroup
	rank int
}

func newMemGroup(size int) []Reducer {
	g := &memGroup{size: size, in: make([][]float64, size)}
	g.cond = sync.NewCond(&g.mu)
	rs := make([]Reducer, size)
	for r := range rs {
		rs[r] = memRank{g, r}
	}
	return rs
}

func (r memRank) Rank() int { return r.rank }
func (r memRank) Size() int { return r.g.size }

func (r memRank) Allgather(local, all []float64) {
	g := r.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.in[r.rank] = append([]float64(nil), local...)
	g.got++
	gen := g.gen
	if g.got == g.size {
		out := make([]float64, 0, g.size*len(local))
		for _, v := range g.in {
			if len(v) != len(local) {
				panic("memGroup: ranks gathered different lengths")
			}
			out = append(out, v...)
		}
		g.out, g.got = out, 0
		g.gen++
		g.cond.Broadcast()
	}
	for gen == g.gen {
		g.cond.Wait()
	}
	copy(all, g.out)
}

// onRanks runs f(rank, reducer) on size goroutines joined by a memGroup and waits for all.
func onRanks(size int, f func(r int, red Reducer)) {
	rs := newMemGroup(size)
	var wg sync.WaitGroup
	for r := range size {
		wg.Add(1)
		go func() { defer wg.Done(); f(r, rs[r]) }()
	}
	wg.Wait()
}

// A network split over ranks × workers iterates exactly as one process with ranks·workers
// parts: the same RRR_err, consensus weights and biases and class assignment after every
// iteration (bit for bit, so within 1e-12 too), and the same x, w, y, b on every rank's own
// items. The graphs take the rows, tiled and gathered layouts; batches of 37 and 9 items
// leave a partial tile and, with 3 ranks × 2 workers, ranks with one tile or none.
func TestNetworkShardedMatchesOneProcess(t *testing.T) {
	for _, tc := range []struct {
		name          string
		g             func(testing.TB) *Graph
		k             int
		ranks, worker int
		rule          ClassRule
	}{
		{"layered 2x1", func(t testing.TB) *Graph { return mustLayered(t, 12, 8, 3) }, 37, 2, 1, ClassRule{Margin: 0.2}},
		{"layered 3x2 relabel", func(t testing.TB) *Graph { return mustLayered(t, 12, 8, 6, 3) }, 37, 3, 2, ClassRule{Margin: 0.3, Mode: ClassRelabel, Count: 3}},
		{"gathered 2x2 exempt", nonLayered, 37, 2, 2, ClassRule{Margin: 0.2, Mode: ClassExempt, Count: 2}},
		{"small batch 3x2", func(t testing.TB) *Graph { return mustLayered(t, 12, 8, 3) }, 9, 3, 2, ClassRule{Margin: 0.2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const iters = 25
			g := tc.g(t)
			D := len(g.NodesOf(Data))
			C := len(g.NodesOf(Class))
			d, l := randomBatch(tc.k, D, C, 4)
			type snap struct {
				err    float64
				w, b   []float64
				assign []int
			}
			run := func(cfg NetworkConfig) ([]snap, *Network) {
				n, err := NewNetwork(g, cfg, NewRand(9))
				require.NoError(t, err)
				require.NoError(t, n.SetBatch(d, l, tc.k))
				var out []snap
				for range iters {
					e := n.Iterate(0.7)
					out = append(out, snap{e, append([]float64(nil), n.wA...), append([]float64(nil), n.bB...), append([]int(nil), n.assign...)})
				}
				return out, n
			}
			want, one := run(NetworkConfig{Omega: 2, Class: tc.rule, Workers: tc.ranks * tc.worker})
			defer one.Close()
			z1 := one.State()
			got := make([][]snap, tc.ranks)
			nets := make([]*Network, tc.ranks)
			onRanks(tc.ranks, func(r int, red Reducer) {
				got[r], nets[r] = run(NetworkConfig{Omega: 2, Class: tc.rule, Workers: tc.worker, Reducer: red})
			})
			covered := 0
			for r, n := range nets {
				defer n.Close()
				for i := range want {
					require.Equal(t, math.Float64bits(want[i].err), math.Float64bits(got[r][i].err), "rank %d iteration %d RRR_err", r, i)
					require.Equal(t, want[i].w, got[r][i].w, "rank %d iteration %d weights", r, i)
					require.Equal(t, want[i].b, got[r][i].b, "rank %d iteration %d biases", r, i)
					require.Equal(t, want[i].assign, got[r][i].assign, "rank %d iteration %d assignment", r, i)
				}
				z := n.State()
				KE, KN := n.K*n.E, n.K*n.N
				for k := n.klo; k < n.khi; k++ {
					for _, off := range [][2]int{{k * n.E, n.E}, {KE + k*n.E, n.E}, {2*KE + k*n.N, n.N}, {2*KE + KN + k*n.N, n.N}} {
						require.Equal(t, z1[off[0]:off[0]+off[1]], z[off[0]:off[0]+off[1]], "rank %d item %d", r, k)
					}
				}
				covered += n.khi - n.klo
			}
			require.Equal(t, tc.k, covered, "the ranks' items cover the batch once")
		})
	}
}

func TestAgree(t *testing.T) {
	require.NoError(t, Agree(nil, 7))
	onRanks(3, func(r int, red Reducer) { require.NoError(t, Agree(red, 1<<63|12345)) })
	errs := make([]error, 3)
	onRanks(3, func(r int, red Reducer) { errs[r] = Agree(red, uint64(min(r, 1))) })
	for _, err := range errs {
		require.ErrorIs(t, err, ErrSettings)
		require.Contains(t, err.Error(), "ranks [1 2]")
	}
}

// TrainClassifier over 2 and 3 ranks of one worker each, with relabeling, batches of 100
// (a partial tile) and 2 epochs, gives the one-process result with 2 and 3 workers: the same
// weights, biases, per-epoch statistics (but the wall time), flagged items and work.
func TestTrainClassifierShardedMatchesOneProcess(t *testing.T) {
	tr, te, err := dataset.Majority(2, 3)
	require.NoError(t, err)
	tr.X.Rows, tr.X.Data, tr.Labels = 300, tr.X.Data[:300*13], tr.Labels[:300]
	settings := func(workers int, red Reducer) ClassifierSettings {
		return ClassifierSettings{Hidden: []int{10},
			NetworkConfig: NetworkConfig{Omega: 2, Class: ClassRule{Margin: 0.1, Mode: ClassRelabel, Count: 2}, Workers: workers, Reducer: red},
			Beta:          1, IterPerBatch: 30, BatchSize: 100, Epochs: 2, Seed: 5}
	}
	clean := func(r *ClassifierResult) *ClassifierResult {
		for i := range r.Epochs {
			r.Epochs[i].Seconds = 0
		}
		r.Elapsed = 0
		return r
	}
	for _, ranks := range []int{2, 3} {
		want, err := TrainClassifier(context.Background(), tr, te, settings(ranks, nil))
		require.NoError(t, err)
		got := make([]*ClassifierResult, ranks)
		errs := make([]error, ranks)
		onRanks(ranks, func(r int, red Reducer) {
			got[r], errs[r] = TrainClassifier(context.Background(), tr, te, settings(1, red))
		})
		for r := range ranks {
			require.NoError(t, errs[r])
			require.Equal(t, clean(want), clean(got[r]), "%d ranks, rank %d", ranks, r)
		}
	}
}

// Ranks whose settings differ refuse to train, all of them, with the same error.
func TestTrainClassifierShardedSettingsDiffer(t *testing.T) {
	tr, te, err := dataset.Majority(2, 3)
	require.NoError(t, err)
	errs := make([]error, 2)
	onRanks(2, func(r int, red Reducer) {
		_, errs[r] = TrainClassifier(context.Background(), tr, te, ClassifierSettings{Hidden: []int{10},
			NetworkConfig: NetworkConfig{Workers: 1, Reducer: red}, IterPerBatch: 5, BatchSize: 100, Seed: uint64(r)})
	})
	for _, err := range errs {
		require.ErrorIs(t, err, ErrSettings)
		require.Contains(t, err.Error(), "ranks [1]")
	}
}

// Factorize over 2 ranks (exact NMF with a checkpoint every 7 iterations, and online NMF
// in batches of 10) gives the one-process result with 2 workers: the same features, codes,
// errors and checkpoints.
func TestFactorizeShardedMatchesOneProcess(t *testing.T) {
	y := randomNonNeg(41, 30, 4, 2)
	for _, tc := range []struct {
		name          string
		batch, epochs int
	}{{"exact", 0, 1}, {"online", 10, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(workers int, red Reducer) (*Factorization, []*NMFCheckpoint, error) {
				var ck []*NMFCheckpoint
				s := FactorizeSettings{NMFConfig: NMFConfig{Rank: 4, Workers: workers, Reducer: red},
					IterPerBatch: 30, BatchSize: tc.batch, Epochs: tc.epochs, Seed: 9}
				if tc.batch == 0 {
					s.CheckpointEvery = 7
					s.Checkpoint = func(c *NMFCheckpoint) error { c.Seconds = 0; ck = append(ck, c); return nil }
				}
				f, err := Factorize(context.Background(), y, 41, 30, s)
				if f != nil {
					f.Elapsed = 0
				}
				return f, ck, err
			}
			want, wck, err := run(2, nil)
			require.NoError(t, err)
			got := make([]*Factorization, 2)
			gck := make([][]*NMFCheckpoint, 2)
			errs := make([]error, 2)
			onRanks(2, func(r int, red Reducer) { got[r], gck[r], errs[r] = run(1, red) })
			for r := range 2 {
				require.NoError(t, errs[r])
				require.Equal(t, want, got[r], "rank %d", r)
				require.Equal(t, wck, gck[r], "rank %d checkpoints", r)
			}
		})
	}
}

// The sharded iteration of an autoencoder network (section 6.1: data and code items, fixed
// data and code nodes, no class nodes) equals one process's too, so that its trainer can be
// split next (lwl-train generative does not pass a Reducer yet: docs/mpi.md).
func TestAutoencoderShardedMatchesOneProcess(t *testing.T) {
	for _, tc := range []struct {
		name          string
		g             func(testing.TB) *Graph
		ranks, worker int
	}{
		{"layered 2x1", func(t testing.TB) *Graph { return mustAutoencoder(t, 2, 6, 3, 2, 3) }, 2, 1},
		{"gather 3x2", cyclicGather, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g(t)
			const kd, kc, iters = 10, 7, 20
			d, c := autoBatch(g, kd, kc, 11)
			type snap struct {
				err  float64
				w, b []float64
			}
			run := func(cfg NetworkConfig) ([]snap, *Network) {
				n, err := NewNetwork(g, cfg, NewRand(5))
				require.NoError(t, err)
				require.NoError(t, n.SetAutoBatch(d, kd, c, kc))
				var out []snap
				for range iters {
					e := n.Iterate(0.8)
					out = append(out, snap{e, append([]float64(nil), n.wA...), append([]float64(nil), n.bB...)})
				}
				return out, n
			}
			cfg := NetworkConfig{Omega: 1.5, Activation: Zigmoid{Delta: 0.3}}
			cfg.Workers = tc.ranks * tc.worker
			want, one := run(cfg)
			defer one.Close()
			z1 := one.State()
			got := make([][]snap, tc.ranks)
			nets := make([]*Network, tc.ranks)
			onRanks(tc.ranks, func(r int, red Reducer) {
				cfg := cfg
				cfg.Workers, cfg.Reducer = tc.worker, red
				got[r], nets[r] = run(cfg)
			})
			for r, n := range nets {
				defer n.Close()
				require.Equal(t, want, got[r], "rank %d", r)
				z := n.State()
				KE, KN := n.K*n.E, n.K*n.N
				for k := n.klo; k < n.khi; k++ {
					for _, off := range [][2]int{{k * n.E, n.E}, {KE + k*n.E, n.E}, {2*KE + k*n.N, n.N}, {2*KE + KN + k*n.N, n.N}} {
						require.Equal(t, z1[off[0]:off[0]+off[1]], z[off[0]:off[0]+off[1]], "rank %d item %d", r, k)
					}
				}
			}
		})
	}
}

// Autoencoder.Train over 2 and 3 ranks of one worker each (data and iDE code items,
// zigmoid, 2 epochs of two batches, a checkpoint after the first epoch resumed on another
// number of ranks) gives the one-process result with 2 and 3 workers: the same weights,
// biases, epoch figures (but the wall time) and work.
func TestAutoencoderTrainShardedMatchesOneProcess(t *testing.T) {
	g := mustAutoencoder(t, 2, 6, 4, 2, 4)
	d, _ := autoBatch(g, 40, 0, 3)
	data := dataset.Matrix{Rows: 40, Cols: 6, Data: d}
	type result struct {
		w, b []float64
		hist []AutoEpochStats
		work int64
	}
	run := func(workers int, red Reducer, epochs int, from *AutoencoderCheckpoint) (result, *AutoencoderCheckpoint, error) {
		a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{6, 4, 2, 4}, Code: 2,
			NetworkConfig: NetworkConfig{Omega: 2, Activation: Zigmoid{Delta: 0.4}, Workers: workers, Reducer: red},
			Beta:          1, IterPerBatch: 15, DataBatch: 20, CodeBatch: 5, Epochs: epochs, Seed: 4})
		if err != nil {
			return result{}, nil, err
		}
		defer a.Close()
		if from != nil {
			if err := a.Restore(from); err != nil {
				return result{}, nil, err
			}
		}
		if _, err := a.Train(context.Background(), data); err != nil {
			return result{}, nil, err
		}
		hist := append([]AutoEpochStats(nil), a.History()...)
		for i := range hist {
			hist[i].Seconds = 0
		}
		c := a.Checkpoint()
		c.Seconds = 0
		for i := range c.History {
			c.History[i].Seconds = 0
		}
		return result{append([]float64(nil), a.net.wA...), append([]float64(nil), a.net.bB...), hist, a.Work()}, c, nil
	}
	for _, ranks := range []int{2, 3} {
		want, _, err := run(ranks, nil, 2, nil)
		require.NoError(t, err)
		got := make([]result, ranks)
		ck := make([]*AutoencoderCheckpoint, ranks)
		errs := make([]error, ranks)
		onRanks(ranks, func(r int, red Reducer) { got[r], ck[r], errs[r] = run(1, red, 2, nil) })
		for r := range ranks {
			require.NoError(t, errs[r])
			require.Equal(t, want, got[r], "%d ranks, rank %d", ranks, r)
		}
		// Epoch 1 on `ranks` ranks, epoch 2 in one process with as many workers.
		onRanks(ranks, func(r int, red Reducer) { _, ck[r], errs[r] = run(1, red, 1, nil) })
		require.NoError(t, errs[0])
		resumed, _, err := run(ranks, nil, 2, ck[0])
		require.NoError(t, err)
		require.Equal(t, want.w, resumed.w, "%d ranks, then resumed in one process", ranks)
		require.Equal(t, want.b, resumed.b)
	}
	// Ranks with other data refuse, all of them.
	errs := make([]error, 2)
	onRanks(2, func(r int, red Reducer) {
		a, err := NewAutoencoder(AutoencoderSettings{Sizes: []int{6, 4, 2, 4}, Code: 2,
			NetworkConfig: NetworkConfig{Workers: 1, Reducer: red}, IterPerBatch: 3, DataBatch: 20, Seed: 4})
		require.NoError(t, err)
		defer a.Close()
		dr := append([]float64(nil), d...)
		dr[0] += float64(r)
		_, errs[r] = a.Train(context.Background(), dataset.Matrix{Rows: 40, Cols: 6, Data: dr})
	})
	for _, err := range errs {
		require.ErrorIs(t, err, ErrSettings)
	}
}

// TrainFilter over 2 and 3 ranks of one worker each (false-positive allowance, batches of
// 25 codes with a partial tile, 2 epochs, held-out codes) gives the one-process result with
// 2 and 3 workers: the same classifier and epoch figures (but the wall time) and
// checkpoints; a checkpoint of the ranks resumes in one process with the unbroken result.
func TestTrainFilterShardedMatchesOneProcess(t *testing.T) {
	rng := NewRand(8)
	const C = 3
	codes := make([]float64, 150*C)
	for i := range codes {
		codes[i] = rng.Float64()
	}
	genuine, fake := codes[:50*C], codes[50*C:]
	run := func(workers int, red Reducer, epochs int, from *FilterCheckpoint) (*Classifier, []FilterEpoch, []*FilterCheckpoint, error) {
		var ck []*FilterCheckpoint
		s := FilterSettings{Hidden: []int{5, 4}, FPA: 0.25, IterPerBatch: 12, BatchSize: 25, Epochs: epochs, Seed: 6,
			Workers: workers, Reducer: red, TestGenuine: genuine[:10*C], TestFake: fake[:20*C], Resume: from,
			Checkpoint: func(c *FilterCheckpoint) error { ck = append(ck, c); return nil }}
		m, fe, err := TrainFilter(context.Background(), genuine, fake, C, s)
		for i := range fe {
			fe[i].Seconds = 0
		}
		for _, c := range ck {
			c.Seconds = 0
			for i := range c.History {
				c.History[i].Seconds = 0
			}
		}
		return m, fe, ck, err
	}
	for _, ranks := range []int{2, 3} {
		wm, wfe, wck, err := run(ranks, nil, 2, nil)
		require.NoError(t, err)
		type res struct {
			m   *Classifier
			fe  []FilterEpoch
			ck  []*FilterCheckpoint
			err error
		}
		got := make([]res, ranks)
		onRanks(ranks, func(r int, red Reducer) {
			m, fe, ck, err := run(1, red, 2, nil)
			got[r] = res{m, fe, ck, err}
		})
		for r := range ranks {
			require.NoError(t, got[r].err)
			require.Equal(t, wm, got[r].m, "%d ranks, rank %d", ranks, r)
			require.Equal(t, wfe, got[r].fe, "%d ranks, rank %d", ranks, r)
			require.Equal(t, wck, got[r].ck, "%d ranks, rank %d checkpoints", ranks, r)
		}
		rm, _, _, err := run(ranks, nil, 2, got[0].ck[0])
		require.NoError(t, err)
		require.Equal(t, wm, rm, "%d ranks' checkpoint resumed in one process", ranks)
	}
}
