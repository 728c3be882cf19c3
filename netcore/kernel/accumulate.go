package kernel

import "fmt"

// SetClear stores src, converted to float64, in dst and zeroes src; AddClear
// adds it to dst instead. Together they sum float32 partial gradients in
// float64 in a fixed order, readying each partial for its next use in the
// same pass: SetClear(sum, p[0]) then AddClear(sum, p[k]) for k = 1, 2, …
// gives every element of sum as ((p0 + p1) + p2) + … exactly. They panic if
// the lengths differ.
func SetClear(dst []float64, src []float32) { accumulate(dst, src, false) }

// AddClear adds src, converted to float64, to dst and zeroes src (see
// SetClear).
func AddClear(dst []float64, src []float32) { accumulate(dst, src, true) }

func accumulate(dst []float64, src []float32, add bool) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kernel: accumulate %d values into %d", len(src), len(dst)))
	}
	n := 0
	if useAsm && len(src) >= accumulateBlock {
		n = len(src) &^ (accumulateBlock - 1)
		accumulateAsm(&dst[0], &src[0], n, add)
	}
	dst, src = dst[n:], src[n:]
	if add {
		for j, v := range src {
			dst[j] += float64(v)
		}
	} else {
		for j, v := range src {
			dst[j] = float64(v)
		}
	}
	clear(src)
}

// accumulateBlock is how many elements the assembly takes at a time.
const accumulateBlock = 8
