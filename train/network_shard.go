package train

import (
	"math"

	"github.com/lwl-go/lwl/internal/par"
)

// iterateShard is Iterate in a distributed run (NetworkConfig.Reducer): this process runs
// the edge pass of its global parts, the parts of all processes exchange their weight sums,
// reflected-bias sums and error sums (one Allgather of parts·(|E| + N + 1) values), and every
// process adds them in part order as Iterate and reduceWeights do, so the weight and bias
// consensus (26f, g, i) is the one-process value bit for bit. The node pass then runs on this
// process's items, and exchangeNodes shares what the class decision and RRR_err need.
func (n *Network) iterateShard() float64 {
	n.pool.Run(n.pass1)
	E, N, W := n.E, n.N, len(n.parts)
	blk := E + N + 1
	send, all := n.sh.buffers(W * blk)
	for p := range n.parts {
		pt := &n.parts[p]
		c := send[p*blk : (p+1)*blk]
		n.laneSums(c[:E], pt.wsum)
		copy(c[E:E+N], pt.bsum)
		c[E+N] = pt.err
	}
	n.sh.red.Allgather(send, all)
	var errSum float64
	for g := 0; g < n.sh.parts; g++ {
		c := all[g*blk : (g+1)*blk]
		if g == 0 {
			copy(n.wK, c[:E])
			copy(n.bB, c[E:E+N])
			errSum = c[E+N]
			continue
		}
		for e, v := range c[:E] {
			n.wK[e] += v
		}
		for j, v := range c[E : E+N] {
			n.bB[j] += v
		}
		errSum += c[E+N]
	}
	n.normWeights()
	n.meanBiases()
	n.updB = true
	n.pool.Run(n.pass2)
	n.exchangeNodes()
	// The node passes' error sums, part by part over the one-process split of the items.
	R := len(n.yRuns)
	for g := 0; g < n.sh.parts; g++ {
		lo, hi := par.Span(n.K, n.sh.parts, g)
		var e float64
		for _, v := range n.e2[lo*R : hi*R] {
			e += v
		}
		errSum += e
	}
	n.projectClasses()
	return math.Sqrt(errSum / float64(n.K))
}

// laneSums writes one part's weight sums wsum (the layout's per-tile span) as one value per
// edge: the four lanes added as reduceWeights adds them in a tiled block, the single slot of a
// rows block.
func (n *Network) laneSums(dst, wsum []float64) {
	for bi := range n.blocks {
		bl := &n.blocks[bi]
		ne, off := bl.edges(), lanes*bl.e0
		wa := dst[bl.e0 : bl.e0+ne]
		ws := wsum[off : off+lanes*ne]
		if !bl.tiled {
			copy(wa, ws[:ne])
			continue
		}
		for i := range wa {
			v := ws[i*lanes : i*lanes+lanes : i*lanes+lanes]
			wa[i] = v[0] + v[1] + v[2] + v[3]
		}
	}
}

// exchangeNodes gives every process the node pass's results of all items that the global
// decisions need: the class values y − b (zc, for the class assignment of projectClasses)
// and the per-(item, y run) bias errors (e2, for RRR_err). One Allgather of at most
// ⌈K/ranks⌉+4 items' C + len(yRuns) values per process.
func (n *Network) exchangeNodes() {
	C, R := len(n.classes), len(n.yRuns)
	sh := &n.sh
	T := tiles(n.K)
	rng := func(q int) (int, int) { return sh.itemRange(q, T, lanes, n.K) }
	most := 0
	for q := range sh.red.Size() {
		lo, hi := rng(q)
		most = max(most, hi-lo)
	}
	blk := most * (C + R)
	send, all := sh.buffers(blk)
	m := n.khi - n.klo
	copy(send[:m*C], n.zc[n.klo*C:n.khi*C])
	copy(send[m*C:m*(C+R)], n.e2[n.klo*R:n.khi*R])
	sh.red.Allgather(send, all)
	for q := range sh.red.Size() {
		lo, hi := rng(q)
		b, m := all[q*blk:(q+1)*blk], hi-lo
		copy(n.zc[lo*C:hi*C], b[:m*C])
		copy(n.e2[lo*R:hi*R], b[m*C:m*(C+R)])
	}
}
