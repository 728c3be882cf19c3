package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/mpi"
)

// runEnv invokes the command line in process with the environment env.
func runEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// TestLaunchDuplicate: a build without MPI started as one of several
// processes by mpirun, srun or another PMIx launcher refuses to train a
// duplicate of the run: exit 2, one line from rank 0, nothing from the
// others, nothing written. A launch of one process, and a Slurm batch
// script (which is no step of several tasks), train as usual.
func TestLaunchDuplicate(t *testing.T) {
	if mpi.Built {
		t.Skip("a build with MPI joins the job; cmd/shardnet's TestMPILaunch runs it under mpirun")
	}
	data := dataDir(t)
	for _, c := range []struct {
		name  string
		env   map[string]string
		found string // in rank 0's line
	}{
		{"mpirun", map[string]string{"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0", "PMIX_RANK": "0"}, "one of 2 processes started by mpirun"},
		{"srun", map[string]string{"SLURM_STEP_ID": "0", "SLURM_STEP_NUM_TASKS": "3", "SLURM_PROCID": "0", "SLURM_NTASKS": "3"}, "one of 3 processes started by srun"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			r := runEnv(t, c.env, "train", "--data-dir", data, "--no-fetch", "--iterations", "3", "--out", out)
			if r.code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			line := checkOneErrorLine(t, r)
			for _, want := range []string{c.found, "built without MPI support", "go build -tags mpi"} {
				if !strings.Contains(line, want) {
					t.Errorf("line %q lacks %q", line, want)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the refused run made %s (stat: %v)", out, err)
			}
		})
	}
	t.Run("other ranks", func(t *testing.T) {
		for _, env := range []map[string]string{
			{"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"},
			{"SLURM_STEP_ID": "0", "SLURM_STEP_NUM_TASKS": "2", "SLURM_PROCID": "1"},
			{"PMIX_RANK": "1"},
		} {
			r := runEnv(t, env, "train", "--data-dir", data, "--no-fetch", "--iterations", "3", "--out", t.TempDir())
			if r.code != cli.ExitUsage || r.stderr != "" {
				t.Errorf("%v: exit %d, stderr %q; want 2 and rank 0 alone to print", env, r.code, r.stderr)
			}
		}
	})
	t.Run("alone", func(t *testing.T) {
		for _, env := range []map[string]string{
			{"OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"},
			{"SLURM_JOB_ID": "7", "SLURM_NTASKS": "2", "SLURM_PROCID": "0"}, // a batch script
			{"PMIX_RANK": "0", "PMIX_NAMESPACE": "job"},                     // rank 0 of a launch that does not say its size
		} {
			r := runEnv(t, env, "train", "--data-dir", data, "--no-fetch", "--iterations", "3", "--out", t.TempDir())
			if r.code != cli.ExitOK {
				t.Errorf("%v: exit %d, want 0\n%s", env, r.code, r.stderr)
			}
		}
	})
}

// TestLaunchLocalBackend: --backend local, given on the command line of
// one of several processes, is refused whatever the build, as it would
// train a duplicate of the run.
func TestLaunchLocalBackend(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	r := runEnv(t, map[string]string{"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"},
		"train", "--backend", "local", "--data-dir", dataDir(t), "--no-fetch", "--iterations", "3", "--out", out)
	if r.code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, cli.ExitUsage, r.stderr)
	}
	if line := checkOneErrorLine(t, r); !strings.Contains(line, "--backend local: this process is one of 2 processes started by mpirun") {
		t.Errorf("line %q does not name the flag and the launch", line)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run made %s (stat: %v)", out, err)
	}
}
