package shard_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

// fuzzAllowance is the heap a read of data may use: a fixed amount for the
// decompressor and bookkeeping plus a multiple of what the input can hold
// once decoded (deflate expands at most about 1032:1).
func fuzzAllowance(data []byte) uint64 {
	justified := uint64(len(data))
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		justified *= 1032
	}
	return 256<<10 + 3*justified
}

// decoded returns the IDX bytes that data stands for: data itself, or its
// gzip contents up to max bytes.
func decoded(t *testing.T, data []byte, max int64) []byte {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadImages accepted data that gzip rejects: %v", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, max))
	if err != nil {
		t.Fatalf("ReadImages accepted data that gzip rejects: %v", err)
	}
	return b
}

// checkFuzzRead runs read on data through a sized and an unsized reader and
// checks the properties every input must have: no panic, bounded
// allocation, errors that name the file, agreement between the two paths,
// and, on success, a result that writes back to the decoded input.
func checkFuzzRead(t *testing.T, data []byte, read func(io.Reader) ([]byte, error)) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := read(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if n, max := after.TotalAlloc-before.TotalAlloc, fuzzAllowance(data); n > max {
		t.Fatalf("allocated %d bytes for %d input bytes, allowance %d", n, len(data), max)
	}
	outStream, errStream := read(onlyReader{bytes.NewReader(data)})
	if (err == nil) != (errStream == nil) {
		t.Fatalf("sized and unsized readers disagree: %v vs %v", err, errStream)
	}
	if err != nil {
		for _, e := range []error{err, errStream} {
			if !strings.HasPrefix(e.Error(), "shard: fuzz: ") {
				t.Fatalf("error %q does not name the file", e)
			}
		}
		return
	}
	if !bytes.Equal(out, outStream) {
		t.Fatal("sized and unsized readers returned different data")
	}
	if want := decoded(t, data, int64(len(out))+1); !bytes.Equal(out, want) {
		t.Fatalf("written back as %d bytes that differ from the %d decoded input bytes", len(out), len(want))
	}
}

func FuzzReadImages(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRead(t, data, func(r io.Reader) ([]byte, error) {
			im, err := shard.ReadImages(r, "fuzz", 0)
			if err != nil {
				return nil, err
			}
			if im.Rows <= 0 || im.Cols <= 0 || im.Count < 0 || len(im.Pixels) != im.Count*im.Dim() {
				t.Fatalf("inconsistent images: %d of %dx%d with %d pixels", im.Count, im.Rows, im.Cols, len(im.Pixels))
			}
			var b bytes.Buffer
			if err := shard.WriteImages(&b, im); err != nil {
				t.Fatalf("cannot write what was read: %v", err)
			}
			return b.Bytes(), nil
		})
	})
}

func FuzzReadLabels(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRead(t, data, func(r io.Reader) ([]byte, error) {
			lb, err := shard.ReadLabels(r, "fuzz", 0)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			if err := shard.WriteLabels(&b, lb); err != nil {
				t.Fatalf("cannot write what was read: %v", err)
			}
			return b.Bytes(), nil
		})
	})
}
