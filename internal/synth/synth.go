// Package synth generates small labelled image sets with a learnable
// pattern and writes them as IDX files, for the end-to-end tests of the
// command line and the binary.
package synth

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/shardnet/shardnet/shard"
)

// Images generates n side×side images whose class is visible in which
// pixels are bright: class c lights the pixels p with p%10 == c, over faint
// noise, so a small network learns it in a few dozen iterations.
func Images(n, side int, rng *rand.Rand) (*shard.Images, []uint8) {
	dim := side * side
	im := &shard.Images{Count: n, Rows: side, Cols: side, Pixels: make([]uint8, n*dim)}
	labels := make([]uint8, n)
	for i := range n {
		c := uint8(rng.IntN(Classes))
		labels[i] = c
		px := im.Pixels[i*dim : (i+1)*dim]
		for p := range px {
			switch {
			case p%Classes == int(c):
				px[p] = uint8(160 + rng.IntN(96))
			case rng.IntN(4) == 0:
				px[p] = uint8(rng.IntN(60))
			}
		}
	}
	return im, labels
}

// Classes is the number of classes Images draws from.
const Classes = 10

// Set is Images as a labelled set.
func Set(n, side int, rng *rand.Rand) *shard.Set {
	im, labels := Images(n, side, rng)
	return &shard.Set{Images: im, Labels: labels, Classes: Classes}
}

// WriteDataset writes the four IDX files of a generated data set of train
// and test images into dir, the training images and test labels gzipped and
// the others raw, so that both encodings are read.
func WriteDataset(dir string, train, test, side int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	trIm, trLb := Images(train, side, rng)
	teIm, teLb := Images(test, side, rng)
	for _, f := range []struct {
		name  string
		gz    bool
		write func(*bytes.Buffer) error
	}{
		{shard.TrainImagesFile, true, func(b *bytes.Buffer) error { return shard.WriteImages(b, trIm) }},
		{shard.TrainLabelsFile, false, func(b *bytes.Buffer) error { return shard.WriteLabels(b, trLb) }},
		{shard.TestImagesFile, false, func(b *bytes.Buffer) error { return shard.WriteImages(b, teIm) }},
		{shard.TestLabelsFile, true, func(b *bytes.Buffer) error { return shard.WriteLabels(b, teLb) }},
	} {
		var raw bytes.Buffer
		if err := f.write(&raw); err != nil {
			return fmt.Errorf("synth: %s: %w", f.name, err)
		}
		name, body := f.name, raw.Bytes()
		if f.gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			if _, err := zw.Write(body); err != nil {
				return fmt.Errorf("synth: %s: %w", f.name, err)
			}
			if err := zw.Close(); err != nil {
				return fmt.Errorf("synth: %s: %w", f.name, err)
			}
			name, body = name+".gz", z.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	return nil
}
