package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/shard"
)

// testImagesDigest is the hex SHA-256 of the decompressed test images file
// that im was read from: shard validated it to be exactly the header and
// the pixels, so writing them again gives its bytes.
func testImagesDigest(im *shard.Images) (string, error) {
	h := sha256.New()
	if err := shard.WriteImages(h, im); err != nil {
		return "", fmt.Errorf("digest the test images: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// knownDataset returns the name of the published data set whose test
// images have the given digest, or "" if none has.
func knownDataset(digest string) string {
	for _, name := range []string{fetch.MNIST, fetch.FashionMNIST} {
		if o, err := fetch.DefaultOptions(name); err == nil && o.Sums[shard.TestImagesFile] == digest {
			return name
		}
	}
	return ""
}

// checkDatasetName fails, with a usage error, when the data in dir are
// known by their content as another published data set than name says.
func checkDatasetName(name, dir, digest string) error {
	if known := knownDataset(digest); known != "" && known != name {
		return usagef("data_dir %s holds %s (by the SHA-256 of its test images), but dataset is %s; pass --dataset %s", dir, known, name, known)
	}
	return nil
}

// describeData names data by a checkpoint's record of it: "mnist (test
// images sha256 0fa7898d…)".
func describeData(ds netcore.Dataset) string {
	if ds.Digest == "" {
		return ds.Name
	}
	return fmt.Sprintf("%s (test images sha256 %.12s…)", ds.Name, ds.Digest)
}

// checkTrainedOn fails, with a usage error, when the model at modelPath
// was trained on another data set than the test images in dir, whose
// digest is digest. A version-1 checkpoint records no digest, so there the
// name of its configuration is compared with what the content is known
// as. cmd names the command in the error.
func checkTrainedOn(cmd, modelPath string, trained netcore.Dataset, dir, digest string) error {
	given := netcore.Dataset{Name: knownDataset(digest), Digest: digest}
	if given.Name == "" {
		given.Name = "other data"
	}
	switch {
	case trained.Digest != "" && trained.Digest == digest:
		return nil
	case trained.Digest == "" && (given.Name == "other data" || given.Name == trained.Name):
		return nil
	}
	return usagef("%s: %s was trained on %s, but %s holds %s; pass --force to go on anyway",
		cmd, modelPath, describeData(trained), dir, describeData(given))
}
