package cli

import (
	"context"
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
	dir := dataDir
	if dataDir != "" {
		if !shard.HasDataset(dataDir) {
			return nil, "", usagef("data_dir %s: no %s files there (want %s, %s, %s and %s, .gz or raw)",
				dataDir, dataset, shard.TrainImagesFile, shard.TrainLabelsFile, shard.TestImagesFile, shard.TestLabelsFile)
		}
	} else {
		candidates := dataCandidates(dataset, env)
		var ok bool
		if dir, ok = fetch.Locate(dataset, candidates); !ok {
			if noFetch {
				return nil, "", usagef("no %s data found in %s; run 'shardnet fetch --dataset %s' or pass --data-dir DIR",
					dataset, strings.Join(candidates, ", "), dataset)
			}
			cache, err := fetch.CacheDir(dataset)
			if err != nil {
				return nil, "", fmt.Errorf("locate cache directory: %w", err)
			}
			log.Info("data not found locally; fetching", zap.String("dataset", dataset), zap.String("dir", cache))
			if err := fetch.Fetch(ctx, dataset, cache, log); err != nil {
				return nil, "", fmt.Errorf("fetch %s: %w", dataset, err)
			}
			dir = cache
		}
	}
	ds, err := shard.Load(dir)
	if err != nil {
		return nil, "", usage(err)
	}
	log.Info("data loaded", zap.String("dataset", dataset), zap.String("dir", dir),
		zap.Int("train", ds.Train.Len()), zap.Int("test", ds.Test.Len()))
	return ds, dir, nil
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
