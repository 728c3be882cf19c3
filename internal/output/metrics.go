package output

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
)

// Metrics is the content of a run's metrics.json. The keys are a contract
// that scripts depend on: add new ones, never rename or remove one.
type Metrics struct {
	TestAccuracy    float64         `json:"test_accuracy"`
	TrainCostFinal  float64         `json:"train_cost_final"`
	Iterations      int             `json:"iterations"`
	Workers         int             `json:"workers"`
	Ranks           int             `json:"ranks"`                 // processes of the run (an MPI job's size, 1 alone)
	WorkersPerRank  int             `json:"workers_per_rank"`      // workers in each process
	SecondsComm     float64         `json:"seconds_communication"` // time spent summing across processes
	Hidden          int             `json:"hidden"`
	LearningRate    float64         `json:"learning_rate"`
	SecondsTotal    float64         `json:"seconds_total"`
	SecondsTraining float64         `json:"seconds_training"`
	MsPerIteration  float64         `json:"ms_per_iteration"`
	Cost            [][2]float64    `json:"cost"` // [iteration, mean training cost before its update] at every logged iteration
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

// AccuracyPoint is the validation accuracy after an iteration.
type AccuracyPoint struct {
	Iteration int     `json:"iteration"`
	Accuracy  float64 `json:"accuracy"`
}

// WriteMetrics writes m as indented JSON to path, atomically, with the Go
// version filled in if m lacks it. The [iteration, cost] pairs of the cost
// curve stay on one line each.
func WriteMetrics(path string, m *Metrics) error {
	if m.GoVersion == "" {
		m.GoVersion = runtime.Version()
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("output: encode %s: %w", path, err)
	}
	b = pairLines.ReplaceAll(b, []byte("[$1, $2]"))
	return WriteFile(path, func(w io.Writer) error {
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
		return nil, fmt.Errorf("output: %w", err)
	}
	var m Metrics
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("output: %s: %w", path, err)
	}
	return &m, nil
}
