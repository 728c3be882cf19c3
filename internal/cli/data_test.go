package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/shard"
)

// loadedFrom returns the directory the "data loaded" log line names.
func loadedFrom(t *testing.T, stderr string) string {
	t.Helper()
	for line := range strings.SplitSeq(stderr, "\n") {
		var entry struct{ Msg, Dir string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "data loaded" {
			return entry.Dir
		}
	}
	t.Fatalf("no \"data loaded\" log line:\n%s", stderr)
	return ""
}

// TestDataLocation checks where train looks for the data and in which order:
// --data-dir alone when given; else $SHARDNET_DATA/<dataset>, $SHARDNET_DATA
// itself (MNIST only), ./data/<dataset>, the cache directory.
func TestDataLocation(t *testing.T) {
	src := dataDir(t)
	root := t.TempDir()
	link := func(dir string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(src, dir); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
		return dir
	}
	envDirect := link(filepath.Join(root, "env-direct"))
	envParent := filepath.Join(root, "env-parent")
	envSub := link(filepath.Join(envParent, "mnist"))
	cwd := filepath.Join(root, "cwd")
	local := link(filepath.Join(cwd, "data", "mnist"))
	cache := filepath.Join(root, "cache")
	cached := link(filepath.Join(cache, "shardnet", "mnist"))
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Chdir(cwd)

	for _, tc := range []struct {
		name, flag, env, want string
	}{
		{"flag first", src, envDirect, src},
		{"SHARDNET_DATA/mnist before SHARDNET_DATA", "", envParent, envSub},
		{"SHARDNET_DATA itself", "", envDirect, envDirect},
		{"./data/mnist", "", "", filepath.Join("data", "mnist")},
		{"SHARDNET_DATA without data falls through", "", filepath.Join(root, "nothing"), filepath.Join("data", "mnist")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"train", "--no-fetch", "--iterations", "1", "--hidden", "4", "--workers", "1", "--out", t.TempDir(), "--log-format", "json"}
			if tc.flag != "" {
				args = append(args, "--data-dir", tc.flag)
			}
			var out, errb bytes.Buffer
			getenv := func(k string) string {
				if k == "SHARDNET_DATA" {
					return tc.env
				}
				return ""
			}
			if code := cli.Main(t.Context(), args, cli.Env{Stdout: &out, Stderr: &errb, Getenv: getenv}); code != 0 {
				t.Fatalf("exit %d:\n%s", code, errb.String())
			}
			if got := loadedFrom(t, errb.String()); got != tc.want {
				t.Errorf("data loaded from %s, want %s", got, tc.want)
			}
		})
	}

	// A --data-dir without the files is an error even though every other
	// place has them.
	empty := t.TempDir()
	testOnly := copyDataset(t)
	for _, name := range []string{shard.TrainImagesFile, shard.TrainLabelsFile} {
		path, err := shard.FindFile(testOnly, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, "train", "--no-fetch", "--iterations", "1", "--hidden", "4", "--data-dir", empty, "--out", t.TempDir())
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "data_dir "+empty+": no mnist files") {
		t.Errorf("train --data-dir EMPTY: exit %d, stderr %q; want exit %d naming the directory", r.code, r.stderr, cli.ExitUsage)
	}

	// A directory that does not exist, and one lacking some files, say so
	// and name what is missing; eval needs the test files alone.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data-dir", filepath.Join(empty, "none")}, "data_dir " + filepath.Join(empty, "none") + ": no such directory"},
		{[]string{"train", "--data-dir", testOnly}, "data_dir " + testOnly + ": missing train-images-idx3-ubyte, train-labels-idx1-ubyte (each .gz or raw)"},
	} {
		r := run(t, append(tc.args, "--no-fetch", "--iterations", "1", "--hidden", "4", "--out", t.TempDir())...)
		if msg := checkOneErrorLine(t, r); r.code != cli.ExitUsage || !strings.Contains(msg, tc.want) {
			t.Errorf("shardnet %s: exit %d, message %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, msg, cli.ExitUsage, tc.want)
		}
	}
	model := filepath.Join(t.TempDir(), "model.ckpt")
	mustRun(t, "train", "--data-dir", dataDir(t), "--no-fetch", "--iterations", "1", "--hidden", "4", "--pixel-scale", "1/255", "--out", filepath.Dir(model))
	if r := mustRun(t, "eval", "--model", model, "--data-dir", testOnly, "--no-fetch"); !accuracyLine.MatchString(r.stdout) {
		t.Errorf("eval on the test files alone printed no accuracy:\n%s", r.stdout)
	}
	// An eval that fails on its data leaves no --out directory it made.
	reports := filepath.Join(t.TempDir(), "reports")
	if r := run(t, "eval", "--model", model, "--data-dir", empty, "--no-fetch", "--out", reports); r.code != cli.ExitUsage {
		t.Errorf("eval --data-dir EMPTY: exit %d, want %d\n%s", r.code, cli.ExitUsage, r.stderr)
	}
	if _, err := os.Stat(reports); !os.IsNotExist(err) {
		t.Errorf("the failed eval left %s behind (stat: %v)", reports, err)
	}

	// With ./data/mnist gone the cache directory is the last resort.
	if err := os.Remove(local); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "train", "--no-fetch", "--iterations", "1", "--hidden", "4", "--workers", "1", "--out", t.TempDir(), "--log-format", "json")
	if got := loadedFrom(t, r.stderr); got != cached {
		t.Errorf("data loaded from %s, want the cache %s", got, cached)
	}
}

// TestConfigFileAndFlags trains from a configuration file with one key
// overridden on the command line.
func TestConfigFileAndFlags(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	cfg := filepath.Join(t.TempDir(), "run.yaml")
	text := fmt.Sprintf("data_dir: %s\nhidden: 6\nlearning_rate: 3\npixel_scale: 1/255\niterations: 5\nlog_every: 2\nworkers: 1\n", data)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "train", "--config", cfg, "--hidden", "4", "--out", out, "--no-fetch")
	m := readJSON(t, filepath.Join(out, "metrics.json"))
	for key, want := range map[string]any{"hidden": 4.0, "learning_rate": 3.0, "iterations": 5.0, "workers": 1.0, "pixel_scale": 1.0 / 255} {
		if m[key] != want {
			t.Errorf("metrics.json %s = %v, want %v", key, m[key], want)
		}
	}
	if got := fmt.Sprint(m["cost"]); !strings.HasPrefix(got, "[[0 ") || strings.Count(got, "[") != 4 {
		t.Errorf("cost %s, want points at iterations 0, 2 and 4", got)
	}
	// The checkpoint embeds the effective configuration.
	in := mustRun(t, "inspect", "--model", filepath.Join(out, "model.ckpt"))
	for _, want := range []string{"hidden: 4", "learning_rate: 3", "log_every: 2"} {
		if !strings.Contains(in.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, in.stdout)
		}
	}
}

// TestConsoleLog checks the default, human-readable log format.
func TestConsoleLog(t *testing.T) {
	r := mustRun(t, "train", "--data-dir", dataDir(t), "--no-fetch", "--iterations", "2", "--hidden", "4", "--out", t.TempDir())
	if !strings.Contains(r.stderr, "INFO\ttraining\t") || strings.HasPrefix(r.stderr, "{") {
		t.Errorf("console log expected:\n%s", r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "model: ") {
		t.Errorf("stdout %q, want the model path and the accuracy", r.stdout)
	}
}

func TestVersion(t *testing.T) {
	r := mustRun(t, "version")
	if !strings.HasPrefix(r.stdout, "shardnet ") || !strings.Contains(r.stdout, runtime.Version()) ||
		!strings.Contains(r.stdout, runtime.GOOS+"/"+runtime.GOARCH) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("version printed %q, want one line naming the Go version and platform", r.stdout)
	}
}

// TestValidationAndEarlyStopping checks the validation split's entries in
// metrics.json, and that early stopping ends a run whose accuracy cannot
// improve: at a learning rate of 1e-9 the predictions never change, so the
// second evaluation is no better than the first.
func TestValidationAndEarlyStopping(t *testing.T) {
	data := dataDir(t)
	out := t.TempDir()
	mustRun(t, trainArgs(data, out, "--iterations", "20", "--validation", "100", "--eval-every", "10")...)
	m := readJSON(t, filepath.Join(out, "metrics.json"))
	if got := fmt.Sprint(m["validation"]); !strings.HasPrefix(got, "[map[accuracy:") || !strings.Contains(got, "iteration:10]") || !strings.Contains(got, "iteration:20]") {
		t.Errorf("metrics.json validation = %s, want accuracies at iterations 10 and 20", got)
	}

	out = t.TempDir()
	mustRun(t, trainArgs(data, out, "--iterations", "50", "--learning-rate", "1e-9", "--validation", "100", "--eval-every", "5", "--early-stopping", "1")...)
	m = readJSON(t, filepath.Join(out, "metrics.json"))
	if m["stopped_early"] != true || m["iterations"] != 10.0 {
		t.Errorf("stopped_early %v after %v iterations, want true after 10", m["stopped_early"], m["iterations"])
	}
}
