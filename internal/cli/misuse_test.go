package cli_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/shard"
)

// fixtures are the files the misuse table points at, built once per run of
// TestMisuse.
type fixtures struct {
	data, out, model, ckpt string // good data, an output directory, a model, a checkpoint after 10 iterations
	empty                  string // an empty directory
	badMagic, truncated    string // data sets with damaged test images
	mismatch               string // a data set with one test label missing
	badLabel               string // a data set with a label of 10
	truncCkpt, randCkpt    string // damaged checkpoints
	unknownKey, badValue   string // damaged configuration files
	badType, twoDocs       string
	emptyConfig            string // a configuration file without a key
	notDir                 string // a regular file
}

func newFixtures(t *testing.T) *fixtures {
	t.Helper()
	f := &fixtures{data: dataDir(t), out: t.TempDir(), empty: t.TempDir()}
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	run := t.TempDir()
	mustRun(t, trainArgs(f.data, run, "--iterations", "20", "--checkpoint-every", "10")...)
	f.model = filepath.Join(run, "model.ckpt")
	f.ckpt = filepath.Join(run, "ckpt-000010.ckpt")
	model, err := os.ReadFile(f.model)
	if err != nil {
		t.Fatal(err)
	}
	f.truncCkpt = write("truncated.ckpt", model[:len(model)/2])
	random := make([]byte, len(model))
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	f.randCkpt = write("random.ckpt", random)

	// The test images are the raw file of the generated set.
	testImagesPath := func(dir string) string { return filepath.Join(dir, shard.TestImagesFile) }
	f.badMagic = copyDataset(t)
	b, err := os.ReadFile(testImagesPath(f.badMagic))
	if err != nil {
		t.Fatal(err)
	}
	b[3] = 0x05 // 0x00000803 becomes 0x00000805: five dimensions
	b[2] = 0x0d // and the element type a float: not an images file at all
	if err := os.WriteFile(testImagesPath(f.badMagic), b, 0o644); err != nil {
		t.Fatal(err)
	}
	f.truncated = copyDataset(t)
	if err := os.Truncate(testImagesPath(f.truncated), int64(16+side*side*testImages/2)); err != nil {
		t.Fatal(err)
	}
	labelsWith := func(change func([]uint8) []uint8) string {
		t.Helper()
		dir := copyDataset(t)
		ds, err := shard.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		labels := change(ds.Test.Labels)
		if err := os.Remove(filepath.Join(dir, shard.TestLabelsFile+".gz")); err != nil {
			t.Fatal(err)
		}
		lf, err := os.Create(filepath.Join(dir, shard.TestLabelsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer lf.Close()
		if err := shard.WriteLabels(lf, labels); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	f.mismatch = labelsWith(func(l []uint8) []uint8 { return l[:len(l)-1] })
	f.badLabel = labelsWith(func(l []uint8) []uint8 { l[5] = 10; return l })

	f.unknownKey = write("unknown.yaml", []byte("hidden: 8\nlearnig_rate: 0.1\n"))
	f.badValue = write("bad-value.yaml", []byte("hidden: 8\nlearning_rate: -1\n"))
	f.badType = write("bad-type.yaml", []byte("hidden: ten\n"))
	f.twoDocs = write("two.yaml", []byte("hidden: 8\n---\nhidden: 9\n"))
	f.notDir = write("file", []byte("x"))
	f.emptyConfig = write("empty.yaml", []byte("# nothing set\n"))
	return f
}

// TestMisuse runs the command line wrongly in every way we could think of.
// Each row gives the arguments, the exit code and substrings of the one-line
// message; every row must fail with exactly one "shardnet: " line on stderr
// and no panic.
func TestMisuse(t *testing.T) {
	f := newFixtures(t)
	train := func(extra ...string) []string {
		return append([]string{"train", "--data-dir", f.data, "--out", f.out, "--no-fetch", "--iterations", "2", "--hidden", "8"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown command", []string{"trian"}, cli.ExitUsage, []string{`unknown command "trian"`, "want train"}},
		{"unknown flag", train("--learnig-rate", "1"), cli.ExitUsage, []string{"train:", "-learnig-rate", "shardnet train -h"}},
		{"flag missing its value", []string{"train", "--hidden"}, cli.ExitUsage, []string{"needs an argument", "-hidden"}},
		{"bad flag value", train("--hidden", "ten"), cli.ExitUsage, []string{`"ten"`, "-hidden", "want an integer"}},
		{"bad pixel scale", train("--pixel-scale", "1/0"), cli.ExitUsage, []string{"-pixel-scale", "1/255"}},
		{"negative seed", train("--seed", "-1"), cli.ExitUsage, []string{"-seed", "want a non-negative integer"}},
		{"bad boolean", train("--deterministic=maybe"), cli.ExitUsage, []string{"-deterministic", "want true or false"}},
		{"workers 0", train("--workers", "0"), cli.ExitUsage, []string{"flag --workers:", "found 0"}},
		{"workers above images", train("--workers", "601"), cli.ExitUsage, []string{"workers", "600 training images", "601"}},
		{"negative iterations", train("--iterations", "-5"), cli.ExitUsage, []string{"iterations", "found -5"}},
		{"several bad keys", train("--hidden", "0", "--learning-rate", "0"), cli.ExitUsage, []string{"flag --learning-rate:", "flag --hidden:"}},
		{"unknown dataset", train("--dataset", "cifar"), cli.ExitUsage, []string{"dataset", `"cifar"`}},
		{"early stopping without validation", train("--early-stopping", "3"), cli.ExitUsage, []string{"flag --early-stopping:", "validation"}},
		{"validation takes every image", train("--validation", "600"), cli.ExitUsage, []string{"validation", "600"}},
		{"batch above images", train("--batch-size", "601"), cli.ExitUsage, []string{"--batch-size", "601"}},
		{"config missing", train("--config", filepath.Join(f.empty, "nope.yaml")), cli.ExitUsage, []string{"nope.yaml", "no such file"}},
		{"config is a directory", train("--config", f.empty), cli.ExitUsage, []string{f.empty}},
		{"config unknown key", train("--config", f.unknownKey), cli.ExitUsage, []string{"unknown.yaml", `unknown key "learnig_rate"`}},
		{"config bad value", train("--config", f.badValue), cli.ExitUsage, []string{"bad-value.yaml: learning_rate:", "found -1"}},
		{"config and flag bad values", train("--config", f.badValue, "--optimizer", "momentum", "--momentum", "2"), cli.ExitUsage, []string{"bad-value.yaml: learning_rate:", "flag --momentum:", "found 2"}},
		{"config bad type", train("--config", f.badType), cli.ExitUsage, []string{"bad-type.yaml", "hidden", `"ten"`}},
		{"config empty", train("--config", f.emptyConfig), cli.ExitUsage, []string{"empty.yaml", "empty, want at least one key"}},
		{"bench config empty", []string{"bench", "--config", f.emptyConfig, "--data-dir", f.data, "--no-fetch"}, cli.ExitUsage, []string{"empty.yaml", "empty"}},
		{"config two documents", train("--config", f.twoDocs), cli.ExitUsage, []string{"two.yaml", "single YAML document"}},
		{"empty data dir", train("--data-dir", f.empty), cli.ExitUsage, []string{"data_dir " + f.empty, "no mnist files", shard.TrainImagesFile}},
		{"corrupt image file", train("--data-dir", f.badMagic), cli.ExitUsage, []string{shard.TestImagesFile, "magic"}},
		{"truncated image file", train("--data-dir", f.truncated), cli.ExitUsage, []string{shard.TestImagesFile, "truncated"}},
		{"image label count mismatch", train("--data-dir", f.mismatch), cli.ExitUsage, []string{shard.TestLabelsFile, "200", "199"}},
		{"label out of range", train("--data-dir", f.badLabel), cli.ExitUsage, []string{shard.TestLabelsFile, "found 10"}},
		{"stray argument", train("extra"), cli.ExitUsage, []string{`unexpected argument "extra"`}},
		{"log format xml", train("--log-format", "xml"), cli.ExitUsage, []string{"--log-format", `"xml"`, "console or json"}},
		{"output is a file", train("--out", f.notDir), cli.ExitUsage, []string{"--out", f.notDir, "want a directory"}},
		{"output below a file", train("--out", filepath.Join(f.notDir, "sub")), cli.ExitUsage, []string{"--out", "create output directory", f.notDir}},

		{"resume corrupt checkpoint", train("--resume", f.truncCkpt), cli.ExitUsage, []string{f.truncCkpt, "checkpoint"}},
		{"resume random checkpoint", train("--resume", f.randCkpt), cli.ExitUsage, []string{f.randCkpt}},
		{"resume missing checkpoint", train("--resume", filepath.Join(f.empty, "none.ckpt")), cli.ExitUsage, []string{"none.ckpt"}},
		{"resume other hidden size", train("--resume", f.ckpt, "--hidden", "16", "--iterations", "20"), cli.ExitUsage, []string{"resume", "-8-10", "-16-10"}},
		{"resume other activation", train("--resume", f.ckpt, "--activation", "relu", "--iterations", "20"), cli.ExitUsage, []string{"resume", "activation", "relu"}},
		{"resume past iterations", train("--resume", f.ckpt, "--iterations", "5"), cli.ExitUsage, []string{"resume", "iteration 10", "iterations=5"}},
		{"resume other optimizer", train("--resume", f.ckpt, "--optimizer", "adam", "--iterations", "20"), cli.ExitUsage, []string{"resume", "adam"}},

		{"eval without model", []string{"eval", "--data-dir", f.data}, cli.ExitUsage, []string{"eval", "--model"}},
		{"eval missing model", []string{"eval", "--model", filepath.Join(f.empty, "none.ckpt")}, cli.ExitUsage, []string{"none.ckpt"}},
		{"eval truncated checkpoint", []string{"eval", "--model", f.truncCkpt, "--data-dir", f.data}, cli.ExitUsage, []string{f.truncCkpt}},
		{"eval random checkpoint", []string{"eval", "--model", f.randCkpt, "--data-dir", f.data}, cli.ExitUsage, []string{f.randCkpt}},
		{"eval a config file", []string{"eval", "--model", f.unknownKey, "--data-dir", f.data}, cli.ExitUsage, []string{f.unknownKey}},
		{"eval stray argument", []string{"eval", "--model", f.model, "extra"}, cli.ExitUsage, []string{`unexpected argument "extra"`}},
		{"eval log format xml", []string{"eval", "--model", f.model, "--data-dir", f.data, "--log-format", "xml"}, cli.ExitUsage, []string{`"xml"`}},
		{"eval corrupt data", []string{"eval", "--model", f.model, "--data-dir", f.badMagic}, cli.ExitUsage, []string{shard.TestImagesFile}},
		{"eval unknown flag", []string{"eval", "--modle", f.model}, cli.ExitUsage, []string{"-modle"}},

		{"inspect without model", []string{"inspect"}, cli.ExitUsage, []string{"inspect", "--model"}},
		{"inspect random checkpoint", []string{"inspect", "--model", f.randCkpt}, cli.ExitUsage, []string{f.randCkpt}},

		{"bench workers 0", []string{"bench", "--data-dir", f.data, "--no-fetch", "--workers", "0"}, cli.ExitUsage, []string{"flag --workers:", "found 0"}},
		{"bench workers list", []string{"bench", "--workers", "1,two"}, cli.ExitUsage, []string{"-workers", "1,2,4"}},
		{"bench iterations 0", []string{"bench", "--data-dir", f.data, "--no-fetch", "--iterations", "0"}, cli.ExitUsage, []string{"iterations", "found 0"}},
		{"bench negative warmup", []string{"bench", "--data-dir", f.data, "--no-fetch", "--warmup", "-2"}, cli.ExitUsage, []string{"warmup", "found -2"}},
		{"bench rounds 0", []string{"bench", "--data-dir", f.data, "--no-fetch", "--rounds", "0"}, cli.ExitUsage, []string{"flag --rounds:", "found 0"}},
		{"bench hidden 0", []string{"bench", "--data-dir", f.data, "--no-fetch", "--hidden", "0"}, cli.ExitUsage, []string{"hidden", "found 0"}},
		{"bench workers above images", []string{"bench", "--data-dir", f.data, "--no-fetch", "--workers", "601", "--hidden", "4", "--iterations", "1", "--out", f.out}, cli.ExitUsage, []string{"601", "600 training images"}},
		{"bench config unknown key", []string{"bench", "--config", f.unknownKey}, cli.ExitUsage, []string{`unknown key "learnig_rate"`}},
		{"bench stray argument", []string{"bench", "extra"}, cli.ExitUsage, []string{`unexpected argument "extra"`}},
		{"bench empty data dir", []string{"bench", "--data-dir", f.empty, "--no-fetch", "--workers", "1", "--hidden", "4"}, cli.ExitUsage, []string{"no mnist files"}},

		{"fetch cifar", []string{"fetch", "--dataset", "cifar"}, cli.ExitUsage, []string{"--dataset", `"cifar"`, "mnist or fashion-mnist"}},
		{"fetch stray argument", []string{"fetch", "mnist"}, cli.ExitUsage, []string{`unexpected argument "mnist"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkMisuse(t, tc.args, tc.code, tc.want)
		})
	}
	// No failed run may leave a model behind in the shared output
	// directory.
	if _, err := os.Stat(filepath.Join(f.out, "model.ckpt")); err == nil {
		t.Errorf("a failed run wrote %s", filepath.Join(f.out, "model.ckpt"))
	}
}

// checkMisuse runs shardnet with args and checks that it failed as a
// misuse should: exit code, one error line holding every string of want,
// and nothing on standard output.
func checkMisuse(t *testing.T, args []string, code int, want []string) {
	t.Helper()
	r := run(t, args...)
	if r.code != code {
		t.Errorf("shardnet %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	msg := checkOneErrorLine(t, r)
	t.Log(msg)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	if r.stdout != "" {
		t.Errorf("a failed run printed to stdout:\n%s", r.stdout)
	}
}
