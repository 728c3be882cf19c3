package shard_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

// idxHeader builds an IDX header from a magic number and dimension sizes.
func idxHeader(magic uint32, dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// genImages returns count random rows×cols images from a fixed seed.
func genImages(seed uint64, count, rows, cols int) *shard.Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	pix := make([]uint8, count*rows*cols)
	for i := range pix {
		pix[i] = uint8(rng.UintN(256))
	}
	return &shard.Images{Count: count, Rows: rows, Cols: cols, Pixels: pix}
}

// genLabels returns n random labels in 0..9 from a fixed seed.
func genLabels(seed uint64, n int) []uint8 {
	rng := rand.New(rand.NewPCG(seed, 2))
	l := make([]uint8, n)
	for i := range l {
		l[i] = uint8(rng.UintN(10))
	}
	return l
}

func imagesBytes(t testing.TB, im *shard.Images) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := shard.WriteImages(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func labelsBytes(t testing.TB, l []uint8) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := shard.WriteLabels(&b, l); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeDataset writes a small generated data set into dir; when compress is
// true the files get gzipped and a .gz suffix.
func writeDataset(t testing.TB, dir string, compress bool, train, test *shard.Set) {
	t.Helper()
	files := map[string][]byte{
		shard.TrainImagesFile: imagesBytes(t, train.Images),
		shard.TrainLabelsFile: labelsBytes(t, train.Labels),
		shard.TestImagesFile:  imagesBytes(t, test.Images),
		shard.TestLabelsFile:  labelsBytes(t, test.Labels),
	}
	for name, data := range files {
		if compress {
			writeFile(t, dir, name+".gz", gz(t, data))
		} else {
			writeFile(t, dir, name, data)
		}
	}
}

// onlyReader hides the concrete type of a reader so that its size cannot be
// learned, as for a pipe or a network stream.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// dataDir returns the real data directory named by SHARDNET_DATA, resolving
// a relative path against the working directory or else the module root
// (CI gives it relative to the repository root), or skips the test.
func dataDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("SHARDNET_DATA")
	if d == "" {
		t.Skip("SHARDNET_DATA not set")
	}
	if raceEnabled {
		t.Skip("real data set skipped under the race detector")
	}
	if filepath.IsAbs(d) || shard.HasDataset(d) {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, d)
		}
		if filepath.Dir(dir) == dir {
			return d
		}
	}
}
