package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/shard"
)

// shared holds data sets built once for the whole package, removed by
// TestMain.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
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
		shared.err = writeDataset(shared.dir, trainImages, testImages, side, 1)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir
}

// images generates n side×side images whose class is visible in which
// pixels are bright: class c lights the pixels p with p%10 == c, over faint
// noise, so a small network learns it in a few dozen iterations.
func images(n, side int, rng *rand.Rand) (*shard.Images, []uint8) {
	dim := side * side
	im := &shard.Images{Count: n, Rows: side, Cols: side, Pixels: make([]uint8, n*dim)}
	labels := make([]uint8, n)
	for i := range n {
		c := uint8(rng.IntN(10))
		labels[i] = c
		px := im.Pixels[i*dim : (i+1)*dim]
		for p := range px {
			switch {
			case p%10 == int(c):
				px[p] = uint8(160 + rng.IntN(96))
			case rng.IntN(4) == 0:
				px[p] = uint8(rng.IntN(60))
			}
		}
	}
	return im, labels
}

// writeDataset writes the four IDX files into dir, the training images and
// test labels gzipped and the others raw, so that both encodings are read.
func writeDataset(dir string, train, test, side int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	trIm, trLb := images(train, side, rng)
	teIm, teLb := images(test, side, rng)
	files := []struct {
		name  string
		gz    bool
		write func(*bytes.Buffer) error
	}{
		{shard.TrainImagesFile, true, func(b *bytes.Buffer) error { return shard.WriteImages(b, trIm) }},
		{shard.TrainLabelsFile, false, func(b *bytes.Buffer) error { return shard.WriteLabels(b, trLb) }},
		{shard.TestImagesFile, false, func(b *bytes.Buffer) error { return shard.WriteImages(b, teIm) }},
		{shard.TestLabelsFile, true, func(b *bytes.Buffer) error { return shard.WriteLabels(b, teLb) }},
	}
	for _, f := range files {
		var raw bytes.Buffer
		if err := f.write(&raw); err != nil {
			return err
		}
		name, body := f.name, raw.Bytes()
		if f.gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			if _, err := zw.Write(body); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			name, body = name+".gz", z.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
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
