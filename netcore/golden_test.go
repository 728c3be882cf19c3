package netcore_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/shardnet/shardnet/netcore"
)

// update rewrites the golden files of this package's TestGolden tests with
// what this build writes, for a deliberate change of a format.
var update = flag.Bool("update", false, "rewrite the golden files in testdata with this build's output")

// The golden checkpoints, one file per version of the format. The file of
// an old version stays as that version wrote it: the test checks that it
// is still read to the same values. The current version's file must also
// be what this build writes.
var (
	goldenCheckpointV1 = filepath.Join("testdata", "golden", "checkpoint-v1.bin")
	goldenCheckpointV2 = filepath.Join("testdata", "golden", "checkpoint-v2.bin")
)

// goldenCheckpoint is the content of goldenCheckpointV1: a 3-2-2 network
// whose parameters hold the values an encoding can get wrong (negative
// zero, a subnormal, the largest float64, thirds that do not round trip in
// decimal), with two optimiser slots and opaque bytes.
func goldenCheckpoint(t *testing.T) *netcore.Checkpoint {
	t.Helper()
	shape := netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}
	data := []float64{
		// W1, 2×3
		0.5, -0.25, math.Copysign(0, -1), 1.0 / 3, -2.0 / 3, 4.9406564584124654e-324,
		// b1
		1, -1,
		// W2, 2×2
		math.MaxFloat64, -math.SmallestNonzeroFloat64, 0.1, -0.2,
		// b2
		1e-300, -1e300,
	}
	params, err := netcore.ParamsOver(shape, data)
	if err != nil {
		t.Fatal(err)
	}
	state := func(scale float64) []float64 {
		v := make([]float64, shape.Len())
		for i := range v {
			v[i] = scale * float64(i+1)
		}
		return v
	}
	return &netcore.Checkpoint{
		Activation: netcore.ReLU,
		Iteration:  1234567,
		Config:     []byte(`{"hidden":2,"rule":"adam"}`),
		Params:     params,
		State:      map[string][]float64{"adam.m": state(0.125), "adam.v": state(-3)},
		Extra:      []byte{0, 1, 2, 0xfe, 0xff},
	}
}

// TestGoldenCheckpointV1 decodes the committed version-1 checkpoint to the
// values it was written from, with no data set (version 1 has none).
func TestGoldenCheckpointV1(t *testing.T) {
	checkGoldenCheckpoint(t, goldenCheckpointV1, 1, goldenCheckpoint(t), false)
}

// TestGoldenCheckpointV2 decodes the committed version-2 checkpoint, the
// current format, to the values it was written from, and checks that this
// build encodes those values to the same bytes. A change of the format
// fails it: give the new format a new version and a golden file of its own
// (and keep reading this one); rewrite this file only if version 2 itself
// must change, with go test ./netcore -run TestGoldenCheckpointV2 -update.
func TestGoldenCheckpointV2(t *testing.T) {
	want := goldenCheckpoint(t)
	want.Dataset = netcore.Dataset{Name: "fashion-mnist", Digest: "0123456789abcdef"}
	checkGoldenCheckpoint(t, goldenCheckpointV2, 2, want, true)
}

// checkGoldenCheckpoint checks that file, of the given version, decodes to
// want, and where current, that this build encodes want to it (or, with
// -update, writes it).
func checkGoldenCheckpoint(t *testing.T, file string, version byte, want *netcore.Checkpoint, current bool) {
	encoded, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if *update && current {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, encoded, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", file, len(encoded))
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:8]) != "SHARDNET" || b[8] != version || b[9] != 0 {
		t.Fatalf("%s does not start with SHARDNET and version %d (uint16, little-endian)", file, version)
	}
	got, err := netcore.ReadCheckpoint(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if got.Activation != want.Activation || got.Iteration != want.Iteration ||
		!bytes.Equal(got.Config, want.Config) || !bytes.Equal(got.Extra, want.Extra) || got.Dataset != want.Dataset {
		t.Errorf("%s decodes to activation %v, iteration %d, config %q, extra %x, data set %+v; want %v, %d, %q, %x, %+v",
			file, got.Activation, got.Iteration, got.Config, got.Extra, got.Dataset,
			want.Activation, want.Iteration, want.Config, want.Extra, want.Dataset)
	}
	if got.Params.Shape != want.Params.Shape {
		t.Errorf("%s decodes to shape %v, want %v", file, got.Params.Shape, want.Params.Shape)
	}
	if !sameBits(got.Params.Data, want.Params.Data) {
		t.Errorf("%s decodes to parameters %v, want %v", file, got.Params.Data, want.Params.Data)
	}
	if len(got.State) != len(want.State) {
		t.Errorf("%s decodes to %d optimiser slots, want %d", file, len(got.State), len(want.State))
	}
	for name, v := range want.State {
		if !sameBits(got.State[name], v) {
			t.Errorf("%s decodes slot %q to %v, want %v", file, name, got.State[name], v)
		}
	}
	if got.Params.Digest() != want.Params.Digest() {
		t.Errorf("%s: parameters' digest %s, want %s", file, got.Params.Digest(), want.Params.Digest())
	}
	if current && !bytes.Equal(encoded, b) {
		t.Errorf("this build encodes the golden checkpoint to %d bytes that differ from %s's %d: the version-%d format changed.\n"+
			"Give a new format a new version and a golden file of its own; rewrite this one only for a\n"+
			"deliberate change of version %d, with\n"+
			"\tgo test ./netcore -run TestGoldenCheckpointV%d -update",
			len(encoded), file, len(b), version, version, version)
	}
}
