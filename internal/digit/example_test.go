package digit_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"

	"github.com/shardnet/shardnet/internal/digit"
)

// A "1" drawn as a dark bar on white paper comes out light on black, scaled
// to 20 pixels tall and centred in the 28×28 field.
func ExamplePrepare() {
	paper := image.NewGray(image.Rect(0, 0, 100, 150))
	draw.Draw(paper, paper.Bounds(), image.NewUniform(color.Gray{240}), image.Point{}, draw.Src)
	draw.Draw(paper, image.Rect(30, 20, 50, 130), image.NewUniform(color.Gray{20}), image.Point{}, draw.Src)

	var file bytes.Buffer // stands in for a PNG file on disk
	if err := png.Encode(&file, paper); err != nil {
		log.Fatal(err)
	}
	img, err := digit.Decode(&file, "one.png")
	if err != nil {
		log.Fatal(err)
	}
	pix, err := digit.Prepare(img)
	if err != nil {
		log.Fatal(err)
	}
	for y := 0; y < digit.Size; y += 2 {
		for x := 0; x < digit.Size; x++ {
			if pix[y*digit.Size+x] > 127 {
				fmt.Print("#")
			} else {
				fmt.Print(".")
			}
		}
		fmt.Println()
	}
	// Output:
	// ............................
	// ............................
	// ............................
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// .............####...........
	// ............................
}
