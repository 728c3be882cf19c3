package shard_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

func genSet(seed uint64, count, rows, cols int) *shard.Set {
	return &shard.Set{Images: genImages(seed, count, rows, cols), Labels: genLabels(seed, count)}
}

func TestLoad(t *testing.T) {
	train, test := genSet(10, 12, 4, 3), genSet(11, 5, 4, 3)
	for _, compress := range []bool{false, true} {
		dir := t.TempDir()
		writeDataset(t, dir, compress, train, test)
		if !shard.HasDataset(dir) {
			t.Fatalf("HasDataset(%s) = false", dir)
		}
		ds, err := shard.Load(dir)
		if err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		for _, c := range []struct{ got, want *shard.Set }{{ds.Train, train}, {ds.Test, test}} {
			if c.got.Len() != c.want.Len() || !bytes.Equal(c.got.Labels, c.want.Labels) ||
				!bytes.Equal(c.got.Images.Pixels, c.want.Images.Pixels) ||
				c.got.Images.Rows != 4 || c.got.Images.Cols != 3 {
				t.Fatalf("compress=%v: loaded set differs from the written one", compress)
			}
		}
	}
}

func TestLoadMixedFormats(t *testing.T) {
	dir := t.TempDir()
	train, test := genSet(12, 3, 2, 2), genSet(13, 2, 2, 2)
	writeDataset(t, dir, false, train, test)
	// A .gz next to the raw file wins; make it differ to see which is read.
	other := genSet(14, 3, 2, 2)
	writeFile(t, dir, shard.TrainImagesFile+".gz", gz(t, imagesBytes(t, other.Images)))
	ds, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ds.Train.Images.Pixels, other.Images.Pixels) {
		t.Fatal("the .gz file was not preferred")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"count mismatch", func(t *testing.T, dir string) {
			writeDataset(t, dir, true, genSet(1, 6, 2, 2), genSet(2, 3, 2, 2))
			writeFile(t, dir, shard.TestLabelsFile+".gz", gz(t, labelsBytes(t, genLabels(3, 4))))
		}, "shard: t10k-labels-idx1-ubyte.gz: expected 3 labels, one per image of t10k-images-idx3-ubyte.gz, found 4"},
		{"dims mismatch", func(t *testing.T, dir string) {
			writeDataset(t, dir, false, genSet(1, 6, 2, 2), genSet(2, 3, 2, 3))
		}, "shard: t10k-images-idx3-ubyte: expected 2x2 images like train-images-idx3-ubyte, found 2x3"},
		{"label out of range", func(t *testing.T, dir string) {
			s := genSet(1, 6, 2, 2)
			s.Labels[4] = 10
			writeDataset(t, dir, false, s, genSet(2, 3, 2, 2))
		}, "shard: train-labels-idx1-ubyte: expected labels 0..9, found 10 at index 4"},
		{"missing file", func(t *testing.T, dir string) {
			writeDataset(t, dir, false, genSet(1, 6, 2, 2), genSet(2, 3, 2, 2))
			if err := os.Remove(filepath.Join(dir, shard.TestImagesFile)); err != nil {
				t.Fatal(err)
			}
		}, "shard: t10k-images-idx3-ubyte: expected "},
		{"corrupt file", func(t *testing.T, dir string) {
			writeDataset(t, dir, false, genSet(1, 6, 2, 2), genSet(2, 3, 2, 2))
			writeFile(t, dir, shard.TrainImagesFile, idxHeader(0x803, 6, 2, 2))
		}, "shard: train-images-idx3-ubyte: truncated: header declares 24 pixel bytes, file holds 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			ds, err := shard.Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (dataset %v), want an error containing %q", err, ds != nil, tc.want)
			}
		})
	}
}

func TestFindFile(t *testing.T) {
	dir := t.TempDir()
	_, err := shard.FindFile(dir, "a")
	want := "shard: a: expected " + filepath.Join(dir, "a.gz") + " or " + filepath.Join(dir, "a") + ", found neither"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	// A directory under the name does not count as the file.
	if err := os.Mkdir(filepath.Join(dir, "a.gz"), 0o755); err != nil {
		t.Fatal(err)
	}
	raw := writeFile(t, dir, "a", []byte("x"))
	if p, err := shard.FindFile(dir, "a"); err != nil || p != raw {
		t.Fatalf("got %q, %v, want %q", p, err, raw)
	}
	if shard.HasDataset(dir) {
		t.Fatal("HasDataset is true for a directory without the data set")
	}
}

// TestRealData loads the real data set named by SHARDNET_DATA.
func TestRealData(t *testing.T) {
	dir := dataDir(t)
	ds, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		set  *shard.Set
		want int
	}{{"train", ds.Train, 60000}, {"test", ds.Test, 10000}} {
		im := c.set.Images
		if c.set.Len() != c.want || im.Count != c.want || im.Rows != 28 || im.Cols != 28 || len(im.Pixels) != c.want*784 {
			t.Fatalf("%s: got %d labels, %d images of %dx%d, want %d of 28x28", c.name, c.set.Len(), im.Count, im.Rows, im.Cols, c.want)
		}
		var hist [10]int
		for _, l := range c.set.Labels {
			hist[l]++
		}
		sum := 0
		for k, n := range hist {
			if n == 0 {
				t.Errorf("%s: no sample of class %d", c.name, k)
			}
			sum += n
		}
		if sum != c.want {
			t.Errorf("%s: label histogram %v sums to %d, want %d", c.name, hist, sum, c.want)
		}
		t.Logf("%s label histogram: %v", c.name, hist)
	}
}

func benchmarkLoad(b *testing.B) {
	dir := dataDir(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shard.Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) { benchmarkLoad(b) }
