package cli

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// lookupModel builds a 784-10-10 network that recognises image i by which
// pixel is lit: pixel c (for class c) drives hidden unit c, which votes for
// class c. strength sets how sure it is.
func lookupModel(t *testing.T, strength float64) *netcore.Params {
	t.Helper()
	p, err := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 10 {
		p.W1[c*784+c] = 8
		p.B1[c] = -4
		for o := range 10 {
			p.W2[o*10+c] = -strength / 2
		}
		p.W2[c*10+c] = strength
	}
	return p
}

// lookupSet holds images lighting one pixel each, with some labels wrong
// for the pixel lit. Brightness varies so the model's confidence does too.
func lookupSet() (*shard.Set, []int) {
	const n = 40
	im := &shard.Images{Count: n, Rows: 28, Cols: 28, Pixels: make([]uint8, n*784)}
	labels := make([]uint8, n)
	var lit []int
	for i := range n {
		c := (i * 7) % 10
		im.Pixels[i*784+c] = uint8(100 + 3*i)
		labels[i] = uint8(c)
		if i%3 == 0 {
			labels[i] = uint8((c + 1 + i%4) % 10)
		}
		lit = append(lit, c)
	}
	return &shard.Set{Images: im, Labels: labels, Classes: 10}, lit
}

func kernelModel(t *testing.T, p *netcore.Params, scale float32) *kernel.Model {
	t.Helper()
	m, err := kernel.NewModel(p.Shape.Inputs, p.Shape.Hidden, p.Shape.Outputs, kernel.Sigmoid, scale)
	if err != nil {
		t.Fatal(err)
	}
	m.LoadRowMajor(p.Data)
	return m
}

func TestMistakes(t *testing.T) {
	const scale = 1.0 / 255
	p := lookupModel(t, 3)
	m := kernelModel(t, p, scale)
	set, lit := lookupSet()
	yhat := netcore.Forward(p, netcore.Sigmoid, netcore.Inputs(set.Images.Pixels, set.Len(), 784, scale)).Yhat

	var want int
	for i := range set.Len() {
		if int(set.Labels[i]) != lit[i] {
			want++
		}
	}
	all, err := mistakes(m, scale, set, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != want {
		t.Fatalf("%d mistakes, want %d", len(all), want)
	}
	for k, mk := range all {
		if mk.Predicted != lit[mk.Index] || mk.Label != int(set.Labels[mk.Index]) {
			t.Errorf("mistake %d: image %d, true %d, predicted %d; want true %d, predicted %d",
				k, mk.Index, mk.Label, mk.Predicted, set.Labels[mk.Index], lit[mk.Index])
		}
		// The float32 kernel against the float64 reference.
		if ref := yhat.At(mk.Predicted, mk.Index); math.Abs(mk.Confidence-ref) > 1e-5 {
			t.Errorf("image %d: confidence %v, reference forward pass %v", mk.Index, mk.Confidence, ref)
		}
		if k > 0 && mk.Confidence > all[k-1].Confidence {
			t.Errorf("mistake %d (%.4f) is more confident than mistake %d (%.4f), want most confident first", k, mk.Confidence, k-1, all[k-1].Confidence)
		}
		if got := mk.Image.GrayAt(lit[mk.Index], 0).Y; got != set.Images.Image(mk.Index)[lit[mk.Index]] {
			t.Errorf("image %d: tile shows %d at the lit pixel, want the set's pixel", mk.Index, got)
		}
	}

	// Predictions passed in are trusted: they decide what counts as wrong.
	predicted := make([]uint8, set.Len())
	for i := range predicted {
		predicted[i] = uint8(lit[i])
	}
	given, err := mistakes(m, scale, set, predicted, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(given) != 5 {
		t.Fatalf("%d mistakes, want the 5 asked for", len(given))
	}
	for k := range given {
		g, a := given[k], all[k]
		g.Image, a.Image = nil, nil // each call wraps the pixels anew
		if g != a {
			t.Errorf("mistake %d with predictions given: %+v, want %+v", k, g, a)
		}
	}
}

func TestMistakesErrors(t *testing.T) {
	p := lookupModel(t, 3)
	m := kernelModel(t, p, 1)
	set, _ := lookupSet()
	small := &shard.Set{Images: &shard.Images{Count: 1, Rows: 8, Cols: 8, Pixels: make([]uint8, 64)}, Labels: []uint8{0}, Classes: 10}
	tests := []struct {
		name      string
		set       *shard.Set
		predicted []uint8
		n         int
		want      string
	}{
		{"image size", small, nil, 1, "model takes 784 inputs, images have 64 pixels"},
		{"prediction count", set, make([]uint8, 3), 1, "3 predictions for 40 images"},
		{"negative count", set, nil, -1, "found -1"},
		{"prediction out of range", set, func() []uint8 { p := make([]uint8, 40); p[0] = 12; return p }(), 1, "predicted as class 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mistakes(m, 1, tc.set, tc.predicted, tc.n)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "eval: ") {
				t.Errorf("error %v, want one starting \"eval: \" containing %q", err, tc.want)
			}
		})
	}
}

// The kernels' probabilities, which Mistakes reports, must be a softmax.
func TestMistakeConfidenceIsProbability(t *testing.T) {
	p := lookupModel(t, 40) // very sure: probabilities near 1
	set, _ := lookupSet()
	got, err := mistakes(kernelModel(t, p, 1.0/255), 1.0/255, set, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	x := netcore.Inputs(set.Images.Pixels, set.Len(), 784, 1.0/255)
	yhat := netcore.Forward(p, netcore.Sigmoid, x).Yhat
	for _, mk := range got {
		col := mat.Col(nil, mk.Index, yhat)
		if mk.Confidence <= 0.5 || mk.Confidence > 1 || math.Abs(mk.Confidence-col[mk.Predicted]) > 1e-5 {
			t.Errorf("image %d: confidence %v, reference %v; want a probability near 1", mk.Index, mk.Confidence, col[mk.Predicted])
		}
	}
}

func BenchmarkMistakes(b *testing.B) { benchMistakes(b, 300) }

// benchMistakes times finding the mistakes among 10,000 random images with
// a hidden layer of the given size, no predictions given: the worst case.
func benchMistakes(b *testing.B, hidden int) {
	p, err := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: hidden, Outputs: 10})
	if err != nil {
		b.Fatal(err)
	}
	for i := range p.Data {
		p.Data[i] = math.Sin(float64(i)) * 0.05
	}
	m, err := kernel.NewModel(784, hidden, 10, kernel.Sigmoid, 1.0/255)
	if err != nil {
		b.Fatal(err)
	}
	m.LoadRowMajor(p.Data)
	const n = 10000
	im := &shard.Images{Count: n, Rows: 28, Cols: 28, Pixels: make([]uint8, n*784)}
	for i := range im.Pixels {
		if i%5 == 0 {
			im.Pixels[i] = uint8(i * 31)
		}
	}
	set := &shard.Set{Images: im, Labels: make([]uint8, n), Classes: 10}
	b.ResetTimer()
	for b.Loop() {
		if _, err := mistakes(m, 1.0/255, set, nil, 36); err != nil {
			b.Fatal(err)
		}
	}
}
