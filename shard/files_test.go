package shard_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/shard"
)

// TestNotGzipNorIDX names a .gz file that is neither gzip nor raw IDX as
// such, and a file that is not IDX as not IDX.
func TestNotGzipNorIDX(t *testing.T) {
	dir := t.TempDir()
	html := writeFile(t, dir, shard.TestImagesFile+".gz", []byte("<html>rate limited</html>"))
	_, err := shard.OpenImages(html)
	if err == nil {
		t.Fatal("an HTML page named .gz was read as images")
	}
	for _, want := range []string{shard.TestImagesFile + ".gz: not a gzip file", "3c 68", "nor a raw IDX file", "not an IDX images file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	raw := writeFile(t, dir, shard.TestLabelsFile, []byte("PK\x03\x04 a zip archive"))
	_, err = shard.OpenLabels(raw)
	if err == nil || !strings.Contains(err.Error(), "not an IDX labels file") || strings.Contains(err.Error(), "gzip") {
		t.Errorf("a zip archive as labels: %v, want \"not an IDX labels file\" and no word of gzip", err)
	}
}

// TestLoadTest reads the test files of a directory that has no training
// files, and names the missing ones.
func TestLoadTest(t *testing.T) {
	test := genSet(11, 5, 4, 3)
	dir := t.TempDir()
	writeDataset(t, dir, true, genSet(10, 12, 4, 3), test)
	for _, name := range []string{shard.TrainImagesFile, shard.TrainLabelsFile} {
		if err := os.Remove(filepath.Join(dir, name+".gz")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := shard.LoadTest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != test.Len() || !slices.Equal(got.Labels, test.Labels) || !slices.Equal(got.Images.Pixels, test.Images.Pixels) {
		t.Error("LoadTest's set differs from the written one")
	}
	files := shard.Files()
	if m := shard.Missing(dir, files[:]...); !slices.Equal(m, []string{shard.TrainImagesFile, shard.TrainLabelsFile}) {
		t.Errorf("Missing = %v, want the two training files", m)
	}
	if _, err := shard.LoadTest(t.TempDir()); err == nil || !strings.Contains(err.Error(), shard.TestImagesFile) {
		t.Errorf("LoadTest of an empty directory: %v, want an error naming %s", err, shard.TestImagesFile)
	}
}
