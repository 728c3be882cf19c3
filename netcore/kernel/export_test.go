package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unsafe"
)

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

// A GuardForTest moves every buffer of the values it was given into an
// allocation of its own whose ends are guard bands, guardBytes of
// guardPattern on either side, keeping each buffer's place within a cache
// line, so that a kernel writing past a buffer's bounds (or before them)
// changes a guard band instead of another buffer. Buffers that alias each
// other (a Grad's tensors in its flat slice, an ExactSum's two words) move
// together. It walks the values' slice fields by reflection, so that it
// keeps up with new fields without naming them.
type GuardForTest struct {
	regions []guardRegion
}

// guardBytes is the width of each guard band: four cache lines, more than
// any vector register's overrun.
const guardBytes = 256

// guardPattern is the byte the guard bands hold.
const guardPattern = 0xA5

// guardRegion is one allocation of GuardForTest: the data at
// buf[lo:hi], guard bands before and after, and, for read-only values, a
// copy of the data to compare with.
type guardRegion struct {
	name     string // the fields that lie in it, for the report
	buf      []uint64
	lo, hi   uintptr // byte offsets of the data within buf
	original []byte  // nil where the kernels may write the data
}

// guardSlice is one slice field found by GuardForTest.
type guardSlice struct {
	name       string
	header     *unsafe.Pointer // the field's data pointer
	start, end uintptr         // addresses of its first element and past its capacity
	readOnly   bool
}

// NewGuardForTest guards the buffers of writable (pointers to values the
// kernels may write: a Grad, a Scratch, a Plan, an ExactSum) and
// readOnly (pointers to values they only read: a Model, Samples), whose
// contents Check also compares with those they had. It must be called
// before the values are used concurrently, and the values must not be
// resliced by their owners afterwards.
func NewGuardForTest(writable, readOnly []any) *GuardForTest {
	var slices []guardSlice
	for _, v := range writable {
		slices = collectSlices(slices, reflect.ValueOf(v).Elem(), reflect.TypeOf(v).Elem().Name(), false)
	}
	for _, v := range readOnly {
		slices = collectSlices(slices, reflect.ValueOf(v).Elem(), reflect.TypeOf(v).Elem().Name(), true)
	}
	sort.Slice(slices, func(i, j int) bool { return slices[i].start < slices[j].start })
	g := &GuardForTest{}
	for i := 0; i < len(slices); {
		// A group of slices whose memory overlaps moves as one.
		j, start, end, readOnly := i+1, slices[i].start, slices[i].end, slices[i].readOnly
		for j < len(slices) && slices[j].start < end {
			end = max(end, slices[j].end)
			readOnly = readOnly && slices[j].readOnly
			j++
		}
		g.regions = append(g.regions, moveGroup(slices[i:j], start, end, readOnly))
		i = j
	}
	return g
}

// collectSlices appends the non-empty slice fields of v, a struct, and of
// the structs it holds (not those it points to), whose elements hold no
// pointers.
func collectSlices(dst []guardSlice, v reflect.Value, name string, readOnly bool) []guardSlice {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			dst = collectSlices(dst, v.Field(i), name+"."+v.Type().Field(i).Name, readOnly)
		}
	case reflect.Slice:
		if v.Cap() == 0 || hasPointers(v.Type().Elem()) {
			return dst
		}
		start := v.Pointer()
		dst = append(dst, guardSlice{
			name:     name,
			header:   (*unsafe.Pointer)(unsafe.Pointer(v.UnsafeAddr())),
			start:    start,
			end:      start + uintptr(v.Cap())*v.Type().Elem().Size(),
			readOnly: readOnly,
		})
	}
	return dst
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return false
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// moveGroup copies the memory [start, end) of a group of slices into a new
// allocation between guard bands, at the same offset within a cache line,
// and points the slices at the copy.
func moveGroup(group []guardSlice, start, end uintptr, readOnly bool) guardRegion {
	const line = 64
	size := end - start
	buf := make([]uint64, (guardBytes+line+size+guardBytes)/8+1)
	base := uintptr(unsafe.Pointer(&buf[0]))
	lo := uintptr(guardBytes)
	lo += (start%line - (base+lo)%line + line) % line
	all := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)
	for i := range all {
		all[i] = guardPattern
	}
	data := all[lo : lo+size]
	for _, s := range group {
		from := unsafe.Slice((*byte)(*s.header), s.end-s.start)
		copy(data[s.start-start:], from)
	}
	names := make([]string, len(group))
	for i, s := range group {
		names[i] = s.name
	}
	r := guardRegion{name: strings.Join(names, ", "), buf: buf, lo: lo, hi: lo + size}
	if readOnly {
		r.original = bytes.Clone(data)
	}
	for _, s := range group {
		*s.header = unsafe.Pointer(&data[s.start-start])
	}
	return r
}

// Check reports every guard band that changed, naming the buffer below or
// above it and the first changed byte's distance from the buffer, and
// every read-only buffer whose contents changed.
func (g *GuardForTest) Check() error {
	var errs []error
	for _, r := range g.regions {
		all := unsafe.Slice((*byte)(unsafe.Pointer(&r.buf[0])), len(r.buf)*8)
		for i := int(r.lo) - 1; i >= 0; i-- {
			if all[i] != guardPattern {
				errs = append(errs, fmt.Errorf("%s: byte %d before its start changed", r.name, int(r.lo)-i))
				break
			}
		}
		for i := r.hi; i < uintptr(len(all)); i++ {
			if all[i] != guardPattern {
				errs = append(errs, fmt.Errorf("%s: byte %d past its end changed", r.name, i-r.hi+1))
				break
			}
		}
		if r.original != nil && !bytes.Equal(all[r.lo:r.hi], r.original) {
			errs = append(errs, fmt.Errorf("%s: changed, though the kernels only read it", r.name))
		}
	}
	return errors.Join(errs...)
}
