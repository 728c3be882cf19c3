//go:build amd64

package trainer

import (
	"os"

	"golang.org/x/sys/cpu"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// adamAsm says whether Adam's update runs the AVX assembly, four elements
// at a time. It computes what adamGo computes, operation for operation
// (square root and division are correctly rounded in both), so the two give
// bitwise the same parameters; SHARDNET_KERNEL=generic turns it off with
// the kernels' assembly, to rule assembly out when debugging.
var adamAsm = cpu.X86.HasAVX && os.Getenv(kernel.EnvKernel) != kernel.PathGeneric

// adamAVX runs adamGo's loop over the first n elements (a multiple of 4).
//
//go:noescape
func adamAVX(p, grad, mom, vel *float64, n int, k *adamConsts)

// adamUpdate is adamGo, on the assembly where there is AVX.
func adamUpdate(p, g, m, v []float64, k *adamConsts) {
	n := 0
	if adamAsm && len(g) >= 4 {
		n = len(g) &^ 3
		_, _, _ = p[n-1], m[n-1], v[n-1]
		adamAVX(&p[0], &g[0], &m[0], &v[0], n, k)
	}
	adamGo(p[n:], g[n:], m[n:], v[n:], k)
}
