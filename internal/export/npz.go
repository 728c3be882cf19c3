package export

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteNPZ writes m to w as a NumPy .npz archive, as numpy.savez would,
// holding, as float64 arrays in the post's own shapes:
//
//	W1 (Hidden×Inputs), b1 (Hidden×1), W2 (Outputs×Hidden), b2 (Outputs×1)
//
// and two 0-d arrays: pixel_scale (float64) and activation (a unicode
// string: "sigmoid", "tanh" or "relu"). numpy.load reads it without
// allow_pickle. The post's forward pass on raw pixels X (Inputs×m) is then
//
//	A1 = act(W1 @ (X * pixel_scale) + b1); A2 = softmax(W2 @ A1 + b2)
//
// The archive's entries carry a fixed date, so the same network always
// gives the same bytes.
func WriteNPZ(w io.Writer, m Model) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("export: npz: %w", err)
	}
	p := m.Params
	h, in, out := p.Shape.Hidden, p.Shape.Inputs, p.Shape.Outputs
	z := zip.NewWriter(w)
	entries := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"W1", func(w io.Writer) error { return writeNPY(w, p.W1, h, in) }},
		{"b1", func(w io.Writer) error { return writeNPY(w, p.B1, h, 1) }},
		{"W2", func(w io.Writer) error { return writeNPY(w, p.W2, out, h) }},
		{"b2", func(w io.Writer) error { return writeNPY(w, p.B2, out, 1) }},
		{"pixel_scale", func(w io.Writer) error { return writeNPY(w, []float64{m.PixelScale}) }},
		{"activation", func(w io.Writer) error { return writeNPYString(w, m.Activation.String()) }},
	}
	for _, e := range entries {
		// numpy.savez stores its entries uncompressed.
		f, err := z.CreateHeader(&zip.FileHeader{Name: e.name + ".npy", Method: zip.Store, Modified: npzDate})
		if err != nil {
			return fmt.Errorf("export: npz: %w", err)
		}
		if err := e.write(f); err != nil {
			return fmt.Errorf("export: npz: %s: %w", e.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("export: npz: %w", err)
	}
	return nil
}

// npzDate is the date of every entry: the earliest a zip file can record.
var npzDate = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteNPY writes data as a NumPy .npy file (format version 1.0) of
// little-endian float64 ("<f8") in C order, with the given shape: no
// dimensions for a 0-d array of one value, (n,) for a vector, (rows, cols)
// for a matrix. The product of shape must be len(data).
func WriteNPY(w io.Writer, data []float64, shape ...int) error {
	if err := writeNPY(w, data, shape...); err != nil {
		return fmt.Errorf("export: npy: %w", err)
	}
	return nil
}

// writeNPY is WriteNPY without the prefix on its errors.
func writeNPY(w io.Writer, data []float64, shape ...int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %v: negative dimension", shape)
		}
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("shape %v holds %d values, have %d", shape, n, len(data))
	}
	if err := writeNPYHeader(w, "<f8", shape); err != nil {
		return err
	}
	// Convert in blocks: no copy of the whole array, few writes.
	var buf [8 * 1024]byte
	for len(data) > 0 {
		k := min(len(data), len(buf)/8)
		for i, v := range data[:k] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		if _, err := w.Write(buf[:8*k]); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// writeNPYString writes s as a 0-d .npy array of NumPy's unicode type
// ("<U<length>", UTF-32LE code points).
func writeNPYString(w io.Writer, s string) error {
	if !utf8.ValidString(s) {
		return errors.New("string is not valid UTF-8")
	}
	runes := []rune(s)
	if err := writeNPYHeader(w, "<U"+strconv.Itoa(max(1, len(runes))), nil); err != nil {
		return err
	}
	b := make([]byte, 4*max(1, len(runes)))
	for i, r := range runes {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(r))
	}
	_, err := w.Write(b)
	return err
}

// npyAlign is the alignment of the data after a .npy header, as NumPy
// writes it.
const npyAlign = 64

// writeNPYHeader writes the magic, version 1.0 and the header dictionary,
// padded with spaces and a newline so that the data starts at a multiple
// of npyAlign bytes.
func writeNPYHeader(w io.Writer, descr string, shape []int) error {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	const prefix = 6 + 2 + 2 // magic, version, header length
	total := (prefix + len(dict) + 1 + npyAlign - 1) / npyAlign * npyAlign
	if total-prefix > math.MaxUint16 {
		return fmt.Errorf("shape %v makes a header too long for format 1.0", shape)
	}
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.Write(binary.LittleEndian.AppendUint16(nil, uint16(total-prefix)))
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", total-prefix-len(dict)-1))
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
