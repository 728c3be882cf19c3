package kernel

import "slices"

// SetPathForTest selects the kernel path name (a path name, not "") for
// the models created afterwards and returns a function restoring the
// previous choice. Asking for a path this CPU cannot run returns
// SelectPath's error, saying what is missing, and changes nothing.
func SetPathForTest(name string) (restore func(), err error) {
	old := selected.Load()
	if err := SelectPath(name); err != nil {
		return func() {}, err
	}
	return func() { selected.Store(old) }, nil
}

// AllPaths are the names of every kernel path, whether or not this CPU runs
// them: the tests run each one it does and say which they skip.
var AllPaths = []string{PathGeneric, PathAVX2FMA, PathAVX512}

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
