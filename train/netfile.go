package train

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Net files are the network graphs of the paper's reference programs, so that a graph built
// for them trains here unchanged. A net file is whitespace-separated decimal integers (line
// breaks carry no meaning) in one of two kinds:
//
// A classifier net (the reference programs' completenet writes these) starts with three
// counts, D H C: data, hidden and class nodes. Nodes are numbered 0 … N−1 with N = D+H+C,
// data nodes first, then hidden, then class nodes. Then comes one record per non-data node,
// for i = D … N−1 in increasing order: "i k" followed by k node numbers, the senders of node
// i's in-edges. Edges are numbered in the order they are read, which is this package's edge
// order (Graph). completenet 13 26 26 2 writes "13 52 2", then for node 13 "13 13 0 1 … 12",
// and so on to node 66.
//
// An autoencoder net (written by the reference autonet) starts with four counts, D E C Dd:
// data, encoder hidden, code and decoder hidden nodes, numbered in that order. Then comes one
// record per node for every node, data nodes included, in node order: the data nodes'
// in-edges come from the last decoder layer and close the cycle (section 6, figure 3c).
//
// The reference programs skip the record's first number; this reader requires it to be the
// node's own number, since anything else means the file is not what its writer meant. Edges
// must be distinct and no node may feed itself; a classifier net must be acyclic, with no
// edges into data nodes.

// NetFileError reports a malformed net file: Name is the file, Record the 1-based record
// (0 for the header or the file as a whole).
type NetFileError struct {
	Name   string
	Record int
	Node   int // the node whose record is at fault (when Record > 0)
	Msg    string
}

func (e *NetFileError) Error() string {
	if e.Record > 0 {
		return fmt.Sprintf("%s: record %d (node %d): %s", e.Name, e.Record, e.Node, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Name, e.Msg)
}

// Unwrap makes every NetFileError an ErrGraph.
func (e *NetFileError) Unwrap() error { return ErrGraph }

// maxNetFile bounds the size of a net file that is read (a 784→1000→1000→10 net is about
// 8 MB of text).
const maxNetFile = 1 << 30

// ReadClassifierNet reads a classifier net file (see the package's net file notes in
// netfile.go); errors are *NetFileError values naming the file and the record.
func ReadClassifierNet(path string) (*Graph, error) { return readNetFile(path, false) }

// ReadAutoencoderNet reads an autoencoder net file.
func ReadAutoencoderNet(path string) (*Graph, error) { return readNetFile(path, true) }

func readNetFile(path string, auto bool) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if auto {
		return ParseAutoencoderNet(f, path)
	}
	return ParseClassifierNet(f, path)
}

// ParseClassifierNet reads a classifier net from r; name identifies it in errors.
func ParseClassifierNet(r io.Reader, name string) (*Graph, error) { return parseNet(r, name, false) }

// ParseAutoencoderNet reads an autoencoder net from r; name identifies it in errors.
func ParseAutoencoderNet(r io.Reader, name string) (*Graph, error) { return parseNet(r, name, true) }

func parseNet(r io.Reader, name string, auto bool) (*Graph, error) {
	fail := func(rec, node int, format string, args ...any) (*Graph, error) {
		return nil, &NetFileError{Name: name, Record: rec, Node: node, Msg: fmt.Sprintf(format, args...)}
	}
	// All numbers first: what is allocated below is bounded by the file's own length.
	sc := bufio.NewScanner(io.LimitReader(r, maxNetFile+1))
	sc.Buffer(make([]byte, 0, 64), 64)
	sc.Split(bufio.ScanWords)
	var nums []int
	for sc.Scan() {
		v, err := strconv.Atoi(sc.Text())
		if err != nil || v < 0 {
			return fail(0, 0, "number %d, %.20q, is not a non-negative integer", len(nums)+1, sc.Text())
		}
		nums = append(nums, v)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fail(0, 0, "number %d is longer than 64 characters", len(nums)+1)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	nh := 3
	if auto {
		nh = 4
	}
	if len(nums) < nh {
		return fail(0, 0, "%d numbers; the header alone has %d", len(nums), nh)
	}
	counts := nums[:nh]
	rest := nums[nh:]
	n := 0
	for _, c := range counts {
		// Every node is a record of at least two numbers or the sender of an edge (a data
		// node that feeds nothing would be pointless): a count beyond the file's numbers is
		// a damaged header, and nothing is allocated from it.
		if c > len(nums) {
			return fail(0, 0, "header count %d exceeds what a file of %d numbers can describe", c, len(nums))
		}
		n += c
	}
	roles := make([]Role, 0, n)
	add := func(r Role, k int) {
		for range k {
			roles = append(roles, r)
		}
	}
	if auto && (counts[0] == 0 || counts[2] == 0) {
		return fail(0, 0, "header %v: an autoencoder needs data and code nodes", counts)
	}
	if !auto && (counts[0] == 0 || counts[2] < 2) {
		return fail(0, 0, "header %v: a classifier needs data nodes and at least two class nodes", counts)
	}
	first := counts[0] // the first node with a record
	if auto {
		add(Data, counts[0])
		add(Hidden, counts[1])
		add(Code, counts[2])
		add(Hidden, counts[3])
		first = 0
	} else {
		add(Data, counts[0])
		add(Hidden, counts[1])
		add(Class, counts[2])
	}
	if 2*(n-first) > len(rest) {
		return fail(0, 0, "header %v declares %d records; the %d numbers after it hold at most %d", counts, n-first, len(rest), len(rest)/2)
	}
	var edges []Edge
	stamp := make([]int, n) // stamp[s] = i+1 once s feeds node i
	p := 0
	for i := first; i < n; i++ {
		rec := i - first + 1
		if p+2 > len(rest) {
			return fail(rec, i, "the file ends before the record")
		}
		if rest[p] != i {
			return fail(rec, i, "starts with node number %d; records go in node order", rest[p])
		}
		k := rest[p+1]
		p += 2
		if k > len(rest)-p {
			return fail(rec, i, "declares %d in-edges; only %d numbers remain", k, len(rest)-p)
		}
		for _, s := range rest[p : p+k] {
			switch {
			case s >= n:
				return fail(rec, i, "in-edge from node %d; the nodes are 0..%d", s, n-1)
			case s == i:
				return fail(rec, i, "in-edge from itself")
			case stamp[s] == i+1:
				return fail(rec, i, "two in-edges from node %d", s)
			}
			stamp[s] = i + 1
			edges = append(edges, Edge{From: s, To: i})
		}
		p += k
	}
	if p != len(rest) {
		return fail(0, 0, "%d numbers after the last record (node %d); the header %v declares %d nodes", len(rest)-p, n-1, counts, n)
	}
	g, err := NewGraph(roles, edges)
	if err != nil {
		return nil, &NetFileError{Name: name, Msg: err.Error()}
	}
	if !auto {
		if _, err := g.TopoOrder(); err != nil {
			j := g.cycleNode()
			return fail(j-first+1, j, "lies on a cycle; a classifier's graph must be acyclic")
		}
	}
	return g, nil
}

// cycleNode returns a node on a cycle of g (-1 if g is acyclic): it removes the nodes that
// a topological sort reaches and then follows in-edges among the rest until a node repeats.
func (g *Graph) cycleNode() int {
	n := g.Nodes()
	indeg := make([]int, n)
	var queue []int
	for j := range n {
		if indeg[j] = g.InStart[j+1] - g.InStart[j]; indeg[j] == 0 {
			queue = append(queue, j)
		}
	}
	for h := 0; h < len(queue); h++ {
		for _, e := range g.OutEdges(queue[h]) {
			if j := g.nodeOfEdge(e); indeg[j] > 0 {
				if indeg[j]--; indeg[j] == 0 {
					queue = append(queue, j)
				}
			}
		}
	}
	seen := make([]bool, n)
	for j := range n {
		if indeg[j] == 0 {
			continue
		}
		// Every remaining node has an in-edge from another remaining node.
		for !seen[j] {
			seen[j] = true
			for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
				if s := g.Src[e]; indeg[s] > 0 {
					j = s
					break
				}
			}
		}
		return j
	}
	return -1
}

// WriteNet writes g as a net file: a classifier net when g has class nodes (nodes numbered
// data, hidden, class), an autoencoder net when it has code nodes (data, encoder hidden,
// code, decoder hidden). WriteNet(w, Layered(13, 26, 26, 2)) writes what the reference
// programs' completenet 13 26 26 2 writes, and a LayeredAutoencoder what autonet writes.
func WriteNet(w io.Writer, g *Graph) error {
	n := g.Nodes()
	auto := len(g.NodesOf(Code)) > 0
	var order []Role
	if auto {
		order = []Role{Data, Hidden, Code, Hidden}
	} else {
		order = []Role{Data, Hidden, Class}
	}
	counts := make([]int, len(order))
	b := 0
	for j := 0; j < n; j++ {
		for b < len(order) && g.Roles[j] != order[b] {
			b++
		}
		if b == len(order) {
			return fmt.Errorf("%w: node %d (%v) is out of the net file's node order %v", ErrGraph, j, g.Roles[j], order)
		}
		counts[b]++
	}
	bw := bufio.NewWriter(w)
	for i, c := range counts {
		if i > 0 {
			bw.WriteByte(' ')
		}
		bw.WriteString(strconv.Itoa(c))
	}
	bw.WriteByte('\n')
	for j := 0; j < n; j++ {
		if !auto && g.Roles[j] == Data {
			continue
		}
		fmt.Fprintf(bw, "%d %d\n", j, g.InStart[j+1]-g.InStart[j])
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			if e > g.InStart[j] {
				bw.WriteByte(' ')
			}
			bw.WriteString(strconv.Itoa(g.Src[e]))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
