package digit_test

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/shardnet/shardnet/internal/digit"
	"github.com/shardnet/shardnet/shard"
)

// loadMNIST loads the MNIST test set from $SHARDNET_DATA (its mnist
// subdirectory or the directory itself), skipping the test without it.
func loadMNIST(t *testing.T) *shard.Set {
	t.Helper()
	root := os.Getenv("SHARDNET_DATA")
	if root == "" {
		t.Skip("SHARDNET_DATA not set")
	}
	for _, dir := range []string{filepath.Join(root, "mnist"), root} {
		if ds, err := shard.Load(dir); err == nil {
			return ds.Test
		}
	}
	t.Skipf("no MNIST files under %s", root)
	return nil
}

// upscale enlarges a 28×28 MNIST image k times with bilinear interpolation,
// as a photo of it would be smooth rather than blocky; invert draws it dark
// on light.
func upscale(pix []uint8, k int, invert bool) *image.Gray {
	n := 28 * k
	img := image.NewGray(image.Rect(0, 0, n, n))
	at := func(x, y int) float64 {
		x, y = min(max(x, 0), 27), min(max(y, 0), 27)
		return float64(pix[y*28+x])
	}
	for y := range n {
		sy := (float64(y)+0.5)/float64(k) - 0.5
		y0 := int(math.Floor(sy))
		fy := sy - float64(y0)
		for x := range n {
			sx := (float64(x)+0.5)/float64(k) - 0.5
			x0 := int(math.Floor(sx))
			fx := sx - float64(x0)
			v := (1-fy)*((1-fx)*at(x0, y0)+fx*at(x0+1, y0)) + fy*((1-fx)*at(x0, y0+1)+fx*at(x0+1, y0+1))
			if invert {
				v = 255 - v
			}
			img.Pix[y*n+x] = uint8(math.Round(v))
		}
	}
	return img
}

// TestPrepareMNISTRoundTrip enlarges real MNIST test digits to 112×112 PNG
// files, half of them dark on light, and checks that decoding and preparing
// them gives back images close to the originals. For scale, it also measures
// how far apart two different MNIST digits of the same class are.
func TestPrepareMNISTRoundTrip(t *testing.T) {
	set := loadMNIST(t)
	n := 200
	if testing.Short() {
		n = 20
	}
	var total, worst, sameClass float64
	pairs := 0
	last := map[uint8]int{}
	for i := range n {
		orig := set.Images.Image(i)
		var buf bytes.Buffer
		if err := png.Encode(&buf, upscale(orig, 4, i%2 == 1)); err != nil {
			t.Fatal(err)
		}
		img, err := digit.Decode(&buf, "mnist.png")
		if err != nil {
			t.Fatal(err)
		}
		got, err := digit.Prepare(img)
		if err != nil {
			t.Fatalf("test image %d: %v", i, err)
		}
		d := meanAbsDiff(got, orig)
		total += d
		worst = max(worst, d)
		if j, ok := last[set.Labels[i]]; ok {
			sameClass += meanAbsDiff(orig, set.Images.Image(j))
			pairs++
		}
		last[set.Labels[i]] = i
	}
	mean := total / float64(n)
	t.Logf("%d MNIST test digits enlarged to 112x112 and prepared: mean absolute difference from the originals %.2f grey levels (worst %.2f); two digits of the same class differ by %.2f on average",
		n, mean, worst, sameClass/float64(pairs))
	// A pipeline that reproduced MNIST's would come back within a few grey
	// levels; the bound leaves room for the blur of the enlargement and for
	// whole-pixel centring, and is far below the same-class difference.
	if mean > 8 {
		t.Errorf("mean absolute difference %.2f grey levels, want at most 8", mean)
	}
}
