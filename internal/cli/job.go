package cli

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/internal/mpi"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/trainer"
)

// The backends of train and bench: one process, or one of the processes of
// an MPI job.
const (
	backendLocal = "local"
	backendMPI   = "mpi"
)

// backendFlag adds --backend to fs.
func backendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", backendLocal, "where the workers run, the `name` local (this process) or mpi (this process and the others of an MPI job started by mpirun or srun; needs a binary built with -tags mpi, which joins such a job without the flag)")
}

// flagGiven reports whether the flag name was on fs's command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// job is the process's place in a run: alone, or rank Rank of an MPI job.
// Rank 0 alone writes the logs, the standard output and the files; the
// others print their own failures only, each prefixed with the rank.
type job struct {
	comm     *mpi.Comm     // nil alone
	agreeing time.Duration // spent comparing fingerprints (agree)
}

// openJob joins the MPI job for backend mpi, or for none given (given
// false) where a launcher started the process (see chooseBackend). A
// refusal every process of a launch makes alike is printed by rank 0 alone.
func openJob(backend string, given bool, env Env) (*job, error) {
	l := detectLaunch(env.Getenv)
	backend, err := chooseBackend(backend, given, l)
	if err != nil {
		return nil, &jobFailure{err: err, quiet: l.rank > 0, then: func(int) {}}
	}
	switch backend {
	case backendLocal:
		return &job{}, nil
	case backendMPI:
		comm, err := mpi.Open()
		if err != nil {
			return nil, usage(fmt.Errorf("--backend mpi: %w", err))
		}
		return &job{comm: comm}, nil
	}
	return nil, usagef("--backend: want %s or %s, found %q", backendLocal, backendMPI, backend)
}

// rank returns the process's rank, 0 alone.
func (j *job) rank() int {
	if j.comm == nil {
		return 0
	}
	return j.comm.Rank()
}

// size returns the number of processes.
func (j *job) size() int {
	if j.comm == nil {
		return 1
	}
	return j.comm.Size()
}

// lead reports whether this process writes the run's output.
func (j *job) lead() bool { return j.rank() == 0 }

// collective is the job as the trainer takes it: nil alone.
func (j *job) collective() trainer.Collective {
	if j.comm == nil {
		return nil
	}
	return j.comm
}

// quiet silences the output of a process other than rank 0: its standard
// output, its logs and its progress line.
func (j *job) quiet(env Env, log *zap.Logger) (Env, *zap.Logger) {
	if j.lead() {
		return env, log
	}
	env.Stdout, env.Terminal = io.Discard, false
	return env, zap.NewNop()
}

// jobFailure is how the error of one process of an MPI job reaches Main,
// which prints it (unless quiet) and then calls then with the exit code.
// For a failure of this process alone, the line is prefixed with the rank
// (on all but rank 0) and then ends the whole job with the exit code a
// single process would give (MPI_Abort), so that no process waits for it
// forever. For an outcome every process shares (an interruption, a
// divergence), rank 0 alone prints it and then finalizes MPI, as every
// process does.
type jobFailure struct {
	err   error
	quiet bool           // another process reports it
	then  func(code int) // after the line is printed
}

func (e *jobFailure) Error() string { return e.err.Error() }
func (e *jobFailure) Unwrap() error { return e.err }

// finish ends the job's part of a command that returned err: it finalizes
// MPI after success, and arranges what Main does after printing an error.
func (j *job) finish(err error) error {
	if j.comm == nil {
		return err
	}
	if err == nil {
		if cerr := j.comm.Close(); cerr != nil {
			return &jobFailure{err: fmt.Errorf("rank %d: %w", j.rank(), cerr), then: j.comm.Abort}
		}
		return nil
	}
	if errors.As(err, new(*disagreement)) {
		// Rank 0 prints the line and ends the job; the others wait in
		// MPI_Finalize for that, rather than race it with an abort.
		if j.lead() {
			return &jobFailure{err: err, then: j.comm.Abort}
		}
		return &jobFailure{err: err, quiet: true, then: func(int) { j.comm.Close() }}
	}
	if errors.As(err, new(*trainer.InterruptedError)) || errors.As(err, new(*trainer.DivergedError)) || errors.As(err, new(*sharedError)) {
		// Printed before MPI_Finalize: when mpirun itself was signalled it
		// may end the processes while they finalize.
		return &jobFailure{err: err, quiet: !j.lead(), then: func(int) { j.comm.Close() }}
	}
	if !j.lead() {
		err = fmt.Errorf("rank %d: %w", j.rank(), err)
	}
	return &jobFailure{err: err, then: j.comm.Abort}
}

// sharedError is an error every process of the job finds alike, as an
// outcome of a collective: rank 0 reports it and every process exits with
// its code, as for an interruption.
type sharedError struct{ err error }

func (e *sharedError) Error() string { return e.err.Error() }
func (e *sharedError) Unwrap() error { return e.err }

// readCheckpointOf reads the checkpoint to resume: from its file alone, or
// in an MPI job read by rank 0 and broadcast, so that the machines need not
// share a file system. In a job it also returns the SHA-256 of the bytes
// this process resumes from, for the agreement (agree).
func (j *job) readCheckpointOf(path string) (*netcore.Checkpoint, string, error) {
	if j.comm == nil {
		c, err := readCheckpoint(path)
		return c, "", err
	}
	var b []byte
	if j.lead() {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, "", usagef("read checkpoint: %w", err)
		}
	}
	b, err := j.broadcastBytes(b, 0, netcore.DefaultCheckpointLimit)
	if big := (*oversizeError)(nil); errors.As(err, &big) {
		return nil, "", usagef("read checkpoint %s: %d bytes, want at most %d", path, big.size, big.limit)
	}
	if err != nil {
		return nil, "", fmt.Errorf("resume: %w", err)
	}
	c, err := netcore.UnmarshalCheckpoint(b)
	if err != nil {
		return nil, "", usagef("read checkpoint %s: %w", path, err)
	}
	return c, fmt.Sprintf("sha256 %x", sha256.Sum256(b)), nil
}
