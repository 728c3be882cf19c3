package main

// argsSrc declares the structs through which denseAVX and denseSoA take
// their many operands. It is the one definition of both: the generator
// writes it out as the package's asm_args.go, and type-checks it to lay
// out the fields as the gc compiler does on amd64, so that the assembly
// reads each field at the offset Go puts it (see gen.File.Fields).
const argsSrc = `
// denseArgs carries the many operands of the assembly's dense middle part
// (denseAVX, denseHead and denseTail) in one pointer; the assembly reads
// the fields at the offsets the generator computes from this declaration.
// Pointers address the first element.
type denseArgs struct {
	h, d, dz1 *float32 // hidden rows: first-layer sums in, act(z1) out; act'(z1); dz1
	b1        *float32
	mask      *float32 // Model.mask
	w2, b2    *float32
	z2        *float32 // Outputs padded: logits, then dz2
	db1, dw2  *float32 // dw2 nil: leave dW2 to the caller
	db2       *float32
	w2t       *float32 // Model.w2t, which the logits take
	hp, rows  int      // HiddenPad, Outputs
	op        int      // Outputs padded
	hidden    int
	act       int
	label     int     // < 0: forward pass only
	sum, zl   float32 // out: Σ exp(z2 - max), z2[label] - max
	n         int     // denseHead: the number of images
}

// soaArgs carries the operands of denseSoA8, denseSoA16 and denseSoAZ16,
// the dense middle for as many images at once as a register has lanes (8,
// or 16 for AVX-512), one per lane, used where HiddenPad ≤ 16 and there are
// exactly 10 outputs (see Model.soa): with so few units per image, one
// image at a time leaves the vector units idle on long dependency chains,
// while a lane per image keeps 10 chains going. The assembly
// reads the fields at the offsets the generator computes from this
// declaration.
type soaArgs struct {
	z      *float32 // 8 rows of HiddenPad: first-layer sums in, activations out
	dz1    *float32 // 8 rows of HiddenPad out
	dz2    *float32 // 8 rows of 16 out
	b1     *float32
	w2b    *float32 // Model.w2b
	b2     *float32
	work   *float32 // 64·lanes values of workspace, zero where unused
	labels *int32   // one per lane
	hidden int
	act    int
	sum    [16]float32 // out: Σ exp(z2 - max) per image (lane)
	zl     [16]float32 // out: z2[label] - max per image
}
`

// argsStructs are the structs of argsSrc, in order.
var argsStructs = []string{"denseArgs", "soaArgs"}
