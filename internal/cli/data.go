package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/shard"
)

// dataCandidates lists where a data set is looked for when no data_dir key
// (or --data-dir flag) is given, in order: $SHARDNET_DATA (its <dataset>
// subdirectory, or itself for MNIST), ./data/<dataset>, the cache directory.
func dataCandidates(dataset string, env Env) []string {
	var dirs []string
	if d := env.Getenv("SHARDNET_DATA"); d != "" {
		dirs = append(dirs, filepath.Join(d, dataset))
		if dataset == "mnist" {
			dirs = append(dirs, d)
		}
	}
	dirs = append(dirs, filepath.Join("data", dataset))
	if cache, err := fetch.CacheDir(dataset); err == nil {
		dirs = append(dirs, cache)
	}
	return dirs
}

// loadDataset finds the data set (fetching it into the cache directory when
// allowed and found nowhere) and loads it. A given dataDir is the only place
// looked in, since data found elsewhere (not even the system's
// Fashion-MNIST, which fetch.Locate also tries) would silently stand in for
// what was asked.
func loadDataset(ctx context.Context, dataset, dataDir string, noFetch bool, log *zap.Logger, env Env) (*shard.Dataset, string, error) {
	files := shard.Files()
	dir, err := locateData(ctx, dataset, dataDir, files[:], noFetch, log, env)
	if err != nil {
		return nil, "", err
	}
	ds, err := shard.Load(dir)
	if err != nil {
		return nil, "", usage(err)
	}
	log.Info("data loaded", zap.String("dataset", dataset), zap.String("dir", dir),
		zap.Int("train", ds.Train.Len()), zap.Int("test", ds.Test.Len()))
	return ds, dir, nil
}

// loadTestSet is loadDataset for the test set alone: in a given dataDir
// only the two test files need to be there.
func loadTestSet(ctx context.Context, dataset, dataDir string, noFetch bool, log *zap.Logger, env Env) (*shard.Set, string, error) {
	dir, err := locateData(ctx, dataset, dataDir, []string{shard.TestImagesFile, shard.TestLabelsFile}, noFetch, log, env)
	if err != nil {
		return nil, "", err
	}
	test, err := shard.LoadTest(dir)
	if err != nil {
		return nil, "", usage(err)
	}
	log.Info("data loaded", zap.String("dataset", dataset), zap.String("dir", dir), zap.Int("test", test.Len()))
	return test, dir, nil
}

// locateData returns the directory to read dataset from: dataDir, which
// must hold the files named in need, or, when dataDir is "", the first
// candidate holding the data set, fetched into the cache directory when
// none does and fetching is allowed.
func locateData(ctx context.Context, dataset, dataDir string, need []string, noFetch bool, log *zap.Logger, env Env) (string, error) {
	if dataDir != "" {
		fi, err := os.Stat(dataDir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "", usagef("data_dir %s: no such directory; run 'shardnet fetch --dataset %s --dir %s' or pass the directory holding the %s files", dataDir, dataset, dataDir, dataset)
		case err != nil:
			return "", usagef("data_dir %s: %w", dataDir, unwrapPath(err))
		case !fi.IsDir():
			return "", usagef("data_dir %s: a file, want the directory holding the %s files", dataDir, dataset)
		}
		switch missing := shard.Missing(dataDir, need...); {
		case len(missing) == len(need):
			return "", usagef("data_dir %s: no %s files there (want %s, each .gz or raw)", dataDir, dataset, strings.Join(need, ", "))
		case len(missing) > 0:
			return "", usagef("data_dir %s: missing %s (each .gz or raw) of the %s files", dataDir, strings.Join(missing, ", "), dataset)
		}
		return dataDir, nil
	}
	candidates := dataCandidates(dataset, env)
	if dir, ok := fetch.Locate(dataset, candidates); ok {
		return dir, nil
	}
	if noFetch {
		return "", usagef("no %s data found in %s; run 'shardnet fetch --dataset %s' or pass --data-dir DIR",
			dataset, strings.Join(candidates, ", "), dataset)
	}
	cache, err := fetch.CacheDir(dataset)
	if err != nil {
		return "", fmt.Errorf("locate cache directory: %w", err)
	}
	log.Info("data not found locally; fetching", zap.String("dataset", dataset), zap.String("dir", cache))
	if err := fetch.Fetch(ctx, dataset, cache, log); err != nil {
		return "", fmt.Errorf("fetch %s: %w", dataset, err)
	}
	return cache, nil
}

// outputDir creates dir, or when dir is "" a new runs/<prefix><timestamp>,
// and returns its path.
func outputDir(dir, prefix string) (string, error) {
	if dir == "" {
		dir = filepath.Join("runs", prefix+time.Now().Format("20060102-150405"))
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return "", usagef("--out %s: a file, want a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", usagef("--out: create output directory: %w", err)
	}
	return dir, nil
}
