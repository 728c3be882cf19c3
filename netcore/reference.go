package netcore

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// This file is the float64 reference: the blog post's NumPy code transcribed
// with gonum matrices. Columns are samples, as in the post (X is Inputs×m,
// Y is Outputs×m one-hot). It favours obviousness over speed; the kernels in
// netcore/kernel are tested against it.
//
// Dimension mismatches between parameters and matrices are programming
// errors and panic, as gonum's own matrix operations do. Callers holding
// untrusted shapes check them first with Shape.CheckBatch.

// Cache holds the intermediate matrices of one forward pass, which the
// backward pass reuses. All are freshly allocated by Forward.
type Cache struct {
	Z1   *mat.Dense // Hidden×m pre-activations, W1·X + b1
	H    *mat.Dense // Hidden×m activations, act(Z1)
	Z2   *mat.Dense // Outputs×m logits, W2·H + b2
	Yhat *mat.Dense // Outputs×m class probabilities, softmax(Z2) per column
}

// CheckBatch reports whether X (Inputs×m) and Y (Outputs×m, may be nil) fit
// a network of shape s. Forward, Cost and Backward panic where this fails.
func (s Shape) CheckBatch(X, Y *mat.Dense) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if X == nil || X.IsEmpty() {
		return fmt.Errorf("netcore: inputs: want a %d×m matrix with m >= 1, found none: %w", s.Inputs, ErrShape)
	}
	r, m := X.Dims()
	if r != s.Inputs {
		return fmt.Errorf("netcore: inputs: want %d rows (one per input), found %d: %w", s.Inputs, r, ErrShape)
	}
	if Y == nil {
		return nil
	}
	if Y.IsEmpty() {
		return fmt.Errorf("netcore: targets: want a %d×%d matrix, found an empty one: %w", s.Outputs, m, ErrShape)
	}
	yr, yc := Y.Dims()
	if yr != s.Outputs || yc != m {
		return fmt.Errorf("netcore: targets: want %d×%d (outputs × samples), found %d×%d: %w", s.Outputs, m, yr, yc, ErrShape)
	}
	return nil
}

// Forward runs the network on the columns of X, as the post's forward():
//
//	Z1 = W1·X + b1; H = act(Z1); Z2 = W2·H + b2; Yhat = softmax(Z2)
//
// The softmax subtracts each column's maximum first, so it never overflows.
func Forward(p *Params, act Activation, X *mat.Dense) *Cache {
	mustBatch(p.Shape, X, nil)
	s := p.Shape
	_, m := X.Dims()

	Z1 := mat.NewDense(s.Hidden, m, nil)
	Z1.Mul(mat.NewDense(s.Hidden, s.Inputs, p.W1), X)
	addColumn(Z1, p.B1)

	H := mat.NewDense(s.Hidden, m, nil)
	H.Apply(func(_, _ int, z float64) float64 { return act.Eval(z) }, Z1)

	Z2 := mat.NewDense(s.Outputs, m, nil)
	Z2.Mul(mat.NewDense(s.Outputs, s.Hidden, p.W2), H)
	addColumn(Z2, p.B2)

	Yhat := mat.NewDense(s.Outputs, m, nil)
	col := make([]float64, s.Outputs)
	for j := range m {
		mat.Col(col, j, Z2)
		Softmax(col, col)
		Yhat.SetCol(j, col)
	}
	return &Cache{Z1: Z1, H: H, Z2: Z2, Yhat: Yhat}
}

// Cost returns the post's cross-entropy -1/m·sum(Y ∘ log(Yhat)).
//
// It does not take the logarithm of Yhat, which underflows to 0 (and so gives
// -Inf and then NaN) once a logit trails the column maximum by about 745, as
// it easily does on raw 0..255 pixels. Instead it uses the log-softmax
// log(Yhat_ij) = Z2_ij - logsumexp(Z2_·j), which is finite for finite Z2.
func Cost(c *Cache, Y *mat.Dense) float64 {
	k, m := c.Z2.Dims()
	if yr, yc := Y.Dims(); yr != k || yc != m {
		panic(fmt.Sprintf("netcore: cost: targets are %d×%d, logits %d×%d: %v", yr, yc, k, m, ErrShape))
	}
	col := make([]float64, k)
	var sum float64
	for j := range m {
		mat.Col(col, j, c.Z2)
		lse := LogSumExp(col)
		for i, z := range col {
			if y := Y.At(i, j); y != 0 {
				sum += y * (z - lse)
			}
		}
	}
	return -sum / float64(m)
}

// Backward writes into grad the gradient of Cost with respect to every
// parameter of p, from the forward pass c on X and the targets Y, as the
// post's backward():
//
//	dZ2 = Yhat - Y; dH = W2ᵀ·dZ2; dZ1 = dH ∘ act'(Z1)
//	dW1 = dZ1·Xᵀ/m; db1 = rowsum(dZ1)/m; dW2 = dZ2·Hᵀ/m; db2 = rowsum(dZ2)/m
//
// grad must have p's shape and must not share memory with p, X or Y.
func Backward(p *Params, act Activation, c *Cache, X, Y *mat.Dense, grad *Params) {
	mustBatch(p.Shape, X, Y)
	if grad.Shape != p.Shape {
		panic(fmt.Sprintf("netcore: backward: gradient is %v, parameters %v: %v", grad.Shape, p.Shape, ErrShape))
	}
	s := p.Shape
	_, m := X.Dims()
	inv := 1 / float64(m)

	var dZ2 mat.Dense
	dZ2.Sub(c.Yhat, Y)

	var dZ1 mat.Dense
	dZ1.Mul(mat.NewDense(s.Outputs, s.Hidden, p.W2).T(), &dZ2)
	dZ1.Apply(func(i, j int, dh float64) float64 {
		return dh * act.Derivative(c.Z1.At(i, j), c.H.At(i, j))
	}, &dZ1)

	dW1 := mat.NewDense(s.Hidden, s.Inputs, grad.W1)
	dW1.Mul(&dZ1, X.T())
	dW1.Scale(inv, dW1)
	rowSums(grad.B1, &dZ1, inv)

	dW2 := mat.NewDense(s.Outputs, s.Hidden, grad.W2)
	dW2.Mul(&dZ2, c.H.T())
	dW2.Scale(inv, dW2)
	rowSums(grad.B2, &dZ2, inv)
}

// Gradient runs Forward, Cost and Backward: it writes the gradient of the
// cost at p into grad and returns the cost.
func Gradient(p *Params, act Activation, X, Y *mat.Dense, grad *Params) (cost float64) {
	c := Forward(p, act, X)
	Backward(p, act, c, X, Y, grad)
	return Cost(c, Y)
}

// Predict returns the most probable class of each column of X, the first on
// ties, like the post's np.argmax(Y1, axis=0). It compares the logits Z2
// rather than Yhat: softmax preserves their order, and logits cannot tie by
// underflowing.
func Predict(p *Params, act Activation, X *mat.Dense) []int {
	c := Forward(p, act, X)
	k, m := c.Z2.Dims()
	out := make([]int, m)
	for j := range m {
		best := 0
		for i := 1; i < k; i++ {
			if c.Z2.At(i, j) > c.Z2.At(best, j) {
				best = i
			}
		}
		out[j] = best
	}
	return out
}

// Inputs lays n images of dim pixels each (image after image, as in an IDX
// file) out as the post's X = images.reshape(n, dim).T: a dim×n matrix whose
// column j is image j, each pixel multiplied by scale (1 keeps the post's raw
// 0..255 values, 1/255 normalises). It panics if len(pixels) != n*dim or
// either is below 1.
func Inputs(pixels []uint8, n, dim int, scale float64) *mat.Dense {
	if n < 1 || dim < 1 || len(pixels) != n*dim {
		panic(fmt.Sprintf("netcore: inputs: want %d images × %d pixels = %d bytes, found %d", n, dim, n*dim, len(pixels)))
	}
	data := make([]float64, dim*n)
	for j := range n {
		img := pixels[j*dim : (j+1)*dim]
		for i, v := range img {
			data[i*n+j] = float64(v) * scale
		}
	}
	return mat.NewDense(dim, n, data)
}

// OneHot returns the post's Y = np.eye(classes)[labels].T: a classes×n
// matrix with a single 1 per column, in the row of that sample's label. It
// panics if a label is not below classes or there are no labels.
func OneHot(labels []uint8, classes int) *mat.Dense {
	if len(labels) < 1 || classes < 1 {
		panic(fmt.Sprintf("netcore: one-hot: want at least one label and one class, found %d and %d", len(labels), classes))
	}
	Y := mat.NewDense(classes, len(labels), nil)
	for j, l := range labels {
		if int(l) >= classes {
			panic(fmt.Sprintf("netcore: one-hot: label %d of sample %d: want below %d", l, j, classes))
		}
		Y.Set(int(l), j, 1)
	}
	return Y
}

// Logistic returns the sigmoid 1/(1+e^-x) without overflow for any x: for
// negative x it uses e^x/(1+e^x), whose exponential cannot overflow. (The
// name Sigmoid is taken by the Activation constant.)
func Logistic(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LogSumExp returns log(sum(exp(z))) computed as max + log(sum(exp(z-max))),
// which is finite for finite z. It returns -Inf for an empty z.
func LogSumExp(z []float64) float64 {
	if len(z) == 0 {
		return math.Inf(-1)
	}
	hi := z[0]
	for _, v := range z[1:] {
		if v > hi {
			hi = v
		}
	}
	if math.IsInf(hi, 0) {
		// All -Inf (the sum is 0) or some +Inf: the maximum is the answer,
		// and subtracting it would make NaN of Inf-Inf.
		return hi
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(v - hi)
	}
	return hi + math.Log(sum)
}

// Softmax writes exp(z)/sum(exp(z)) into dst, subtracting the maximum of z
// first so that no exponential overflows. dst may be z itself; it panics if
// the lengths differ.
func Softmax(dst, z []float64) {
	if len(dst) != len(z) {
		panic(fmt.Sprintf("netcore: softmax: destination has %d elements, source %d", len(dst), len(z)))
	}
	if len(z) == 0 {
		return
	}
	hi := z[0]
	for _, v := range z[1:] {
		if v > hi {
			hi = v
		}
	}
	var sum float64
	for i, v := range z {
		e := math.Exp(v - hi)
		dst[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range dst {
		dst[i] *= inv
	}
}

// mustBatch panics with CheckBatch's error when X or Y does not fit s.
func mustBatch(s Shape, X, Y *mat.Dense) {
	if err := s.CheckBatch(X, Y); err != nil {
		panic(err.Error())
	}
}

// addColumn adds b to every column of A, the post's broadcast "+ b".
func addColumn(A *mat.Dense, b []float64) {
	r, c := A.Dims()
	for i := range r {
		for j := range c {
			A.Set(i, j, A.At(i, j)+b[i])
		}
	}
}

// rowSums writes scale·sum(A[i,:]) into dst[i], the post's np.sum(..., axis=1)/m.
func rowSums(dst []float64, A *mat.Dense, scale float64) {
	r, c := A.Dims()
	for i := range r {
		var s float64
		for j := range c {
			s += A.At(i, j)
		}
		dst[i] = s * scale
	}
}
