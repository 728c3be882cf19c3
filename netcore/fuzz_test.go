package netcore_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/shardnet/shardnet/netcore"
)

// FuzzReadCheckpoint checks that no input makes ReadCheckpoint panic or
// return an error outside ErrCheckpoint, and that whatever it accepts
// re-encodes to the same bytes. Each input is also tried with its length and
// checksum repaired, since random mutations almost never keep a CRC valid
// and would otherwise never reach the field parser.
func FuzzReadCheckpoint(f *testing.F) {
	f.Add(encode(f, sampleCheckpoint(f, netcore.Shape{Inputs: 2, Hidden: 2, Outputs: 1}, "m")))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, reseal(data)} {
			c, err := netcore.ReadCheckpoint(bytes.NewReader(b), 1<<20)
			if err != nil {
				if !errors.Is(err, netcore.ErrCheckpoint) {
					t.Fatalf("error %v does not wrap ErrCheckpoint", err)
				}
				continue
			}
			var again bytes.Buffer
			if _, err := c.WriteTo(&again); err != nil {
				t.Fatalf("accepted checkpoint does not re-encode: %v", err)
			}
			if !bytes.Equal(again.Bytes(), b) {
				t.Fatalf("accepted %d bytes that re-encode to %d different bytes", len(b), again.Len())
			}
		}
	})
}
