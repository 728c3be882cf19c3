package kernel_test

import (
	"fmt"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// Example computes the gradient sums of a tiny 4-2-3 network over two
// images and converts them into the post's row-major layout.
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
	m.LoadRowMajor(make([]float64, m.RowMajorLen()))

	g := kernel.NewGrad(m)
	m.Gradient(g, s, []int32{0, 1}, kernel.NewScratch(m))

	flat := make([]float64, m.FlatLen())
	for i, v := range g.Flat() {
		flat[i] = float64(v)
	}
	rm := make([]float64, m.RowMajorLen())
	m.ToRowMajor(rm, flat) // W1 (2×4), b1, W2 (3×2), b2
	fmt.Printf("cost %.4f (2·ln 3)\n", g.Cost)
	fmt.Printf("db2 %.4f\n", rm[len(rm)-3:])
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
	// h = relu(x0 - x1); z2 = (h, -h): W1, b1, W2, b2 in the row-major layout.
	m.LoadRowMajor([]float64{1, -1, 0, 1, -1, 0, 0})
	p := make([]float64, 2)
	m.Probabilities(p, []float32{1, 0}, kernel.NewScratch(m))
	fmt.Printf("%.4f\n", p)
	// Output:
	// [0.8808 0.1192]
}
