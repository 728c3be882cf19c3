package netcore_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shardnet/shardnet/netcore"
)

func TestInitDrawOrderAndDeterminism(t *testing.T) {
	s := netcore.Shape{Inputs: 7, Hidden: 5, Outputs: 3}
	p, _ := netcore.NewParams(s)
	for i := range p.Data {
		p.Data[i] = 42 // biases must be reset, not left alone
	}
	p.Init(netcore.NormalInit, 0.01, rand.New(rand.NewPCG(11, 12)))

	// The documented order: one NormFloat64 per weight, W1 row-major, then W2.
	rng := rand.New(rand.NewPCG(11, 12))
	for i, w := range p.W1 {
		if want := rng.NormFloat64() * 0.01; w != want {
			t.Fatalf("W1[%d] = %v, want draw %d ×0.01 = %v", i, w, i, want)
		}
	}
	for i, w := range p.W2 {
		if want := rng.NormFloat64() * 0.01; w != want {
			t.Fatalf("W2[%d] = %v, want draw %d ×0.01 = %v", i, w, len(p.W1)+i, want)
		}
	}
	for _, b := range append(append([]float64(nil), p.B1...), p.B2...) {
		if b != 0 {
			t.Fatalf("biases %v %v, want zero", p.B1, p.B2)
		}
	}

	q, _ := netcore.NewParams(s)
	q.Init(netcore.NormalInit, 0.01, rand.New(rand.NewPCG(11, 12)))
	if q.Digest() != p.Digest() {
		t.Error("the same seed gave different parameters")
	}
	q.Init(netcore.NormalInit, 0.01, rand.New(rand.NewPCG(11, 13)))
	if q.Digest() == p.Digest() {
		t.Error("different seeds gave the same parameters")
	}
}

// moments returns the mean and standard deviation of v.
func moments(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

func TestInitStatistics(t *testing.T) {
	s := netcore.Shape{Inputs: 784, Hidden: 100, Outputs: 50}
	tests := []struct {
		method         netcore.Init
		scale          float64
		wantW1, wantW2 float64 // standard deviations
	}{
		{netcore.NormalInit, 0.01, 0.01, 0.01},
		{netcore.NormalInit, 0, netcore.DefaultInitScale, netcore.DefaultInitScale},
		{netcore.NormalInit, 0.5, 0.5, 0.5},
		{netcore.Xavier, 0.01, math.Sqrt(1.0 / 784), math.Sqrt(1.0 / 100)},
		{netcore.He, 0.01, math.Sqrt(2.0 / 784), math.Sqrt(2.0 / 100)},
	}
	for _, tt := range tests {
		p, _ := netcore.NewParams(s)
		p.Init(tt.method, tt.scale, rand.New(rand.NewPCG(5, 6)))
		for _, layer := range []struct {
			name string
			w    []float64
			std  float64
		}{{"W1", p.W1, tt.wantW1}, {"W2", p.W2, tt.wantW2}} {
			mean, std := moments(layer.w)
			// The sample mean's standard error is std/sqrt(n); the sample
			// standard deviation's is about std/sqrt(2n). Allow 5 of each.
			n := float64(len(layer.w))
			if math.Abs(mean) > 5*layer.std/math.Sqrt(n) {
				t.Errorf("%v scale %v: %s mean %.3g, want 0 ± %.3g", tt.method, tt.scale, layer.name, mean, 5*layer.std/math.Sqrt(n))
			}
			if math.Abs(std-layer.std) > 5*layer.std/math.Sqrt(2*n) {
				t.Errorf("%v scale %v: %s std %.4g, want %.4g", tt.method, tt.scale, layer.name, std, layer.std)
			}
		}
	}
}

func TestParseInit(t *testing.T) {
	for _, m := range []netcore.Init{netcore.NormalInit, netcore.Xavier, netcore.He} {
		got, err := netcore.ParseInit(m.String())
		if err != nil || got != m {
			t.Errorf("ParseInit(%q) = %v, %v; want %v", m.String(), got, err, m)
		}
	}
	if _, err := netcore.ParseInit("glorot"); err == nil {
		t.Error("ParseInit(\"glorot\") succeeded, want an error")
	}
}

func TestParseActivationRoundTrip(t *testing.T) {
	for _, a := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
		got, err := netcore.ParseActivation(a.String())
		if err != nil || got != a || !got.Valid() {
			t.Errorf("ParseActivation(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
	if netcore.Activation(3).Valid() {
		t.Error("Activation(3) is valid, want invalid")
	}
}
