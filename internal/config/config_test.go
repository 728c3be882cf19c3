package config_test

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/shardnet/shardnet/internal/config"
)

// decode overlays the YAML text onto the defaults, as Load does for a file.
func decode(t *testing.T, text string) (config.Config, error) {
	t.Helper()
	c := config.Default()
	err := c.Decode(strings.NewReader(text), "test.yaml")
	return c, err
}

// checkMessage checks that err is an error whose message is one line,
// starts with prefix and contains each of want.
func checkMessage(t *testing.T, err error, prefix string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one starting with %q", prefix)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line", msg)
	}
	if !strings.HasPrefix(msg, prefix) {
		t.Errorf("message %q: want it to start with %q", msg, prefix)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}

func TestDefaultValidates(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
	// The defaults are the blog post's own code; a change here changes every
	// result reported against it.
	if c.Hidden != 10 || c.LearningRate != 0.04 || c.Iterations != 2400 || c.PixelScale != 1 ||
		c.InitScale != 0.01 || c.Activation != "sigmoid" || c.Optimizer != "gd" || c.BatchSize != 0 {
		t.Errorf("Default() = %+v, want the seed preset (784-10-10, lr 0.04, 2400 iterations, raw pixels)", c)
	}
}

func TestLoadOverlaysDefaults(t *testing.T) {
	c, err := config.Load(filepath.Join("testdata", "preset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Hidden, want.LearningRate, want.PixelScale = 40, 0.4, config.Scale(1.0/255)
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(preset.yaml) =\n%+v\nwant\n%+v", c, want)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string // substrings of the message
	}{
		{"unknown-key.yaml", []string{"unknown-key.yaml", "line 3", `unknown key "learnig_rate"`}},
		{"wrong-type.yaml", []string{"wrong-type.yaml", "line 2", "hidden", "want an integer", `found "ten"`}},
		{"two-documents.yaml", []string{"two-documents.yaml", "want a single YAML document"}},
		{"missing.yaml", []string{"missing.yaml", "no such file"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := config.Load(filepath.Join("testdata", tc.file))
			checkMessage(t, err, "config: ", tc.want...)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "learnig_rate: 0.1\n", []string{"test.yaml", `unknown key "learnig_rate"`}},
		{"int as word", "hidden: ten\n", []string{"line 1", "hidden: want an integer", `found "ten"`}},
		{"int as list", "hidden: [1, 2]\n", []string{"hidden: want an integer, found a list"}},
		{"float as word", "learning_rate: fast\n", []string{"learning_rate: want a number", `found "fast"`}},
		{"bool as word", "deterministic: maybe\n", []string{"deterministic: want true or false"}},
		{"negative seed", "seed: -1\n", []string{"seed: want a non-negative integer"}},
		{"string as map", "dataset: {a: 1}\n", []string{"dataset: want a string, found a mapping"}},
		{"bad fraction", "pixel_scale: 1/0\n", []string{"pixel_scale", "1/255", `found "1/0"`}},
		{"scale as list", "pixel_scale: [1]\n", []string{"pixel_scale"}},
		{"second key wrong", "hidden: 3\nepsilon: tiny\n", []string{"line 2", "epsilon: want a number"}},
		{"two errors", "hidden: ten\nlearnig_rate: 1\n", []string{"hidden: want an integer", `unknown key "learnig_rate"`}},
		{"not a mapping", "- 1\n- 2\n", []string{"want a mapping of keys to values, found a list"}},
		{"duplicate key", "hidden: 1\nhidden: 2\n", []string{`"hidden" already defined`}},
		{"syntax", "hidden: 10\n  foo: [\n", []string{"test.yaml", "line 2"}},
		{"two documents", "hidden: 10\n---\nhidden: 20\n", []string{"want a single YAML document"}},
		{"empty second document", "---\nhidden: 3\n---\n", []string{"want a single YAML document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(t, tc.yaml)
			checkMessage(t, err, "config: test.yaml: ", tc.want...)
		})
	}
}

// TestDecodeEmpty: a file without a key is an error naming it, not a
// silent run of the defaults.
func TestDecodeEmpty(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "---\n", "~\n"} {
		_, err := decode(t, text)
		checkMessage(t, err, "config: test.yaml: ", "empty, want at least one key")
	}
}

// TestYAMLRoundTrip checks that a configuration marshalled as checkpoints
// embed it decodes back to itself, every key included.
func TestYAMLRoundTrip(t *testing.T) {
	c := config.Default()
	c.DataDir, c.PixelScale, c.Hidden, c.Activation = "/data/x", config.Scale(1.0/255), 300, "relu"
	c.LearningRate, c.Optimizer, c.Schedule, c.StepEvery, c.BatchSize = 0.1, "adam", "step", 50, 128
	c.Validation, c.EarlyStopping, c.Workers, c.Seed, c.CheckpointEvery, c.Deterministic = 1000, 3, 7, 1<<63, 100, false
	text, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range config.Keys() {
		if !strings.Contains(string(text), "\n"+key+":") && !strings.HasPrefix(string(text), key+":") {
			t.Errorf("marshalled configuration lacks key %s:\n%s", key, text)
		}
	}
	got := config.Config{}
	if err := got.Decode(strings.NewReader(string(text)), "roundtrip.yaml"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip =\n%+v\nwant\n%+v", got, c)
	}
}

func TestPixelScale(t *testing.T) {
	for _, tc := range []struct {
		text string
		want float64
	}{
		{"1", 1},
		{"0.5", 0.5},
		{`"1/255"`, 1.0 / 255},
		{"1/255", 1.0 / 255},
		{"2/4", 0.5},
		{" 1 / 255 ", 1.0 / 255},
		{"1e-3", 1e-3},
	} {
		c, err := decode(t, "pixel_scale: "+tc.text+"\n")
		if err != nil {
			t.Errorf("pixel_scale: %s: %v", tc.text, err)
			continue
		}
		if float64(c.PixelScale) != tc.want {
			t.Errorf("pixel_scale: %s = %v, want %v", tc.text, float64(c.PixelScale), tc.want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("pixel_scale: %s: Validate() = %v", tc.text, err)
		}
	}
}

func TestParseScaleErrors(t *testing.T) {
	for _, text := range []string{"", "x", "1/", "/2", "1/0", "1/x", "one"} {
		if v, err := config.ParseScale(text); err == nil {
			t.Errorf("ParseScale(%q) = %v, want an error", text, v)
		} else if !strings.Contains(err.Error(), "want a number or a fraction") {
			t.Errorf("ParseScale(%q) error %q does not say what is wanted", text, err)
		}
	}
}

func TestScaleStringRoundTrip(t *testing.T) {
	for _, v := range []float64{1, 0.5, 1.0 / 255, 1.0 / 256, 2, 0.3, 1e-9} {
		s := config.Scale(v).String()
		got, err := config.ParseScale(s)
		if err != nil {
			t.Errorf("ParseScale(Scale(%v).String() = %q): %v", v, s, err)
			continue
		}
		if math.Abs(got-v) > 1e-15*math.Abs(v) {
			t.Errorf("ParseScale(Scale(%v).String() = %q) = %v", v, s, got)
		}
	}
	if s := config.Scale(1.0 / 255).String(); s != "1/255" {
		t.Errorf("Scale(1/255).String() = %q, want 1/255", s)
	}
}

// TestPresets loads and validates every file in configs/, so that a new
// preset is covered the moment it is added.
func TestPresets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no configs/*.yaml found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if strings.HasPrefix(filepath.Base(f), "bench") {
				b, err := config.LoadBench(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Validate(); err != nil {
					t.Fatal(err)
				}
				return
			}
			c, err := config.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSeedPresetIsDefault(t *testing.T) {
	c, err := config.Load(filepath.Join("..", "..", "configs", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, config.Default()) {
		t.Errorf("configs/seed.yaml =\n%+v\nwant the built-in defaults\n%+v", c, config.Default())
	}
}

func TestLoadPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads unreadable files")
	}
	path := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(path, []byte("hidden: 3\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "secret.yaml") {
		t.Errorf("Load(unreadable) = %v, want an error naming the file", err)
	}
}
