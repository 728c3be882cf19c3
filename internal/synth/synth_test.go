package synth_test

import (
	"testing"

	"github.com/shardnet/shardnet/internal/synth"
	"github.com/shardnet/shardnet/shard"
)

func TestWriteDatasetLoads(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteDataset(dir, 50, 20, 6, 1); err != nil {
		t.Fatal(err)
	}
	ds, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.Len() != 50 || ds.Test.Len() != 20 || ds.Train.Images.Dim() != 36 {
		t.Fatalf("loaded %d/%d images of %d pixels, want 50/20 of 36", ds.Train.Len(), ds.Test.Len(), ds.Train.Images.Dim())
	}
	for i, l := range ds.Train.Labels {
		img := ds.Train.Images.Image(i)
		if img[l] < 160 { // pixel l has p%10 == l, so it is lit
			t.Fatalf("image %d of class %d has pixel %d = %d, want bright", i, l, l, img[l])
		}
	}
}
