package netcore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/shardnet/shardnet/netcore"
)

// FuzzReadCheckpoint checks that no input makes ReadCheckpoint panic or
// return an error outside ErrCheckpoint, and that whatever it accepts
// re-encodes to the same bytes, a version-1 input to the same bytes in
// version 2 (its fields, then an empty data set name and digest). Each
// input is also tried with its length and checksum repaired, since random
// mutations almost never keep a CRC valid and would otherwise never reach
// the field parser.
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
			want := b
			if binary.LittleEndian.Uint16(b[offVersion:]) == 1 {
				want = asVersion2(b)
			}
			if !bytes.Equal(again.Bytes(), want) {
				t.Fatalf("accepted %d bytes that re-encode to %d different bytes", len(b), again.Len())
			}
		}
	})
}

// asVersion2 is the version-2 encoding of the version-1 checkpoint b: the
// same fields, then the empty data set name and digest (two zero lengths).
func asVersion2(b []byte) []byte {
	v2 := bytes.Clone(b[:len(b)-4])
	binary.LittleEndian.PutUint16(v2[offVersion:], 2)
	v2 = append(v2, make([]byte, 8+4)...) // two zero lengths, and the checksum's room
	return reseal(v2)
}
