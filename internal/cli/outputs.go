package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// The checks of this file run before a command does its work, so that an
// output that cannot be written fails in a second, with exit 2, rather than
// after the training it would have kept.

// probeDir fails with a usage error, its message beginning with what,
// unless a file can be created in the directory dir: it creates and removes
// a probe file there. Permissions alone cannot tell (an immutable
// directory, a read-only mount, root's exemptions).
func probeDir(what, dir string) error {
	f, err := os.CreateTemp(dir, ".shardnet-probe-*")
	if err != nil {
		return usagef("%s: cannot write in %s: %w", what, dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return usagef("%s: cannot remove a file in %s: %w", what, dir, unwrapPath(err))
	}
	return nil
}

// probeOutputFile fails with a usage error, its message beginning with
// what, unless path can be written: checkOutputFile's checks, and a probe
// of its directory, where it will be written through a temporary file.
func probeOutputFile(what, path string) error {
	if err := checkOutputFile(what, path); err != nil {
		return err
	}
	return probeDir(what+" "+path, filepath.Dir(path))
}

// makeOutputDir creates the output directory dir (runs/<prefix><time>
// when dir is "") and returns, with its path, unmake, which removes it
// again where this call made it and nothing was written in it: a command
// that fails before its work leaves no empty directory behind.
func makeOutputDir(dir, prefix string) (path string, unmake func(), err error) {
	_, statErr := os.Stat(dir)
	made := dir == "" || errors.Is(statErr, os.ErrNotExist)
	if dir, err = outputDir(dir, prefix); err != nil {
		return "", nil, err
	}
	return dir, func() {
		if made {
			os.Remove(dir) // only if empty
		}
	}, nil
}

// prepareOutputDir makes the output directory (see makeOutputDir), checks
// that files can be written in it, and locks it for this run; release
// removes the lock, and the directory too where this run made it and wrote
// nothing in it (a run refused before its work, say by the other ranks of
// its job, leaves nothing behind). what names the flag in errors.
func prepareOutputDir(what, dir, prefix string, log *zap.Logger) (path string, release func(), err error) {
	dir, unmake, err := makeOutputDir(dir, prefix)
	if err != nil {
		return "", nil, err
	}
	if err := probeDir(what, dir); err != nil {
		unmake()
		return "", nil, err
	}
	unlock, err := lockDir(what, dir, log)
	if err != nil {
		unmake()
		return "", nil, err
	}
	return dir, func() { unlock(); unmake() }, nil
}

// prepareOutputs checks, before a command's work, that the timeline trace
// (where given) can be written, and prepares and locks the output
// directory out (see prepareOutputDir, whose prefix names runs/<prefix><time>).
func prepareOutputs(trace, out, prefix string, log *zap.Logger) (string, func(), error) {
	if trace != "" {
		if err := probeOutputFile("--trace", trace); err != nil {
			return "", nil, err
		}
	}
	return prepareOutputDir("--out", out, prefix, log)
}

// lockName is the file in an output directory that says which process
// writes there.
const lockName = "shardnet.lock"

// lockDir makes dir the output directory of this process alone: it creates
// dir/shardnet.lock holding the process ID, failing if another live process
// holds it. A lock whose process no longer exists (killed, or its machine
// restarted) is taken over with a warning. The returned function removes
// the lock.
func lockDir(what, dir string, log *zap.Logger) (func(), error) {
	path := filepath.Join(dir, lockName)
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%d\n", os.Getpid())
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, usagef("%s %s: write lock %s: %w", what, dir, path, unwrapPath(werr))
			}
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) || attempt > 0 {
			return nil, usagef("%s %s: create lock %s: %w", what, dir, path, unwrapPath(err))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, usagef("%s %s: read lock %s: %w", what, dir, path, unwrapPath(err))
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			return nil, usagef("%s %s: lock %s holds %q, want a process ID; remove it if no run writes there", what, dir, path, strings.TrimSpace(string(b)))
		}
		if processAlive(pid) {
			return nil, usagef("%s %s: in use by another run, process %d (lock %s); choose another --out", what, dir, pid, path)
		}
		log.Warn("taking over the lock of a process that no longer exists", zap.String("lock", path), zap.Int("pid", pid))
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, usagef("%s %s: remove stale lock %s: %w", what, dir, path, unwrapPath(err))
		}
	}
}

// unwrapPath drops the operation and path of a *os.PathError, which the
// messages around it already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
