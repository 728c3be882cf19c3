package netcore_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/shardnet/shardnet/netcore"
)

func ExampleForward() {
	// Zero weights make every class equally likely, whatever the input.
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 2, Hidden: 2, Outputs: 2})
	p.B2[1] = math.Log(3) // ...until a bias makes class 1 three times as likely
	X := mat.NewDense(2, 1, []float64{0.5, -1})
	c := netcore.Forward(p, netcore.Sigmoid, X)
	fmt.Printf("H = %.2f\nYhat = %.2f\n", mat.Col(nil, 0, c.H), mat.Col(nil, 0, c.Yhat))
	// Output:
	// H = [0.50 0.50]
	// Yhat = [0.25 0.75]
}

func ExampleGradient() {
	s := netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10}
	p, _ := netcore.NewParams(s)
	p.Init(netcore.NormalInit, 0.01, rand.New(rand.NewPCG(1, 2)))

	// Ten raw-pixel "images", one of each digit.
	rng := rand.New(rand.NewPCG(3, 4))
	pixels := make([]uint8, 10*784)
	for i := range pixels {
		pixels[i] = uint8(rng.IntN(256))
	}
	X := netcore.Inputs(pixels, 10, 784, 1.0/255)
	Y := netcore.OneHot([]uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10)

	grad, _ := netcore.NewParams(s)
	before := netcore.Gradient(p, netcore.Sigmoid, X, Y, grad)
	_ = p.AddScaled(-0.5, grad) // one step of gradient descent
	after := netcore.Gradient(p, netcore.Sigmoid, X, Y, grad)

	// Tiny weights give nearly uniform predictions, so the first cost is
	// close to ln 10.
	fmt.Printf("ln 10 = %.3f, cost %.3f, after one step lower: %v\n", math.Log(10), before, after < before)
	// Output:
	// ln 10 = 2.303, cost 2.303, after one step lower: true
}

func ExampleParams_Digest() {
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 1, Hidden: 1, Outputs: 1})
	// Four zero float64s: the SHA-256 of 32 zero bytes.
	fmt.Println(p.Digest())
	q := p.Clone()
	fmt.Println(q.Digest() == p.Digest())
	q.W2[0] = 1e-300
	fmt.Println(q.Digest() == p.Digest())
	// Output:
	// 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925
	// true
	// false
}

func ExampleReadCheckpoint() {
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10})
	p.Init(netcore.NormalInit, 0.01, rand.New(rand.NewPCG(1, 2)))
	c := &netcore.Checkpoint{
		Activation: netcore.Sigmoid,
		Iteration:  2400,
		Config:     []byte("hidden: 10\n"),
		Params:     p,
		State:      map[string][]float64{"momentum": make([]float64, p.Shape.Len())},
	}
	var file bytes.Buffer
	if _, err := c.WriteTo(&file); err != nil {
		fmt.Println(err)
		return
	}
	got, err := netcore.ReadCheckpoint(&file, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Params.Shape, got.Activation, got.Iteration, len(got.State["momentum"]))
	fmt.Println(got.Params.Digest() == p.Digest())

	_, err = netcore.ReadCheckpoint(bytes.NewReader([]byte("not a checkpoint")), 0)
	fmt.Println(err)
	// Output:
	// 784-10-10 sigmoid 2400 7960
	// true
	// netcore: checkpoint: bad magic: want "SHARDNET", found "not a ch"
}
