// Package report draws the PNG reports of an evaluation: the confusion
// matrix as a heat map with the counts in its cells, and a sheet of the
// model's worst mistakes, the misclassified images it was surest about.
package report

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/shardnet/shardnet/trainer"
)

// Classes is the number of classes the reports show.
const Classes = trainer.Classes

// Confusion draws confusion (indexed [true][predicted], as
// trainer.Evaluation holds it) as a heat map PNG at path, true classes as
// rows from 0 at the top, predicted classes as columns, each cell with its
// count. The shade follows the logarithm of the count so that the few
// mistakes stay visible beside the thousand correct answers per class.
func Confusion(path string, confusion [Classes][Classes]int, title string) error {
	var maxCount int
	for _, row := range confusion {
		for _, n := range row {
			if n < 0 {
				return fmt.Errorf("report: confusion matrix: want counts >= 0, found %d", n)
			}
			maxCount = max(maxCount, n)
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "true"
	grid := confusionGrid(confusion)
	hm := plotter.NewHeatMap(grid, blues{})
	hm.Min, hm.Max = 0, math.Max(math.Log1p(float64(maxCount)), 1)
	p.Add(hm)

	var cells plotter.XYLabels
	for t := range Classes {
		for pr := range Classes {
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(pr), Y: float64(Classes - 1 - t)})
			cells.Labels = append(cells.Labels, strconv.Itoa(confusion[t][pr]))
		}
	}
	labels, err := plotter.NewLabels(cells)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for i := range labels.TextStyle {
		t, pr := i/Classes, i%Classes
		style := &labels.TextStyle[i]
		style.XAlign, style.YAlign = text.XCenter, text.YCenter
		style.Font.Size = vg.Points(9)
		style.Color = color.Black
		// White text where the cell is dark enough for black to be hard to read.
		if math.Log1p(float64(confusion[t][pr])) > 0.6*hm.Max {
			style.Color = color.White
		}
	}
	p.Add(labels)

	var xTicks, yTicks plot.ConstantTicks
	for c := range Classes {
		xTicks = append(xTicks, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
		yTicks = append(yTicks, plot.Tick{Value: float64(Classes - 1 - c), Label: strconv.Itoa(c)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xTicks, yTicks
	p.X.Min, p.X.Max = -0.5, Classes-0.5
	p.Y.Min, p.Y.Max = -0.5, Classes-0.5
	return trainer.SavePNG(path, p, 6*vg.Inch, 6*vg.Inch)
}

// confusionGrid lays the matrix out for plotter.HeatMap: column c is the
// predicted class c, row r (counted from the bottom) the true class 9-r.
type confusionGrid [Classes][Classes]int

func (g confusionGrid) Dims() (c, r int) { return Classes, Classes }
func (g confusionGrid) Z(c, r int) float64 {
	return math.Log1p(float64(g[Classes-1-r][c]))
}
func (g confusionGrid) X(c int) float64 { return float64(c) }
func (g confusionGrid) Y(r int) float64 { return float64(r) }

// blues is a sequential palette from white to dark blue.
type blues struct{}

func (blues) Colors() []color.Color {
	const n = 256
	from, to := [3]float64{247, 251, 255}, [3]float64{8, 48, 107}
	cs := make([]color.Color, n)
	for i := range cs {
		f := float64(i) / (n - 1)
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(from[k] + f*(to[k]-from[k])))
		}
		cs[i] = color.RGBA{c[0], c[1], c[2], 255}
	}
	return cs
}

// grayView wraps the row-major pixels of one image as a greyscale image
// without copying them.
func grayView(pix []uint8, rows, cols int) *image.Gray {
	return &image.Gray{Pix: pix, Stride: cols, Rect: image.Rect(0, 0, cols, rows)}
}
