package config_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
)

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// parse registers the configuration flags on a fresh set and parses args.
func parse(t *testing.T, args ...string) (*config.Overrides, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := config.Register(fs)
	return o, fs.Parse(args)
}

func TestFlagsOverrideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.yaml")
	if err := writeFile(path, "hidden: 40\nlearning_rate: 0.4\nseed: 9\nlog_every: 7\n"); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	o, err := parse(t, "--learning-rate", "2", "--pixel-scale", "1/255", "--deterministic=false", "--workers=3", "-log-every", "1")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Apply(&c); err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Hidden, want.Seed = 40, 9 // from the file, no flag given
	want.LearningRate, want.PixelScale, want.Deterministic, want.Workers, want.LogEvery = 2, config.Scale(1.0/255), false, 3, 1
	if c != want {
		t.Errorf("after Apply:\n%+v\nwant\n%+v", c, want)
	}
	for key, given := range map[string]bool{"learning_rate": true, "pixel_scale": true, "deterministic": true, "workers": true, "log_every": true, "hidden": false, "seed": false, "iterations": false} {
		if o.Has(key) != given {
			t.Errorf("Has(%q) = %v, want %v", key, o.Has(key), given)
		}
	}
}

func TestNoFlagsChangeNothing(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	c.Hidden, c.Dataset, c.PixelScale = 77, "fashion-mnist", 0.5
	before := c
	if err := o.Apply(&c); err != nil {
		t.Fatal(err)
	}
	if c != before {
		t.Errorf("Apply without flags changed\n%+v\ninto\n%+v", before, c)
	}
}

func TestEveryKeyHasAFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	config.Register(fs)
	for _, key := range config.Keys() {
		f := fs.Lookup(config.FlagName(key))
		if f == nil {
			t.Errorf("key %s has no flag --%s", key, config.FlagName(key))
			continue
		}
		if f.Usage == "" {
			t.Errorf("flag --%s has no help text", f.Name)
		}
		if strings.Contains(f.Name, "_") {
			t.Errorf("flag --%s has an underscore", f.Name)
		}
	}
}

func TestFlagValues(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(config.Config) bool
	}{
		{[]string{"--dataset", "fashion-mnist"}, func(c config.Config) bool { return c.Dataset == "fashion-mnist" }},
		{[]string{"--data-dir=/x/y"}, func(c config.Config) bool { return c.DataDir == "/x/y" }},
		{[]string{"--pixel-scale", "0.5"}, func(c config.Config) bool { return c.PixelScale == 0.5 }},
		{[]string{"--seed", "18446744073709551615"}, func(c config.Config) bool { return c.Seed == 1<<64-1 }},
		{[]string{"--deterministic"}, func(c config.Config) bool { return c.Deterministic }},
		{[]string{"--init-scale", "1e-3"}, func(c config.Config) bool { return c.InitScale == 1e-3 }},
		{[]string{"--checkpoint-every", "10"}, func(c config.Config) bool { return c.CheckpointEvery == 10 }},
		// The last of a repeated flag wins, as with the standard flag package.
		{[]string{"--hidden", "3", "--hidden", "5"}, func(c config.Config) bool { return c.Hidden == 5 }},
	} {
		o, err := parse(t, tc.args...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		c := config.Default()
		c.Deterministic = false
		if err := o.Apply(&c); err != nil {
			t.Errorf("%v: Apply: %v", tc.args, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("%v: got %+v", tc.args, c)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--hidden", "ten"}, `want an integer, found "ten"`},
		{[]string{"--learning-rate", "fast"}, `want a number, found "fast"`},
		{[]string{"--pixel-scale", "1/0"}, "want a number or a fraction such as 1/255"},
		{[]string{"--seed", "-1"}, "want a non-negative integer"},
		{[]string{"--deterministic=maybe"}, "want true or false"},
		{[]string{"--hidden"}, "flag needs an argument"},
		{[]string{"--learnig-rate", "1"}, "flag provided but not defined: -learnig-rate"},
	} {
		_, err := parse(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

func TestHelpShowsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	config.Register(fs)
	fs.PrintDefaults()
	for _, want := range []string{"-learning-rate", "(default 0.04)", "-hidden", "(default 10)", "-pixel-scale"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help text lacks %q:\n%s", want, out.String())
		}
	}
}
