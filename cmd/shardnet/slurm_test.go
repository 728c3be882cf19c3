//go:build unix

package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests of Slurm launches run shardnet built with -tags mpi on the
// Slurm cluster that $SLURM_CONF names (scripts/slurm/cluster.sh starts a
// one-node one, as CI does), at 2 ranks. They skip without one, unless
// $SHARDNET_REQUIRE_SLURM is 1 (as in CI), which makes that a failure.

// slurmReady skips (or fails, where required) unless a Slurm cluster
// answers.
func slurmReady(t *testing.T) {
	t.Helper()
	msg := ""
	if os.Getenv("SLURM_CONF") == "" {
		msg = "needs a Slurm cluster: SLURM_CONF unset (scripts/slurm/cluster.sh start DIR prints one)"
	} else if out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil {
		msg = fmt.Sprintf("needs a Slurm cluster: sinfo: %v: %s", err, out)
	}
	if msg == "" {
		return
	}
	if os.Getenv("SHARDNET_REQUIRE_SLURM") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// slurmCommand prepares a Slurm client command (srun, sbatch, ...) in dir,
// with the environment the ranks need: mpirun's consent to run as root, and
// no data to find by accident.
func slurmCommand(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "SHARDNET_DATA=",
		"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
	return cmd
}

// checkJobOutput checks a finished 2-rank run into out: the parameters of
// one process, rank 0's three files alone, metrics.json saying 2 ranks,
// and one test accuracy line in stdout.
func checkJobOutput(t *testing.T, launch, out, stdout, want string) {
	t.Helper()
	got := paramsDigest(t, filepath.Join(out, "model.ckpt"))
	if got != want {
		t.Errorf("%s: params sha256 %s, one process %s", launch, got, want)
	}
	names := dirNames(out)
	if !slices.Equal(names, []string{"cost.png", "metrics.json", "model.ckpt"}) {
		t.Errorf("%s: the output directory holds %v, want rank 0's three files alone", launch, names)
	}
	metrics, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil || !strings.Contains(string(metrics), `"ranks": 2,`) {
		t.Errorf("%s: metrics.json does not say 2 ranks (%v)", launch, err)
	}
	if n := strings.Count(stdout, "test accuracy: "); n != 1 {
		t.Errorf("%s: %d test accuracy lines, want rank 0's alone:\n%s", launch, n, stdout)
	}
	t.Logf("%s -n 2: params sha256 %s (one process: %s), metrics.json ranks 2, rank 0 alone wrote %v", launch, got, want, names)
}

// TestSlurmSrun: srun --mpi=pmix starts 2 ranks directly, which train to
// the parameters of one process; rank 0 alone writes.
func TestSlurmSrun(t *testing.T) {
	bin := mpiBinary(t)
	slurmReady(t)
	want := singleDigest(t, 8, 2)
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// --overcommit: a task per CPU is all Slurm gives otherwise, and
	// srun would wait for CPUs a small machine lacks.
	cmd := slurmCommand(ctx, dir, "srun", append([]string{"--mpi=pmix", "--overcommit", "-n", "2", bin},
		append(trainArgs(out, 8, "--workers", "1"), "--backend", "mpi")...)...)
	status, stdout, stderr := runMPI(t, cmd)
	if status != 0 {
		t.Fatalf("srun: status %d\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	checkJobOutput(t, "srun --mpi=pmix", out, stdout, want)

	// Without a PMI, Open MPI could not join the processes: refused
	// before MPI starts, with one line saying what to add.
	none := filepath.Join(t.TempDir(), "run")
	cmd = slurmCommand(ctx, dir, "srun", append([]string{"--mpi=none", "--overcommit", "-n", "2", bin}, trainArgs(none, 8)...)...)
	status, _, stderr = runMPI(t, cmd)
	lines := shardnetLines(stderr)
	if status != 2 || len(lines) != 1 || !strings.Contains(lines[0], "add --mpi=pmix") {
		t.Errorf("srun --mpi=none: status %d, lines %q; want 2 and one line saying to add --mpi=pmix\n%s", status, lines, stderr)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("srun --mpi=none made %s (stat: %v)", none, err)
	}
	t.Logf("srun --mpi=none -n 2: status %d, %s", status, strings.Join(lines, ""))
}

// trainSbatch is the example batch script.
func trainSbatch(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "scripts", "slurm", "train.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSlurmSbatch: the example batch script, submitted with sbatch -n 2,
// runs mpirun in its allocation to the parameters of one process, and its
// job's exit code is 0; rank 0 alone writes.
func TestSlurmSbatch(t *testing.T) {
	bin := mpiBinary(t)
	slurmReady(t)
	want := singleDigest(t, 8, 2)
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	log := filepath.Join(dir, "job.out")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := slurmCommand(ctx, dir, "sbatch", append([]string{"--wait", "--overcommit", "-n", "2", "-o", log, trainSbatch(t)},
		trainArgs(out, 8)[1:]...)...) // the script says train
	cmd.Env = append(cmd.Env, "SHARDNET_BIN="+bin)
	status, stdout, stderr := runMPI(t, cmd)
	job, _ := os.ReadFile(log)
	if status != 0 {
		t.Fatalf("sbatch --wait: status %d\n%s%s\njob output:\n%s", status, stdout, stderr, job)
	}
	checkJobOutput(t, "sbatch train.sbatch", out, string(job), want)
}

var jobID = regexp.MustCompile(`^\d+`)

// TestSlurmCancel: scancel of a running job of the example script stops
// its ranks together; rank 0 writes a checkpoint that loads, and
// shardnet's last line in the job's output says so.
func TestSlurmCancel(t *testing.T) {
	bin := mpiBinary(t)
	slurmReady(t)
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	log := filepath.Join(dir, "job.out")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	submit := slurmCommand(ctx, dir, "sbatch", append([]string{"--parsable", "--overcommit", "-n", "2", "-o", log, trainSbatch(t)},
		trainArgs(out, 1000000)[1:]...)...)
	submit.Env = append(submit.Env, "SHARDNET_BIN="+bin)
	b, err := submit.Output()
	if err != nil {
		t.Fatalf("sbatch: %v", err)
	}
	id := jobID.FindString(strings.TrimSpace(string(b)))
	if id == "" {
		t.Fatalf("sbatch printed %q, no job id", b)
	}
	defer exec.Command("scancel", id).Run() // on failure below
	waitFor(t, ctx, "iteration 8 in the job's output", func() bool {
		job, _ := os.ReadFile(log)
		if lines := shardnetLines(string(job)); len(lines) > 0 {
			t.Fatalf("the job failed before it was cancelled:\n%s", job)
		}
		return strings.Contains(string(job), `"iteration":8,`)
	})
	if b, err := slurmCommand(ctx, dir, "scancel", id).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v\n%s", id, err, b)
	}
	waitFor(t, ctx, "the job to end", func() bool {
		b, err := exec.Command("squeue", "-h", "-j", id).Output()
		return err != nil || strings.TrimSpace(string(b)) == ""
	})
	job, _ := os.ReadFile(log)
	checkpoints, _ := filepath.Glob(filepath.Join(out, "ckpt-*.ckpt"))
	if len(checkpoints) != 1 {
		t.Fatalf("checkpoints %v after scancel, want one\njob output:\n%s", checkpoints, job)
	}
	lines := shardnetLines(string(job))
	if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], "interrupted after iteration") || !strings.Contains(lines[len(lines)-1], checkpoints[0]) {
		t.Errorf("shardnet's last line %q does not say where the checkpoint is\njob output:\n%s", lines, job)
	}
	t.Logf("scancel: %s; params sha256 %s", lines[len(lines)-1], paramsDigest(t, checkpoints[0]))
	if _, err := os.Stat(filepath.Join(out, "model.ckpt")); !os.IsNotExist(err) {
		t.Errorf("the cancelled job wrote model.ckpt (stat: %v)", err)
	}
}

// waitFor polls done every 100 ms until it is true, failing the test when
// ctx ends first.
func waitFor(t *testing.T, ctx context.Context, what string, done func() bool) {
	t.Helper()
	for !done() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
