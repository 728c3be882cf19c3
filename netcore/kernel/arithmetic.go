package kernel

// Arithmetic names the arithmetic every kernel path computes, as written in
// docs/ARITHMETIC.md: two builds whose Arithmetic is equal give bitwise the
// same gradients on every path and architecture. It changes whenever a
// change alters any result's bits.
const Arithmetic = "shardnet-arith-3"
