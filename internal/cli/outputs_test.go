package cli_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
)

// TestOutputsCheckedFirst gives train, bench and eval outputs that cannot
// be written: each fails at once with exit 2 and one line, before any
// training, and leaves nothing behind.
func TestOutputsCheckedFirst(t *testing.T) {
	data := dataDir(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.ckpt")
	mustRun(t, trainArgs(data, filepath.Dir(model))...)
	for _, tc := range []struct {
		name string
		args func(out string) []string
		want []string
	}{
		{"train trace in a missing directory", func(out string) []string {
			return trainArgs(data, filepath.Join(out, "run"), "--trace", filepath.Join(out, "none", "trace.json"))
		}, []string{"--trace", "none", "does not exist"}},
		{"train out below a file", func(string) []string {
			return trainArgs(data, filepath.Join(blocker, "run"))
		}, []string{"--out", "create output directory"}},
		{"train out is a file", func(string) []string {
			return trainArgs(data, blocker)
		}, []string{"--out " + blocker, "a file, want a directory"}},
		{"bench trace in a missing directory", func(out string) []string {
			return []string{"bench", "--data-dir", data, "--no-fetch", "--out", out, "--workers", "1", "--hidden", "4",
				"--iterations", "1", "--warmup", "0", "--rounds", "1", "--trace", filepath.Join(out, "none", "t.json")}
		}, []string{"--trace", "does not exist"}},
		{"eval probabilities in a missing directory", func(out string) []string {
			return []string{"eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", out, "--probabilities", filepath.Join(out, "none", "p.npy")}
		}, []string{"--probabilities", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := run(t, tc.args(out)...)
			if r.code != cli.ExitUsage {
				t.Errorf("exit %d, want %d\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			msg := checkOneErrorLine(t, r)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if strings.Contains(r.stderr, `"msg":"cost"`) || strings.Contains(r.stderr, `"msg":"measured"`) {
				t.Errorf("the run started before the check:\n%s", r.stderr)
			}
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("a failed run left %v in the output directory", entries)
			}
			if _, err := os.Stat(filepath.Join(out, "run")); err == nil {
				t.Error("a failed run made its --out directory")
			}
		})
	}
}

// TestUnwritableOut makes --out read-only: train fails before training.
func TestUnwritableOut(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("permissions do not stop root (CI's user) from writing; TestOutputsCheckedFirst covers the check")
	}
	out := t.TempDir()
	if err := os.Chmod(out, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(out, 0o755) })
	r := run(t, trainArgs(dataDir(t), out)...)
	if r.code != cli.ExitUsage {
		t.Errorf("exit %d, want %d\n%s", r.code, cli.ExitUsage, r.stderr)
	}
	if msg := checkOneErrorLine(t, r); !strings.Contains(msg, "--out: cannot write in "+out) {
		t.Errorf("message %q", msg)
	}
}

// TestLateWriteKeepsModel fails the last write of a run (metrics.json,
// which a directory of that name blocks, as a full disk would): the model
// is kept, the other files are written, and the error line says where the
// model is.
func TestLateWriteKeepsModel(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "metrics.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := run(t, trainArgs(dataDir(t), out)...)
	if r.code != cli.ExitFailure {
		t.Errorf("exit %d, want %d\n%s", r.code, cli.ExitFailure, r.stderr)
	}
	model := filepath.Join(out, "model.ckpt")
	msg := checkOneErrorLine(t, r)
	for _, w := range []string{"metrics.json", "the model is saved in " + model} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	for _, name := range []string{"model.ckpt", "cost.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("a failed metrics.json lost %s: %v", name, err)
		}
	}
	if !strings.Contains(r.stdout, "model: "+model+"\n") {
		t.Errorf("stdout %q does not name the model", r.stdout)
	}
}
