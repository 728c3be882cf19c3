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

// goldenCheckpointV1 is a version-1 checkpoint as this module wrote it.
// Once a later version exists, the file stays as it is, and the test keeps
// checking that the version is read or refused as the format says.
var goldenCheckpointV1 = filepath.Join("testdata", "golden", "checkpoint-v1.bin")

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
// values it was written from, and checks that this build encodes those
// values to the same bytes. A change of the format fails it: keep reading
// version 1 (or refuse it with a clear error) and record a new version's
// golden file beside this one; rewrite this one only if version 1 itself
// must change, with go test ./netcore -run TestGoldenCheckpointV1 -update.
func TestGoldenCheckpointV1(t *testing.T) {
	want := goldenCheckpoint(t)
	encoded, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenCheckpointV1), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenCheckpointV1, encoded, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", goldenCheckpointV1, len(encoded))
		return
	}
	file, err := os.ReadFile(goldenCheckpointV1)
	if err != nil {
		t.Fatalf("%v (write it with go test ./netcore -run TestGoldenCheckpointV1 -update)", err)
	}
	if len(file) < 10 || string(file[:8]) != "SHARDNET" || file[8] != 1 || file[9] != 0 {
		t.Fatalf("%s does not start with SHARDNET and version 1 (uint16, little-endian)", goldenCheckpointV1)
	}
	got, err := netcore.ReadCheckpoint(bytes.NewReader(file), 0)
	if err != nil {
		t.Fatalf("%s: %v", goldenCheckpointV1, err)
	}
	if got.Activation != want.Activation || got.Iteration != want.Iteration ||
		!bytes.Equal(got.Config, want.Config) || !bytes.Equal(got.Extra, want.Extra) {
		t.Errorf("%s decodes to activation %v, iteration %d, config %q, extra %x; want %v, %d, %q, %x",
			goldenCheckpointV1, got.Activation, got.Iteration, got.Config, got.Extra,
			want.Activation, want.Iteration, want.Config, want.Extra)
	}
	if got.Params.Shape != want.Params.Shape {
		t.Errorf("%s decodes to shape %v, want %v", goldenCheckpointV1, got.Params.Shape, want.Params.Shape)
	}
	if !sameBits(got.Params.Data, want.Params.Data) {
		t.Errorf("%s decodes to parameters %v, want %v", goldenCheckpointV1, got.Params.Data, want.Params.Data)
	}
	if len(got.State) != len(want.State) {
		t.Errorf("%s decodes to %d optimiser slots, want %d", goldenCheckpointV1, len(got.State), len(want.State))
	}
	for name, v := range want.State {
		if !sameBits(got.State[name], v) {
			t.Errorf("%s decodes slot %q to %v, want %v", goldenCheckpointV1, name, got.State[name], v)
		}
	}
	if got.Params.Digest() != want.Params.Digest() {
		t.Errorf("%s: parameters' digest %s, want %s", goldenCheckpointV1, got.Params.Digest(), want.Params.Digest())
	}
	if !bytes.Equal(encoded, file) {
		t.Errorf("this build encodes the golden checkpoint to %d bytes that differ from %s's %d: the version-1 format changed.\n"+
			"Keep writing version 1 as it was, or give the new format a new version and a golden file of its own;\n"+
			"rewrite this one only for a deliberate change of version 1, with\n"+
			"\tgo test ./netcore -run TestGoldenCheckpointV1 -update",
			len(encoded), goldenCheckpointV1, len(file))
	}
}
