package main_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/synth"
)

// binary is the shardnet executable built by TestMain, and data a generated
// data set; both are empty under -short, where every test skips.
var binary, data string

func TestMain(m *testing.M) {
	if os.Getenv(signalHelper) == "1" {
		os.Exit(signalHelperMain())
	}
	flag.Parse()
	os.Exit(setupAndRun(m))
}

func setupAndRun(m *testing.M) int {
	if testing.Short() {
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "shardnet-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	gocmd, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "main_test: no go command on PATH:", err)
		return 1
	}
	binary = filepath.Join(tmp, "shardnet")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command(gocmd, "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "main_test: go build:", err)
		return 1
	}
	data = filepath.Join(tmp, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// 28×28 images as in MNIST, enough of them that an iteration takes a
	// noticeable fraction of a millisecond and a long run lasts as long as
	// a test needs.
	if err := synth.WriteDataset(data, 3000, 200, 28, 1); err != nil {
		fmt.Fprintln(os.Stderr, "main_test: generate data:", err)
		return 1
	}
	return m.Run()
}

// signalHelper is the environment variable that makes the test binary act
// as a process holding cli.SignalContext (see signalHelperMain).
const signalHelper = "SHARDNET_TEST_SIGNAL_HELPER"

// signalHelperMain runs in a child process: it prints "ready", waits for
// the context to be cancelled by a signal, prints the cause and then waits
// for a second signal, which should kill it. It exits 0 only if none does.
func signalHelperMain() int {
	ctx, stop := cli.SignalContext(context.Background())
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("cancelled:", context.Cause(ctx))
	time.Sleep(10 * time.Second)
	return 0
}

// needBinary skips tests under -short, where no binary was built.
func needBinary(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("builds and runs the binary; skipped under -short")
	}
}

// command prepares the binary with args, in a scratch working directory and
// with an environment where no data can be found or fetched by accident.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	home := t.TempDir()
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "SHARDNET_DATA=")
	return cmd
}

// checkStderr asserts the error contract on a failed run's stderr: one line
// starting with "shardnet: ", the last, and no panic trace.
func checkStderr(t *testing.T, stderr string) string {
	t.Helper()
	var msgs []string
	for line := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(line, "shardnet: ") {
			msgs = append(msgs, line)
		}
	}
	for _, bad := range []string{"panic", "goroutine ", "SIGSEGV"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr contains %q:\n%s", bad, stderr)
		}
	}
	if len(msgs) != 1 {
		t.Errorf("stderr has %d lines starting with \"shardnet: \", want 1:\n%s", len(msgs), stderr)
		return ""
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if lines[len(lines)-1] != msgs[0] {
		t.Errorf("the error line is not the last line of stderr:\n%s", stderr)
	}
	return msgs[0]
}

// TestExitStatus checks the documented exit codes as process statuses.
func TestExitStatus(t *testing.T) {
	needBinary(t)
	out := t.TempDir()
	absurd := filepath.Join(t.TempDir(), "absurd.yaml")
	if err := os.WriteFile(absurd, []byte("learning_rate: 1e300\npixel_scale: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		want   string // substring of stdout for status 0, of the error line otherwise
	}{
		{"version", []string{"version"}, 0, "shardnet "},
		{"help", []string{"help"}, 0, "Usage:"},
		{"train", []string{"train", "--data-dir", data, "--out", out, "--iterations", "3", "--hidden", "4", "--no-fetch"}, 0, "test accuracy: "},
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"trian"}, 2, `unknown command "trian"`},
		{"bad flag", []string{"train", "--hidden", "ten"}, 2, `"ten"`},
		{"no data", []string{"train", "--no-fetch"}, 2, "shardnet fetch"},
		{"diverged", []string{"train", "--config", absurd, "--data-dir", data, "--out", t.TempDir(), "--iterations", "20", "--hidden", "4", "--no-fetch"}, 3, "diverged at iteration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := command(t, tc.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.status {
				t.Fatalf("shardnet %s: status %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), got, tc.status, stdout.String(), stderr.String())
			}
			if tc.status == 0 {
				if !strings.Contains(stdout.String(), tc.want) {
					t.Errorf("stdout lacks %q:\n%s", tc.want, stdout.String())
				}
				return
			}
			if msg := checkStderr(t, stderr.String()); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q lacks %q", msg, tc.want)
			}
		})
	}
}
