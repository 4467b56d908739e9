package train

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TieParams moves untied weights and biases to the nearest tied point in the metric of eq.
// (27): ties and norms hold, and no sampled tied point is closer (random points and small
// perturbations of the result), with the paper's metric and with a weight metric.
func TestTieParams(t *testing.T) {
	for _, arch := range []string{"conv3s1x2,dense3", "conv3s2x3,conv2s1x2,dense4"} {
		for _, metric := range []bool{false, true} {
			t.Run(fmt.Sprint(arch, " metric ", metric), func(t *testing.T) {
				a := mustArch(t, 7, 7, 2, arch)
				g, ti := a.Graph, a.Ties
				const omega = 1.3
				cfg := NetworkConfig{Omega: omega, Ties: ti, Workers: 1}
				if metric {
					m := make([]float64, len(a.Specs))
					for l := range m {
						m[l] = 0.1 * float64(l+1)
					}
					var err error
					cfg.WeightMetric, err = a.WeightMetric(m)
					require.NoError(t, err)
				}
				n, err := NewNetwork(g, cfg, NewRand(5))
				require.NoError(t, err)
				defer n.Close()
				rng := NewRand(9)
				w, b := make([]float64, g.Edges()), make([]float64, g.Nodes())
				for e := range w {
					w[e] = 2*rng.Float64() - 1
				}
				for j := range b {
					b[j] = 2*rng.Float64() - 1
				}
				w0, b0 := append([]float64(nil), w...), append([]float64(nil), b...)
				n.TieParams(w, b)
				assert.Equal(t, w0, w, "TieParams changed its input weights")
				assert.Equal(t, b0, b, "TieParams changed its input biases")
				gw, gb := n.Weights(), n.Biases()
				checkTiesHold(t, g, ti, gw, omega)
				checkNearestTied(t, ti, [][]float64{w}, gw, omega, nil, rng)
				// Biases: tied nodes equal, data nodes 0, and the g²-weighted distance minimal.
				bp := make([]float64, ti.BiasParams)
				for j, p := range ti.Bias {
					if n.g2[j] == 0 {
						assert.Zero(t, gb[j], "data node %d", j)
						continue
					}
					bp[p] = gb[j]
				}
				for j, p := range ti.Bias {
					if n.g2[j] != 0 {
						require.Equal(t, bp[p], gb[j], "node %d of bias parameter %d", j, p)
					}
				}
				bestB := tiedDist2([][]float64{b}, gb, n.g2)
				for trial := 0; trial < 300; trial++ {
					v := make([]float64, g.Nodes())
					d := 2*rng.Float64() - 1
					for j, p := range ti.Bias {
						if n.g2[j] != 0 {
							v[j] = bp[p] + 0.05*d*float64(1+p%3)
						}
					}
					require.GreaterOrEqual(t, tiedDist2([][]float64{b}, v, n.g2), bestB-1e-12, "bias trial %d is closer", trial)
				}
			})
		}
	}
}

func scheduleSettings(a *Arch) ClassifierSettings {
	return ClassifierSettings{Graph: a.Graph,
		NetworkConfig: NetworkConfig{Omega: 1, Class: ClassRule{Margin: 0.1, Mode: ClassExempt, Count: 1}, Ties: a.Ties, Workers: 1},
		Beta:          1, IterPerBatch: 10, BatchSize: 50, Epochs: 4, Seed: 3}
}

// The tie schedule (UntiedEpochs): its untied epochs are exactly a run without ties, then
// the weights are tied (and stay tied), and a run that trains untied throughout is the
// untied run. Interrupted after any batch, before or after the switch, it resumes to the
// unbroken run bit for bit; a checkpoint of another schedule is refused.
func TestUntiedEpochsSchedule(t *testing.T) {
	ctx := context.Background()
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	tr, te := stripes(200, 1), stripes(200, 2)

	untiedS := scheduleSettings(a)
	untiedS.Ties = nil
	untied, err := TrainClassifier(ctx, tr, te, untiedS)
	require.NoError(t, err)
	tiedRun, err := TrainClassifier(ctx, tr, te, scheduleSettings(a))
	require.NoError(t, err)

	s := scheduleSettings(a)
	s.UntiedEpochs = 2
	whole, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		w, g := untied.Epochs[i], whole.Epochs[i]
		w.Seconds, g.Seconds = 0, 0
		assert.Equal(t, w, g, "untied epoch %d", i+1)
	}
	assert.NotEqual(t, tiedRun.Epochs[0].TrainErr+tiedRun.Epochs[0].ErrStop, whole.Epochs[0].TrainErr+whole.Epochs[0].ErrStop, "the first epoch trained tied")
	checkTiesHold(t, a.Graph, a.Ties, whole.Classifier.Weights, 1)
	assert.Less(t, whole.Epochs[3].TestErr, 0.2, "test_err on stripes after the schedule")

	s = scheduleSettings(a)
	s.UntiedEpochs = 4
	all, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	sameRun(t, untied, all, "untied throughout")

	batches := 4 * (tr.X.Rows / s.BatchSize)
	for _, stopAfter := range []int{1, 7, 8, 9, 10, batches - 1} { // the switch is before batch 9
		s := scheduleSettings(a)
		s.UntiedEpochs = 2
		interruptAfter(&s, stopAfter)
		part, err := TrainClassifier(ctx, tr, te, s)
		require.ErrorIs(t, err, ErrInterrupted)
		c, err := DecodeClassifierCheckpoint(part.Checkpoint.Encode())
		require.NoError(t, err)
		s = scheduleSettings(a)
		s.UntiedEpochs, s.Resume = 2, c
		rest, err := TrainClassifier(ctx, tr, te, s)
		require.NoError(t, err)
		sameRun(t, whole, rest, fmt.Sprint("stopped after batch ", stopAfter))

		s = scheduleSettings(a)
		s.UntiedEpochs, s.Resume = 3, c
		_, err = TrainClassifier(ctx, tr, te, s)
		require.ErrorIs(t, err, ErrCheckpoint, "resumed with another schedule")
	}
}

// In the metric of eq. (27) the consensus of a tie group is the mean of its copies whatever
// weight the metric gives them, as long as every copy of a kernel weight weighs the same
// (one γ² per layer): scaling all weights leaves the minimiser of Σ γ²(w_c − v)² at the mean.
// So the metric cannot turn the average into gradient descent's sum; what γ² changes is each
// copy's share of its node's bilinear correction (26h): Δw = −r x/(‖x‖² + 2γ²Ω²) for a
// small residual r, at most the whole correction −r x/‖x‖² (docs/experiments/conv-classifier.md).
func TestTiedConsensusIsMeanForAnyLayerMetric(t *testing.T) {
	a := mustArch(t, 7, 7, 1, "conv3s2x2,dense2")
	ti := a.Ties
	rng := NewRand(11)
	copies := make([][]float64, 3)
	for k := range copies {
		copies[k] = make([]float64, len(ti.Weight))
		for e := range copies[k] {
			copies[k][e] = 2*rng.Float64() - 1
		}
	}
	plain := make([]float64, len(ti.Weight))
	ProjectTiedWeights(plain, copies, ti, 1)
	for _, gamma2 := range []float64{1, 0.1, 1.0 / 9} {
		wt := make([]float64, len(ti.Weight))
		for e := range wt {
			wt[e] = gamma2
		}
		checkNearestTied(t, ti, copies, plain, 1, wt, rng)
	}
	// The bilinear correction of one copy, measured: with a small residual the share on w
	// grows as γ² falls, bounded by the whole correction.
	x := []float64{0.3, 0.8, 0.1}
	prev := 0.0
	for _, gamma2 := range []float64{1, 0.1, 0.01, 1e-4} {
		gm := math.Sqrt(gamma2)
		w := []float64{0.5, -0.2, 0.3}
		norm := math.Sqrt(w[0]*w[0] + w[1]*w[1] + w[2]*w[2])
		for i := range w {
			w[i] *= 2 / norm // ‖w‖ = Ω = 2
		}
		wt := make([]float64, 3)
		for i := range w {
			wt[i] = gm * w[i] // the engine's w̃ = γw, constraint x·w̃ = γΩ y
		}
		y := (dot(x, w) - 0.01) / 2 // residual r = x·w − Ω y = 0.01
		xp, wp := append([]float64(nil), x...), append([]float64(nil), wt...)
		ProjectBilinear(xp, wp, y, gm*2, 1)
		dw := make([]float64, 3)
		for i := range dw {
			dw[i] = (wp[i] - wt[i]) / gm
		}
		move := math.Sqrt(dot(dw, dw))
		whole := 0.01 / math.Sqrt(dot(x, x))
		require.Greater(t, move, prev, "γ² %v", gamma2)
		require.LessOrEqual(t, move, whole*1.01, "γ² %v moves w more than the whole correction", gamma2)
		prev = move
	}
}

// A warm start (InitWeights, InitBiases) starts the run at the nearest point of its ties and
// norms: with a vanishing step the weights and hidden biases stay there (the class biases
// move by the class projection of the one iteration whatever β); a start of the wrong size
// or with a non-finite value is refused.
func TestInitWeights(t *testing.T) {
	ctx := context.Background()
	a := mustArch(t, 6, 6, 1, "conv3x2,dense2")
	tr, te := stripes(100, 1), stripes(50, 2)
	rng := NewRand(4)
	w, b := make([]float64, a.Graph.Edges()), make([]float64, a.Graph.Nodes())
	for e := range w {
		w[e] = 2*rng.Float64() - 1
	}
	for j := a.Sizes[0]; j < len(b); j++ {
		b[j] = 0.2*rng.Float64() - 0.1
	}
	s := scheduleSettings(a)
	s.Epochs, s.IterPerBatch, s.Beta = 1, 1, 1e-12
	s.InitWeights, s.InitBiases = w, b
	res, err := TrainClassifier(ctx, tr, te, s)
	require.NoError(t, err)
	n, err := NewNetwork(a.Graph, s.NetworkConfig, NewRand(1))
	require.NoError(t, err)
	defer n.Close()
	n.TieParams(w, b)
	checkTiesHold(t, a.Graph, a.Ties, res.Classifier.Weights, 1)
	for e, v := range n.Weights() {
		require.InDelta(t, v, res.Classifier.Weights[e], 1e-9, "weight %d", e)
	}
	for j, v := range n.Biases() {
		if a.Graph.Roles[j] == Hidden {
			require.InDelta(t, v, res.Classifier.Biases[j], 1e-9, "bias %d", j)
		}
	}
	s.InitWeights = w[1:]
	_, err = TrainClassifier(ctx, tr, te, s)
	require.ErrorIs(t, err, ErrSettings)
	s.InitWeights = append([]float64{math.NaN()}, w[1:]...)
	_, err = TrainClassifier(ctx, tr, te, s)
	require.ErrorIs(t, err, ErrSettings)
}
