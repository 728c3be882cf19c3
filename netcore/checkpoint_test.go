package netcore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/shardnet/shardnet/netcore"
)

// Offsets of the version 1 header, documented in checkpoint.go.
const (
	offVersion = 8
	offLength  = 10
	offInputs  = 18
	offHidden  = 22
	offOutputs = 26
	headerSize = 18
)

// sampleCheckpoint returns a checkpoint with every field set, from a fixed seed.
func sampleCheckpoint(t testing.TB, s netcore.Shape, slots ...string) *netcore.Checkpoint {
	t.Helper()
	p, err := netcore.NewParams(s)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	p.Init(netcore.NormalInit, 0.5, rng)
	p.B1[0], p.B2[len(p.B2)-1] = math.Copysign(0, -1), math.Inf(1) // bit patterns must survive
	state := map[string][]float64{}
	for _, name := range slots {
		v := make([]float64, s.Len())
		for i := range v {
			v[i] = rng.Float64()
		}
		state[name] = v
	}
	return &netcore.Checkpoint{
		Activation: netcore.Tanh,
		Iteration:  1234567,
		Config:     []byte("hidden: 10\nlr: 0.04\n"),
		Params:     p,
		State:      state,
		Extra:      []byte{1, 2, 3, 0, 255},
	}
}

func encode(t testing.TB, c *netcore.Checkpoint) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// reseal rewrites the payload length and checksum of a (possibly edited)
// checkpoint so that a reader gets past them to the fields inside.
func reseal(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) < headerSize+4 {
		return b
	}
	binary.LittleEndian.PutUint64(b[offLength:], uint64(len(b)-headerSize-4))
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestCheckpointRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		shape netcore.Shape
		slots []string
		empty bool // no config and no extra
	}{
		{"no slots", netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}, nil, false},
		{"adam", netcore.Shape{Inputs: 5, Hidden: 4, Outputs: 3}, []string{"adam.v", "adam.m"}, false},
		{"empty blobs", netcore.Shape{Inputs: 1, Hidden: 1, Outputs: 1}, []string{"momentum"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := sampleCheckpoint(t, tt.shape, tt.slots...)
			if tt.empty {
				want.Config, want.Extra = nil, nil
			}
			b := encode(t, want)
			// Reading in tiny pieces checks that ReadCheckpoint does not rely
			// on one Read returning everything.
			got, err := netcore.ReadCheckpoint(iotest.OneByteReader(bytes.NewReader(b)), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.Activation != want.Activation || got.Iteration != want.Iteration {
				t.Errorf("activation, iteration = %v, %d; want %v, %d", got.Activation, got.Iteration, want.Activation, want.Iteration)
			}
			if !bytes.Equal(got.Config, want.Config) || !bytes.Equal(got.Extra, want.Extra) {
				t.Errorf("config, extra = %q, %v; want %q, %v", got.Config, got.Extra, want.Config, want.Extra)
			}
			if got.Params.Shape != want.Params.Shape || !sameBits(got.Params.Data, want.Params.Data) {
				t.Errorf("parameters differ: got %v %v, want %v %v", got.Params.Shape, got.Params.Data, want.Params.Shape, want.Params.Data)
			}
			if got.Params.Digest() != want.Params.Digest() {
				t.Errorf("digest %s, want %s", got.Params.Digest(), want.Params.Digest())
			}
			if len(got.State) != len(want.State) {
				t.Errorf("%d optimiser slots, want %d", len(got.State), len(want.State))
			}
			for name, v := range want.State {
				if !sameBits(got.State[name], v) {
					t.Errorf("optimiser slot %q differs", name)
				}
			}
			// Encoding is canonical: the decoded checkpoint re-encodes to the same bytes.
			if again := encode(t, got); !bytes.Equal(again, b) {
				t.Error("re-encoding the decoded checkpoint gives different bytes")
			}
		})
	}
}

func TestCheckpointSlotOrderIsSorted(t *testing.T) {
	c := sampleCheckpoint(t, netcore.Shape{Inputs: 2, Hidden: 1, Outputs: 1}, "z", "a", "m")
	b := encode(t, c)
	ia, im, iz := bytes.Index(b, []byte{1, 0, 'a'}), bytes.Index(b, []byte{1, 0, 'm'}), bytes.Index(b, []byte{1, 0, 'z'})
	if ia < 0 || !(ia < im && im < iz) {
		t.Errorf("slot names at offsets a=%d m=%d z=%d; want increasing", ia, im, iz)
	}
}

func TestCheckpointTruncatedAtEveryOffset(t *testing.T) {
	b := encode(t, sampleCheckpoint(t, netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}, "m"))
	for n := range len(b) {
		_, err := netcore.ReadCheckpoint(bytes.NewReader(b[:n]), 0)
		if !errors.Is(err, netcore.ErrCheckpoint) {
			t.Fatalf("truncated to %d of %d bytes: err = %v, want ErrCheckpoint", n, len(b), err)
		}
		// Short of the magic the file is not recognisably a checkpoint at all.
		if want := "truncated"; n >= 8 && !strings.Contains(err.Error(), want) {
			t.Errorf("truncated to %d bytes: %q does not say %q", n, err, want)
		}
	}
}

func TestCheckpointCorruption(t *testing.T) {
	good := encode(t, sampleCheckpoint(t, netcore.Shape{Inputs: 4, Hidden: 3, Outputs: 2}, "m"))
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), `bad magic: want "SHARDNET", found "XHARDNET"`},
		{"gob", []byte("\x0d\xff\x81\x03\x01\x01\x04Data"), "bad magic"},
		{"wrong version", edit(func(b []byte) []byte { b[offVersion] = 7; return b }), "unsupported version 7, this build reads versions 1 to 2"},
		{"flipped parameter byte", edit(func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }), "checksum mismatch: file says"},
		{"flipped checksum byte", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "checksum mismatch"},
		{"trailing garbage", append(bytes.Clone(good), "garbage"...), "7 trailing bytes"},
		{"length says more", edit(func(b []byte) []byte { b[offLength]++; return b }), "truncated"},
		{"huge length", edit(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[offLength:], math.MaxUint64); return b }), "truncated"},
		{"zero hidden", reseal(edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[offHidden:], 0); return b })), "every layer needs at least one unit"},
		{"absurd shape", reseal(edit(func(b []byte) []byte {
			for _, off := range []int{offInputs, offHidden, offOutputs} {
				binary.LittleEndian.PutUint32(b[off:], math.MaxUint32)
			}
			return b
		})), "more parameters than"},
		{"bad activation", reseal(edit(func(b []byte) []byte { b[offOutputs+4] = 9; return b })), "unknown activation 9"},
		{"negative iteration", reseal(edit(func(b []byte) []byte { b[offOutputs+4+8] = 0x80; return b })), "iteration"},
		{"config length past the end", reseal(edit(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[offOutputs+4+9:], math.MaxUint32)
			return b
		})), "truncated: config needs 4294967295 bytes"},
		{"payload cut short", reseal(good[:len(good)-10]), "truncated"},
		{"payload with spare bytes", reseal(append(bytes.Clone(good), 0, 0, 0)), "left over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := netcore.ReadCheckpoint(bytes.NewReader(tt.data), 0)
			if !errors.Is(err, netcore.ErrCheckpoint) {
				t.Fatalf("err = %v (checkpoint %v), want one wrapping ErrCheckpoint", err, c)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "netcore: checkpoint: ") {
				t.Errorf("err = %q, want the package prefix", err)
			}
		})
	}
}

func TestCheckpointAbsurdShapeAllocatesNothing(t *testing.T) {
	// A 40-byte file declaring a 2^32-wide network: both the checksum-valid
	// and the corrupt variant must be refused without allocating the
	// petabytes the shape implies.
	b := encode(t, sampleCheckpoint(t, netcore.Shape{Inputs: 1, Hidden: 1, Outputs: 1}))
	for _, off := range []int{offInputs, offHidden, offOutputs} {
		binary.LittleEndian.PutUint32(b[off:], math.MaxUint32)
	}
	for _, data := range [][]byte{b, reseal(b)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := netcore.ReadCheckpoint(bytes.NewReader(data), 0)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, netcore.ErrCheckpoint) {
			t.Fatalf("err = %v, want ErrCheckpoint", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("rejecting a %d-byte file allocated %d bytes", len(data), grew)
		}
	}
}

func TestCheckpointLimit(t *testing.T) {
	b := encode(t, sampleCheckpoint(t, netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}))
	if _, err := netcore.ReadCheckpoint(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatalf("limit equal to the size: %v", err)
	}
	if _, err := netcore.ReadCheckpoint(bytes.NewReader(b), math.MaxInt64); err != nil {
		t.Fatalf("largest limit: %v", err)
	}
	_, err := netcore.ReadCheckpoint(bytes.NewReader(b), int64(len(b)-1))
	if !errors.Is(err, netcore.ErrCheckpoint) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("limit one byte short: err = %v, want a limit error wrapping ErrCheckpoint", err)
	}
}

func TestCheckpointReadError(t *testing.T) {
	cause := errors.New("disk on fire")
	_, err := netcore.ReadCheckpoint(io.MultiReader(strings.NewReader("SHARD"), iotest.ErrReader(cause)), 0)
	if !errors.Is(err, netcore.ErrCheckpoint) || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want it to wrap both ErrCheckpoint and the read error", err)
	}
}

func TestCheckpointWriteRejectsInvalid(t *testing.T) {
	s := netcore.Shape{Inputs: 2, Hidden: 2, Outputs: 2}
	tests := []struct {
		name string
		edit func(c *netcore.Checkpoint)
		want string
	}{
		{"no params", func(c *netcore.Checkpoint) { c.Params = nil }, "no parameters"},
		{"negative iteration", func(c *netcore.Checkpoint) { c.Iteration = -1 }, "iteration -1"},
		{"unknown activation", func(c *netcore.Checkpoint) { c.Activation = 3 }, "unknown activation"},
		{"short slot", func(c *netcore.Checkpoint) { c.State["m"] = c.State["m"][:3] }, `slot "m": want 12 values, found 3`},
		{"empty slot name", func(c *netcore.Checkpoint) { c.State[""] = c.State["m"] }, "slot name"},
		{"params data short", func(c *netcore.Checkpoint) { c.Params.Data = c.Params.Data[:1] }, "want 12 values, found 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleCheckpoint(t, s, "m")
			tt.edit(c)
			var buf bytes.Buffer
			n, err := c.WriteTo(&buf)
			if !errors.Is(err, netcore.ErrCheckpoint) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrCheckpoint containing %q", err, tt.want)
			}
			if n != 0 || buf.Len() != 0 {
				t.Errorf("wrote %d bytes of an invalid checkpoint", buf.Len())
			}
		})
	}
}

func TestDigest(t *testing.T) {
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 1, Hidden: 1, Outputs: 1})
	// The digest of four zero float64s is the SHA-256 of 32 zero bytes.
	if got, want := p.Digest(), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"; got != want {
		t.Errorf("digest of zeros = %s, want %s", got, want)
	}
	q := p.Clone()
	q.B2[0] = math.Copysign(0, -1) // equal as a number, different bits
	if q.Digest() == p.Digest() {
		t.Error("-0 and +0 give the same digest; want the digest to follow the bits")
	}
}

// TestCheckpointDataset round-trips the data set's name and digest
// (version 2), and reads a version-1 checkpoint, which has neither, with
// every other field as written.
func TestCheckpointDataset(t *testing.T) {
	c := sampleCheckpoint(t, netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}, "m", "v")
	c.Dataset = netcore.Dataset{Name: "fashion-mnist", Digest: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"}
	got, err := netcore.UnmarshalCheckpoint(encode(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if got.Dataset != c.Dataset {
		t.Errorf("data set %+v, want %+v", got.Dataset, c.Dataset)
	}

	c.Dataset = netcore.Dataset{}
	v2 := encode(t, c)
	v1 := bytes.Clone(v2[:len(v2)-4-8]) // without the two empty fields and the checksum
	binary.LittleEndian.PutUint16(v1[offVersion:], 1)
	v1 = reseal(append(v1, 0, 0, 0, 0))
	old, err := netcore.UnmarshalCheckpoint(v1)
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if !bytes.Equal(encode(t, old), v2) {
		t.Error("a version-1 checkpoint decodes to other fields than it was written with")
	}
	if old.Dataset != (netcore.Dataset{}) {
		t.Errorf("version 1: data set %+v, want none", old.Dataset)
	}
}
