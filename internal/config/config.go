// Package config defines shardnet's training configuration: its keys and
// defaults, strict decoding from flat YAML, command-line flags of the same
// names, and validation with messages that name the offending key.
//
// Every key is also a flag: the YAML key learning_rate is the flag
// --learning-rate. Values are applied in this order, later ones winning:
// built-in defaults (the seed preset), the YAML file, the flags that were
// set on the command line.
package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the whole training configuration. The yaml tag of each field is
// its key; the usage tag is the help text of its flag.
type Config struct {
	Dataset    string `yaml:"dataset" usage:"dataset to train on: mnist or fashion-mnist"`
	DataDir    string `yaml:"data_dir" usage:"directory holding the four IDX files (.gz or raw)"`
	PixelScale Scale  `yaml:"pixel_scale" usage:"factor applied to the 0..255 pixels: 1 keeps them raw as in the post, 1/255 normalises"`

	Hidden     int     `yaml:"hidden" usage:"hidden units"`
	Activation string  `yaml:"activation" usage:"hidden activation: sigmoid, tanh or relu"`
	Init       string  `yaml:"init" usage:"weight initialisation: normal (N(0,1)*init_scale, as in the post), xavier or he"`
	InitScale  float64 `yaml:"init_scale" usage:"scale of the normal initialisation"`

	LearningRate float64 `yaml:"learning_rate" usage:"learning rate"`
	Iterations   int     `yaml:"iterations" usage:"gradient steps in total, each a full batch or, with batch_size, a mini-batch"`
	Optimizer    string  `yaml:"optimizer" usage:"update rule: gd (as in the post), momentum, nesterov or adam"`
	Momentum     float64 `yaml:"momentum" usage:"momentum coefficient for momentum and nesterov"`
	Beta1        float64 `yaml:"beta1" usage:"Adam's first-moment decay"`
	Beta2        float64 `yaml:"beta2" usage:"Adam's second-moment decay"`
	Epsilon      float64 `yaml:"epsilon" usage:"Adam's denominator term"`
	WeightDecay  float64 `yaml:"weight_decay" usage:"L2 penalty coefficient added to the gradient"`
	Schedule     string  `yaml:"schedule" usage:"learning-rate schedule: constant, step or cosine"`
	StepEvery    int     `yaml:"step_every" usage:"step schedule: iterations between decays"`
	StepGamma    float64 `yaml:"step_gamma" usage:"step schedule: factor applied at each decay"`

	BatchSize     int `yaml:"batch_size" usage:"0 for full batch (the post); a positive value for data-parallel mini-batch SGD, counting iterations as mini-batch steps"`
	Validation    int `yaml:"validation" usage:"hold out the last N training images and report accuracy on them"`
	EarlyStopping int `yaml:"early_stopping" usage:"stop after this many evaluations without a better validation accuracy (0: never)"`
	EvalEvery     int `yaml:"eval_every" usage:"iterations between validation evaluations (0: every log_every)"`

	Workers       int    `yaml:"workers" usage:"worker goroutines (default: one per CPU)"`
	MicroShards   int    `yaml:"micro_shards" usage:"fixed number of micro-shards the batch is cut into; results do not depend on workers"`
	Deterministic bool   `yaml:"deterministic" usage:"cut each batch into micro_shards fixed pieces, summed exactly, so that every worker and process count gives bitwise the same model (false: one piece per worker)"`
	LogEvery      int    `yaml:"log_every" usage:"iterations between cost log lines"`
	Seed          uint64 `yaml:"seed" usage:"random seed for initialisation and shuffling"`

	CheckpointEvery int `yaml:"checkpoint_every" usage:"iterations between checkpoints written into the output directory (0: only at the end)"`
}

// Default returns the built-in defaults: the seed preset, the blog post's own
// code (784-10-10, raw pixels, learning rate 0.04, 2400 iterations).
func Default() Config {
	return Config{
		Dataset:       "mnist",
		PixelScale:    1,
		Hidden:        10,
		Activation:    "sigmoid",
		Init:          "normal",
		InitScale:     0.01,
		LearningRate:  0.04,
		Iterations:    2400,
		Optimizer:     "gd",
		Momentum:      0.9,
		Beta1:         0.9,
		Beta2:         0.999,
		Epsilon:       1e-8,
		Schedule:      "constant",
		StepGamma:     0.1,
		Workers:       runtime.GOMAXPROCS(0),
		MicroShards:   256,
		Deterministic: true,
		LogEvery:      200,
		Seed:          1,
	}
}

// Marshal encodes c as a flat YAML document that Decode reads back, the
// form in which checkpoints embed their configuration.
func (c Config) Marshal() ([]byte, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return b, nil
}

// Load returns the defaults overlaid with the YAML file at path.
func Load(path string) (Config, error) {
	c := Default()
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	if err := c.Decode(f, path); err != nil {
		return c, err
	}
	return c, nil
}

// Decode overlays the flat YAML document read from r onto c. Unknown keys,
// values of the wrong type, an empty document and more than one document
// are errors that name the file (name) and the key.
func (c *Config) Decode(r io.Reader, name string) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return fmt.Errorf("config: %s: %w", name, err)
	}
	return decodeFlat(data, name, c.field)
}

// field returns a pointer to the field of c with the YAML key key.
func (c *Config) field(key string) (any, bool) {
	i := slices.Index(Keys(), key)
	if i < 0 {
		return nil, false
	}
	return reflect.ValueOf(c).Elem().Field(i).Addr().Interface(), true
}

// decodeFlat decodes one flat YAML mapping into the fields that field
// returns for its keys, rejecting unknown keys and reporting every bad
// entry, each with its line.
func decodeFlat(data []byte, name string, field func(key string) (any, bool)) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			// An empty file is more likely a mistake (the wrong file, a
			// truncated copy) than a wish for the defaults, which running
			// without a file gives.
			return fmt.Errorf("config: %s: empty, want at least one key", name)
		}
		return fmt.Errorf("config: %s: %s", name, yamlMessage(err, nil))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s: want a single YAML document", name)
	}
	top := &doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	switch {
	case top.Kind == yaml.ScalarNode && top.Tag == "!!null":
		return fmt.Errorf("config: %s: empty, want at least one key", name)
	case top.Kind != yaml.MappingNode:
		found := map[yaml.Kind]string{yaml.SequenceNode: "a list", yaml.ScalarNode: strconv.Quote(top.Value)}[top.Kind]
		return fmt.Errorf("config: %s: line %d: want a mapping of keys to values, found %s", name, top.Line, cmp.Or(found, "something else"))
	}
	keys := topKeys(top)
	var msgs []string
	seen := map[string]int{} // key -> line
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, value := top.Content[i], top.Content[i+1]
		if line, dup := seen[key.Value]; dup {
			msgs = append(msgs, fmt.Sprintf("line %d: mapping key %q already defined at line %d", key.Line, key.Value, line))
			continue
		}
		seen[key.Value] = key.Line
		dst, ok := field(key.Value)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("line %d: unknown key %q", key.Line, key.Value))
			continue
		}
		if err := value.Decode(dst); err != nil {
			msgs = append(msgs, yamlMessage(err, keys))
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("config: %s: %s", name, strings.Join(msgs, "; "))
	}
	return nil
}

// yamlMessage rewrites yaml.v3's messages into one line that names the key:
// "line 2: cannot unmarshal !!str `ten` into int" becomes "line 2: hidden:
// want an integer, found \"ten\"". keys maps line numbers to the top-level
// key written there (nil where the file did not parse).
func yamlMessage(err error, keys map[int]string) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = rewriteYAMLError(m, keys)
		}
		return strings.Join(msgs, "; ")
	}
	return rewriteYAMLError(strings.TrimPrefix(err.Error(), "yaml: "), keys)
}

// unmarshalError matches yaml.v3's type mismatch message.
var unmarshalError = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")

func rewriteYAMLError(m string, keys map[int]string) string {
	lineText, rest, ok := strings.Cut(m, ": ")
	line, err := strconv.Atoi(strings.TrimPrefix(lineText, "line "))
	if !ok || err != nil || !strings.HasPrefix(lineText, "line ") {
		return m
	}
	if sub := unmarshalError.FindStringSubmatch(rest); sub != nil {
		found := map[string]string{"seq": "a list", "map": "a mapping"}[sub[1]]
		if found == "" {
			found = strconv.Quote(sub[2])
		}
		rest = fmt.Sprintf("want %s, found %s", describeType(sub[3]), found)
	}
	if key, ok := keys[line]; ok && strings.HasPrefix(rest, "want ") {
		rest = key + ": " + rest
	}
	return lineText + ": " + rest
}

// describeType names a Go type of a configuration field in words.
func describeType(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "uint64":
		return "a non-negative integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return t
}

// topKeys maps each line of the flat YAML mapping top to the key whose
// entry spans it, so that messages about a line can name the key.
func topKeys(top *yaml.Node) map[int]string {
	m := top.Content
	keys := map[int]string{}
	for i := 0; i+1 < len(m); i += 2 {
		end := m[i].Line + 1
		if i+2 < len(m) {
			end = max(end, m[i+2].Line)
		} else {
			end = max(end, lastLine(m[i+1])+1)
		}
		for l := m[i].Line; l < end; l++ {
			keys[l] = m[i].Value
		}
	}
	return keys
}

// lastLine is the last line any part of n is on.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}

// Scale is a pixel scale factor. In YAML and on the command line it may be
// written as a number or as a fraction such as 1/255.
type Scale float64

// UnmarshalYAML accepts a number or a fraction "a/b".
func (s *Scale) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: pixel_scale: want a number or a fraction such as 1/255", n.Line)
	}
	v, err := ParseScale(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: pixel_scale: %w", n.Line, err)
	}
	*s = Scale(v)
	return nil
}

// ParseScale parses a number or a fraction "a/b".
func ParseScale(text string) (float64, error) {
	num, den, isFraction := strings.Cut(strings.TrimSpace(text), "/")
	a, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, fmt.Errorf("want a number or a fraction such as 1/255, found %q", text)
	}
	if !isFraction {
		return a, nil
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || b == 0 {
		return 0, fmt.Errorf("want a number or a fraction such as 1/255, found %q", text)
	}
	return a / b, nil
}

// String formats the scale so that ParseScale reads it back exactly.
func (s Scale) String() string {
	if s != 0 && math.Abs(1/float64(s)-math.Round(1/float64(s))) < 1e-9 && s < 1 {
		return "1/" + strconv.FormatFloat(math.Round(1/float64(s)), 'f', -1, 64)
	}
	return strconv.FormatFloat(float64(s), 'g', -1, 64)
}

// Placeholder names the value in help text: a number, or a fraction such
// as 1/255.
func (s *Scale) Placeholder() string { return "SCALE" }

// Set implements flag.Value.
func (s *Scale) Set(text string) error {
	v, err := ParseScale(text)
	if err != nil {
		return err
	}
	*s = Scale(v)
	return nil
}

// Keys lists every configuration key in declaration order.
func Keys() []string {
	t := reflect.TypeFor[Config]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("yaml")
	}
	return keys
}
