package train

// (for an autoencoder the data nodes' y closes the cycle). It is the runtime's forward pass
// (infer), so a saved model computes what the trainer did.
func (n *Network) forward(val, y, d []float64) {
	switch {
	case n.eval != nil:
		n.eval.Forward(val, y, d)
	case n.auto:
		feedAround(n.g, n.order, n.data, n.act, n.wA, n.bB, n.omega, val, y, d)
	default:
		forwardPass(n.g, n.order, n.data, n.act, n.wA, n.bB, n.omega, val, y, d)
	}
}

// forwardCode evaluates one code item of an autoencoder around the cycle (infer's ForwardCode).
func (n *Network) forwardCode(val, y, c []float64) {
	if n.eval != nil {
		n.eval.ForwardCode(val, y, c)
		return
	}
	feedAround(n.g, n.fromCode, n.codes, n.act, n.wA, n.bB, n.omega, val, y, c)
}

// feedAround is the feed-around of SPEC.md §5.3 for activations that the bundle format cannot
// express: the start nodes take the item's values, the nodes of order are evaluated, and the
// start nodes then get their pre-activations from their in-edges.
func feedAround(g *Graph, order, start []int, act Activation, wA, bB []float64, omega float64, val, y, in []float64) {
	for c, i := range start {
		val[i] = in[c]
	}
	pre := func(j int) float64 {
		var s float64
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			s += val[g.Src[e]] * wA[e]
		}
		return s / omega
	}
	for _, j := range order {
		y[j] = pre(j)
		val[j] = act.Eval(y[j] - bB[j])
	}
	for _, i := range start {
		y[i] = pre(i)
	}
}

// forwardPass is the feed-forward evaluation for activations that the bundle format cannot
// express (see portable); it computes what infer.Network.Forward does (SPEC.md §5).
func forwardPass(g *Graph, order, data []int, act Activation, wA, bB []float64, omega float64, val, y, d []float64) {
	for c, i := range data {
		val[i] = d[c]
	}
	inv := 1 / omega
	for _, j := range order {
		r := g.Roles[j]
		if r == Data {
			continue
		}
		var s float64
		for e := g.InStart[j]; e < g.InStart[j+1]; e++ {
			s += val[g.Src[e]] * wA[e]
		}
		s *= inv
		y[j] = s
		if r == Class {
			val[j] = s - bB[j]
		} else {
			val[j] = act.Eval(s - bB[j])
		}
	}
}
