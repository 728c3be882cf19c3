package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLoadRows checks that Load transposes W1 into place and that LoadRows
// over any split of the rows, plus LoadOutput, leaves the model exactly as
// Load does.
func TestLoadRows(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, hidden := range []int{1, 10, 37, 300} {
		const in, out = 70, 10
		w1, b1, w2, b2 := make([]float64, hidden*in), make([]float64, hidden), make([]float64, out*hidden), make([]float64, out)
		for _, v := range [][]float64{w1, b1, w2, b2} {
			for i := range v {
				v[i] = r.NormFloat64()
			}
		}
		want, _ := NewModel(in, hidden, out, Sigmoid, 1)
		want.Load(w1, b1, w2, b2)
		// Load itself puts weight (h, i) at input i's row, column h, and
		// leaves the padding columns zero.
		for i := range in {
			for h := range want.hp {
				v := float32(0)
				if h < hidden {
					v = float32(w1[h*in+i])
				}
				if got := want.w1t[i*want.hp+h]; got != v {
					t.Fatalf("hidden %d: Load put %v at input %d, column %d, want %v", hidden, got, i, h, v)
				}
			}
		}
		got, _ := NewModel(in, hidden, out, Sigmoid, 1)
		for h0 := 0; h0 < hidden; {
			h1 := min(hidden, h0+1+r.IntN(9))
			got.LoadRows(w1, h0, h1)
			h0 = h1
		}
		got.LoadOutput(b1, w2, b2)
		for name, pair := range map[string][2][]float32{
			"w1t": {got.w1t, want.w1t}, "b1": {got.b1, want.b1}, "w2": {got.w2, want.w2},
			"b2": {got.b2, want.b2}, "w2t": {got.w2t, want.w2t}, "w2b": {got.w2b, want.w2b},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Errorf("hidden %d: %s differs from Load's", hidden, name)
			}
		}
	}
	m, _ := NewModel(4, 3, 2, Sigmoid, 1)
	defer func() {
		if recover() == nil {
			t.Error("LoadRows past the last row did not panic")
		}
	}()
	m.LoadRows(make([]float64, 12), 2, 4)
}
