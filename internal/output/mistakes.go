package output

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Mistake is one misclassified image.
type Mistake struct {
	Index      int         // position in the evaluated set
	Image      *image.Gray // the image as the network saw it, 0 background
	Label      int         // the true class
	Predicted  int         // the class the model chose
	Confidence float64     // the probability the model gave Predicted
}

// Layout of the mistakes sheet, in pixels.
const (
	sheetColumns = 6
	zoom         = 5 // each image pixel becomes zoom×zoom
	tileWidth    = 160
	captionH     = 18
	gap          = 8
	titleH       = 30
)

// Misclassified draws mistakes as a grid of tiles into a PNG at path, six to
// a row: each image enlarged, dark ink on white, captioned
// "true 4 / pred 9 (0.97)".
func Misclassified(path string, mistakes []Mistake, title string) error {
	img, err := mistakeSheet(mistakes, title)
	if err != nil {
		return err
	}
	return WriteFile(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// mistakeSheet renders the sheet Misclassified saves.
func mistakeSheet(mistakes []Mistake, title string) (*image.RGBA, error) {
	tileH := 0
	for _, m := range mistakes {
		if m.Image == nil {
			return nil, fmt.Errorf("output: mistake at index %d has no image", m.Index)
		}
		b := m.Image.Bounds()
		if side := tileWidth / zoom; b.Dx() > side || b.Dy() > side {
			return nil, fmt.Errorf("output: image %d is %dx%d, want at most %dx%d", m.Index, b.Dx(), b.Dy(), side, side)
		}
		tileH = max(tileH, b.Dy()*zoom+captionH)
	}
	cols := min(sheetColumns, max(1, len(mistakes)))
	rows := (len(mistakes) + cols - 1) / cols
	w := gap + cols*(tileWidth+gap)
	h := titleH + rows*(tileH+gap) + gap
	if len(mistakes) == 0 {
		h += captionH
	}
	sheet := image.NewRGBA(image.Rect(0, 0, max(w, 8*len(title)+2*gap), h))
	draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
	writeText(sheet, gap, titleH-10, title, color.Black)
	if len(mistakes) == 0 {
		writeText(sheet, gap, titleH+captionH-4, "no misclassified images", color.Black)
	}
	frame := color.Gray{200}
	for k, m := range mistakes {
		x0 := gap + (k%cols)*(tileWidth+gap)
		y0 := titleH + (k/cols)*(tileH+gap)
		b := m.Image.Bounds()
		left := x0 + (tileWidth-b.Dx()*zoom)/2
		tile := image.Rect(left, y0, left+b.Dx()*zoom, y0+b.Dy()*zoom)
		for y := range b.Dy() {
			for x := range b.Dx() {
				ink := m.Image.GrayAt(b.Min.X+x, b.Min.Y+y).Y
				draw.Draw(sheet, image.Rect(0, 0, zoom, zoom).Add(tile.Min.Add(image.Pt(x*zoom, y*zoom))),
					image.NewUniform(color.Gray{255 - ink}), image.Point{}, draw.Src)
			}
		}
		outline(sheet, tile.Inset(-1), frame)
		caption := fmt.Sprintf("true %d / pred %d (%.2f)", m.Label, m.Predicted, m.Confidence)
		writeText(sheet, x0+(tileWidth-7*len(caption))/2, tile.Max.Y+captionH-4, caption, color.Black)
	}
	return sheet, nil
}

// writeText draws s with its baseline starting at (x, y) in a fixed 7×13
// pixel font.
func writeText(dst draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// outline draws the one-pixel border of r.
func outline(dst *image.RGBA, r image.Rectangle, c color.Color) {
	for x := r.Min.X; x < r.Max.X; x++ {
		dst.Set(x, r.Min.Y, c)
		dst.Set(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		dst.Set(r.Min.X, y, c)
		dst.Set(r.Max.X-1, y, c)
	}
}
