package digit_test

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/shardnet/shardnet/internal/digit"
)

// pictures are synthetic photos and drawings of digits at sizes, positions
// and polarities unlike MNIST's.
var pictures = []struct {
	name  string
	scene scene
}{
	{"one 200x300 dark on light", scene{w: 200, h: 300, shape: shapeOne, at: image.Rect(60, 50, 140, 250), stroke: 16, darkOnLight: true}},
	{"seven 50x40 light on dark", scene{w: 50, h: 40, shape: shapeSeven, at: image.Rect(12, 4, 36, 34), stroke: 3}},
	{"seven 50x40 dark on light", scene{w: 50, h: 40, shape: shapeSeven, at: image.Rect(12, 4, 36, 34), stroke: 3, darkOnLight: true}},
	{"zero in a corner with noise and dust", scene{w: 200, h: 300, shape: shapeZero, at: image.Rect(110, 170, 180, 270), stroke: 9, darkOnLight: true, noise: 0.05, specks: 4, seed: 1}},
	{"four 640x480 noisy light on dark", scene{w: 640, h: 480, shape: shapeFour, at: image.Rect(100, 60, 300, 400), stroke: 30, noise: 0.08, seed: 2}},
	{"seven under uneven light", scene{w: 300, h: 200, shape: shapeSeven, at: image.Rect(100, 20, 220, 180), stroke: 14, darkOnLight: true, gradient: 0.4, noise: 0.02, seed: 3}},
	{"zero 28x28 like MNIST", scene{w: 28, h: 28, shape: shapeZero, at: image.Rect(5, 4, 21, 24), stroke: 2.5}},
	{"zero cropped tight", scene{w: 100, h: 130, shape: shapeZero, at: image.Rect(6, 6, 94, 124), stroke: 12, darkOnLight: true, noise: 0.02, seed: 5}},
	{"seven cropped tight on dark", scene{w: 80, h: 120, shape: shapeSeven, at: image.Rect(-3, 0, 83, 120), stroke: 10}},
	{"four 2500x1800 photo", scene{w: 2500, h: 1800, shape: shapeFour, at: image.Rect(900, 300, 1500, 1300), stroke: 90, darkOnLight: true, noise: 0.03, seed: 4}},
}

func TestPrepareGeometry(t *testing.T) {
	for _, tc := range pictures {
		t.Run(tc.name, func(t *testing.T) {
			if tc.scene.w*tc.scene.h > 1e6 && testing.Short() {
				t.Skip("large picture")
			}
			out, err := digit.Prepare(tc.scene.gray())
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != digit.Size*digit.Size {
				t.Fatalf("got %d pixels, want %d", len(out), digit.Size*digit.Size)
			}
			s := measure(out)
			if w, h := s.box.Dx(), s.box.Dy(); max(w, h) != digit.Box || min(w, h) > digit.Box {
				t.Errorf("ink box %dx%d, want the larger side %d and neither above it", w, h, digit.Box)
			}
			if math.Abs(s.comX-14) > 0.5 || math.Abs(s.comY-14) > 0.5 {
				t.Errorf("centre of mass (%.2f, %.2f), want within 0.5 of (14, 14)", s.comX, s.comY)
			}
			if s.maxValue < 250 {
				t.Errorf("brightest pixel %d, want the stroke cores near 255", s.maxValue)
			}
			// The drawn shape's own aspect ratio must survive the scaling.
			want := inkBox(tc.scene)
			scale := float64(digit.Box) / float64(max(want.Dx(), want.Dy()))
			if math.Abs(float64(s.box.Dx())-scale*float64(want.Dx())) > 1.5 ||
				math.Abs(float64(s.box.Dy())-scale*float64(want.Dy())) > 1.5 {
				t.Errorf("ink box %dx%d, want about %.1fx%.1f (the drawing's aspect ratio)",
					s.box.Dx(), s.box.Dy(), scale*float64(want.Dx()), scale*float64(want.Dy()))
			}
			// Whatever the size, polarity and noise, the result must look like
			// the same shape drawn cleanly, light on dark, at MNIST's scale.
			ref := tc.scene
			ref.w, ref.h = 280, 280
			ref.at = image.Rect(0, 0, tc.scene.at.Dx(), tc.scene.at.Dy())
			k := 200 / float64(max(ref.at.Dx(), ref.at.Dy()))
			ref.at = image.Rect(40, 40, 40+int(k*float64(ref.at.Dx())), 40+int(k*float64(ref.at.Dy())))
			ref.stroke *= k
			ref.darkOnLight, ref.noise, ref.specks, ref.gradient = false, 0, 0, 0
			clean, err := digit.Prepare(ref.gray())
			if err != nil {
				t.Fatal(err)
			}
			if d := shiftedDiff(out, clean); d > maxShapeDiff {
				t.Errorf("mean absolute difference from the clean rendering %.1f grey levels, want at most %v", d, maxShapeDiff)
			} else {
				t.Logf("mean absolute difference from the clean rendering: %.2f grey levels", d)
			}
			for _, corner := range []int{0, 27, 27 * 28, 28*28 - 1} {
				if out[corner] != 0 {
					t.Errorf("corner pixel %d is %d, want background 0", corner, out[corner])
				}
			}
		})
	}
}

// maxShapeDiff bounds how far (mean absolute grey levels of 255) a noisy,
// inverted or differently sized picture may end up from the clean rendering
// of the same shape. MNIST digits of the same class differ by about 40.
const maxShapeDiff = 12

// shiftedDiff is the smallest meanAbsDiff of a and b shifted against each
// other by up to one pixel: centring rounds to whole pixels, so renderings of
// one shape may legitimately land a pixel apart.
func shiftedDiff(a, b []uint8) float64 {
	best := math.Inf(1)
	shifted := make([]uint8, len(b))
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			clear(shifted)
			for y := max(0, dy); y < min(28, 28+dy); y++ {
				for x := max(0, dx); x < min(28, 28+dx); x++ {
					shifted[y*28+x] = b[(y-dy)*28+x-dx]
				}
			}
			best = math.Min(best, meanAbsDiff(a, shifted))
		}
	}
	return best
}

// inkBox is the bounding box of the pixels the pen covers at least half.
func inkBox(s scene) image.Rectangle {
	var r image.Rectangle
	for i, v := range s.ink() {
		if v >= 0.5 {
			r = r.Union(image.Rect(i%s.w, i/s.w, i%s.w+1, i/s.w+1))
		}
	}
	return r
}

func TestPrepareTransparentCanvas(t *testing.T) {
	sc := scene{w: 120, h: 160, shape: shapeSeven, at: image.Rect(20, 20, 100, 140), stroke: 10}
	want, err := digit.Prepare(sc.gray())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []color.NRGBA{{0, 0, 0, 255}, {255, 255, 255, 255}, {20, 40, 200, 255}} {
		got, err := digit.Prepare(sc.nrgba(c))
		if err != nil {
			t.Fatalf("strokes of %v: %v", c, err)
		}
		if d := meanAbsDiff(got, want); d > 1 {
			t.Errorf("strokes of %v on a transparent canvas: mean absolute difference %.2f from the opaque rendering, want at most 1", c, d)
		}
	}
}

func TestPrepareThickensHairlines(t *testing.T) {
	sc := scene{w: 600, h: 600, shape: shapeZero, at: image.Rect(150, 100, 450, 500), stroke: 2, darkOnLight: true}
	out, err := digit.Prepare(sc.gray())
	if err != nil {
		t.Fatal(err)
	}
	// Without thickening a 2 px pen over 400 px would be 0.1 px wide in the box.
	if w := strokeWidth(out); w < 1.45 {
		t.Errorf("stroke width %.2f px after preparation, want at least MNIST's 10th percentile 1.45", w)
	}
	if s := measure(out); s.maxValue < 250 || max(s.box.Dx(), s.box.Dy()) != digit.Box {
		t.Errorf("brightest %d, box %v: want saturated strokes filling the box", s.maxValue, s.box)
	}
}

func TestPrepareBlank(t *testing.T) {
	noisy := scene{w: 100, h: 100, shape: nil, noise: 0.05, seed: 7}.gray()
	uniform := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range uniform.Pix {
		uniform.Pix[i] = 230
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"uniform paper", uniform},
		{"noise only", noisy},
		{"fully transparent", image.NewNRGBA(image.Rect(0, 0, 40, 40))},
		{"empty bounds", image.NewGray(image.Rect(0, 0, 0, 0))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := digit.Prepare(tc.img)
			if err == nil {
				t.Fatalf("got an image (%+v), want an error", measure(out))
			}
			if tc.name != "empty bounds" && !errors.Is(err, digit.ErrBlank) {
				t.Errorf("error %q does not wrap ErrBlank", err)
			}
		})
	}
}

func TestPrepareSubImage(t *testing.T) {
	// A sub-image has bounds that do not start at the origin.
	sc := scene{w: 200, h: 200, shape: shapeFour, at: image.Rect(100, 100, 180, 190), stroke: 8}
	full := sc.gray()
	sub := full.SubImage(image.Rect(90, 90, 200, 200))
	a, err := digit.Prepare(full)
	if err != nil {
		t.Fatal(err)
	}
	b, err := digit.Prepare(sub)
	if err != nil {
		t.Fatal(err)
	}
	if d := meanAbsDiff(a, b); d != 0 {
		t.Errorf("sub-image differs from the whole by %.2f grey levels, want 0", d)
	}
}

func BenchmarkPrepare200x300(b *testing.B)   { benchPrepare(b, pictures[0].scene) }
func BenchmarkPrepare2500x1800(b *testing.B) { benchPrepare(b, pictures[len(pictures)-1].scene) }

func benchPrepare(b *testing.B, sc scene) {
	img := sc.gray()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := digit.Prepare(img); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzPrepare(f *testing.F) {
	f.Add(uint8(3), []byte{0, 255, 0, 255, 255, 255, 0, 255, 0})
	f.Add(uint8(1), []byte{0, 255})
	f.Add(uint8(28), pictures[6].scene.gray().Pix)
	f.Fuzz(func(t *testing.T, width uint8, pix []byte) {
		w := max(1, int(width))
		h := len(pix) / w
		if h == 0 {
			return
		}
		img := &image.Gray{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
		out, err := digit.Prepare(img)
		if err != nil {
			return
		}
		if len(out) != digit.Size*digit.Size {
			t.Fatalf("got %d pixels", len(out))
		}
		s := measure(out)
		if s.mass == 0 || max(s.box.Dx(), s.box.Dy()) > digit.Box {
			t.Fatalf("prepared %+v: want ink within a %dx%d box", s, digit.Box, digit.Box)
		}
	})
}
