// Package output writes shardnet's output files: a run's metrics.json and
// cost curve, an evaluation's confusion matrix and sheet of misclassified
// images, and a benchmark's bench.json, bench.csv and speedup plot.
//
// It takes plain data (numbers, images, structs of them) and knows nothing
// of how they were computed. Every file is written atomically: readers,
// and a crash at any moment, see either the old file or the complete new
// one, never a part of it, and a failed write leaves the old file alone.
package output

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"

	"github.com/shardnet/shardnet/netcore"
)

// WriteFile writes what write produces to path atomically: into a
// temporary file beside it, which is synced and renamed over path (by
// github.com/google/renameio/v2), after which the directory is synced too,
// so that the rename itself survives a crash; renameio leaves that last
// step to its callers. The file gets mode 0644 less the umask. Errors read
// "output: write PATH: ...".
func WriteFile(path string, write func(io.Writer) error) error {
	if err := writeFile(path, write); err != nil {
		return fmt.Errorf("output: write %s: %w", path, err)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithPermissions(0o644))
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if err := write(f); err != nil {
		return err
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes the renames in dir durable. Failure is ignored: some file
// systems cannot sync a directory, and the files themselves are synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// WriteCheckpoint writes c to path atomically, so that a crash while a
// checkpoint is written leaves the previous one intact.
func WriteCheckpoint(path string, c *netcore.Checkpoint) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}
