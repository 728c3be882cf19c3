//go:build amd64

package trainer

import "github.com/shardnet/shardnet/netcore/kernel"

// adamAVX runs adamGo's loop over the first n elements (a multiple of 4),
// four at a time in YMM registers; it needs AVX only.
//
//go:noescape
func adamAVX(p, grad, mom, vel *float64, n int, k *adamConsts)

// adamAVX512 runs adamGo's loop over the first n elements (a multiple of
// 8), eight at a time in ZMM registers; it needs AVX512F.
//
//go:noescape
func adamAVX512(p, grad, mom, vel *float64, n int, k *adamConsts)

// adamUpdate is adamGo, on the assembly of the kernel path selected now
// (kernel.Path): adamAVX512 on the AVX-512 path, adamAVX on the AVX2 one,
// Go on the portable one, which SHARDNET_KERNEL=generic selects to rule the
// assembly out when debugging. Each computes what adamGo computes,
// operation for operation (square root and division are correctly rounded
// in all of them), so all give bitwise the same parameters.
func adamUpdate(p, g, m, v []float64, k *adamConsts) {
	n := 0
	switch kernel.Path() {
	case kernel.PathAVX512:
		if n = len(g) &^ 7; n > 0 {
			_, _, _ = p[n-1], m[n-1], v[n-1]
			adamAVX512(&p[0], &g[0], &m[0], &v[0], n, k)
		}
	case kernel.PathAVX2FMA:
		if n = len(g) &^ 3; n > 0 {
			_, _, _ = p[n-1], m[n-1], v[n-1]
			adamAVX(&p[0], &g[0], &m[0], &v[0], n, k)
		}
	}
	adamGo(p[n:], g[n:], m[n:], v[n:], k)
}
