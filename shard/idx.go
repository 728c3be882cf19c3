// Package shard reads, validates and writes the IDX files that hold MNIST-style
// data sets, and splits sample ranges into contiguous shards for data-parallel
// training.
//
// Every reader treats its input as untrusted: headers are checked against the
// bytes that actually exist before anything large is allocated, and any
// malformed input yields an error of the form
// "shard: <file name>: <what was expected>, <what was found>".
package shard

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"strings"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
// and the number of dimensions.
const (
	imagesMagic = 0x00000803
	labelsMagic = 0x00000801

	imagesHeaderLen = 16
	labelsHeaderLen = 8
)

// DefaultLimit is the maximum size of decoded IDX data (header included) that
// the readers accept when called with a limit <= 0. It is far above the 47 MB
// of the MNIST training images and far below what would hurt a machine.
const DefaultLimit = 1 << 30

// Allocation policy for inputs whose decoded size is not known up front
// (gzip streams, pipes): the header alone never justifies more than these
// initial capacities; the buffer then grows only as bytes actually arrive.
const (
	maxInitialAlloc     = 64 << 20
	unknownInitialAlloc = 4 << 20
	minGrowth           = 64 << 10
	// deflateMaxRatio bounds how far a deflate stream can expand (about
	// 1032:1), so a compressed input of known size justifies at most this
	// many decoded bytes per input byte.
	deflateMaxRatio = 1032
)

// Images are Count images of Rows×Cols uint8 pixels, row-major, one after
// another in Pixels.
type Images struct {
	Count, Rows, Cols int
	Pixels            []uint8
}

// Dim returns the number of pixels in one image (Rows*Cols).
func (im *Images) Dim() int { return im.Rows * im.Cols }

// Image returns a view of image i's pixels. The view's capacity ends with the
// image so that appending to it cannot overwrite the next image. It panics
// if i is out of range, like a slice index.
func (im *Images) Image(i int) []uint8 {
	if i < 0 || i >= im.Count {
		panic(fmt.Sprintf("shard: image index %d out of range [0, %d)", i, im.Count))
	}
	d := im.Dim()
	return im.Pixels[i*d : (i+1)*d : (i+1)*d]
}

// input is an IDX stream after gzip detection, with what is known about how
// many decoded bytes it can hold.
type input struct {
	r io.Reader
	// exact is the number of decoded bytes remaining in r (header included)
	// when it is known for certain, else -1.
	exact int64
	// bound is an upper bound on the decoded bytes remaining, else -1.
	bound int64
}

// knownSize reports how many bytes remain in r for the reader types whose
// remaining length can be learned without consuming them.
func knownSize(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case *bytes.Reader:
		return int64(v.Len()), true
	case *strings.Reader:
		return int64(v.Len()), true
	case *bytes.Buffer:
		return int64(v.Len()), true
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil || off > fi.Size() {
			return 0, false
		}
		return fi.Size() - off, true
	}
	return 0, false
}

// Decompress returns the contents of r: what r decompresses to when it
// starts with the gzip magic bytes 0x1f 0x8b, else r's own bytes, and
// whether r was gzipped. It reads the first two bytes of r to decide. IDX
// files start with two zero bytes, so the two formats cannot be confused.
//
// The errors are those of r and of compress/gzip, unwrapped, for the caller
// to put in context: with gzipped false, reading the first two bytes failed;
// with gzipped true, the gzip header is missing, invalid or unreadable.
func Decompress(r io.Reader) (contents io.Reader, gzipped bool, err error) {
	var magic [2]byte
	n, err := io.ReadFull(r, magic[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	return decompress(magic[:n], r)
}

// decompress is Decompress for a stream of which prefix has already been
// read from r; the returned contents include prefix.
func decompress(prefix []byte, r io.Reader) (contents io.Reader, gzipped bool, err error) {
	src := io.MultiReader(bytes.NewReader(prefix), r)
	if len(prefix) < 2 || prefix[0] != 0x1f || prefix[1] != 0x8b {
		return src, false, nil
	}
	zr, err := gzip.NewReader(src)
	if err != nil {
		return nil, true, err
	}
	return zr, true, nil
}

// openInput detects gzip by its magic bytes, as Decompress does, and returns
// the decoded stream. hdr receives the first len(hdr) decoded bytes; n is how
// many of them exist.
func openInput(r io.Reader, name string, hdr []byte) (in input, n int, err error) {
	size, known := knownSize(r)
	n, err = io.ReadFull(r, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return in, n, fmt.Errorf("shard: %s: reading header: %w", name, err)
	}
	zr, gzipped, err := decompress(hdr[:n], r)
	if err != nil {
		return in, 0, fmt.Errorf("shard: %s: expected a valid gzip header, found: %w", name, err)
	}
	if !gzipped {
		// hdr already holds the header, and the body follows in r.
		in = input{r: r, exact: -1, bound: -1}
		if known {
			in.exact = size
			in.bound = size
		}
		return in, n, nil
	}
	in = input{r: zr, exact: -1, bound: -1}
	if known {
		total := size // size was measured before the header bytes were read
		if total <= (1<<62)/deflateMaxRatio {
			in.bound = total * deflateMaxRatio
		}
	}
	n, err = io.ReadFull(zr, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return in, n, fmt.Errorf("shard: %s: decompressing header: %w", name, err)
	}
	return in, n, nil
}

// checkMagic validates an IDX magic number, distinguishing a wrong number of
// dimensions from a file that is not unsigned-byte IDX at all.
func checkMagic(name string, got, want uint32) error {
	if got == want {
		return nil
	}
	if got&^0xff == want&^0xff {
		return fmt.Errorf("shard: %s: expected %d dimensions (magic 0x%08x), found %d (magic 0x%08x)",
			name, want&0xff, want, got&0xff, got)
	}
	return fmt.Errorf("shard: %s: not an IDX %s file: expected magic number 0x%08x, found 0x%08x", name, magicKind(want), want, got)
}

// magicKind names the file an IDX magic number belongs to.
func magicKind(magic uint32) string {
	if magic == labelsMagic {
		return "labels"
	}
	return "images"
}

// readBody reads exactly declared bytes of payload, allocating no more than
// the input can justify, and rejects data beyond the declared size.
// what names the payload in errors ("pixel bytes", "labels").
func readBody(in input, name, what string, hdrLen int, declared int64) ([]byte, error) {
	if in.exact >= 0 {
		// The size is known for certain, so both truncation and trailing
		// data are detected before allocating.
		have := in.exact - int64(hdrLen)
		if have < declared {
			return nil, fmt.Errorf("shard: %s: truncated: header declares %d %s, file holds %d", name, declared, what, have)
		}
		if have > declared {
			return nil, fmt.Errorf("shard: %s: expected %d %s after the header, found %d (trailing data)", name, declared, what, have)
		}
	}
	initial := declared
	if initial > maxInitialAlloc {
		initial = maxInitialAlloc
	}
	switch {
	case in.bound >= 0:
		if b := in.bound - int64(hdrLen); b < initial {
			initial = max(b, 0)
		}
	case initial > unknownInitialAlloc:
		initial = unknownInitialAlloc
	}
	// declared+1 lets an over-long stream show itself by one byte without
	// letting a gzip bomb inflate any further.
	lr := io.LimitReader(in.r, declared+1)
	buf := make([]byte, 0, initial)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) == declared {
				break
			}
			grow := max(int64(cap(buf)), minGrowth)
			newCap := min(int64(cap(buf))+grow, declared)
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			buf = nb
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// A short gzip stream ends with ErrUnexpectedEOF: both mean
			// the data ran out, reported as truncation below.
			break
		}
		if err != nil {
			return nil, fmt.Errorf("shard: %s: expected %d %s, found an error after %d: %w", name, declared, what, len(buf), err)
		}
	}
	if int64(len(buf)) < declared {
		return nil, fmt.Errorf("shard: %s: truncated: header declares %d %s, file holds %d", name, declared, what, len(buf))
	}
	// For gzip, this read also reaches the end of the stream, which is where
	// the decompressor verifies its CRC-32 and length.
	var one [1]byte
	n, err := io.ReadFull(lr, one[:])
	if n > 0 {
		return nil, fmt.Errorf("shard: %s: expected %d %s after the header, found more (trailing data)", name, declared, what)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("shard: %s: expected the data to end cleanly after %d %s, found: %w", name, declared, what, err)
	}
	return buf, nil
}

func normLimit(limit int64) int64 {
	if limit <= 0 {
		return DefaultLimit
	}
	return limit
}

// readHeader opens r as openInput does and reads an IDX header of len(hdr)
// bytes into hdr, checking the magic number against want as soon as its four
// bytes exist, so that a short file of the wrong kind is reported as such
// rather than as truncated.
func readHeader(r io.Reader, name string, hdr []byte, want uint32) (input, error) {
	in, n, err := openInput(r, name, hdr)
	if err != nil {
		return in, err
	}
	if n >= 4 {
		if err := checkMagic(name, binary.BigEndian.Uint32(hdr[0:]), want); err != nil {
			return in, err
		}
	}
	if n < len(hdr) {
		return in, fmt.Errorf("shard: %s: truncated header: expected %d bytes, found %d", name, len(hdr), n)
	}
	return in, nil
}

// ReadImages reads an IDX3 unsigned-byte image file from r, raw or gzipped
// (detected by the gzip magic bytes). name identifies the file in errors.
// limit is the largest decoded size in bytes, header included, that is
// accepted; limit <= 0 means DefaultLimit.
func ReadImages(r io.Reader, name string, limit int64) (*Images, error) {
	limit = normLimit(limit)
	var hdr [imagesHeaderLen]byte
	in, err := readHeader(r, name, hdr[:], imagesMagic)
	if err != nil {
		return nil, err
	}
	count := binary.BigEndian.Uint32(hdr[4:])
	rows := binary.BigEndian.Uint32(hdr[8:])
	cols := binary.BigEndian.Uint32(hdr[12:])
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("shard: %s: expected non-zero image dimensions, found %dx%d", name, rows, cols)
	}
	dim := uint64(rows) * uint64(cols) // cannot overflow: both < 2^32
	hi, total := bits.Mul64(uint64(count), dim)
	if hi != 0 || total > uint64(max(limit-imagesHeaderLen, 0)) {
		return nil, fmt.Errorf("shard: %s: expected at most %d bytes of data, header declares %d images of %dx%d",
			name, limit, count, rows, cols)
	}
	if total > uint64(maxInt) || dim > uint64(maxInt) {
		return nil, fmt.Errorf("shard: %s: expected a size that fits in int, header declares %d images of %dx%d", name, count, rows, cols)
	}
	pix, err := readBody(in, name, "pixel bytes", imagesHeaderLen, int64(total))
	if err != nil {
		return nil, err
	}
	return &Images{Count: int(count), Rows: int(rows), Cols: int(cols), Pixels: pix}, nil
}

const maxInt = int(^uint(0) >> 1)

// ReadLabels reads an IDX1 unsigned-byte label file from r, raw or gzipped
// (detected by the gzip magic bytes). name and limit are as for ReadImages.
func ReadLabels(r io.Reader, name string, limit int64) ([]uint8, error) {
	limit = normLimit(limit)
	var hdr [labelsHeaderLen]byte
	in, err := readHeader(r, name, hdr[:], labelsMagic)
	if err != nil {
		return nil, err
	}
	count := binary.BigEndian.Uint32(hdr[4:])
	if int64(count) > max(limit-labelsHeaderLen, 0) {
		return nil, fmt.Errorf("shard: %s: expected at most %d bytes of data, header declares %d labels", name, limit, count)
	}
	return readBody(in, name, "labels", labelsHeaderLen, int64(count))
}

// OpenImages reads an image file, gzipped or raw (detected by content, not
// by the file name).
func OpenImages(path string) (*Images, error) {
	return openFile(path, ReadImages)
}

// OpenLabels reads a label file, gzipped or raw (detected by content, not by
// the file name).
func OpenLabels(path string) ([]uint8, error) {
	return openFile(path, ReadLabels)
}

// openFile opens path and reads it with read, ReadImages or ReadLabels,
// naming it by its base name and with the default limit. A file named .gz
// is still read by its content, as a raw IDX file when it is not gzip; but
// if it is neither, the error says so first, since its name promised gzip
// and its first bytes alone would read as a bad magic number.
func openFile[T any](path string, read func(io.Reader, string, int64) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("shard: %w", err)
	}
	defer f.Close()
	name := baseName(path)
	var magic [2]byte
	n, _ := f.ReadAt(magic[:], 0) // a short or failing read is read's to report
	v, err := read(f, name, 0)
	if err != nil && strings.HasSuffix(name, ".gz") && magic != [2]byte{0x1f, 0x8b} {
		return zero, fmt.Errorf("shard: %s: not a gzip file (it begins with % x, gzip with 1f 8b), nor a raw IDX file (%s)",
			name, magic[:n], strings.TrimPrefix(err.Error(), "shard: "+name+": "))
	}
	return v, err
}

// WriteImages writes im to w as a raw (uncompressed) IDX3 file.
func WriteImages(w io.Writer, im *Images) error {
	if im == nil {
		return errors.New("shard: WriteImages: expected images, found nil")
	}
	if im.Count < 0 || im.Rows <= 0 || im.Cols <= 0 ||
		uint64(im.Count) > 0xffffffff || uint64(im.Rows) > 0xffffffff || uint64(im.Cols) > 0xffffffff {
		return fmt.Errorf("shard: WriteImages: expected a count and positive dimensions below 2^32, found %d images of %dx%d",
			im.Count, im.Rows, im.Cols)
	}
	hi, total := bits.Mul64(uint64(im.Count), uint64(im.Rows)*uint64(im.Cols))
	if hi != 0 || total != uint64(len(im.Pixels)) {
		return fmt.Errorf("shard: WriteImages: expected %d images of %dx%d pixels, found %d pixel bytes",
			im.Count, im.Rows, im.Cols, len(im.Pixels))
	}
	var hdr [imagesHeaderLen]byte
	binary.BigEndian.PutUint32(hdr[0:], imagesMagic)
	binary.BigEndian.PutUint32(hdr[4:], uint32(im.Count))
	binary.BigEndian.PutUint32(hdr[8:], uint32(im.Rows))
	binary.BigEndian.PutUint32(hdr[12:], uint32(im.Cols))
	return writeIDX(w, "images", hdr[:], im.Pixels)
}

// WriteLabels writes labels to w as a raw (uncompressed) IDX1 file.
func WriteLabels(w io.Writer, labels []uint8) error {
	if uint64(len(labels)) > 0xffffffff {
		return fmt.Errorf("shard: WriteLabels: expected at most 2^32-1 labels, found %d", len(labels))
	}
	var hdr [labelsHeaderLen]byte
	binary.BigEndian.PutUint32(hdr[0:], labelsMagic)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(labels)))
	return writeIDX(w, "labels", hdr[:], labels)
}

// writeIDX writes an IDX header and its payload to w; what names the
// payload in errors ("images", "labels").
func writeIDX(w io.Writer, what string, hdr, payload []byte) error {
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("shard: writing %s: %w", what, err)
	}
	if _, err := w.Write(payload); err != nil {
		return fmt.Errorf("shard: writing %s: %w", what, err)
	}
	return nil
}
