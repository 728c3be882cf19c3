package trainer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/shardnet/shardnet/internal/atomicfile"
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

// WriteFileAtomic writes what write produces to path atomically, as
// atomicfile.Write does, with errors of the form "trainer: <step> <path>: ...".
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	err := atomicfile.Write(path, write)
	if e, ok := errors.AsType[*atomicfile.Error](err); ok {
		return fmt.Errorf("trainer: %s %s: %w", e.Op, e.Path, e.Err)
	}
	return err
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
