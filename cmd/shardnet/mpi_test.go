//go:build unix

package main_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shardnet/shardnet/internal/synth"
)

// The tests of training across processes run shardnet built with -tags mpi
// under Open MPI's mpirun, at each rank count of $SHARDNET_MPI_RANKS
// (default "2,3"). They skip where mpirun or Open MPI's development files
// are missing, unless $SHARDNET_REQUIRE_MPI is 1 (as in CI), which makes
// that a failure.

// mpiSetup builds the MPI binary once for the tests that need it.
var mpiSetup struct {
	once   sync.Once
	binary string
	err    error
}

// mpiBinary returns the path of shardnet built with the mpi tag, or skips
// (or fails, where required) without MPI.
func mpiBinary(t *testing.T) string {
	t.Helper()
	needBinary(t)
	_, noRun := exec.LookPath("mpirun")
	_, noConfig := exec.Command("pkg-config", "--exists", "ompi").CombinedOutput()
	if noRun != nil || noConfig != nil {
		msg := "needs Open MPI: mpirun and pkg-config's ompi (apt-get install openmpi-bin libopenmpi-dev pkg-config)"
		if os.Getenv("SHARDNET_REQUIRE_MPI") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	mpiSetup.once.Do(func() {
		mpiSetup.binary = filepath.Join(filepath.Dir(binary), "shardnet-mpi")
		build := exec.Command("go", "build", "-tags", "mpi", "-o", mpiSetup.binary, ".")
		if out, err := build.CombinedOutput(); err != nil {
			mpiSetup.err = fmt.Errorf("go build -tags mpi: %v\n%s", err, out)
		}
	})
	if mpiSetup.err != nil {
		t.Fatal(mpiSetup.err)
	}
	return mpiSetup.binary
}

// rankCounts returns the rank counts to test.
func rankCounts(t *testing.T) []int {
	t.Helper()
	spec := os.Getenv("SHARDNET_MPI_RANKS")
	if spec == "" {
		spec = "2,3"
	}
	var out []int
	for part := range strings.SplitSeq(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			t.Fatalf("SHARDNET_MPI_RANKS=%q: want rank counts such as 2,3", spec)
		}
		out = append(out, n)
	}
	return out
}

// mpirun prepares an mpirun command line: the flags that let it run as root
// in a container, place more ranks than cores, and leave each rank free to
// use every core (so that GOMAXPROCS is right), then the application
// contexts in apps, each "-np N binary args..." (several joined by ":").
func mpirun(t *testing.T, ctx context.Context, apps ...[]string) *exec.Cmd {
	t.Helper()
	args := []string{"--allow-run-as-root", "--oversubscribe", "--bind-to", "none"}
	for i, app := range apps {
		if i > 0 {
			args = append(args, ":")
		}
		args = append(args, app...)
	}
	cmd := exec.CommandContext(ctx, "mpirun", args...)
	home := t.TempDir()
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "SHARDNET_DATA=")
	return cmd
}

// app is one application context of mpirun: np ranks of bin with args.
func app(np int, bin string, args ...string) []string {
	return append([]string{"-np", strconv.Itoa(np), bin}, args...)
}

// runMPI runs cmd to the end, within a minute, and returns its exit
// status, stdout and stderr.
func runMPI(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

var digestOut = regexp.MustCompile(`(?m)^params sha256: ([0-9a-f]{64})$`)

// paramsDigest returns the parameter digest of a checkpoint.
func paramsDigest(t *testing.T, model string) string {
	t.Helper()
	out, err := command(t, "inspect", "--model", model).Output()
	if err != nil {
		t.Fatalf("inspect %s: %v", model, err)
	}
	m := digestOut.FindSubmatch(out)
	if m == nil {
		t.Fatalf("inspect %s printed no digest:\n%s", model, out)
	}
	return string(m[1])
}

// trainArgs are the arguments of a short run on the generated data.
func trainArgs(out string, iterations int, extra ...string) []string {
	return append([]string{"train", "--data-dir", data, "--out", out, "--no-fetch", "--iterations", strconv.Itoa(iterations),
		"--hidden", "12", "--pixel-scale", "1/255", "--learning-rate", "0.5", "--log-every", "4", "--log-format", "json"}, extra...)
}

// singleDigest trains on one process alone and returns the digest.
func singleDigest(t *testing.T, iterations, workers int, extra ...string) string {
	t.Helper()
	out := t.TempDir()
	args := trainArgs(out, iterations, append([]string{"--workers", strconv.Itoa(workers)}, extra...)...)
	if b, err := command(t, args...).CombinedOutput(); err != nil {
		t.Fatalf("shardnet %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return paramsDigest(t, filepath.Join(out, "model.ckpt"))
}

// TestMPIBitwise: an MPI job of every rank count and 1 or 2 workers per
// rank ends with the parameters of one process of 1, 2 or 7 workers, full
// batch and mini-batch; rank 0 alone writes the outputs and the stdout
// lines.
func TestMPIBitwise(t *testing.T) {
	bin := mpiBinary(t)
	for _, batch := range []string{"0", "200"} {
		want := singleDigest(t, 8, 1, "--batch-size", batch)
		for _, workers := range []int{2, 7} {
			if got := singleDigest(t, 8, workers, "--batch-size", batch); got != want {
				t.Fatalf("batch %s: one process of %d workers gives %s, of 1 worker %s", batch, workers, got, want)
			}
		}
		for _, ranks := range rankCounts(t) {
			for _, workers := range []int{1, 2} {
				out := t.TempDir()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				status, stdout, stderr := runMPI(t, mpirun(t, ctx, app(ranks, bin,
					append(trainArgs(out, 8, "--batch-size", batch, "--workers", strconv.Itoa(workers)), "--backend", "mpi")...)))
				cancel()
				if status != 0 {
					t.Fatalf("batch %s, %d ranks of %d workers: status %d\nstdout:\n%s\nstderr:\n%s", batch, ranks, workers, status, stdout, stderr)
				}
				if got := paramsDigest(t, filepath.Join(out, "model.ckpt")); got != want {
					t.Errorf("batch %s, %d ranks of %d workers: params sha256 %s, one process %s", batch, ranks, workers, got, want)
				}
				if n := strings.Count(stdout, "test accuracy: "); n != 1 {
					t.Errorf("%d ranks: %d test accuracy lines on stdout, want rank 0's alone:\n%s", ranks, n, stdout)
				}
				if n := strings.Count(stderr, `"msg":"training"`); n != 1 {
					t.Errorf("%d ranks: %d \"training\" log lines, want rank 0's alone:\n%s", ranks, n, stderr)
				}
				if names := dirNames(out); !slices.Equal(names, []string{"cost.png", "metrics.json", "model.ckpt"}) {
					t.Errorf("%d ranks: the output directory holds %v, want rank 0's three files alone", ranks, names)
				}
				metrics, err := os.ReadFile(filepath.Join(out, "metrics.json"))
				if err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{fmt.Sprintf(`"ranks": %d`, ranks), fmt.Sprintf(`"workers_per_rank": %d`, workers), `"seconds_communication": `} {
					if !strings.Contains(string(metrics), key) {
						t.Errorf("%d ranks: metrics.json lacks %s", ranks, key)
					}
				}
			}
		}
	}
}

// TestMPISignalResume: SIGTERM to every rank mid-run (as Slurm or a
// container runtime delivers it) stops them all after one iteration, rank 0
// writes its checkpoint and every rank exits 143; the checkpoint then
// resumes under another rank count to the parameters of a run never
// stopped.
func TestMPISignalResume(t *testing.T) {
	bin := mpiBinary(t)
	counts := rankCounts(t)
	// The stopped runs are endless; their checkpoints resume to 400
	// iterations (the learning rate is constant, so the total does not
	// change the steps).
	const iterations = 400
	want := singleDigest(t, iterations, 2)
	for i, ranks := range counts {
		out := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := mpirun(t, ctx, app(ranks, bin, append(trainArgs(out, 1000000, "--workers", "1"), "--backend", "mpi")...))
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		sc := bufio.NewScanner(pipe)
		signalled := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), `"iteration":8,`) {
				signalRanks(t, cmd.Process.Pid, syscall.SIGTERM)
				signalled = true
			}
		}
		if err := cmd.Wait(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
		if status := cmd.ProcessState.ExitCode(); status != 143 {
			t.Fatalf("%d ranks: status %d after SIGTERM, want 143\nstderr:\n%s", ranks, status, stderr.String())
		}
		checkpoints, _ := filepath.Glob(filepath.Join(out, "ckpt-*.ckpt"))
		if len(checkpoints) != 1 || !strings.Contains(stderr.String(), "shardnet: trainer: interrupted after iteration") {
			t.Fatalf("%d ranks: checkpoints %v after SIGTERM, want one, and the interruption reported\nstderr:\n%s", ranks, checkpoints, stderr.String())
		}
		// Resume under another rank count (or one process alone).
		other := counts[(i+1)%len(counts)]
		if other == ranks {
			other = 1
		}
		resumed := t.TempDir()
		args := []string{"train", "--resume", checkpoints[0], "--iterations", strconv.Itoa(iterations), "--data-dir", data, "--out", resumed, "--no-fetch", "--workers", "2", "--log-format", "json"}
		var rcmd *exec.Cmd
		if other == 1 {
			rcmd = command(t, args...)
		} else {
			rcmd = mpirun(t, ctx, app(other, bin, append(args, "--backend", "mpi")...))
		}
		if status, _, rerr := runMPI(t, rcmd); status != 0 {
			t.Fatalf("resuming %s under %d ranks: status %d\n%s", checkpoints[0], other, status, rerr)
		}
		if got := paramsDigest(t, filepath.Join(resumed, "model.ckpt")); got != want {
			t.Errorf("stopped under %d ranks, resumed under %d: params sha256 %s, an uninterrupted run %s", ranks, other, got, want)
		}
	}
}

// signalRanks sends sig to the children of process parent: mpirun's ranks.
func signalRanks(t *testing.T, parent int, sig syscall.Signal) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("find the ranks: %v", err)
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ")".
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(parent) {
			if err := syscall.Kill(pid, sig); err == nil {
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no rank found to signal")
	}
}

// TestMPIFailingRank: a job one of whose ranks has a damaged data file ends
// within seconds with exit status 2, that rank's one line naming the file
// and the rank; nothing hangs.
func TestMPIFailingRank(t *testing.T) {
	bin := mpiBinary(t)
	bad := t.TempDir()
	entries, err := os.ReadDir(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(data, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(e.Name(), "t10k-images") {
			b = b[:len(b)/2]
		}
		if err := os.WriteFile(filepath.Join(bad, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ranks := range rankCounts(t) {
		out := t.TempDir()
		good := append(trainArgs(out, 1000000, "--workers", "1"), "--backend", "mpi")
		broken := slices.Clone(good)
		broken[slices.Index(broken, "--data-dir")+1] = bad
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		began := time.Now()
		status, _, stderr := runMPI(t, mpirun(t, ctx, app(ranks-1, bin, good...), app(1, bin, broken...)))
		took := time.Since(began)
		cancel()
		if status != 2 {
			t.Fatalf("%d ranks, the last with damaged data: status %d, want 2\nstderr:\n%s", ranks, status, stderr)
		}
		if took > 30*time.Second {
			t.Errorf("%d ranks: the job took %v to end", ranks, took.Round(time.Second))
		}
		line := fmt.Sprintf("shardnet: rank %d: shard: t10k-images", ranks-1)
		if !strings.Contains(stderr, line) {
			t.Errorf("%d ranks: stderr lacks %q:\n%s", ranks, line, stderr)
		}
	}
}

// TestMPIWithoutTag: a binary built without the mpi tag asked for
// --backend mpi says so, and how to build one, and exits 2.
func TestMPIWithoutTag(t *testing.T) {
	needBinary(t)
	cmd := command(t, "train", "--backend", "mpi", "--data-dir", data, "--no-fetch")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if status := cmd.ProcessState.ExitCode(); status != 2 {
		t.Fatalf("status %d, want 2", status)
	}
	if msg := checkStderr(t, stderr.String()); !strings.Contains(msg, "built without MPI support") || !strings.Contains(msg, "go build -tags mpi") {
		t.Errorf("message %q does not say how to build with MPI", msg)
	}
}

// TestMPIKernelPaths: processes on different kernel paths of the one
// arithmetic (here the portable one beside the default) train together,
// to bitwise the parameters of one process.
func TestMPIKernelPaths(t *testing.T) {
	bin := mpiBinary(t)
	want := singleDigest(t, 3, 1)
	out := t.TempDir()
	args := append(trainArgs(out, 3, "--workers", "1"), "--backend", "mpi")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	generic := append([]string{"-x", "SHARDNET_KERNEL=generic"}, app(1, bin, args...)...)
	status, _, stderr := runMPI(t, mpirun(t, ctx, app(1, bin, args...), generic))
	if status != 0 {
		t.Fatalf("status %d, want 0\nstderr:\n%s", status, stderr)
	}
	if got := paramsDigest(t, filepath.Join(out, "model.ckpt")); got != want {
		t.Errorf("the default path beside the portable one: params sha256 %s, one process %s", got, want)
	}
}

// TestMPILaunch: under mpirun, the build with MPI joins the job without
// --backend mpi, to the parameters of one process; the build without MPI
// refuses to train a duplicate of the run, with one line and exit status 2,
// and writes nothing.
func TestMPILaunch(t *testing.T) {
	bin := mpiBinary(t)
	ranks := rankCounts(t)[0]
	want := singleDigest(t, 6, 2)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	status, stdout, stderr := runMPI(t, mpirun(t, ctx, app(ranks, bin, trainArgs(out, 6, "--workers", "1")...)))
	if status != 0 {
		t.Fatalf("%d ranks without --backend: status %d\nstdout:\n%s\nstderr:\n%s", ranks, status, stdout, stderr)
	}
	if got := paramsDigest(t, filepath.Join(out, "model.ckpt")); got != want {
		t.Errorf("%d ranks without --backend: params sha256 %s, one process %s", ranks, got, want)
	}
	if metrics, err := os.ReadFile(filepath.Join(out, "metrics.json")); err != nil || !strings.Contains(string(metrics), fmt.Sprintf(`"ranks": %d`, ranks)) {
		t.Errorf("%d ranks without --backend: metrics.json does not say %d ranks (%v):\n%s", ranks, ranks, err, metrics)
	}

	none := filepath.Join(t.TempDir(), "run")
	status, stdout, stderr = runMPI(t, mpirun(t, ctx, app(ranks, binary, trainArgs(none, 6)...)))
	if status != 2 {
		t.Fatalf("the build without MPI under mpirun: status %d, want 2\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	lines := shardnetLines(stderr)
	if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("one of %d processes started by mpirun", ranks)) || !strings.Contains(lines[0], "built without MPI support") {
		t.Errorf("the build without MPI under mpirun printed %q, want one line saying it was built without MPI", lines)
	}
	if strings.Contains(stdout, "test accuracy") {
		t.Errorf("the build without MPI under mpirun trained:\n%s", stdout)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("the refused run made %s (stat: %v)", none, err)
	}
}

// dirNames returns the names in directory dir, sorted (none if it cannot
// be read).
func dirNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// shardnetLines returns the lines of stderr that shardnet's errors print.
func shardnetLines(stderr string) []string {
	var out []string
	for line := range strings.Lines(stderr) {
		if strings.HasPrefix(line, "shardnet: ") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestMPIDisagreement: ranks started with different settings, data or
// checkpoints end the job within seconds with exit status 2 and one line
// naming the key, rank 0's value and the other rank's, and write nothing;
// ranks that differ only in their workers, which may, train.
func TestMPIDisagreement(t *testing.T) {
	bin := mpiBinary(t)
	ranks := slices.Max(rankCounts(t))
	if ranks < 2 {
		t.Skip("needs 2 ranks or more")
	}
	other := t.TempDir()
	if err := synth.WriteDataset(other, 3000, 200, 28, 2); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "run")
	if b, err := command(t, trainArgs(ckpt, 2)...).CombinedOutput(); err != nil {
		t.Fatalf("train a checkpoint: %v\n%s", err, b)
	}
	last := ranks - 1
	for _, c := range []struct {
		name   string
		differ []string // the last rank's extra arguments
		line   string   // "" for a run that trains
	}{
		{"hidden", []string{"--hidden", "20"}, fmt.Sprintf("the ranks of the job disagree on hidden: rank 0 has 12, rank %d has 20", last)},
		{"learning rate", []string{"--learning-rate", "0.1"}, fmt.Sprintf("disagree on learning_rate: rank 0 has 0.5, rank %d has 0.1", last)},
		{"data", []string{"--data-dir", other}, "disagree on training data: rank 0 has 3000 images, sha256 "},
		{"resume", []string{"--resume", filepath.Join(ckpt, "model.ckpt")}, fmt.Sprintf("disagree on --resume: rank 0 has none, rank %d has %s", last, filepath.Join(ckpt, "model.ckpt"))},
		{"workers", []string{"--workers", "2"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			args := append(trainArgs(out, 4, "--workers", "1"), "--backend", "mpi")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			began := time.Now()
			status, stdout, stderr := runMPI(t, mpirun(t, ctx, app(ranks-1, bin, args...), app(1, bin, append(slices.Clone(args), c.differ...)...)))
			if took := time.Since(began); took > 30*time.Second {
				t.Errorf("the job took %v to end", took.Round(time.Second))
			}
			if c.line == "" {
				if status != 0 {
					t.Fatalf("status %d, want 0\nstderr:\n%s", status, stderr)
				}
				return
			}
			if status != 2 {
				t.Fatalf("status %d, want 2\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
			}
			if lines := shardnetLines(stderr); len(lines) != 1 || !strings.Contains(lines[0], c.line) {
				t.Errorf("shardnet printed %q, want one line with %q\nstderr:\n%s", lines, c.line, stderr)
			}
			for _, bad := range []string{"panic", "goroutine ", "double free", "errno"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr contains %q:\n%s", bad, stderr)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the job made %s (stat: %v)", out, err)
			}
		})
	}
}
