package digit_test

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// point is a position in a shape's unit square, x right and y down.
type point struct{ x, y float64 }

// Digit-like shapes as polylines in the unit square.
var (
	shapeOne   = [][]point{{{0.5, 0}, {0.5, 1}}}
	shapeSeven = [][]point{{{0.05, 0.05}, {0.95, 0.05}, {0.4, 1}}}
	shapeZero  = [][]point{ellipse(0.5, 0.5, 0.45, 0.5, 24)}
	shapeFour  = [][]point{{{0.7, 1}, {0.7, 0}, {0.05, 0.65}, {0.95, 0.65}}}
)

func ellipse(cx, cy, rx, ry float64, n int) []point {
	pts := make([]point, n+1)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / float64(n)
		pts[i] = point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)}
	}
	return pts
}

// scene describes a synthetic picture of a digit.
type scene struct {
	w, h        int
	shape       [][]point
	at          image.Rectangle // where the shape's unit square is drawn
	stroke      float64         // pen width in pixels
	darkOnLight bool
	noise       float64 // standard deviation of Gaussian noise, in grey levels 0..1
	specks      int     // isolated dark dots (dust) added away from the digit
	gradient    float64 // brightness falloff from left to right, 0..1
	seed        uint64
}

// coverage returns how much of pixel (px, py) the pen covers, by the
// distance of the pixel centre to the nearest segment: an anti-aliased pen.
func (s scene) coverage(px, py int) float64 {
	x, y := float64(px)+0.5, float64(py)+0.5
	sx, sy := float64(s.at.Dx()), float64(s.at.Dy())
	ox, oy := float64(s.at.Min.X), float64(s.at.Min.Y)
	best := math.Inf(1)
	for _, line := range s.shape {
		for i := 1; i < len(line); i++ {
			ax, ay := ox+line[i-1].x*sx, oy+line[i-1].y*sy
			bx, by := ox+line[i].x*sx, oy+line[i].y*sy
			best = math.Min(best, segmentDistance(x, y, ax, ay, bx, by))
		}
	}
	return math.Min(math.Max(s.stroke/2+0.5-best, 0), 1)
}

func segmentDistance(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Min(math.Max(((x-ax)*dx+(y-ay)*dy)/l, 0), 1)
	}
	return math.Hypot(x-ax-t*dx, y-ay-t*dy)
}

// ink returns the scene's ink per pixel in [0, 1], without noise.
func (s scene) ink() []float64 {
	out := make([]float64, s.w*s.h)
	// The pen never leaves the shape's square by more than its width.
	reach := s.at.Inset(-int(s.stroke) - 2).Intersect(image.Rect(0, 0, s.w, s.h))
	for y := reach.Min.Y; y < reach.Max.Y; y++ {
		for x := reach.Min.X; x < reach.Max.X; x++ {
			out[y*s.w+x] = s.coverage(x, y)
		}
	}
	return out
}

// gray renders the scene as a grey image.
func (s scene) gray() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, s.w, s.h))
	rng := rand.New(rand.NewPCG(s.seed, 2))
	ink := s.ink()
	for i := range s.specks {
		// Dust in the corners, away from the digit: a 2×2 dot each.
		x := []int{2, s.w - 4, 2, s.w - 4}[i%4]
		y := []int{2, 2, s.h - 4, s.h - 4}[i%4]
		for _, d := range []int{0, 1, s.w, s.w + 1} {
			ink[y*s.w+x+d] = 1
		}
	}
	for i, c := range ink {
		light := 1 - s.gradient*float64(i%s.w)/float64(s.w)
		v := c // light ink on a black background
		if s.darkOnLight {
			v = light * (1 - 0.9*c) // dark ink on paper; the ink is not quite black
		} else {
			v = light * c
		}
		v += s.noise * rng.NormFloat64()
		img.Pix[i] = uint8(math.Round(255 * math.Min(math.Max(v, 0), 1)))
	}
	return img
}

// nrgba renders the scene's strokes in colour c on a transparent canvas.
func (s scene) nrgba(c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, s.w, s.h))
	for i, v := range s.ink() {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = c.R, c.G, c.B
		img.Pix[4*i+3] = uint8(math.Round(255 * v))
	}
	return img
}

// stats are the measurements Prepare's contract is about.
type stats struct {
	box      image.Rectangle
	comX     float64
	comY     float64
	mass     float64
	maxValue uint8
}

func measure(pix []uint8) stats {
	var s stats
	var mx, my float64
	for i, v := range pix {
		if v == 0 {
			continue
		}
		x, y := i%28, i/28
		s.box = s.box.Union(image.Rect(x, y, x+1, y+1))
		f := float64(v)
		s.mass += f
		mx += f * float64(x)
		my += f * float64(y)
		s.maxValue = max(s.maxValue, v)
	}
	if s.mass > 0 {
		s.comX, s.comY = mx/s.mass, my/s.mass
	}
	return s
}

// meanAbsDiff is the mean absolute difference of two images in grey levels.
func meanAbsDiff(a, b []uint8) float64 {
	var d float64
	for i := range a {
		d += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return d / float64(len(a))
}

// strokeWidth estimates the stroke width of a prepared image the way the
// MNIST statistics in package digit were measured: 2·area/perimeter at grey
// level 128.
func strokeWidth(pix []uint8) float64 {
	on := func(x, y int) bool { return x >= 0 && y >= 0 && x < 28 && y < 28 && pix[y*28+x] >= 128 }
	var area float64
	perimeter := 0
	for y := -1; y < 28; y++ {
		for x := -1; x < 28; x++ {
			if on(x, y) != on(x+1, y) {
				perimeter++
			}
			if on(x, y) != on(x, y+1) {
				perimeter++
			}
			if x >= 0 && y >= 0 {
				area += float64(pix[y*28+x]) / 255
			}
		}
	}
	return 2 * area / float64(perimeter)
}
