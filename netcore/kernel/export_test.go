package kernel

import "slices"

// SetAsmForTest selects whether models created afterwards use the assembly
// path and returns a function restoring the previous choice. Asking for the
// assembly where the machine lacks it returns ok false and changes nothing.
func SetAsmForTest(on bool) (restore func(), ok bool) {
	if on && !haveAsm {
		return func() {}, false
	}
	old := useAsm
	useAsm = on
	return func() { useAsm = old }, true
}

// HaveAsm reports whether this machine can run the assembly path.
var HaveAsm = haveAsm

// SparseForTest returns the sparse form of s: offsets, pixel numbers and
// values.
func SparseForTest(s *Samples) (offsets []int32, index []uint16, value []uint8) {
	return s.offsets, s.index, s.value
}

// ClipForTest returns a copy of s without the spare capacity NewSamples
// leaves after the pixels, so that tests can check that the assembly does
// not rely on reading past them where there is no room.
func ClipForTest(s *Samples) *Samples {
	c := *s
	c.offsets = slices.Clip(slices.Clone(s.offsets))
	c.index = slices.Clip(slices.Clone(s.index))
	c.value = slices.Clip(slices.Clone(s.value))
	c.labels = slices.Clip(slices.Clone(s.labels))
	return &c
}
