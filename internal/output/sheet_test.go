package output

import (
	"image"
	"testing"
)

// TestMistakeSheetTiles checks, pixel by pixel, that every tile shows its
// image enlarged zoom times with the ink dark on white, in reading order,
// and that a caption was drawn under it.
func TestMistakeSheetTiles(t *testing.T) {
	var mistakes []Mistake
	for k := range 8 {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for i := range img.Pix {
			img.Pix[i] = uint8((i*(k+3) + k) % 256)
		}
		mistakes = append(mistakes, Mistake{Index: k, Image: img, Label: k % 10, Predicted: (k + 1) % 10, Confidence: 0.9})
	}
	sheet, err := mistakeSheet(mistakes, "title")
	if err != nil {
		t.Fatal(err)
	}
	tileH := 28*zoom + captionH
	if b := sheet.Bounds(); b.Dx() != gap+sheetColumns*(tileWidth+gap) || b.Dy() != titleH+2*(tileH+gap)+gap {
		t.Fatalf("sheet is %v, want 6 columns and 2 rows of tiles", b)
	}
	for k, m := range mistakes {
		x0 := gap + (k%sheetColumns)*(tileWidth+gap) + (tileWidth-28*zoom)/2
		y0 := titleH + (k/sheetColumns)*(tileH+gap)
		for y := range 28 * zoom {
			for x := range 28 * zoom {
				want := 255 - m.Image.Pix[(y/zoom)*28+x/zoom]
				if c := sheet.RGBAAt(x0+x, y0+y); c.R != want || c.G != want || c.B != want {
					t.Fatalf("tile %d pixel (%d, %d) is %v, want grey %d", k, x, y, c, want)
				}
			}
		}
		dark := 0
		for y := y0 + 28*zoom; y < y0+tileH; y++ {
			for x := x0; x < x0+28*zoom; x++ {
				if sheet.RGBAAt(x, y).R < 128 {
					dark++
				}
			}
		}
		if dark < 50 {
			t.Errorf("tile %d: %d dark pixels under the image, want a caption", k, dark)
		}
	}
}
