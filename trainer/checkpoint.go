package trainer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shardnet/shardnet/netcore"
)

// WriteCheckpoint writes c to path atomically: into a temporary file in the
// same directory, synced, renamed over path, and the directory synced, so a
// crash at any moment leaves either the old file or the new one.
func WriteCheckpoint(path string, c *netcore.Checkpoint) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}

// WriteFileAtomic writes what write produces to path atomically.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("trainer: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("trainer: write %s: %w", path, err)
	}
	// CreateTemp makes the file private; outputs are ordinary files.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("trainer: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("trainer: sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("trainer: close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("trainer: rename into %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		// Syncing the directory makes the rename itself durable.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadCheckpoint loads the checkpoint at path. Errors name the file and wrap
// netcore.ErrCheckpoint when the contents are invalid.
func ReadCheckpoint(path string) (*netcore.Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: read checkpoint: %w", err)
	}
	defer f.Close()
	c, err := netcore.ReadCheckpoint(f, 0)
	if err != nil {
		return nil, fmt.Errorf("trainer: read checkpoint %s: %w", path, err)
	}
	return c, nil
}
