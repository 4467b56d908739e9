package train

import "github.com/lwl-go/lwl/internal/asm/f64"

// The engine's layout of the edge variables.
//
// The items of a batch are taken four at a time (a tile: items 4t … 4t+3, lanes 0–3; the
// last tile of a batch whose size is not a multiple of four has padding lanes that stay
// zero and do not move). Each tile owns 4·|E| values of x and of w, split among the blocks in
// edge order: block b, with ne in-edges starting at edge e0, owns the 4·ne values from 4·e0.
// Inside that span the block chooses its layout from its fan-in c:
//
//   - rows (c ≥ tiledBelow, layers only): each item's ne values contiguous, lane after lane (item lane l,
//     edge e at 4·e0 + l·ne + (e − e0)); the kernels vectorise across the in-edges of a row,
//     which suits wide layers (784 inputs).
//   - tiled (c < tiledBelow, and gathered rows): the four items side by side per edge (edge e, lane l at
//     4·e + l); the kernels vectorise across items, with the consensus weight broadcast, so
//     a row of 13 in-edges costs 13 full vector steps instead of three full, one partial and
//     a horizontal sum, and the roots, projections and updates of four items go together.
//
// A block's in-edges come either from a run of consecutive nodes src0 … src0+c−1 shared by
// all its rows (a layer of a layered graph), or, for a gathered block, from arbitrary nodes
// (Graph.Src): the kernels read the sources' consensus x through a small per-block copy,
// lane-interleaved, one row after another for gathered rows (the tiled kernels step through
// it with a row stride), so gathered rows run the same kernels as layered ones, and gathered
// rows of equal fan-in share a block. Gathered rows are always tiled, whatever their fan-in:
// the copy of four items' sources is made (and their new x scattered back) in one pass per
// tile, where the rows layout would do it item by item; on the convolutional network of
// BenchmarkConvIterate (gathered rows of 25 and 200 in-edges) that took one worker from
// 5.3–5.9 to 4.3–4.5 ns/WM. The roots u of a block's rows live in the same per-tile scheme
// over nodes (4·N per tile; block rows at 4·j0 …, lane after lane or side by side).
//
// The consensus weights w_A and their per-part sums are indexed by edge. A weight-tie group
// (edges sharing one consensus value, as in a convolution: every output position of a
// filter uses the same c weights) maps onto this as a tiled block whose rows share their
// consensus weights and weight sums: the tiled kernels take a row stride over w_A and the
// sums (f64.ReflectDotsTiled, BilinearUpdateTiled: waStride c for own weights, 0 for a
// shared set), and the reduction then sums the group's rows as it sums the items. The edge
// variables x, w stay per edge, so the layout above does not change.

// lanes is the number of items side by side in a tile (the kernels' vector width).
const lanes = f64.Lanes

// tiledBelow is the fan-in below which a block uses the tiled layout: below it the tiled
// kernels are faster per weight-multiply on the 2-core AMD EPYC machine (docs/performance.md,
// "Where the layouts cross").
// A variable so that the benchmarks can move the crossover.
var tiledBelow = 96

// netBlock is a run of receiving nodes j0 ≤ j < j1 whose in-edges all come from the same c
// consecutive nodes src0.. in order (a layer of a layered graph), with one g²; or, when
// gather is set, a run of nodes of equal fan-in c and g² with in-edges each from arbitrary
// nodes (Graph.Src), always tiled. tiled selects its layout.
type netBlock struct {
	j0, j1, src0, c int
	e0              int // first in-edge of j0
	gather          bool
	tiled           bool
	g2              float64
	omega           float64 // Ω(j) of the block's nodes (Network, Weight metric)
}

func (bl *netBlock) rows() int  { return bl.j1 - bl.j0 }
func (bl *netBlock) edges() int { return (bl.j1 - bl.j0) * bl.c }

// netPart is one worker's scratch and sums.
type netPart struct {
	wsum, bsum []float64 // 4·E (the layout's per-tile span) and N sums over this part's items
	a, b, r    []float64 // per-block scratch: A, B, right-hand sides (4 × max rows)
	fs, fd     []float64 // the roots' projection factors (4 × max rows)
	xa4, xs4   []float64 // the sources' consensus x and new-x sums of a block (4 × its sources)
	rx, rw     []float64 // scratch of the degenerate-root path (max in-degree)
	err, err2  float64
	_          [64]byte
}

// blockEdges caps the in-edges of a rows block so that one item's x, w, consensus weights
// and weight sums of a block (32 bytes an edge) stay in a core's L2 cache between the
// kernels' two sweeps over them (reflection dots, then the update); otherwise a wide layer is
// read from memory twice per iteration. A tiled block holds four items, so it gets a quarter.
const blockEdges = 8192

// blockRows is the most rows of c in-edges in a block: for rows blocks a multiple of four
// (the root finder takes four rows at a time) within blockEdges, and at least four; for
// tiled blocks (four roots per row) any number within blockEdges/4.
func blockRows(c int, tiled bool) int {
	if tiled {
		return max(1, blockEdges/lanes/c)
	}
	return max(4, blockEdges/c&^3)
}

// makeBlocks groups receiving nodes into runs that the kernels can sweep together, of at most
// blockRows rows, and chooses each block's layout by its fan-in. A block's nodes share g² and
// Ω(j) (omegas[j], or omega when omegas is nil).
func makeBlocks(g *Graph, g2, omegas []float64, omega float64) []netBlock {
	var bs []netBlock
	om := func(j int) float64 {
		if omegas != nil {
			return omegas[j]
		}
		return omega
	}
	for j := 0; j < g.Nodes(); j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		c := hi - lo
		contiguous := true
		for e := lo + 1; e < hi; e++ {
			if g.Src[e] != g.Src[e-1]+1 {
				contiguous = false
				break
			}
		}
		// Gathered rows are tiled whatever their fan-in: the rows layout would gather and
		// scatter each item's sources one by one, the tiled layout does it once for four.
		tiled := c < tiledBelow || !contiguous
		if !contiguous {
			// Gathered rows: tiled ones of equal fan-in and g² go together, each row with its own
			// sources (the kernels' row stride over the sources' copy); rows ones one by one.
			if m := len(bs); m > 0 && tiled {
				last := &bs[m-1]
				if last.gather && last.tiled && last.j1 == j && last.c == c && last.g2 == g2[j] &&
					last.omega == om(j) && last.j1-last.j0 < blockRows(c, true) {
					last.j1++
					continue
				}
			}
			bs = append(bs, netBlock{j0: j, j1: j + 1, c: c, e0: lo, gather: true, tiled: tiled, g2: g2[j], omega: om(j)})
			continue
		}
		if m := len(bs); m > 0 {
			last := &bs[m-1]
			if !last.gather && last.j1 == j && last.src0 == g.Src[lo] && last.c == c && last.g2 == g2[j] &&
				last.omega == om(j) && last.j1-last.j0 < blockRows(last.c, last.tiled) {
				last.j1++
				continue
			}
		}
		bs = append(bs, netBlock{j0: j, j1: j + 1, src0: g.Src[lo], c: c, e0: lo, tiled: tiled, g2: g2[j], omega: om(j)})
	}
	return bs
}

// edgeLayout returns, for every edge, its offset inside a tile's span and the stride from
// one lane to the next (see the layout above).
func edgeLayout(blocks []netBlock, E int) (off, stride []int) {
	off, stride = make([]int, E), make([]int, E)
	for _, bl := range blocks {
		ne := bl.edges()
		for i := 0; i < ne; i++ {
			e := bl.e0 + i
			if bl.tiled {
				off[e], stride[e] = lanes*e, 1
			} else {
				off[e], stride[e] = lanes*bl.e0+i, ne
			}
		}
	}
	return off, stride
}

// edgeAt is the index in x (and w) of edge e of item k.
func (n *Network) edgeAt(k, e int) int {
	return k/lanes*lanes*n.E + n.eoff[e] + k%lanes*n.estride[e]
}

// tiles is the number of tiles of a batch of k items.
func tiles(k int) int { return (k + lanes - 1) / lanes }
