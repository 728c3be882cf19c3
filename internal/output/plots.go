package output

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// CostPlot draws the cost curve, [iteration, cost] pairs, as the post plots
// it, cost against iteration, into a PNG file at path.
func CostPlot(path, title string, cost [][2]float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "cost (cross-entropy)"
	p.Add(plotter.NewGrid())
	xy := make(plotter.XYs, len(cost))
	for i, c := range cost {
		xy[i].X, xy[i].Y = c[0], c[1]
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return fmt.Errorf("output: cost plot: %w", err)
	}
	points.Shape = draw.CircleGlyph{}
	p.Add(line, points)
	return savePNG(path, p, 6*vg.Inch, 4*vg.Inch)
}

// savePNG renders p into a PNG file at path, atomically.
func savePNG(path string, p *plot.Plot, width, height vg.Length) error {
	img := vgimg.New(width, height)
	p.Draw(draw.New(img))
	return WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// Confusion draws a confusion matrix, confusion[true][predicted] with one
// row and column per class, as a heat map PNG at path: true classes as
// rows from 0 at the top, predicted classes as columns, each cell with its
// count. The shade follows the logarithm of the count so that the few
// mistakes stay visible beside the thousand correct answers per class.
func Confusion(path string, confusion [][]int, title string) error {
	classes := len(confusion)
	var maxCount int
	for t, row := range confusion {
		if len(row) != classes {
			return fmt.Errorf("output: confusion matrix: row %d has %d columns, want %d", t, len(row), classes)
		}
		for _, n := range row {
			if n < 0 {
				return fmt.Errorf("output: confusion matrix: want counts >= 0, found %d", n)
			}
			maxCount = max(maxCount, n)
		}
	}
	if classes == 0 {
		return fmt.Errorf("output: confusion matrix: no classes")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "true"
	hm := plotter.NewHeatMap(confusionGrid(confusion), blues{})
	hm.Min, hm.Max = 0, math.Max(math.Log1p(float64(maxCount)), 1)
	p.Add(hm)

	var cells plotter.XYLabels
	for t := range classes {
		for pr := range classes {
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(pr), Y: float64(classes - 1 - t)})
			cells.Labels = append(cells.Labels, strconv.Itoa(confusion[t][pr]))
		}
	}
	labels, err := plotter.NewLabels(cells)
	if err != nil {
		return fmt.Errorf("output: confusion matrix: %w", err)
	}
	for i := range labels.TextStyle {
		t, pr := i/classes, i%classes
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
	for c := range classes {
		xTicks = append(xTicks, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
		yTicks = append(yTicks, plot.Tick{Value: float64(classes - 1 - c), Label: strconv.Itoa(c)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xTicks, yTicks
	p.X.Min, p.X.Max = -0.5, float64(classes)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(classes)-0.5
	return savePNG(path, p, 6*vg.Inch, 6*vg.Inch)
}

// confusionGrid lays the matrix out for plotter.HeatMap: column c is the
// predicted class c, row r (counted from the bottom) the true class
// classes-1-r.
type confusionGrid [][]int

func (g confusionGrid) Dims() (c, r int) { return len(g), len(g) }
func (g confusionGrid) Z(c, r int) float64 {
	return math.Log1p(float64(g[len(g)-1-r][c]))
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
