//go:build amd64

package kernel

// haveAsm is temporarily false until the assembly lands.
const haveAsm = false

// The assembly entry points exist only on amd64; models never select them
// elsewhere.

func gatherAsm(z, w1t []float32, hp int, idx []uint16, val []uint8, table *[256]float32) {
	panic("kernel: no assembly path on this architecture")
}

func scatterAsm(dw1t []float32, hp int, dz1 []float32, idx []uint16, val []uint8, table *[256]float32) {
	panic("kernel: no assembly path on this architecture")
}

func activateAsm(act Activation, z, d []float32) {
	panic("kernel: no assembly path on this architecture")
}

func gemvAsm(z2, w2, h []float32, hp int) {
	panic("kernel: no assembly path on this architecture")
}

func backAsm(dz1, db1, dw2, w2, dz2, h, d []float32, hp int) {
	panic("kernel: no assembly path on this architecture")
}
