package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLoadRows checks that LoadRows over any split of the rows, plus
// LoadOutput, leaves the model exactly as Load does.
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
