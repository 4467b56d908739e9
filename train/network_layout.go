package train

type netBlock struct {
	j0, j1, src0, c int
	e0              int // first in-edge of j0
	gather          bool
	g2              float64
}

type netPart struct {
	wsum, bsum []float64 // E and N sums over this part's items of the new w and reflected b
	p, q, r, s []float64 // per-block scratch (rows)
	gx, gs     []float64 // gather scratch (max in-degree)
	err, err2  float64
	_          [64]byte
}

// blockEdges caps the in-edges of a block so that one item's x, w, consensus weights and
// weight sums of a block (32 bytes an edge) stay in a core's L2 cache between the kernels'
// two sweeps over them (reflection dots, then the update); otherwise a wide layer is read
// from memory twice per iteration.
const blockEdges = 8192

// blockRows is the most rows of c in-edges in a block: a multiple of four (the root finder
// takes four rows at a time) within blockEdges, and at least four.
func blockRows(c int) int { return max(4, blockEdges/c&^3) }

// makeBlocks groups receiving nodes into runs that the row kernels can sweep together, of at
// most blockRows rows.
func makeBlocks(g *Graph, g2 []float64) []netBlock {
	var bs []netBlock
	for j := 0; j < g.Nodes(); j++ {
		lo, hi := g.InStart[j], g.InStart[j+1]
		if lo == hi {
			continue
		}
		contiguous := true
		for e := lo + 1; e < hi; e++ {
			if g.Src[e] != g.Src[e-1]+1 {
				contiguous = false
				break
			}
		}
		if !contiguous {
			bs = append(bs, netBlock{j0: j, j1: j + 1, c: hi - lo, e0: lo, gather: true, g2: g2[j]})
			continue
		}
		if m := len(bs); m > 0 {
			last := &bs[m-1]
			if !last.gather && last.j1 == j && last.src0 == g.Src[lo] && last.c == hi-lo && last.g2 == g2[j] &&
				last.j1-last.j0 < blockRows(last.c) {
				last.j1++
				continue
			}
		}
		bs = append(bs, netBlock{j0: j, j1: j + 1, src0: g.Src[lo], c: hi - lo, e0: lo, g2: g2[j]})
	}
	return bs
}
