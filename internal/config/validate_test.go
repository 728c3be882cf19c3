package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
)

// TestValidateRejects has one row per validation rule and bad value. Each
// row is a YAML overlay of the defaults that breaks exactly that rule, so the
// error must be a single line naming the key.
func TestValidateRejects(t *testing.T) {
	for _, tc := range []struct {
		key, yaml string
		want      string // substring besides the key
	}{
		{"dataset", "dataset: cifar", `found "cifar"`},
		{"dataset", "dataset: MNIST", `found "MNIST"`},
		{"activation", "activation: softplus", "want one of [sigmoid tanh relu]"},
		{"init", "init: uniform", "want one of [normal xavier he]"},
		{"optimizer", "optimizer: sgd", "want one of [gd momentum nesterov adam]"},
		{"schedule", "schedule: linear", "want one of [constant step cosine]"},
		{"pixel_scale", "pixel_scale: 0", "want a number > 0"},
		{"pixel_scale", "pixel_scale: -1", "want a number > 0"},
		{"pixel_scale", "pixel_scale: NaN", "want a finite number"},
		{"pixel_scale", "pixel_scale: Inf", "want a finite number"},
		{"init_scale", "init_scale: 0", "want a number > 0"},
		{"init_scale", "init_scale: .nan", "want a finite number"},
		{"learning_rate", "learning_rate: 0", "want a number > 0, found 0"},
		{"learning_rate", "learning_rate: -0.1", "found -0.1"},
		{"learning_rate", "learning_rate: .inf", "want a finite number"},
		{"learning_rate", "learning_rate: .nan", "want a finite number"},
		{"momentum", "momentum: -0.1", "want a number in [0, 1)"},
		{"momentum", "momentum: 1", "want a number in [0, 1)"},
		{"beta1", "beta1: 1", "want a number in [0, 1)"},
		{"beta1", "beta1: -0.5", "want a number in [0, 1)"},
		{"beta2", "beta2: 1.5", "want a number in [0, 1)"},
		{"epsilon", "epsilon: 0", "want a number > 0"},
		{"epsilon", "epsilon: -.inf", "want a finite number"},
		{"weight_decay", "weight_decay: -0.01", "want a number >= 0"},
		{"step_gamma", "step_gamma: 0", "want a number in (0, 1]"},
		{"step_gamma", "step_gamma: 1.5", "want a number in (0, 1]"},
		{"step_every", "schedule: step\nstep_every: 0", "the step schedule wants an integer >= 1"},
		{"step_every", "step_every: -1", "want an integer >= 0"},
		{"hidden", "hidden: 0", "want an integer >= 1, found 0"},
		{"hidden", "hidden: -5", "found -5"},
		{"hidden", "hidden: 65537", "want at most 65536 units"},
		{"iterations", "iterations: 0", "want an integer >= 1"},
		{"workers", "workers: 0", "want an integer >= 1, found 0"},
		{"workers", "workers: 1025", "want at most 1024"},
		{"micro_shards", "micro_shards: 0", "want an integer >= 1"},
		{"log_every", "log_every: 0", "want an integer >= 1"},
		{"batch_size", "batch_size: -1", "want an integer >= 0"},
		{"validation", "validation: -1", "want an integer >= 0"},
		{"early_stopping", "early_stopping: -1", "want an integer >= 0"},
		{"early_stopping", "early_stopping: 3", "needs a validation split"},
		{"eval_every", "eval_every: -1", "want an integer >= 0"},
		{"checkpoint_every", "checkpoint_every: -10", "want an integer >= 0"},
	} {
		t.Run(tc.key+"="+strings.ReplaceAll(tc.yaml, "\n", ","), func(t *testing.T) {
			c, err := decode(t, tc.yaml+"\n")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			// One line: exactly one problem.
			checkMessage(t, c.Validate(), "config: "+tc.key+": ", tc.want)
		})
	}
}

// TestValidateAccepts checks the edges of each range from the inside.
func TestValidateAccepts(t *testing.T) {
	for _, text := range []string{
		"dataset: fashion-mnist",
		"activation: tanh", "activation: relu",
		"init: xavier", "init: he",
		"optimizer: momentum", "optimizer: nesterov", "optimizer: adam",
		"schedule: cosine", "schedule: step\nstep_every: 1",
		"pixel_scale: 1e-9", "pixel_scale: 255",
		"momentum: 0", "momentum: 0.999", "beta1: 0", "beta2: 0",
		"weight_decay: 0", "step_gamma: 1",
		"hidden: 1", "hidden: 65536", "workers: 1", "workers: 1024",
		"iterations: 1", "micro_shards: 1", "log_every: 1",
		"batch_size: 0", "batch_size: 1", "checkpoint_every: 0", "eval_every: 0",
		"validation: 100\nearly_stopping: 3",
	} {
		c, err := decode(t, text+"\n")
		if err != nil {
			t.Errorf("Decode(%q): %v", text, err)
			continue
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%q: Validate() = %v, want nil", text, err)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := config.Default()
	c.Hidden, c.LearningRate, c.Dataset = 0, -1, "cifar"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want three problems")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("Validate() = %q, want three lines", err)
	}
	for _, key := range []string{"dataset", "learning_rate", "hidden"} {
		if !strings.Contains(err.Error(), "config: "+key+": ") {
			t.Errorf("Validate() = %q does not name %s", err, key)
		}
	}
}

func TestBenchValidate(t *testing.T) {
	if b := config.DefaultBench(); b.Validate() != nil {
		t.Fatalf("DefaultBench().Validate() = %v", b.Validate())
	}
	for _, tc := range []struct {
		key    string
		change func(*config.Bench)
	}{
		{"workers", func(b *config.Bench) { b.Workers = config.IntList{1, 0} }},
		{"workers", func(b *config.Bench) { b.Workers = config.IntList{1025} }},
		{"workers", func(b *config.Bench) { b.Workers = nil }},
		{"hidden", func(b *config.Bench) { b.Hidden = config.IntList{0} }},
		{"hidden", func(b *config.Bench) { b.Hidden = config.IntList{1 << 17} }},
		{"hidden", func(b *config.Bench) { b.Hidden = nil }},
		{"warmup", func(b *config.Bench) { b.Warmup = -1 }},
		{"iterations", func(b *config.Bench) { b.Iterations = 0 }},
		{"rounds", func(b *config.Bench) { b.Rounds = 0 }},
		{"learning_rate", func(b *config.Bench) { b.Train.LearningRate = 0 }},
		{"dataset", func(b *config.Bench) { b.Train.Dataset = "cifar" }},
		{"micro_shards", func(b *config.Bench) { b.Train.MicroShards = 0 }},
		{"batch_size", func(b *config.Bench) { b.Train.BatchSize = -2 }},
		{"optimizer", func(b *config.Bench) { b.Train.Optimizer = "sgd" }},
	} {
		b := config.DefaultBench()
		tc.change(&b)
		err := b.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.HasPrefix(err.Error(), "config: ") {
			t.Errorf("%s: %+v: Validate() = %v, want an error naming %s", tc.key, b, err, tc.key)
		}
	}
}

func TestBenchCell(t *testing.T) {
	b := config.DefaultBench()
	b.Warmup, b.Iterations, b.Train.LearningRate = 2, 5, 0.5
	c := b.Cell(3, 17)
	if c.Workers != 3 || c.Hidden != 17 || c.Iterations != 7 || c.LearningRate != 0.5 {
		t.Errorf("Cell(3, 17) = %+v, want 3 workers, 17 hidden, 7 iterations, learning rate 0.5", c)
	}
	if c.LogEvery <= c.Iterations-1 {
		t.Errorf("Cell(3, 17).LogEvery = %d: a timed run should log only its last iteration", c.LogEvery)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Cell(3, 17).Validate() = %v", err)
	}
}

func TestIntList(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
		ok   bool
	}{
		{"1,2,4", "1,2,4", true},
		{" 1, 2 ,4 ", "1,2,4", true},
		{"8", "8", true},
		{"1,,2", "", false},
		{"1,two", "", false},
		{"", "", false},
	} {
		var l config.IntList
		err := l.Set(tc.text)
		if (err == nil) != tc.ok {
			t.Errorf("Set(%q) error = %v, want ok=%v", tc.text, err, tc.ok)
			continue
		}
		if tc.ok && l.String() != tc.want {
			t.Errorf("Set(%q) = %s, want %s", tc.text, l, tc.want)
		}
	}
}

func TestLoadBenchYAML(t *testing.T) {
	for _, tc := range []struct {
		yaml, workers, hidden string
		errWant               string
	}{
		{"workers: [1, 2]\nhidden: 7\n", "1,2", "7", ""},
		{"workers:\n  - 3\n  - 5\nhidden: [4, 8]\n", "3,5", "4,8", ""},
		{"workers: [1, x]\n", "", "", "workers: want a list of integers"},
		{"workers:\n  - 1\n  - x\n", "", "", "line 2: workers: want a list of integers"},
		{"hidden: ten\n", "", "", "hidden: want an integer or a list"},
		{"hiden: 7\n", "", "", `unknown key "hiden"`},
		{"", "", "", "empty, want at least one key"},
		// Every training key means what it means in a training file.
		{"workers: [2]\nhidden: [5]\noptimizer: adam\nbatch_size: 64\n", "2", "5", ""},
		{"optimizer: rmsprop\nlearning_rate: x\n", "", "", "line 2: learning_rate: want a number"},
	} {
		path := fmt.Sprintf("%s/bench.yaml", t.TempDir())
		if err := writeFile(path, tc.yaml); err != nil {
			t.Fatal(err)
		}
		b, err := config.LoadBench(path)
		if tc.errWant != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errWant) || !strings.Contains(err.Error(), "bench.yaml") {
				t.Errorf("LoadBench(%q) = %v, want an error containing %q and the file name", tc.yaml, err, tc.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("LoadBench(%q): %v", tc.yaml, err)
			continue
		}
		if b.Workers.String() != tc.workers || b.Hidden.String() != tc.hidden {
			t.Errorf("LoadBench(%q) = workers %s hidden %s, want %s and %s", tc.yaml, b.Workers, b.Hidden, tc.workers, tc.hidden)
		}
	}
}
