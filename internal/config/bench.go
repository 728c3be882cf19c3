package config

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bench is the configuration of 'shardnet bench': the training settings to
// time and the grid of worker counts and hidden sizes to sweep.
//
// A bench file takes every key of a training configuration (Config), with
// the same meaning, except three that the sweep gives its own: workers and
// hidden are the lists to sweep, and iterations counts the timed
// iterations of each cell. Warmup and rounds are the bench's alone.
type Bench struct {
	// Train holds the training settings every cell uses; its Workers,
	// Hidden and Iterations are replaced per cell (see Cell).
	Train Config

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
// wide hidden layer, on the seed's settings.
func DefaultBench() Bench {
	var workers IntList
	for w := 1; w < runtime.NumCPU(); w *= 2 {
		workers = append(workers, w)
	}
	workers = append(workers, runtime.NumCPU())
	return Bench{Train: Default(), Workers: workers, Hidden: IntList{10, 300}, Warmup: 2, Iterations: 10, Rounds: 3}
}

// LoadBench returns the bench defaults overlaid with the YAML file at path.
func LoadBench(path string) (Bench, error) {
	b := DefaultBench()
	data, err := os.ReadFile(path)
	if err != nil {
		return b, fmt.Errorf("config: %w", err)
	}
	return b, b.decode(data, path)
}

// decode overlays the flat YAML document data (from the file name) onto b:
// the sweep's keys onto b, every other key onto b.Train, unknown keys being
// errors.
func (b *Bench) decode(data []byte, name string) error {
	return decodeFlat(data, name, func(key string) (any, bool) {
		switch key {
		case "workers":
			return &b.Workers, true
		case "hidden":
			return &b.Hidden, true
		case "warmup":
			return &b.Warmup, true
		case "iterations":
			return &b.Iterations, true
		case "rounds":
			return &b.Rounds, true
		}
		return b.Train.field(key)
	})
}

// MarshalJSON writes the bench configuration as one flat object, as its
// YAML file has it: the training keys and the sweep's.
func (b Bench) MarshalJSON() ([]byte, error) {
	flat := map[string]any{}
	v := reflect.ValueOf(b.Train)
	for i, key := range Keys() {
		flat[key] = v.Field(i).Interface()
	}
	flat["workers"], flat["hidden"] = b.Workers, b.Hidden
	flat["warmup"], flat["iterations"], flat["rounds"] = b.Warmup, b.Iterations, b.Rounds
	return json.Marshal(flat)
}

// Validate checks the sweep's keys in turn and returns at the first bad
// one: first the training keys as the sweep's cells will use them (with all
// their problems, as Config.Validate reports them), then the worker counts,
// hidden sizes, warmup, iterations and rounds.
func (b *Bench) Validate() error {
	c := b.Cell(1, 1)
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

// Cell returns the training configuration of one cell of the sweep: Train
// with the cell's workers and hidden size, warmup plus timed iterations, and
// no cost logging.
func (b *Bench) Cell(workers, hidden int) Config {
	c := b.Train
	c.Workers, c.Hidden = workers, hidden
	c.Iterations = b.Warmup + b.Iterations
	c.LogEvery = c.Iterations + 1
	c.Validation, c.EarlyStopping, c.CheckpointEvery = 0, 0, 0
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
func (l *IntList) Placeholder() string { return "LIST" }

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
