package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/synth"
	"github.com/shardnet/shardnet/netcore"
)

// shared holds data sets built once for the whole package, removed by
// TestMain.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	// An empty cache directory of its own, so that data a user's machine has
	// fetched before cannot stand in for the data a test expects missing.
	cache, err := os.MkdirTemp("", "shardnet-cli-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		os.RemoveAll(cache)
		if shared.dir != "" {
			os.RemoveAll(shared.dir)
		}
	}))
}

// Sizes of the generated data set: small enough that a 30-iteration run
// takes milliseconds, large enough to cut into several micro-shards.
const (
	trainImages = 600
	testImages  = 200
	side        = 8
)

// dataDir returns a directory holding a generated data set, shared by the
// tests that only read it.
func dataDir(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "shardnet-cli-test-"); shared.err != nil {
			return
		}
		shared.err = synth.WriteDataset(shared.dir, trainImages, testImages, side, 1)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir
}

// copyDataset copies the shared data set into a fresh directory that a test
// may damage.
func copyDataset(t *testing.T) string {
	t.Helper()
	src := dataDir(t)
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// result is what one in-process invocation produced.
type result struct {
	code           int
	stdout, stderr string
}

// run invokes the command line in process with an empty environment.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), args...)
}

func runCtx(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, args, cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustRun runs args and fails the test unless they exit 0.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != cli.ExitOK {
		t.Fatalf("shardnet %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

var (
	accuracyLine = regexp.MustCompile(`(?m)^test accuracy: (0\.\d{4}|1\.0000)$`)
	digestLine   = regexp.MustCompile(`(?m)^params sha256: ([0-9a-f]{64})$`)
)

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// digest runs 'shardnet inspect' on a checkpoint and returns its parameter
// digest.
func digest(t *testing.T, model string) string {
	t.Helper()
	r := mustRun(t, "inspect", "--model", model)
	m := digestLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("inspect --model %s printed no params sha256 line:\n%s", model, r.stdout)
	}
	return m[1]
}

// readJSON decodes a JSON file into a generic map.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// checkOneErrorLine asserts the error contract: exactly one stderr line
// starting with "shardnet: ", the last one, and no panic or goroutine dump.
func checkOneErrorLine(t *testing.T, r result) string {
	t.Helper()
	var msgs []string
	for line := range strings.SplitSeq(r.stderr, "\n") {
		if strings.HasPrefix(line, "shardnet: ") {
			msgs = append(msgs, line)
		}
	}
	if len(msgs) != 1 {
		t.Errorf("stderr has %d lines starting with \"shardnet: \", want 1:\n%s", len(msgs), r.stderr)
		return ""
	}
	if lastLine(r.stderr) != msgs[0] {
		t.Errorf("the error line is not the last line of stderr:\n%s", r.stderr)
	}
	for _, bad := range []string{"panic", "goroutine "} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr contains %q:\n%s", bad, r.stderr)
		}
	}
	return msgs[0]
}

// readCheckpointFile reads the checkpoint at path.
func readCheckpointFile(t *testing.T, path string) *netcore.Checkpoint {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ck, err := netcore.ReadCheckpoint(f, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ck
}
