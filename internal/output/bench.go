package output

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Kernel     string `json:"kernel_path"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	// PeakGFLOPS is one core's measured float32 FMA rate (0 if unknown).
	PeakGFLOPS float64 `json:"peak_gflops_per_core"`
}

// BenchRow is one cell of a benchmark's sweep. Its JSON keys are a
// contract.
type BenchRow struct {
	Hidden int `json:"hidden"`
	// Kernel is the kernel path the cell ran (bench --kernels times
	// several; Machine.Kernel is the default).
	Kernel        string  `json:"kernel_path"`
	Workers       int     `json:"workers"`
	MedianMs      float64 `json:"median_ms"`
	MinMs         float64 `json:"min_ms"`
	MaxMs         float64 `json:"max_ms"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	GFLOPS        float64 `json:"gflops"`        // dense-equivalent (see FLOPsNote)
	UsefulGFLOPS  float64 `json:"useful_gflops"` // the non-zero pixels' work alone
	Speedup       float64 `json:"speedup"`
	Efficiency    float64 `json:"efficiency"`
	TimedIters    int     `json:"timed_iterations"`

	// Where an iteration goes, in ms per worker: the mean over the timed
	// iterations and the workers (see trainer.Breakdown).
	GradientMs      float64 `json:"gradient_ms"`
	ReductionMs     float64 `json:"reduction_ms"`
	UpdateMs        float64 `json:"update_ms"`
	WaitingMs       float64 `json:"waiting_ms"`
	CommunicationMs float64 `json:"communication_ms"`
}

// BenchReport is the content of bench.json.
type BenchReport struct {
	Machine Machine `json:"machine"`
	// Config is the benchmark's configuration, written as it marshals to
	// JSON.
	Config     any        `json:"config"`
	Ranks      int        `json:"ranks"` // processes of each run (MPI ranks), 1 alone
	Samples    int        `json:"samples"`
	Rows       []BenchRow `json:"rows"`
	FLOPsNote  string     `json:"flops_note"`
	StartedAt  string     `json:"started_at"`
	SecondsAll float64    `json:"seconds_total"`
}

// WriteBench writes the report into dir as bench.json, bench.csv (one line
// per row) and speedup.png (speedup against workers, one line per hidden
// size, beside the ideal linear speedup).
func WriteBench(dir string, r *BenchReport) error {
	if err := WriteFile(filepath.Join(dir, "bench.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(dir, "bench.csv"), func(w io.Writer) error {
		return writeBenchCSV(w, r.Rows)
	}); err != nil {
		return err
	}
	return speedupPlot(filepath.Join(dir, "speedup.png"), r)
}

func writeBenchCSV(w io.Writer, rows []BenchRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"hidden", "workers", "median_ms", "min_ms", "max_ms", "samples_per_sec", "gflops", "speedup", "efficiency", "timed_iterations", "useful_gflops", "kernel_path"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, r := range rows {
		_ = cw.Write([]string{strconv.Itoa(r.Hidden), strconv.Itoa(r.Workers), f(r.MedianMs), f(r.MinMs), f(r.MaxMs), f(r.SamplesPerSec), f(r.GFLOPS), f(r.Speedup), f(r.Efficiency), strconv.Itoa(r.TimedIters), f(r.UsefulGFLOPS), r.Kernel})
	}
	cw.Flush()
	return cw.Error()
}

// speedupPlot draws speedup against workers, one line per hidden size, with
// the ideal linear speedup for reference.
func speedupPlot(path string, r *BenchReport) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("shardnet speedup over 1 worker (%s)", r.Machine.CPU)
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "speedup"
	p.Add(plotter.NewGrid())
	maxW := 1
	var lines []any
	// One line per hidden size and kernel path, in the rows' order; the
	// path is named only where the report has several.
	type series struct {
		hidden int
		kernel string
	}
	var all []series
	kernels := map[string]bool{}
	for _, row := range r.Rows {
		kernels[row.Kernel] = true
		if sr := (series{row.Hidden, row.Kernel}); !slices.Contains(all, sr) {
			all = append(all, sr)
		}
	}
	for _, sr := range all {
		var xy plotter.XYs
		for _, row := range r.Rows {
			if row.Hidden == sr.hidden && row.Kernel == sr.kernel {
				xy = append(xy, plotter.XY{X: float64(row.Workers), Y: row.Speedup})
				maxW = max(maxW, row.Workers)
			}
		}
		name := fmt.Sprintf("hidden %d", sr.hidden)
		if len(kernels) > 1 {
			name += ", " + sr.kernel
		}
		lines = append(lines, name, xy)
	}
	lines = append(lines, "ideal", plotter.XYs{{X: 1, Y: 1}, {X: float64(maxW), Y: float64(maxW)}})
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return fmt.Errorf("output: speedup plot: %w", err)
	}
	// The machine's core count: beyond it, workers share cores and the
	// speedup can only level off.
	if cores := r.Machine.Cores; cores > 0 {
		top := float64(max(maxW, cores))
		marker, err := plotter.NewLine(plotter.XYs{{X: float64(cores), Y: 0}, {X: float64(cores), Y: top}})
		if err != nil {
			return fmt.Errorf("output: speedup plot: %w", err)
		}
		marker.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		marker.Color = color.Gray{Y: 120}
		p.Add(marker)
		p.Legend.Add(fmt.Sprintf("%d cores", cores), marker)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return savePNG(path, p, 6*vg.Inch, 4*vg.Inch)
}
