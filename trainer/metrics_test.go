package trainer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/trainer"
)

// TestWriteMetrics checks that metrics.json reads back as written and keeps
// each [iteration, cost] pair of the cost curve on one line.
func TestWriteMetrics(t *testing.T) {
	m := &trainer.Metrics{
		TestAccuracy: 0.8873,
		Iterations:   400,
		Cost:         []trainer.CostPoint{{Iteration: 0, Cost: 2.3036123517074714}, {Iteration: 200, Cost: 1.5e-7}, {Iteration: 399, Cost: 0.4}},
		Validation:   []trainer.AccuracyPoint{{Iteration: 200, Accuracy: 0.91}},
		Dataset:      "mnist",
		GoVersion:    "go-test",
	}
	path := filepath.Join(t.TempDir(), "metrics.json")
	if err := trainer.WriteMetrics(path, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"    [0, 2.3036123517074714],", "    [200, 1.5e-7],", "    [399, 0.4]"} {
		if !strings.Contains(string(b), line+"\n") {
			t.Errorf("metrics.json lacks the line %q:\n%s", line, b)
		}
	}
	got, err := trainer.ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("read back %+v, wrote %+v", got, m)
	}
}
