package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/synth"
	"github.com/shardnet/shardnet/shard"
)

// TestDatasetIdentity trains on one data set and checks that the
// checkpoint records it, by name and by the digest of its test images;
// that eval on other data refuses, naming both, unless --force; and that
// predict refuses a model not trained on digits.
func TestDatasetIdentity(t *testing.T) {
	data := dataDir(t)
	out := t.TempDir()
	mustRun(t, trainArgs(data, out, "--checkpoint-every", "10")...)
	model := filepath.Join(out, "model.ckpt")

	imagesFile, err := shard.FindFile(data, shard.TestImagesFile)
	if err != nil {
		t.Fatal(err)
	}
	im, err := shard.OpenImages(imagesFile)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if err := shard.WriteImages(h, im); err != nil {
		t.Fatal(err)
	}
	digest := hex.EncodeToString(h.Sum(nil))
	for _, name := range []string{"model.ckpt", "ckpt-000010.ckpt"} {
		ck := readCheckpointFile(t, filepath.Join(out, name))
		if ck.Dataset.Name != "mnist" || ck.Dataset.Digest != digest {
			t.Errorf("%s records data set %+v, want mnist with digest %s", name, ck.Dataset, digest)
		}
	}

	other := t.TempDir()
	if err := synth.WriteDataset(other, trainImages, testImages, side, 2); err != nil {
		t.Fatal(err)
	}
	r := run(t, "eval", "--model", model, "--data-dir", other, "--no-fetch", "--out", t.TempDir())
	if r.code != cli.ExitUsage {
		t.Errorf("eval on other data: exit %d, want %d\n%s", r.code, cli.ExitUsage, r.stderr)
	}
	msg := checkOneErrorLine(t, r)
	for _, want := range []string{model + " was trained on mnist (test images sha256 " + digest[:12], "but " + other + " holds other data", "--force"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if r := mustRun(t, "eval", "--model", model, "--data-dir", other, "--no-fetch", "--out", t.TempDir(), "--force"); !accuracyLine.MatchString(r.stdout) {
		t.Errorf("eval --force printed no accuracy:\n%s", r.stdout)
	}

	fashion := t.TempDir()
	mustRun(t, trainArgs(data, fashion, "--dataset", "fashion-mnist")...)
	img := writeImage(t, t.TempDir(), "x.png", image.NewGray(image.Rect(0, 0, 28, 28)))
	fashionModel := filepath.Join(fashion, "model.ckpt")
	r = run(t, "predict", "--model", fashionModel, img)
	if msg := checkOneErrorLine(t, r); r.code != cli.ExitUsage || !strings.Contains(msg, "was trained on fashion-mnist") {
		t.Errorf("predict with a Fashion-MNIST model: exit %d, message %q", r.code, msg)
	}
	// --force passes this check, to the next: the synthetic images are 8x8.
	r = run(t, "predict", "--model", fashionModel, "--force", img)
	if msg := checkOneErrorLine(t, r); !strings.Contains(msg, "takes 64 inputs") {
		t.Errorf("predict --force: exit %d, message %q", r.code, msg)
	}
}
