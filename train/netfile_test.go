package train

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwl-go/lwl/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WriteNet of a layered graph is what completenet writes, and reading it back gives the
// same graph.
func TestNetFileCompleteNet(t *testing.T) {
	g, err := Layered(13, 26, 26, 2)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteNet(&b, g))
	nums := strings.Fields(b.String())
	assert.Equal(t, []string{"13", "52", "2", "13", "13", "0", "1", "2"}, nums[:8], "completenet 13 26 26 2 begins so")
	back, err := ParseClassifierNet(&b, "net")
	require.NoError(t, err)
	assert.Equal(t, g.Roles, back.Roles)
	assert.Equal(t, g.InStart, back.InStart)
	assert.Equal(t, g.Src, back.Src)
}

func TestNetFileAutoNet(t *testing.T) {
	g, err := LayeredAutoencoder(2, 8, 5, 3, 5)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteNet(&b, g))
	assert.True(t, strings.HasPrefix(b.String(), "8 5 3 5\n0 5\n16 17 18 19 20\n"), "data node 0 is fed by the last decoder layer:\n%s", b.String()[:40])
	back, err := ParseAutoencoderNet(&b, "net")
	require.NoError(t, err)
	assert.Equal(t, g.Roles, back.Roles)
	assert.Equal(t, g.InStart, back.InStart)
	assert.Equal(t, g.Src, back.Src)
}

// A classifier trained on a graph read from a net file equals, seed for seed, one trained
// on the layered graph.
func TestNetFileTrainsAsLayers(t *testing.T) {
	tr, te := majorityData(t)
	g, err := Layered(13, 26, 26, 2)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteNet(&b, g))
	path := filepath.Join(t.TempDir(), "net")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	fromFile, err := ReadClassifierNet(path)
	require.NoError(t, err)
	s := checkpointSettings()
	s.Epochs = 2
	s.Hidden = []int{26, 26}
	layered, err := TrainClassifier(context.Background(), tr, te, s)
	require.NoError(t, err)
	s.Hidden, s.Graph = nil, fromFile
	netted, err := TrainClassifier(context.Background(), tr, te, s)
	require.NoError(t, err)
	for i, w := range layered.Classifier.Weights {
		require.Equal(t, math.Float64bits(w), math.Float64bits(netted.Classifier.Weights[i]), "weight %d", i)
	}
	assert.Equal(t, layered.Classifier.Biases, netted.Classifier.Biases)
}

func TestNetFileErrors(t *testing.T) {
	for _, tc := range []struct {
		auto bool
		text string
		want string
	}{
		{false, "", "net: 0 numbers; the header alone has 3"},
		{false, "2 1 2 x", `net: number 4, "x", is not a non-negative integer`},
		{false, "2 1 -2", "not a non-negative integer"},
		{false, "2 0 2  2 2 0 1  3 2 0", "net: record 2 (node 3): declares 2 in-edges; only 1 numbers remain"},
		{false, "2 0 2  2 2 0 1  3 2 0 1  4 1 0", "net: 3 numbers after the last record (node 3)"},
		{false, "2 0 2  2 2 0 1", "net: record 2 (node 3): the file ends before the record"},
		{false, "2 0 2  3 2 0 1  2 2 0 1", "net: record 1 (node 2): starts with node number 3"},
		{false, "2 0 2  2 2 0 7  3 2 0 1", "net: record 1 (node 2): in-edge from node 7; the nodes are 0..3"},
		{false, "2 0 2  2 2 0 2  3 2 0 1", "record 1 (node 2): in-edge from itself"},
		{false, "2 0 2  2 2 0 0  3 2 0 1", "net: record 1 (node 2): two in-edges from node 0"},
		{false, "2 2 2  2 2 0 3  3 2 1 2  4 1 2  5 1 3", "net: record 1 (node 2): lies on a cycle"},
		{false, "2 0 99999999999  2 2 0 1", "header count 99999999999 exceeds"},
		{false, "2 0 " + strings.Repeat("9", 70), "longer than 64 characters"},
		{true, "1 0 1 0  0 1 1  1 1 0", ""},
		{true, "1 0 0 1  0 1 1  1 1 0", "an autoencoder needs data and code nodes"},
		{false, "2 0 1  2 2 0 1", "at least two class nodes"},
		{true, "1 0 1 0  0 1 1", "declares 2 records"},
	} {
		var err error
		if tc.auto {
			_, err = ParseAutoencoderNet(strings.NewReader(tc.text), "net")
		} else {
			_, err = ParseClassifierNet(strings.NewReader(tc.text), "net")
		}
		if tc.want == "" {
			assert.NoError(t, err, tc.text)
			continue
		}
		require.Error(t, err, tc.text)
		assert.ErrorIs(t, err, ErrGraph, tc.text)
		assert.ErrorContains(t, err, tc.want, tc.text)
	}
	_, err := ReadClassifierNet(filepath.Join(t.TempDir(), "none"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// FuzzParseNet: no input panics; what parses writes back (when its nodes are in the net
// file's order) to a file that parses to the same graph.
func FuzzParseNet(f *testing.F) {
	g, _ := Layered(3, 4, 2)
	var b bytes.Buffer
	WriteNet(&b, g)
	f.Add(b.String(), false)
	a, _ := LayeredAutoencoder(2, 4, 3, 2, 3)
	b.Reset()
	WriteNet(&b, a)
	f.Add(b.String(), true)
	f.Add("2 2 2  2 2 0 3  3 2 1 2  4 1 2  5 1 3", false)
	f.Fuzz(func(t *testing.T, text string, auto bool) {
		parse := ParseClassifierNet
		if auto {
			parse = ParseAutoencoderNet
		}
		g, err := parse(strings.NewReader(text), "fuzz")
		if err != nil {
			require.ErrorIs(t, err, ErrGraph)
			return
		}
		var b bytes.Buffer
		if WriteNet(&b, g) != nil {
			return
		}
		back, err := parse(&b, "again")
		require.NoError(t, err)
		require.Equal(t, g.Src, back.Src)
		require.Equal(t, g.InStart, back.InStart)
	})
}

// An autoencoder on a net file's graph: its checkpoint resumes on the same graph and is
// refused on another graph with the same node counts.
func TestAutoencoderGraphCheckpoint(t *testing.T) {
	g, err := LayeredAutoencoder(2, 6, 4, 2, 4)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteNet(&b, g))
	same, err := ParseAutoencoderNet(bytes.NewReader(b.Bytes()), "same")
	require.NoError(t, err)
	// Node 6 (encoder hidden) loses its in-edge from data node 0.
	other, err := ParseAutoencoderNet(strings.NewReader(strings.Replace(b.String(), "6 6\n0 1 2 3 4 5\n", "6 5\n1 2 3 4 5\n", 1)), "other")
	require.NoError(t, err)
	require.Equal(t, g.Edges()-1, other.Edges())

	settings := func(g *Graph) AutoencoderSettings {
		return AutoencoderSettings{Graph: g, NetworkConfig: NetworkConfig{Omega: 4, Activation: Zigmoid{Delta: 0.2}},
			IterPerBatch: 5, DataBatch: 10, CodeBatch: 2, Epochs: 1, Seed: 1}
	}
	a, err := NewAutoencoder(settings(g))
	require.NoError(t, err)
	defer a.Close()
	assert.Equal(t, []int{6, 4, 2, 4}, a.Sizes)
	rng := NewRand(3)
	data := make([]float64, 20*6)
	for i := range data {
		data[i] = rng.Float64()
	}
	_, err = a.Train(context.Background(), dataset.Matrix{Rows: 20, Cols: 6, Data: data})
	require.NoError(t, err)
	c := a.Checkpoint()

	b1, err := NewAutoencoder(settings(same))
	require.NoError(t, err)
	defer b1.Close()
	assert.NoError(t, b1.Restore(c))
	b2, err := NewAutoencoder(settings(other))
	require.NoError(t, err)
	defer b2.Close()
	err = b2.Restore(c)
	require.ErrorIs(t, err, ErrCheckpoint)
	assert.ErrorContains(t, err, "graph")
	_, err = a.Format()
	assert.NoError(t, err)
}
