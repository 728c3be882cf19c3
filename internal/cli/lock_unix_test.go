//go:build unix

package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
)

// TestOutLock checks that one run at a time writes to an --out directory:
// a live process's lock refuses a second run, naming the process; a lock
// left by a process that is gone is taken over with a warning; and a run
// removes its lock when it ends.
func TestOutLock(t *testing.T) {
	data := dataDir(t)
	out := t.TempDir()
	lock := filepath.Join(out, "shardnet.lock")
	writeLock := func(content string) {
		t.Helper()
		if err := os.WriteFile(lock, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// This test's process stands for the run that holds the directory.
	writeLock(fmt.Sprintf("%d\n", os.Getpid()))
	for _, args := range [][]string{
		trainArgs(data, out),
		{"bench", "--data-dir", data, "--no-fetch", "--out", out, "--workers", "1", "--hidden", "4", "--iterations", "1", "--warmup", "0", "--rounds", "1"},
	} {
		r := run(t, args...)
		if r.code != cli.ExitUsage {
			t.Errorf("%s into a locked --out: exit %d, want %d\n%s", args[0], r.code, cli.ExitUsage, r.stderr)
		}
		msg := checkOneErrorLine(t, r)
		if want := fmt.Sprintf("in use by another run, process %d", os.Getpid()); !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "model.ckpt")); err == nil {
		t.Error("a refused run wrote model.ckpt")
	}

	writeLock("not a pid\n")
	r := run(t, trainArgs(data, out)...)
	if msg := checkOneErrorLine(t, r); r.code != cli.ExitUsage || !strings.Contains(msg, "want a process ID") {
		t.Errorf("damaged lock: exit %d, message %q", r.code, msg)
	}

	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(gone.Process.Pid, 0); err == nil {
		t.Skipf("process %d was reused already", gone.Process.Pid)
	}
	writeLock(fmt.Sprintf("%d\n", gone.Process.Pid))
	r = mustRun(t, trainArgs(data, out)...)
	if !strings.Contains(r.stderr, "taking over the lock of a process that no longer exists") || !strings.Contains(r.stderr, fmt.Sprintf(`"pid":%d`, gone.Process.Pid)) {
		t.Errorf("a stale lock was taken over without a warning naming its process:\n%s", r.stderr)
	}
	if _, err := os.Stat(lock); err == nil {
		t.Error("the run left its lock behind")
	}
}
