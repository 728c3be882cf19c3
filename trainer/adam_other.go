//go:build !amd64

package trainer

// adamUpdate is adamGo where there is no assembly.
func adamUpdate(p, g, m, v []float64, k *adamConsts) { adamGo(p, g, m, v, k) }
