package shard_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

// variant feeds encoded file contents to a reader function in one of the
// ways the data can arrive.
type variant struct {
	name    string
	gzipped bool
	read    func(t *testing.T, data []byte, name string, readFn func(io.Reader, string) error) error
}

var variants = []variant{
	{"raw-sized", false, func(t *testing.T, d []byte, n string, f func(io.Reader, string) error) error {
		return f(bytes.NewReader(d), n)
	}},
	{"raw-stream", false, func(t *testing.T, d []byte, n string, f func(io.Reader, string) error) error {
		return f(onlyReader{bytes.NewReader(d)}, n)
	}},
	{"raw-file", false, func(t *testing.T, d []byte, n string, f func(io.Reader, string) error) error {
		fh, err := os.Open(writeFile(t, t.TempDir(), n, d))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		return f(fh, n)
	}},
	{"gzip-sized", true, func(t *testing.T, d []byte, n string, f func(io.Reader, string) error) error {
		return f(bytes.NewReader(gz(t, d)), n)
	}},
	{"gzip-stream", true, func(t *testing.T, d []byte, n string, f func(io.Reader, string) error) error {
		return f(onlyReader{bytes.NewReader(gz(t, d))}, n)
	}},
}

type malformedCase struct {
	name    string
	data    []byte
	rawOnly bool     // the contents only make sense uncompressed
	want    []string // substrings the error must contain (besides the file name)
}

func runMalformed(t *testing.T, cases []malformedCase, readFn func(io.Reader, string) error) {
	t.Helper()
	for _, tc := range cases {
		for _, v := range variants {
			if tc.rawOnly && v.gzipped {
				continue
			}
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				const fileName = "bad-file-idx"
				err := v.read(t, tc.data, fileName, readFn)
				if err == nil {
					t.Fatal("expected an error, got none")
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "shard: "+fileName+": ") {
					t.Errorf("error %q does not start with %q", msg, "shard: "+fileName+": ")
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not contain %q", msg, w)
					}
				}
			})
		}
	}
}

func readImagesFn(r io.Reader, name string) error {
	im, err := shard.ReadImages(r, name, 0)
	if err == nil && im == nil {
		return errors.New("nil images without error")
	}
	return err
}

func readLabelsFn(r io.Reader, name string) error {
	_, err := shard.ReadLabels(r, name, 0)
	return err
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestReadImagesMalformed(t *testing.T) {
	valid := imagesBytes(t, genImages(1, 2, 28, 28))
	cases := []malformedCase{
		{"empty", nil, false, []string{"truncated header: expected 16 bytes, found 0"}},
		{"truncated header", valid[:10], false, []string{"truncated header: expected 16 bytes, found 10"}},
		{"wrong magic", cat(idxHeader(0x12345678, 2, 28, 28), valid[16:]), false,
			[]string{"expected magic number 0x00000803, found 0x12345678"}},
		{"label magic", cat(idxHeader(0x801, 2, 28, 28), valid[16:]), false,
			[]string{"expected 3 dimensions (magic 0x00000803), found 1 (magic 0x00000801)"}},
		{"four dims", cat(idxHeader(0x804, 2, 28, 28, 1), valid[16:]), false,
			[]string{"expected 3 dimensions (magic 0x00000803), found 4 (magic 0x00000804)"}},
		{"float elements", cat(idxHeader(0x0d03, 2, 28, 28), valid[16:]), false,
			[]string{"expected magic number 0x00000803, found 0x00000d03"}},
		{"zero rows", idxHeader(0x803, 2, 0, 28), false, []string{"expected non-zero image dimensions, found 0x28"}},
		{"zero cols", idxHeader(0x803, 2, 28, 0), false, []string{"expected non-zero image dimensions, found 28x0"}},
		{"truncated data", valid[:16+100], false,
			[]string{"truncated: header declares 1568 pixel bytes, file holds 100"}},
		{"no data", valid[:16], false, []string{"truncated: header declares 1568 pixel bytes, file holds 0"}},
		{"trailing data", cat(valid, []byte{1, 2, 3}), false, []string{"expected 1568 pixel bytes after the header", "trailing data"}},
		{"huge count tiny file", cat(idxHeader(0x803, 4_000_000_000, 28, 28), valid[16:100]), false,
			[]string{"expected at most 1073741824 bytes of data, header declares 4000000000 images of 28x28"}},
		{"size overflow", idxHeader(0x803, 0xffffffff, 0xffffffff, 0xffffffff), false,
			[]string{"expected at most 1073741824 bytes of data, header declares 4294967295 images of 4294967295x4294967295"}},
		{"under limit tiny file", cat(idxHeader(0x803, 1_000_000, 28, 28), valid[16:100]), false,
			[]string{"truncated: header declares 784000000 pixel bytes, file holds 84"}},
		{"gzip magic only", []byte{0x1f, 0x8b}, true, []string{"expected a valid gzip header"}},
	}
	runMalformed(t, cases, readImagesFn)
}

func TestReadLabelsMalformed(t *testing.T) {
	valid := labelsBytes(t, genLabels(1, 50))
	cases := []malformedCase{
		{"empty", nil, false, []string{"truncated header: expected 8 bytes, found 0"}},
		{"truncated header", valid[:7], false, []string{"truncated header: expected 8 bytes, found 7"}},
		{"wrong magic", cat(idxHeader(0xcafebabe, 50), valid[8:]), false,
			[]string{"expected magic number 0x00000801, found 0xcafebabe"}},
		{"image magic", cat(idxHeader(0x803, 50), valid[8:]), false,
			[]string{"expected 1 dimensions (magic 0x00000801), found 3 (magic 0x00000803)"}},
		{"truncated data", valid[:8+20], false, []string{"truncated: header declares 50 labels, file holds 20"}},
		{"trailing data", cat(valid, []byte{7}), false, []string{"expected 50 labels after the header", "trailing data"}},
		{"huge count tiny file", cat(idxHeader(0x801, 0xffffffff), valid[8:]), false,
			[]string{"expected at most 1073741824 bytes of data, header declares 4294967295 labels"}},
		{"under limit tiny file", cat(idxHeader(0x801, 1_000_000_000), valid[8:]), false,
			[]string{"truncated: header declares 1000000000 labels, file holds 50"}},
	}
	runMalformed(t, cases, readLabelsFn)
}

func TestReadLimit(t *testing.T) {
	data := imagesBytes(t, genImages(2, 3, 4, 5)) // 16 + 60 bytes
	if _, err := shard.ReadImages(bytes.NewReader(data), "x", int64(len(data))); err != nil {
		t.Fatalf("limit equal to the size: %v", err)
	}
	_, err := shard.ReadImages(bytes.NewReader(data), "x", int64(len(data)-1))
	if err == nil || !strings.Contains(err.Error(), "expected at most 75 bytes of data") {
		t.Fatalf("limit one below the size: got %v", err)
	}
	_, err = shard.ReadLabels(bytes.NewReader(labelsBytes(t, genLabels(1, 10))), "y", 3)
	if err == nil || !strings.Contains(err.Error(), "expected at most 3 bytes of data") {
		t.Fatalf("limit below the header size: got %v", err)
	}
}

func TestReadGzipMalformed(t *testing.T) {
	valid := imagesBytes(t, genImages(3, 20, 28, 28))
	z := gz(t, valid)
	badCRC := bytes.Clone(z)
	badCRC[len(badCRC)-8] ^= 0xff
	badSize := bytes.Clone(z)
	badSize[len(badSize)-1] ^= 0xff
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated stream", z[:len(z)/2], "truncated: header declares 15680 pixel bytes, file holds "},
		{"bad crc", badCRC, "gzip: invalid checksum"},
		{"bad length", badSize, "checksum"},
		{"short garbage after stream", cat(z, []byte("garbage")), "expected the data to end cleanly after 15680 pixel bytes"},
		{"garbage after stream", cat(z, []byte("more garbage than a header")), "invalid header"},
		{"corrupt header", cat([]byte{0x1f, 0x8b, 0x99}, z[3:]), "expected a valid gzip header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shard.ReadImages(bytes.NewReader(tc.data), "f.gz", 0)
			if err == nil || !strings.HasPrefix(err.Error(), "shard: f.gz: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestDecompress(t *testing.T) {
	raw := labelsBytes(t, genLabels(4, 30))
	cases := []struct {
		name    string
		data    []byte
		gzipped bool
	}{
		{"raw", raw, false},
		{"gzip", gz(t, raw), true},
		{"empty", nil, false},
		{"one byte", []byte{0x1f}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, gzipped, err := shard.Decompress(onlyReader{bytes.NewReader(tc.data)})
			if err != nil || gzipped != tc.gzipped {
				t.Fatalf("got gzipped %v, %v; want %v, nil", gzipped, err, tc.gzipped)
			}
			got, err := io.ReadAll(r)
			want := tc.data
			if tc.gzipped {
				want = raw
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("contents %d bytes, %v; want %d bytes", len(got), err, len(want))
			}
		})
	}

	// Errors come back unwrapped; gzipped tells a bad gzip header from a
	// failed read.
	if _, gzipped, err := shard.Decompress(bytes.NewReader([]byte{0x1f, 0x8b, 0x99})); err == nil || !gzipped {
		t.Fatalf("corrupt gzip header: got gzipped %v, %v", gzipped, err)
	}
	boom := errors.New("boom")
	if _, gzipped, err := shard.Decompress(errReader{boom}); err != boom || gzipped {
		t.Fatalf("failing reader: got gzipped %v, %v; want false, boom", gzipped, err)
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// allocated returns the bytes allocated on the heap while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAllocationBounded checks that a header cannot make the reader allocate
// much more than the input justifies.
func TestAllocationBounded(t *testing.T) {
	// 784 MB declared, below the default limit, in an 84-byte body.
	tiny := cat(idxHeader(0x803, 1_000_000, 28, 28), make([]byte, 84))
	tinyLabels := cat(idxHeader(0x801, 1_000_000_000), make([]byte, 84))
	// A gzip bomb: the header declares one image, the stream inflates to
	// 16 MiB more, far beyond the allowance if it were all read.
	bomb := gz(t, cat(idxHeader(0x803, 1, 28, 28), make([]byte, 784+16<<20)))
	cases := []struct {
		name string
		max  uint64
		read func() error
	}{
		{"raw sized", 64 << 10, func() error {
			_, err := shard.ReadImages(bytes.NewReader(tiny), "t", 0)
			return err
		}},
		{"raw stream", 5 << 20, func() error { // the documented 4 MiB start for unknown sizes
			_, err := shard.ReadImages(onlyReader{bytes.NewReader(tiny)}, "t", 0)
			return err
		}},
		{"gzip sized", 1 << 20, func() error {
			_, err := shard.ReadImages(bytes.NewReader(gz(t, tiny)), "t", 0)
			return err
		}},
		{"labels raw sized", 64 << 10, func() error {
			_, err := shard.ReadLabels(bytes.NewReader(tinyLabels), "t", 0)
			return err
		}},
		{"labels gzip sized", 1 << 20, func() error {
			_, err := shard.ReadLabels(bytes.NewReader(gz(t, tinyLabels)), "t", 0)
			return err
		}},
		{"gzip bomb", 1 << 20, func() error {
			_, err := shard.ReadImages(bytes.NewReader(bomb), "t", 0)
			return err
		}},
		{"gzip bomb stream", 1 << 20, func() error {
			_, err := shard.ReadImages(onlyReader{bytes.NewReader(bomb)}, "t", 0)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { err = tc.read() })
			if err == nil {
				t.Fatal("expected an error, got none")
			}
			if n > tc.max {
				t.Errorf("allocated %d bytes, want at most %d (error: %v)", n, tc.max, err)
			}
		})
	}
	t.Run("open file", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "tiny", tiny)
		var err error
		n := allocated(func() { _, err = shard.OpenImages(p) })
		if err == nil || n > 64<<10 {
			t.Fatalf("allocated %d bytes, error %v", n, err)
		}
	})
}

func TestRoundTrip(t *testing.T) {
	im := genImages(4, 7, 5, 3)
	lb := genLabels(4, 7)
	rawIm, rawLb := imagesBytes(t, im), labelsBytes(t, lb)
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		imgs, labs []byte
	}{
		{"raw", rawIm, rawLb},
		{"gzip", gz(t, rawIm), gz(t, rawLb)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shard.ReadImages(bytes.NewReader(tc.imgs), "i", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.Count != 7 || got.Rows != 5 || got.Cols != 3 || got.Dim() != 15 || !bytes.Equal(got.Pixels, im.Pixels) {
				t.Fatalf("images differ: got %d of %dx%d", got.Count, got.Rows, got.Cols)
			}
			if !bytes.Equal(got.Image(6), im.Pixels[6*15:]) {
				t.Error("Image(6) is not the last 15 pixels")
			}
			gotL, err := shard.ReadLabels(bytes.NewReader(tc.labs), "l", 0)
			if err != nil || !bytes.Equal(gotL, lb) {
				t.Fatalf("labels differ: %v %v", gotL, err)
			}
			// Content decides the format, whatever the suffix says.
			for _, suffix := range []string{"", ".gz"} {
				pi := writeFile(t, dir, tc.name+"-img"+suffix, tc.imgs)
				pl := writeFile(t, dir, tc.name+"-lab"+suffix, tc.labs)
				fi, err := shard.OpenImages(pi)
				if err != nil || !bytes.Equal(fi.Pixels, im.Pixels) {
					t.Fatalf("OpenImages(%s): %v", pi, err)
				}
				fl, err := shard.OpenLabels(pl)
				if err != nil || !bytes.Equal(fl, lb) {
					t.Fatalf("OpenLabels(%s): %v", pl, err)
				}
			}
		})
	}
}

func TestImageViewCannotOverwriteNext(t *testing.T) {
	im := genImages(5, 3, 2, 2)
	want := bytes.Clone(im.Image(1))
	_ = append(im.Image(0), 99)
	if !bytes.Equal(im.Image(1), want) {
		t.Fatal("appending to Image(0) changed Image(1)")
	}
}

func TestEmptySetsAreValid(t *testing.T) {
	im, err := shard.ReadImages(bytes.NewReader(idxHeader(0x803, 0, 28, 28)), "e", 0)
	if err != nil || im.Count != 0 || len(im.Pixels) != 0 {
		t.Fatalf("empty image file: %+v %v", im, err)
	}
	lb, err := shard.ReadLabels(bytes.NewReader(idxHeader(0x801, 0)), "e", 0)
	if err != nil || len(lb) != 0 {
		t.Fatalf("empty label file: %v %v", lb, err)
	}
}

func TestWriteRejectsInconsistentImages(t *testing.T) {
	cases := []struct {
		name string
		im   *shard.Images
		want string
	}{
		{"nil", nil, "expected images, found nil"},
		{"short pixels", &shard.Images{Count: 2, Rows: 2, Cols: 2, Pixels: make([]uint8, 7)},
			"expected 2 images of 2x2 pixels, found 7 pixel bytes"},
		{"zero rows", &shard.Images{Count: 1, Rows: 0, Cols: 2}, "found 1 images of 0x2"},
		{"negative count", &shard.Images{Count: -1, Rows: 1, Cols: 1}, "found -1 images of 1x1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := shard.WriteImages(io.Discard, tc.im)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := shard.OpenImages(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "shard: ") {
		t.Fatalf("got %v", err)
	}
}

// benchmarkReadImages decodes 1000 generated 28x28 images, gzipped or raw.
func benchmarkReadImages(b *testing.B, compress bool) {
	data := imagesBytes(b, genImages(9, 1000, 28, 28))
	if compress {
		data = gz(b, data)
	}
	b.SetBytes(1000 * 784)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shard.ReadImages(bytes.NewReader(data), "bench", 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadImagesRaw(b *testing.B)  { benchmarkReadImages(b, false) }
func BenchmarkReadImagesGzip(b *testing.B) { benchmarkReadImages(b, true) }
