// Package digit turns a picture of one handwritten digit, a photo or a
// drawing of any size and either polarity, into a 28×28 image prepared the
// way the MNIST images were: light ink on a black background, the digit
// scaled with anti-aliasing to fit a 20×20 box and placed in the 28×28 field
// so that its centre of mass lies at the centre.
//
// Prepare works in these steps:
//
//  1. grey levels (luma); transparent pixels are composited over the colour
//     that contrasts with what is drawn; images larger than 1024 pixels a
//     side are block-averaged down to that;
//  2. the background is modelled from a band along the border: a plane
//     fitted to it (so light falling off across a photo is not ink) and the
//     spread of its noise. The ink is whichever extreme lies farther from the
//     background, so dark-on-light pictures are inverted;
//  3. Otsu's threshold finds the strokes; their median level becomes full
//     ink, anything below a noise floor becomes background, and grey levels
//     in between stay proportional (keeping anti-aliased edges). Specks away
//     from the main strokes are dropped;
//  4. the ink's bounding box, narrowed by the faintness of its outermost rows
//     and columns, is resampled to fit 20×20 keeping its aspect ratio: an
//     exact area average when shrinking, bilinear when enlarging;
//  5. strokes thinner than all but a tenth of MNIST's (a fine pen on a large
//     canvas) are thickened to that width, since the network never saw
//     hairlines;
//  6. the box is placed in the 28×28 field with its centre of mass, rounded
//     to whole pixels, at (14, 14) in pixel-index coordinates, which is where
//     the MNIST test images have theirs on average.
package digit

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
)

// Prepared image geometry.
const (
	Size = 28 // side of the prepared image
	Box  = 20 // side of the box the digit is scaled to fit
)

// workSide bounds the side of the grid Prepare works on; larger images are
// block-averaged first. A digit needs nowhere near that resolution, and the
// bound keeps memory and time small for camera-sized photos.
const workSide = 1024

// Thresholds of the ink detection. The stroke widths are in pixels of the
// 20×20 box and were measured on the MNIST test set (2·area/perimeter of the
// strokes at grey level 128): 10% of its digits are thinner than 1.45 px,
// the median is 1.97 px, 90% are thinner than 2.76 px.
const (
	minContrast      = 0.05 // ink must differ from the background by 5% of full scale
	noiseSigmas      = 6    // ... and by this many standard deviations of the background's noise
	minInk           = 0.15 // fainter ink, relative to the strongest, counts as background
	minorFraction    = 0.1  // groups of ink with less than this fraction of the largest's are specks ...
	fragmentFraction = 0.01 // ... unless they lie among the strokes and have at least this fraction
	thinStroke       = 1.45 // strokes thinner than this are thickened to it
)

// ErrBlank reports an image in which no ink stands out from the background.
var ErrBlank = errors.New("no ink found")

// Prepare returns the 28×28 MNIST-style version of a picture of one digit:
// Size*Size bytes, row-major, 0 for background and 255 for full ink. An image
// without ink is an error wrapping ErrBlank.
func Prepare(img image.Image) ([]uint8, error) {
	out, err := prepare(img)
	if err != nil {
		return nil, fmt.Errorf("digit: %w", err)
	}
	return out, nil
}

// Load decodes a PNG or JPEG picture from r, as Decode does, and prepares
// it. name identifies the picture in every error.
func Load(r io.Reader, name string) ([]uint8, error) {
	img, err := Decode(r, name)
	if err != nil {
		return nil, err
	}
	out, err := prepare(img)
	if err != nil {
		return nil, fmt.Errorf("digit: %s: %w", name, err)
	}
	return out, nil
}

func prepare(img image.Image) ([]uint8, error) {
	b := img.Bounds()
	if b.Dx() < 1 || b.Dy() < 1 {
		return nil, fmt.Errorf("want an image of at least 1x1 pixels, found %dx%d", b.Dx(), b.Dy())
	}
	lum := luminance(img)
	ink, err := findInk(lum)
	if err != nil {
		return nil, err
	}
	box, ok := inkBounds(ink)
	if !ok {
		return nil, fmt.Errorf("%w: the image is blank", ErrBlank)
	}
	small, scale := fit(ink, box)
	// Strokes are measured at the box's scale, where noise along their edges
	// has been averaged away and where MNIST's widths were measured.
	if w := strokeWidth(small); w < thinStroke {
		// Thickening just to MNIST's thin end, rather than to its median,
		// keeps strokes near the threshold from jumping in width.
		r := int(math.Ceil((thinStroke - w) / scale / 2))
		box = box.Inset(-r).Intersect(image.Rect(0, 0, ink.w, ink.h))
		dilate(ink, r, box)
		small, _ = fit(ink, box)
	}
	return center(small)
}

// fit scales the ink inside box to fit Box×Box, keeping its aspect ratio,
// and returns it with the scale factor.
func fit(ink *plane, box image.Rectangle) (*plane, float64) {
	src := edgeBox(ink, box)
	scale := float64(Box) / math.Max(src.dx(), src.dy())
	dw := max(1, int(math.Round(src.dx()*scale)))
	dh := max(1, int(math.Round(src.dy()*scale)))
	return resample(ink, src, dw, dh), scale
}

// fbox is a rectangle with fractional pixel coordinates.
type fbox struct{ x0, y0, x1, y1 float64 }

func (b fbox) dx() float64 { return b.x1 - b.x0 }
func (b fbox) dy() float64 { return b.y1 - b.y0 }

// edgeBox narrows the bounding box of the ink by how faint its outermost
// rows and columns are: a column whose brightest pixel is 0.2 is taken to
// hold the stroke's edge 0.2 of a pixel deep. The anti-aliased fringe of a
// small picture then does not shrink the digit, and pictures of one shape at
// different resolutions are scaled alike.
func edgeBox(ink *plane, r image.Rectangle) fbox {
	colMax := func(x int) float64 {
		m := float32(0)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			m = max(m, ink.pix[y*ink.w+x])
		}
		return float64(m)
	}
	rowMax := func(y int) float64 {
		return float64(slices.Max(ink.pix[y*ink.w+r.Min.X : y*ink.w+r.Max.X]))
	}
	// Each side moves in by at most half of what the box has beyond one
	// pixel, so the box never collapses.
	narrow := func(lo, hi int, first, last float64) (float64, float64) {
		limit := float64(hi-lo-1) / 2
		return float64(lo) + math.Min(1-first, limit), float64(hi) - math.Min(1-last, limit)
	}
	var b fbox
	b.x0, b.x1 = narrow(r.Min.X, r.Max.X, colMax(r.Min.X), colMax(r.Max.X-1))
	b.y0, b.y1 = narrow(r.Min.Y, r.Max.Y, rowMax(r.Min.Y), rowMax(r.Max.Y-1))
	return b
}

// plane is a grey-level image of float32 values, row-major.
type plane struct {
	w, h int
	pix  []float32
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, pix: make([]float32, w*h)} }

// luminance returns the grey levels of img in [0, 1], block-averaged so that
// neither side exceeds workSide. Transparent pixels are composited over
// white when what is drawn is dark and over black when it is light, so that
// strokes on a transparent canvas stand out whatever their colour.
func luminance(img image.Image) *plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := (max(w, h) + workSide - 1) / workSide
	p := newPlane((w+k-1)/k, (h+k-1)/k)
	alpha := make([]float32, len(p.pix))
	premultiplied := pixelReader(img)
	for y := range h {
		row := (y / k) * p.w
		for x := range w {
			l, a := premultiplied(b.Min.X+x, b.Min.Y+y)
			p.pix[row+x/k] += l
			alpha[row+x/k] += a
		}
	}
	var visible, weight float64
	opaque := true
	for i := range p.pix {
		cx, cy := i%p.w, i/p.w
		n := float32(min(k, w-cx*k) * min(k, h-cy*k))
		p.pix[i] /= n
		alpha[i] /= n
		if alpha[i] < 1-1e-6 {
			opaque = false
		}
		visible += float64(p.pix[i])
		weight += float64(alpha[i])
	}
	if opaque {
		return p
	}
	background := float32(1)
	if weight > 0 && visible/weight > 0.5 {
		background = 0
	}
	for i, a := range alpha {
		p.pix[i] += (1 - a) * background
	}
	return p
}

// pixelReader returns a function giving the luma premultiplied by alpha, and
// the alpha, of the pixel at (x, y), both in [0, 1]. The common decoded types
// are read directly; everything else goes through the color interfaces.
func pixelReader(img image.Image) func(x, y int) (l, a float32) {
	const r, g, b = 0.299, 0.587, 0.114 // ITU-R BT.601 luma, as JPEG uses
	switch m := img.(type) {
	case *image.Gray:
		return func(x, y int) (float32, float32) {
			return float32(m.Pix[m.PixOffset(x, y)]) / 255, 1
		}
	case *image.YCbCr:
		return func(x, y int) (float32, float32) {
			return float32(m.Y[m.YOffset(x, y)]) / 255, 1
		}
	case image.RGBA64Image:
		return func(x, y int) (float32, float32) {
			c := m.RGBA64At(x, y)
			return (r*float32(c.R) + g*float32(c.G) + b*float32(c.B)) / 0xffff, float32(c.A) / 0xffff
		}
	}
	return func(x, y int) (float32, float32) {
		cr, cg, cb, ca := img.At(x, y).RGBA()
		return (r*float32(cr) + g*float32(cg) + b*float32(cb)) / 0xffff, float32(ca) / 0xffff
	}
}

// findInk returns the ink of lum as a plane in [0, 1]: 0 for background, 1
// for the core of the strokes, with anti-aliased edges in between and specks
// of noise away from the digit removed.
func findInk(lum *plane) (*plane, error) {
	bg, sigma := background(lum)
	res := newPlane(lum.w, lum.h)
	for i, l := range lum.pix {
		res.pix[i] = l - bg(i%lum.w, i/lum.w)
	}
	lo, hi := quantiles(res.pix, 0.001, 0.999)
	dark := -lo > hi
	contrast := max(-lo, hi)
	if contrast < minContrast {
		return nil, fmt.Errorf("%w: the image is nearly uniform (grey levels differ by %.3f at most)", ErrBlank, contrast)
	}
	if contrast < noiseSigmas*sigma {
		return nil, fmt.Errorf("%w: the strongest marks (contrast %.3f) do not stand out from the background's noise (sigma %.3f)", ErrBlank, contrast, sigma)
	}
	ink := res
	for i, v := range ink.pix {
		if dark {
			v = -v
		}
		ink.pix[i] = clamp01(v / contrast)
	}
	// Otsu's threshold separates strokes from background; it is kept near the
	// middle because a digit is a small part of the picture, which can drag
	// Otsu into the background's noise.
	t := min(max(otsu(ink.pix), 0.3), 0.7)
	var strokes []float32
	for _, v := range ink.pix {
		if v >= t {
			strokes = append(strokes, v)
		}
	}
	// The typical stroke becomes full ink; what lies below the noise floor
	// becomes background. In between the grey levels stay proportional, so
	// the anti-aliased edges of a small, clean picture keep their coverage.
	core, _ := quantiles(strokes, 0.5, 0.5)
	floor := min(max(minInk, 4*sigma/contrast), 0.9*t)
	for i, v := range ink.pix {
		if v < floor {
			v = 0
		}
		ink.pix[i] = clamp01(v / core)
	}
	dropSpecks(ink)
	return ink, nil
}

// background models the background of p from a band along its border, which
// is mostly background even when the digit touches an edge: a plane
// a + b·x + c·y fitted by least squares, refitted without the pixels far
// from it (ink), so that the light falling off across a photo does not pass
// for ink. It also returns the noise of the band around the plane as a
// standard deviation, estimated from the 90th percentile of the absolute
// residuals so that a few ink pixels in the band and clipped (one-sided)
// noise do not distort it. Of the four sides' estimates the smallest is
// taken, since a tightly cropped digit may run along up to three sides.
func background(p *plane) (level func(x, y int) float32, sigma float32) {
	band := max(1, min(p.w, p.h)/32)
	type sample struct {
		x, y float64
		v    float32
		side int // 0 top, 1 bottom, 2 left, 3 right
	}
	var samples []sample
	for y := range p.h {
		for x := range p.w {
			side := -1
			switch {
			case y < band:
				side = 0
			case y >= p.h-band:
				side = 1
			case x < band:
				side = 2
			case x >= p.w-band:
				side = 3
			}
			if side >= 0 {
				samples = append(samples, sample{float64(x), float64(y), p.pix[y*p.w+x], side})
			}
		}
	}
	med, _ := quantiles(func() []float32 {
		v := make([]float32, len(samples))
		for i, s := range samples {
			v[i] = s.v
		}
		return v
	}(), 0.5, 0.5)
	coef := [3]float64{float64(med), 0, 0}
	at := func(x, y float64) float32 { return float32(coef[0] + coef[1]*x + coef[2]*y) }
	residuals := make([]float32, len(samples))
	for round := range 3 {
		for i, s := range samples {
			residuals[i] = float32(math.Abs(float64(s.v - at(s.x, s.y))))
		}
		if round == 2 {
			break
		}
		q50, _ := quantiles(residuals, 0.5, 0.5)
		limit := max(3*1.4826*q50, 0.02)
		var a [3][3]float64
		var rhs [3]float64
		for i, s := range samples {
			if residuals[i] > limit {
				continue
			}
			row := [3]float64{1, s.x, s.y}
			for j := range 3 {
				rhs[j] += row[j] * float64(s.v)
				for k := range 3 {
					a[j][k] += row[j] * row[k]
				}
			}
		}
		if c, ok := solve3(a, rhs); ok {
			coef = c
		}
	}
	var sides [4][]float32
	for i, s := range samples {
		sides[s.side] = append(sides[s.side], residuals[i])
	}
	var noise []float32
	for _, r := range sides {
		if len(r) > 0 { // a one-pixel-high image has no left and right sides
			q90, _ := quantiles(r, 0.9, 0.9)
			noise = append(noise, q90/1.645)
		}
	}
	return func(x, y int) float32 { return at(float64(x), float64(y)) }, slices.Min(noise)
}

// solve3 solves the 3×3 system a·x = b by Gaussian elimination with partial
// pivoting; ok is false when a is singular (a band that is one line thick).
func solve3(a [3][3]float64, b [3]float64) (x [3]float64, ok bool) {
	for col := range 3 {
		pivot := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(a[pivot][col]) < 1e-9 {
			return x, false
		}
		a[col], a[pivot] = a[pivot], a[col]
		b[col], b[pivot] = b[pivot], b[col]
		for r := col + 1; r < 3; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < 3; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	for r := 2; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < 3; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

// quantiles returns the q1 and q2 quantiles of vals (nearest rank), leaving
// vals in any order. vals must not be empty.
func quantiles(vals []float32, q1, q2 float64) (float32, float32) {
	s := slices.Clone(vals)
	slices.Sort(s)
	at := func(q float64) float32 { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(q1), at(q2)
}

// otsu returns the threshold in [0, 1] that maximises the between-class
// variance of vals (Otsu, 1979), from a 256-bin histogram.
func otsu(vals []float32) float32 {
	const bins = 256
	var hist [bins]float64
	for _, v := range vals {
		hist[min(bins-1, int(v*bins))]++
	}
	var total, sum float64
	for i, n := range hist {
		total += n
		sum += float64(i) * n
	}
	var w0, sum0, best float64
	threshold := bins / 2
	for i := range bins - 1 {
		w0 += hist[i]
		sum0 += float64(i) * hist[i]
		w1 := total - w0
		if w0 == 0 || w1 == 0 {
			continue
		}
		m0, m1 := sum0/w0, (sum-sum0)/w1
		if between := w0 * w1 * (m0 - m1) * (m0 - m1); between > best {
			best, threshold = between, i+1
		}
	}
	return float32(threshold) / bins
}

// dropSpecks zeroes the connected groups of ink (8-connectivity) that carry
// less than minorFraction of the largest group's ink and lie outside the box
// of the large ones: dust and noise, not strokes. Pieces inside the box are
// kept unless they are tiny, because a pen stroke can break into fragments.
func dropSpecks(ink *plane) {
	label := make([]int32, len(ink.pix))
	type group struct {
		mass float64
		box  image.Rectangle
	}
	groups := []group{{}} // label 0 is background
	var stack []int
	for start, v := range ink.pix {
		if v == 0 || label[start] != 0 {
			continue
		}
		id := int32(len(groups))
		g := group{box: image.Rect(start%ink.w, start/ink.w, start%ink.w+1, start/ink.w+1)}
		label[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%ink.w, i/ink.w
			g.mass += float64(ink.pix[i])
			g.box = g.box.Union(image.Rect(x, y, x+1, y+1))
			for ny := max(0, y-1); ny <= min(ink.h-1, y+1); ny++ {
				for nx := max(0, x-1); nx <= min(ink.w-1, x+1); nx++ {
					j := ny*ink.w + nx
					if ink.pix[j] != 0 && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		groups = append(groups, g)
	}
	var largest float64
	for _, g := range groups {
		largest = max(largest, g.mass)
	}
	var strokes image.Rectangle
	for _, g := range groups[1:] {
		if g.mass >= minorFraction*largest {
			strokes = strokes.Union(g.box)
		}
	}
	keep := make([]bool, len(groups))
	for id, g := range groups[1:] {
		keep[id+1] = g.box.In(strokes) && g.mass >= fragmentFraction*largest
	}
	for i, id := range label {
		if !keep[id] {
			ink.pix[i] = 0
		}
	}
}

// inkBounds returns the bounding box of the non-zero pixels of ink.
func inkBounds(ink *plane) (image.Rectangle, bool) {
	var r image.Rectangle
	for y := range ink.h {
		for x, v := range ink.pix[y*ink.w : (y+1)*ink.w] {
			if v > 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r, !r.Empty()
}

// strokeWidth estimates the mean width of the strokes in p in pixels as
// 2·area/perimeter, which is exact for long straight strokes: the area is the
// summed ink, the perimeter counts pixel edges crossing grey level 0.5. Ink
// too faint to reach 0.5 anywhere has width 0.
func strokeWidth(p *plane) float64 {
	on := func(x, y int) bool {
		return x >= 0 && y >= 0 && x < p.w && y < p.h && p.pix[y*p.w+x] >= 0.5
	}
	var area float64
	perimeter := 0
	for y := -1; y < p.h; y++ {
		for x := -1; x < p.w; x++ {
			if on(x, y) != on(x+1, y) {
				perimeter++
			}
			if on(x, y) != on(x, y+1) {
				perimeter++
			}
			if x >= 0 && y >= 0 {
				area += float64(p.pix[y*p.w+x])
			}
		}
	}
	if perimeter == 0 {
		return 0
	}
	return 2 * area / float64(perimeter)
}

// dilate replaces every pixel of p inside area by the maximum over the
// (2r+1)×(2r+1) square around it, thickening strokes by 2r pixels. Only area
// is visited: the ink lies in it, and the rest of a large picture is empty.
func dilate(p *plane, r int, area image.Rectangle) {
	if r < 1 {
		return
	}
	area = area.Intersect(image.Rect(0, 0, p.w, p.h))
	tmp := make([]float32, len(p.pix))
	for y := area.Min.Y; y < area.Max.Y; y++ {
		row := p.pix[y*p.w : (y+1)*p.w]
		for x := area.Min.X; x < area.Max.X; x++ {
			tmp[y*p.w+x] = slices.Max(row[max(area.Min.X, x-r):min(area.Max.X, x+r+1)])
		}
	}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			m := float32(0)
			for yy := max(area.Min.Y, y-r); yy < min(area.Max.Y, y+r+1); yy++ {
				m = max(m, tmp[yy*p.w+x])
			}
			p.pix[y*p.w+x] = m
		}
	}
}

// tap is one source sample's weight in a resampled value.
type tap struct {
	i int
	w float32
}

// axisTaps returns, for each of n output samples, the input samples and
// weights that resample the span [a, a+length) of an axis of m samples to n
// samples: the exact area average (the coverage of each input pixel) when
// shrinking, linear interpolation between pixel centres when enlarging.
func axisTaps(a, length float64, m, n int) [][]tap {
	taps := make([][]tap, n)
	ratio := length / float64(n)
	for j := range taps {
		lo, hi := a+float64(j)*ratio, a+float64(j+1)*ratio
		if ratio > 1 {
			for i := max(0, int(lo)); i < min(m, int(math.Ceil(hi))); i++ {
				if overlap := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i)); overlap > 0 {
					taps[j] = append(taps[j], tap{i, float32(overlap / ratio)})
				}
			}
			continue
		}
		s := math.Min(math.Max((lo+hi)/2-0.5, 0), float64(m-1))
		i := int(s)
		f := s - float64(i)
		taps[j] = append(taps[j], tap{i, float32(1 - f)})
		if i+1 < m && f > 0 {
			taps[j] = append(taps[j], tap{i + 1, float32(f)})
		}
	}
	return taps
}

// resample scales the part src of p to w×h, one axis at a time.
func resample(p *plane, src fbox, w, h int) *plane {
	xt, yt := axisTaps(src.x0, src.dx(), p.w, w), axisTaps(src.y0, src.dy(), p.h, h)
	rows := make(map[int]bool)
	for _, taps := range yt {
		for _, t := range taps {
			rows[t.i] = true
		}
	}
	tmp := newPlane(w, p.h)
	for y := range rows {
		for x, taps := range xt {
			var s float32
			for _, t := range taps {
				s += t.w * p.pix[y*p.w+t.i]
			}
			tmp.pix[y*w+x] = s
		}
	}
	out := newPlane(w, h)
	for y, taps := range yt {
		for x := range w {
			var s float32
			for _, t := range taps {
				s += t.w * tmp.pix[t.i*w+x]
			}
			out.pix[y*w+x] = s
		}
	}
	return out
}

// center quantises the scaled digit to bytes and places it in the Size×Size
// field, shifted by whole pixels so that its centre of mass lands as close
// to (Size/2, Size/2) as the field allows without cutting off ink.
func center(small *plane) ([]uint8, error) {
	q := make([]uint8, len(small.pix))
	var mass, mx, my float64
	for i, v := range small.pix {
		q[i] = uint8(math.Round(float64(clamp01(v)) * 255))
		f := float64(q[i])
		mass += f
		mx += f * float64(i%small.w)
		my += f * float64(i/small.w)
	}
	if mass == 0 {
		return nil, fmt.Errorf("%w: the ink is too faint to survive scaling to %dx%d", ErrBlank, Box, Box)
	}
	const mid = Size / 2
	ox := min(max(int(math.Round(mid-mx/mass)), 0), Size-small.w)
	oy := min(max(int(math.Round(mid-my/mass)), 0), Size-small.h)
	out := make([]uint8, Size*Size)
	for y := range small.h {
		copy(out[(oy+y)*Size+ox:], q[y*small.w:(y+1)*small.w])
	}
	return out, nil
}

func clamp01(v float32) float32 { return min(max(v, 0), 1) }
