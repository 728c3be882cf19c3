package config

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bench is the configuration of 'shardnet bench': the training settings to
// time and the grid of worker counts and hidden sizes to sweep. It is
// written into bench.json under the same key names as in the YAML file.
type Bench struct {
	Dataset       string  `yaml:"dataset" json:"dataset"`
	DataDir       string  `yaml:"data_dir" json:"data_dir"`
	PixelScale    Scale   `yaml:"pixel_scale" json:"pixel_scale"`
	Activation    string  `yaml:"activation" json:"activation"`
	LearningRate  float64 `yaml:"learning_rate" json:"learning_rate"`
	MicroShards   int     `yaml:"micro_shards" json:"micro_shards"`
	Deterministic bool    `yaml:"deterministic" json:"deterministic"`
	BatchSize     int     `yaml:"batch_size" json:"batch_size"`
	Seed          uint64  `yaml:"seed" json:"seed"`

	Workers    IntList `yaml:"workers" json:"workers"`       // worker counts to sweep; 1 is always measured as the baseline
	Hidden     IntList `yaml:"hidden" json:"hidden"`         // hidden sizes to sweep
	Warmup     int     `yaml:"warmup" json:"warmup"`         // untimed iterations before each measurement
	Iterations int     `yaml:"iterations" json:"iterations"` // timed iterations per measurement
	// Rounds is how many times the whole sweep runs, every other round in
	// reverse order; a cell's timed iterations are pooled over the rounds,
	// so that a slow spell of a shared machine, or the ramp of its clock at
	// the start, does not land on one cell alone.
	Rounds int `yaml:"rounds" json:"rounds"`
}

// DefaultBench sweeps 1, 2, 4, ... up to the CPU count for the seed's and a
// wide hidden layer.
func DefaultBench() Bench {
	d := Default()
	var workers IntList
	for w := 1; w < runtime.NumCPU(); w *= 2 {
		workers = append(workers, w)
	}
	workers = append(workers, runtime.NumCPU())
	return Bench{
		Dataset: d.Dataset, PixelScale: d.PixelScale, Activation: d.Activation, LearningRate: d.LearningRate,
		MicroShards: d.MicroShards, Deterministic: true, Seed: d.Seed,
		Workers: workers, Hidden: IntList{10, 300}, Warmup: 2, Iterations: 10, Rounds: 3,
	}
}

// LoadBench returns the bench defaults overlaid with the YAML file at path.
func LoadBench(path string) (Bench, error) {
	b := DefaultBench()
	data, err := os.ReadFile(path)
	if err != nil {
		return b, fmt.Errorf("config: %w", err)
	}
	return b, decodeStrict(data, path, &b)
}

// Validate checks the sweep's keys in turn and returns at the first bad
// one: first the training keys as the sweep's cells will use them (with all
// their problems, as Config.Validate reports them), then the worker counts,
// hidden sizes, warmup, iterations and rounds.
func (b *Bench) Validate() error {
	// The training keys are checked as the sweep's cells will use them.
	c := b.Train(1, 1)
	if err := c.Validate(); err != nil {
		return err
	}
	if len(b.Workers) == 0 || len(b.Hidden) == 0 {
		return keyErrorf("workers and hidden", "want non-empty lists")
	}
	for _, w := range b.Workers {
		if w < 1 || w > MaxWorkers {
			return keyErrorf("workers", "want counts in 1..%d, found %d", MaxWorkers, w)
		}
	}
	for _, h := range b.Hidden {
		if h < 1 || h > MaxHidden {
			return keyErrorf("hidden", "want sizes in 1..%d, found %d", MaxHidden, h)
		}
	}
	if b.Warmup < 0 {
		return keyErrorf("warmup", "want an integer >= 0, found %d", b.Warmup)
	}
	if b.Iterations < 1 {
		return keyErrorf("iterations", "want an integer >= 1, found %d", b.Iterations)
	}
	if b.Rounds < 1 {
		return keyErrorf("rounds", "want an integer >= 1, found %d", b.Rounds)
	}
	return nil
}

// Train returns the training configuration of one cell of the sweep.
func (b *Bench) Train(workers, hidden int) Config {
	c := Default()
	c.Dataset, c.DataDir, c.PixelScale, c.Activation = b.Dataset, b.DataDir, b.PixelScale, b.Activation
	c.LearningRate, c.MicroShards, c.Deterministic, c.BatchSize, c.Seed = b.LearningRate, b.MicroShards, b.Deterministic, b.BatchSize, b.Seed
	c.Workers, c.Hidden = workers, hidden
	c.Iterations = b.Warmup + b.Iterations
	c.LogEvery = c.Iterations + 1
	return c
}

// IntList is a list of integers, written in YAML as a sequence or a single
// number and on the command line as "1,2,4".
type IntList []int

// String formats the list as "1,2,4".
func (l IntList) String() string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

// Placeholder names the value in help text.
func (l *IntList) Placeholder() string { return "list" }

// Set implements flag.Value.
func (l *IntList) Set(text string) error {
	var out IntList
	for part := range strings.SplitSeq(text, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("want comma-separated integers such as 1,2,4, found %q", text)
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// UnmarshalYAML accepts a sequence of integers or a single integer.
func (l *IntList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: want an integer or a list of integers, found %q", n.Line, n.Value)
		}
		*l = IntList{v}
		return nil
	}
	var out []int
	if err := n.Decode(&out); err != nil {
		return fmt.Errorf("line %d: want a list of integers such as [1, 2, 4]", n.Line)
	}
	*l = out
	return nil
}
