// Package atomicfile writes files so that readers, and a crash at any moment,
// see either the old file under its final name or the complete new one,
// never a partial file.
//
// The bytes go into a temporary file in the target's directory, named
// "." + name + ".tmp-" and a random suffix, so that the final rename stays
// within one file system. Once complete, the temporary file is made readable
// by everyone (mode 0644, as an ordinary output file), synced, closed and
// renamed over the target, and the directory is synced so that the rename
// itself survives a crash; a file system that cannot sync a directory is not
// an error, since the file itself is already synced. On any failure the
// temporary file is removed and the target is left as it was.
//
// Write covers a target whose path is fixed in advance. Create and
// File.Commit serve a caller that has to look at the bytes before deciding
// whether to keep them and under which name.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Error is the error Write returns: the step that failed, the path being
// written and the underlying error.
type Error struct {
	// Op is the step that failed: "write" (creating the temporary file,
	// filling it or setting its mode), "sync", "close" or "rename into".
	Op string
	// Path is the target path given to Write.
	Path string
	// Err is the error of the step, the fill function's own error for a
	// failed fill.
	Err error
}

func (e *Error) Error() string { return "atomicfile: " + e.Op + " " + e.Path + ": " + e.Err.Error() }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Write writes what fill produces to path atomically. fill gets the
// temporary file to write to; an error from it aborts the write. Every
// error Write returns is an *Error.
func Write(path string, fill func(io.Writer) error) error {
	f, err := Create(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return &Error{Op: "write", Path: path, Err: err}
	}
	defer f.Abort()
	if err := fill(f.f); err != nil {
		return &Error{Op: "write", Path: path, Err: err}
	}
	if op, err := f.commit(path); err != nil {
		return &Error{Op: op, Path: path, Err: err}
	}
	return nil
}

// File is a temporary file being filled, to be either committed under its
// final name or aborted. Its methods other than Commit and Abort act on the
// temporary file, and it may be read back before it is committed.
type File struct {
	f *os.File
	// done is set once Commit or Abort has run.
	done bool
}

// Create creates a temporary file in dir for a file to be named name there.
// Its errors are those of os.CreateTemp. The caller must end with Commit or
// Abort; deferring Abort right after Create covers every failure path.
func Create(dir, name string) (*File, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{f: f}, nil
}

// Write writes p to the temporary file, as os.File.Write does.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// ReadFrom copies r into the temporary file, as os.File.ReadFrom does (so
// that io.Copy keeps the operating system's fast paths).
func (f *File) ReadFrom(r io.Reader) (int64, error) { return f.f.ReadFrom(r) }

// Read reads from the temporary file, as os.File.Read does.
func (f *File) Read(p []byte) (int, error) { return f.f.Read(p) }

// Seek sets the offset of the temporary file, as os.File.Seek does.
func (f *File) Seek(offset int64, whence int) (int64, error) { return f.f.Seek(offset, whence) }

// Commit makes the temporary file path, which must be in the directory
// given to Create. Its errors are those of the os package, which name the
// file; on failure the temporary file is removed. After Commit, whether it
// succeeded or not, the File is finished: Abort does nothing and a second
// Commit fails with an error wrapping os.ErrClosed.
func (f *File) Commit(path string) error {
	_, err := f.commit(path)
	return err
}

// commit is Commit that also names the step that failed, for Write.
func (f *File) commit(path string) (op string, err error) {
	if f.done {
		return "rename into", fmt.Errorf("atomicfile: commit %s: %w", path, os.ErrClosed)
	}
	f.done = true
	defer func() {
		if err != nil {
			f.f.Close()
			os.Remove(f.f.Name())
		}
	}()
	// CreateTemp makes the file private; outputs are ordinary files.
	if err := f.f.Chmod(0o644); err != nil {
		return "write", err
	}
	if err := f.f.Sync(); err != nil {
		return "sync", err
	}
	if err := f.f.Close(); err != nil {
		return "close", err
	}
	if err := os.Rename(f.f.Name(), path); err != nil {
		return "rename into", err
	}
	syncDir(filepath.Dir(path))
	return "", nil
}

// Abort closes and removes the temporary file, unless Commit or Abort has
// already run.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	os.Remove(f.f.Name())
}

// syncDir makes a rename in dir durable. Failure is ignored: some file
// systems do not support syncing a directory, and the file itself is
// already synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
