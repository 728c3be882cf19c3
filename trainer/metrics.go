package trainer

import (
	"encoding/json"
	"io"
	"os"
	"regexp"
	"runtime"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Metrics is the content of a run's metrics.json. The keys are a contract
// that scripts depend on: add new ones, never rename or remove one.
type Metrics struct {
	TestAccuracy    float64         `json:"test_accuracy"`
	TrainCostFinal  float64         `json:"train_cost_final"`
	Iterations      int             `json:"iterations"`
	Workers         int             `json:"workers"`
	Hidden          int             `json:"hidden"`
	LearningRate    float64         `json:"learning_rate"`
	SecondsTotal    float64         `json:"seconds_total"`
	SecondsTraining float64         `json:"seconds_training"`
	MsPerIteration  float64         `json:"ms_per_iteration"`
	Cost            []CostPoint     `json:"cost"`
	Validation      []AccuracyPoint `json:"validation,omitempty"`

	Dataset       string  `json:"dataset"`
	PixelScale    float64 `json:"pixel_scale"`
	Activation    string  `json:"activation"`
	Optimizer     string  `json:"optimizer"`
	BatchSize     int     `json:"batch_size"`
	Seed          uint64  `json:"seed"`
	Deterministic bool    `json:"deterministic"`
	StoppedEarly  bool    `json:"stopped_early,omitempty"`
	ResumedFrom   int     `json:"resumed_from,omitempty"`
	ParamsSHA256  string  `json:"params_sha256"`
	KernelPath    string  `json:"kernel_path"`
	GoVersion     string  `json:"go_version"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	PeakRSSMB     float64 `json:"peak_rss_mb,omitempty"`
}

// WriteMetrics writes m as indented JSON to path, atomically. The
// [iteration, cost] pairs of the cost curve stay on one line each.
func WriteMetrics(path string, m *Metrics) error {
	if m.GoVersion == "" {
		m.GoVersion = runtime.Version()
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = pairLines.ReplaceAll(b, []byte("[$1, $2]"))
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// pairLines matches an indented JSON array of exactly two numbers.
var pairLines = regexp.MustCompile(`\[\n\s*(-?[0-9][0-9.eE+-]*),\n\s*(-?[0-9][0-9.eE+-]*)\n\s*\]`)

// ReadMetrics reads a metrics.json file.
func ReadMetrics(path string) (*Metrics, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Metrics
	return &m, json.Unmarshal(b, &m)
}

// PlotCost draws the cost curve as the post plots it, cost against
// iteration, into a PNG file at path.
func PlotCost(path, title string, cost []CostPoint) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "cost (cross-entropy)"
	p.Add(plotter.NewGrid())
	xy := make(plotter.XYs, len(cost))
	for i, c := range cost {
		xy[i].X, xy[i].Y = float64(c.Iteration), c.Cost
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	points.Shape = draw.CircleGlyph{}
	p.Add(line, points)
	return SavePNG(path, p, 6*vg.Inch, 4*vg.Inch)
}

// SavePNG renders p into a PNG file at path, atomically.
func SavePNG(path string, p *plot.Plot, width, height vg.Length) error {
	img := vgimg.New(width, height)
	p.Draw(draw.New(img))
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
