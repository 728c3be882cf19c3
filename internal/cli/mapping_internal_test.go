package cli

import (
	"reflect"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/trainer"
)

// TestTrainerConfigSchedules: every schedule of the configuration maps onto
// its own trainer schedule, and a name the mapping does not know is an
// error naming the key, not a silent constant rate.
func TestTrainerConfigSchedules(t *testing.T) {
	for name, want := range map[string]trainer.Schedule{
		"constant": trainer.Constant(0.1),
		"step":     trainer.StepDecay{Initial: 0.1, Every: 3, Gamma: 0.5},
		"cosine":   trainer.Cosine{Initial: 0.1},
	} {
		c := config.Default()
		c.LearningRate, c.Schedule, c.StepEvery, c.StepGamma = 0.1, name, 3, 0.5
		got, err := trainerConfig(c)
		if err != nil {
			t.Fatalf("schedule %q: %v", name, err)
		}
		if got.LearningRate != want {
			t.Errorf("schedule %q maps onto %#v, want %#v", name, got.LearningRate, want)
		}
	}
	c := config.Default()
	c.Schedule = "linear"
	_, err := trainerConfig(c)
	want := `config: schedule: want one of [constant step cosine], found "linear"`
	if err == nil || err.Error() != want {
		t.Errorf("schedule linear: error %v, want %q", err, want)
	}
}

// TestDefaultsAgree: the command line's defaults (internal/config) map onto
// trainer.DefaultConfig, the library's, so that the two cannot drift apart.
func TestDefaultsAgree(t *testing.T) {
	got, err := trainerConfig(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if want := trainer.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.Default maps onto\n%+v\ntrainer.DefaultConfig is\n%+v", got, want)
	}
}
