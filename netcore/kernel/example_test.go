package kernel_test

import (
	"fmt"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// Example computes the gradient sums of a tiny 4-2-3 network over two
// images and unpacks them into netcore's row-major layout.
func Example() {
	pixels := []uint8{
		0, 128, 0, 255, // image 0
		64, 0, 0, 0, // image 1
	}
	s, err := kernel.NewSamples(pixels, []uint8{2, 0}, 2, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := kernel.NewModel(4, 2, 3, kernel.Sigmoid, 1.0/255)
	if err != nil {
		fmt.Println(err)
		return
	}
	// All-zero parameters: every class gets probability 1/3.
	w1, b1 := make([]float64, 2*4), make([]float64, 2)
	w2, b2 := make([]float64, 3*2), make([]float64, 3)
	m.Load(w1, b1, w2, b2)

	g := kernel.NewGrad(m)
	m.Gradient(g, s, []int32{0, 1}, kernel.NewScratch(m))

	flat := make([]float64, m.FlatLen())
	for i, v := range g.Flat() {
		flat[i] = float64(v)
	}
	m.Unpack(flat, w1, b1, w2, b2)
	fmt.Printf("cost %.4f (2·ln 3)\n", g.Cost)
	fmt.Printf("db2 %.4f\n", b2)
	// Output:
	// cost 2.1972 (2·ln 3)
	// db2 [-0.3333 0.6667 -0.3333]
}

// ExampleModel_Probabilities classifies one dense, already scaled image.
func ExampleModel_Probabilities() {
	m, err := kernel.NewModel(2, 1, 2, kernel.ReLU, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	// h = relu(x0 - x1); z2 = (h, -h).
	m.Load([]float64{1, -1}, []float64{0}, []float64{1, -1}, []float64{0, 0})
	p := make([]float64, 2)
	m.Probabilities(p, []float32{1, 0}, kernel.NewScratch(m))
	fmt.Printf("%.4f\n", p)
	// Output:
	// [0.8808 0.1192]
}
