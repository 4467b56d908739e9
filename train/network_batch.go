package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lwl-go/lwl/internal/par"
)

// SetBatch starts a classifier batch of k items with data rows d (k×D, D the number of data
// nodes) and labels, with the warm start of section 5.4: a forward pass with the consensus
// weights and biases sets every x, y and b, every w[k] takes the consensus weights, and the
// point then lies in A except for the class constraints.
func (n *Network) SetBatch(d []float64, labels []int, k int) error {
	if n.auto {
		return fmt.Errorf("train: SetBatch on an autoencoder network; use SetAutoBatch")
	}
	D := len(n.data)
	if k <= 0 || len(d) < k*D || len(labels) < k {
		return fmt.Errorf("train: network batch of %d items needs %d values and %d labels, got %d and %d", k, k*D, k, len(d), len(labels))
	}
	for i, l := range labels[:k] {
		if l < 0 || l >= len(n.classes) {
			return fmt.Errorf("train: item %d of the batch has label %d; the network has classes 0..%d", i, l, len(n.classes)-1)
		}
	}
	n.resize(k)
	n.Kd = k
	copy(n.d, d[:k*D])
	copy(n.labels, labels[:k])
	n.warmStart()
	return nil
}

// SetAutoBatch starts an autoencoder batch (section 6.1.1) of kd data items d (kd×D, D the
// number of data nodes) and kc code items codes (kc×C, C the number of code nodes). The
// warm start is the feed-around with the consensus weights and biases: a data item is
// evaluated from the data nodes around the cycle back to them, a code item from the code
// nodes back to them, the fixed x staying the item's values. It also records each item's
// round-trip error (DataErr, CodeErr).
func (n *Network) SetAutoBatch(d []float64, kd int, codes []float64, kc int) error {
	if !n.auto {
		return fmt.Errorf("train: SetAutoBatch on a network without code nodes")
	}
	D, C := len(n.data), len(n.codes)
	if kd < 0 || kc < 0 || kd+kc == 0 || len(d) < kd*D || len(codes) < kc*C {
		return fmt.Errorf("train: autoencoder batch of %d data and %d code items needs %d and %d values, got %d and %d", kd, kc, kd*D, kc*C, len(d), len(codes))
	}
	for _, v := range codes[:kc*C] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("train: code value %v", v)
		}
	}
	n.resize(kd + kc)
	n.Kd = kd
	copy(n.d, d[:kd*D])
	copy(n.cv, codes[:kc*C])
	n.warmStart()
	return nil
}

// SetIDEBatch starts an autoencoder batch of kd data items d and kc code items drawn from
// the iDE code of eq. (37): the data items are evaluated first, and their code-node values
// (the encodings with the parameters of the previous batch) become the empirical
// distribution of each code node; every code item draws each code node independently and
// uniformly from it (rng). When the activation is the step, there are at most 10 code nodes
// and kc = 2^|C|, the code items are instead all binary codes (bit c of code item i is code
// node c), as in the binary encoding of section 6.3.1.
func (n *Network) SetIDEBatch(d []float64, kd, kc int, rng *rand.Rand) error {
	if !n.auto {
		return fmt.Errorf("train: SetIDEBatch on a network without code nodes")
	}
	D, C := len(n.data), len(n.codes)
	exhaustive := false
	if _, ok := n.act.(Step); ok && C <= 10 && kc == 1<<C {
		exhaustive = true
	}
	if kd < 0 || kc < 0 || kd+kc == 0 || len(d) < kd*D || (kd == 0 && kc > 0 && !exhaustive) {
		return fmt.Errorf("train: iDE batch of %d data and %d code items with %d data values", kd, kc, len(d))
	}
	n.resize(kd + kc)
	n.Kd = kd
	copy(n.d, d[:kd*D])
	n.warmRange(0, kd)
	for i := 0; i < kc; i++ {
		ci := n.cv[i*C : (i+1)*C]
		for c, j := range n.codes {
			if exhaustive {
				ci[c] = float64(i >> c & 1)
			} else {
				ci[c] = n.xA[rng.IntN(kd)*n.N+j]
			}
		}
	}
	n.warmRange(kd, kd+kc)
	clear(n.u)
	n.initA(false)
	return nil
}

// warmStart runs the forward pass of every item in parallel and projects the result to A.
func (n *Network) warmStart() {
	n.warmRange(0, n.K)
	clear(n.u)
	n.initA(false)
}

// warmRange runs the forward pass of items lo ≤ k < hi in parallel.
func (n *Network) warmRange(lo, hi int) {
	n.wlo, n.whi = lo, hi
	n.pool.Run(n.warm)
}

// warmPass is one part's share of the warm start.
func (n *Network) warmPass(part int) {
	lo, hi := par.Span(n.whi-n.wlo, len(n.parts), part)
	lo, hi = lo+n.wlo, hi+n.wlo
	N, D, C := n.N, len(n.data), len(n.codes)
	for k := lo; k < hi; k++ {
		val, yk := n.xA[k*N:(k+1)*N], n.y[k*N:(k+1)*N]
		fixed, in := n.data, n.d[k*D:(k+1)*D]
		if k < n.Kd {
			n.forward(val, yk, in)
		} else {
			fixed, in = n.codes, n.cv[(k-n.Kd)*C:(k-n.Kd+1)*C]
			n.forwardCode(val, yk, in)
		}
		if n.auto {
			var s float64
			for c, i := range fixed {
				r := n.act.Eval(yk[i]-n.bB[i]) - in[c]
				s += r * r
			}
			n.itemErr[k] = math.Sqrt(s / float64(len(fixed)))
		}
		for e, s := range n.g.Src {
			i := n.edgeAt(k, e)
			n.x[i], n.w[i] = val[s], n.wK[e]
		}
		bk := n.b[k*N : (k+1)*N]
		for j, g2 := range n.g2 {
			if g2 != 0 {
				bk[j] = n.bB[j]
			}
		}
	}
}

// DataErr is data_err of the last autoencoder batch: the mean over its data items of the RMS
// over data nodes of f(y − b_B) − x after the warm start's feed-around (eq. 40, per item as
// the reference programs average it). NaN when the batch has no data items.
func (n *Network) DataErr() float64 { return meanOf(n.itemErr[:n.Kd]) }

// CodeErr is code_err (eq. 41), DataErr's counterpart over the code items and code nodes.
func (n *Network) CodeErr() float64 { return meanOf(n.itemErr[n.Kd:n.K]) }

func meanOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func (n *Network) resize(k int) {
	N, E, D, C := n.N, n.E, len(n.data), len(n.classes)
	if cap(n.labels) < k {
		n.d, n.cv, n.itemErr = make([]float64, k*D), make([]float64, k*len(n.codes)), make([]float64, k)
		n.labels, n.assign = make([]int, k), make([]int, k)
		n.x, n.w = make([]float64, tiles(k)*lanes*E), make([]float64, tiles(k)*lanes*E)
		n.y, n.b, n.u = make([]float64, k*N), make([]float64, k*N), make([]float64, tiles(k)*lanes*N)
		n.xA, n.yA, n.bA = make([]float64, k*N), make([]float64, k*N), make([]float64, k*N)
		n.xsum, n.zc = make([]float64, k*N), make([]float64, k*C)
	}
	n.K = k
	T := tiles(k)
	n.d, n.cv, n.itemErr = n.d[:k*D], n.cv[:k*len(n.codes)], n.itemErr[:k]
	n.labels, n.assign = n.labels[:k], n.assign[:k]
	n.x, n.w = n.x[:T*lanes*E], n.w[:T*lanes*E]
	n.y, n.b, n.u = n.y[:k*N], n.b[:k*N], n.u[:T*lanes*N]
	// The padding lanes of the last tile stay zero (they do not move: β = 0 there).
	clear(n.x[(T-1)*lanes*E:])
	clear(n.w[(T-1)*lanes*E:])
	n.xA, n.yA, n.bA = n.xA[:k*N], n.yA[:k*N], n.bA[:k*N]
	n.xsum, n.zc = n.xsum[:k*N], n.zc[:k*C]
	n.klo, n.khi = 0, k
	if n.sh.red != nil {
		n.klo, n.khi = n.sh.itemRange(n.sh.red.Rank(), T, lanes, k)
		if r := k * len(n.yRuns); cap(n.e2) < r {
			n.e2 = make([]float64, r)
		}
		n.e2 = n.e2[:k*len(n.yRuns)]
	}
}

// forward evaluates one data item with the consensus weights and biases: val gets each
