package atomicfile_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/atomicfile"
)

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	for _, s := range []string{"first", "second"} {
		if err := atomicfile.Write(path, writeString(s)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != s {
			t.Fatalf("read back %q, %v; want %q", got, err, s)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v; want 0644", fi.Mode(), err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Fatalf("directory holds %v, want only out.json", got)
	}
}

func TestWriteFillErrorLeavesTargetAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := atomicfile.Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "partial"); err != nil {
			return err
		}
		return boom
	})
	var e *atomicfile.Error
	if !errors.As(err, &e) || e.Op != "write" || e.Path != path || !errors.Is(err, boom) {
		t.Fatalf("got %#v, want an *Error for step write of %s wrapping the fill error", err, path)
	}
	if want := "atomicfile: write " + path + ": boom"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	got, rerr := os.ReadFile(path)
	if rerr != nil || string(got) != "old" {
		t.Fatalf("target holds %q, %v; want the old contents", got, rerr)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("target mode changed to %v", fi.Mode())
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Fatalf("directory holds %v, want only out.json", got)
	}
}

func TestWriteFailures(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "out")
	err := atomicfile.Write(missing, writeString("x"))
	var e *atomicfile.Error
	if !errors.As(err, &e) || e.Op != "write" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing directory: got %v", err)
	}

	// A directory in the way makes the rename fail after the bytes were
	// written; the temporary file must not be left behind.
	target := filepath.Join(dir, "taken")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = atomicfile.Write(target, writeString("x"))
	if !errors.As(err, &e) || e.Op != "rename into" || e.Path != target ||
		!strings.HasPrefix(err.Error(), "atomicfile: rename into "+target+": ") {
		t.Fatalf("directory in the way: got %v", err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"taken"}) {
		t.Fatalf("directory holds %v, want only taken", got)
	}
}

// TestCreateCommit reads the bytes back before choosing the final name, as
// a caller that verifies a download does.
func TestCreateCommit(t *testing.T) {
	dir := t.TempDir()
	f, err := atomicfile.Create(dir, "data.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := io.Copy(f, strings.NewReader("raw bytes")); err != nil {
		t.Fatal(err)
	}
	names := dirNames(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], ".data.gz.tmp-") {
		t.Fatalf("while filling, directory holds %v, want one .data.gz.tmp-* file", names)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(f)
	if err != nil || string(back) != "raw bytes" {
		t.Fatalf("read back %q, %v", back, err)
	}
	final := filepath.Join(dir, "data")
	if err := f.Commit(final); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no effect after Commit
	got, err := os.ReadFile(final)
	if err != nil || string(got) != "raw bytes" {
		t.Fatalf("committed file holds %q, %v", got, err)
	}
	if fi, err := os.Stat(final); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("committed file mode %v, %v", fi.Mode(), err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"data"}) {
		t.Fatalf("directory holds %v, want only data", got)
	}
	if err := f.Commit(final); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Commit: got %v, want os.ErrClosed", err)
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := atomicfile.Create(dir, "out")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort()
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out"}) {
		t.Fatalf("directory holds %v, want only out", got)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "old" {
		t.Fatalf("target holds %q, %v; want the old contents", got, err)
	}
	if err := f.Commit(path); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Commit after Abort: got %v, want os.ErrClosed", err)
	}
	if _, err := atomicfile.Create(filepath.Join(dir, "missing"), "out"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Create in a missing directory: got %v", err)
	}
}
