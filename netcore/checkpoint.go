package netcore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"slices"
)

// The checkpoint file format, version 2. All integers are little-endian;
// floats are IEEE-754 float64 bits.
//
//	header   magic "SHARDNET" (8 bytes), version uint16,
//	         payload length uint64
//	payload  inputs, hidden, outputs uint32; activation uint8;
//	         iteration uint64;
//	         config: length uint32, bytes;
//	         parameters: Shape.Len() float64 (W1, B1, W2, B2);
//	         slot count uint32, then per slot in increasing name order:
//	           name length uint16, name bytes, Shape.Len() float64;
//	         extra: length uint32, bytes;
//	         data set name: length uint32, bytes (version 2 on);
//	         data set digest: length uint32, bytes (version 2 on)
//	trailer  CRC-32C (Castagnoli) uint32 of header and payload
//
// Version 1 is version 2 without the data set's fields; it is still read,
// with an empty [Checkpoint.Dataset]. The header's payload length lets a
// reader tell truncation and trailing bytes apart from corruption, and
// check the checksum before trusting any length inside the payload.
const (
	checkpointMagic   = "SHARDNET"
	checkpointVersion = 2
	headerLen         = len(checkpointMagic) + 2 + 8
	trailerLen        = 4

	// DefaultCheckpointLimit is the largest checkpoint ReadCheckpoint
	// accepts when given no limit.
	DefaultCheckpointLimit = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCheckpoint is wrapped by every error of ReadCheckpoint (and of
// Checkpoint.WriteTo for a checkpoint that cannot be encoded), so callers can
// tell a bad file from other failures with errors.Is.
var ErrCheckpoint = errors.New("invalid checkpoint")

// checkpointError reads "netcore: checkpoint: <msg>[: <cause>]" and matches
// both ErrCheckpoint and its cause.
type checkpointError struct {
	msg   string
	cause error
}

func (e *checkpointError) Error() string {
	if e.cause != nil {
		return "netcore: checkpoint: " + e.msg + ": " + e.cause.Error()
	}
	return "netcore: checkpoint: " + e.msg
}

func (e *checkpointError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrCheckpoint, e.cause}
	}
	return []error{ErrCheckpoint}
}

func ckErr(format string, args ...any) error {
	return &checkpointError{msg: fmt.Sprintf(format, args...)}
}

// Checkpoint is everything needed to resume training: the network, where
// training stood, and the state of the optimiser and random sources.
type Checkpoint struct {
	Activation Activation
	Iteration  int64  // completed iterations, >= 0
	Config     []byte // the trainer's configuration, opaque here
	Params     *Params
	// State holds the optimiser's named slots (momentum, Adam moments), each
	// of Params.Shape.Len() values. Written in sorted key order.
	State map[string][]float64
	Extra []byte // further opaque state, such as RNG state; may be empty
	// Dataset is the data the parameters were trained on, so that a model
	// is not evaluated on another data set unawares; zero when unknown (a
	// version-1 checkpoint).
	Dataset Dataset
}

// Dataset identifies a data set by name and by content.
type Dataset struct {
	Name string // "mnist", "fashion-mnist"
	// Digest is the hex SHA-256 of the decompressed test images file,
	// which every command that evaluates a model reads: equal digests mean
	// the same test images.
	Digest string
}

// validate reports why c cannot be encoded.
func (c *Checkpoint) validate() error {
	if c.Params == nil {
		return ckErr("no parameters")
	}
	s := c.Params.Shape
	if err := s.Validate(); err != nil {
		return &checkpointError{msg: "parameters", cause: err}
	}
	if uint64(s.Inputs) > math.MaxUint32 || uint64(s.Hidden) > math.MaxUint32 || uint64(s.Outputs) > math.MaxUint32 {
		return ckErr("shape %v: want every layer below 2^32 units", s)
	}
	if len(c.Params.Data) != s.Len() {
		return ckErr("parameters of shape %v: want %d values, found %d", s, s.Len(), len(c.Params.Data))
	}
	if !c.Activation.Valid() {
		return ckErr("unknown activation %v", c.Activation)
	}
	if c.Iteration < 0 {
		return ckErr("iteration %d: want >= 0", c.Iteration)
	}
	if uint64(len(c.Dataset.Name)) > math.MaxUint16 || uint64(len(c.Dataset.Digest)) > math.MaxUint16 {
		return ckErr("data set name of %d bytes or digest of %d bytes: want below 64 KiB each", len(c.Dataset.Name), len(c.Dataset.Digest))
	}
	if uint64(len(c.Config)) > math.MaxUint32 || uint64(len(c.Extra)) > math.MaxUint32 {
		return ckErr("config of %d bytes or extra of %d bytes: want below 4 GiB each", len(c.Config), len(c.Extra))
	}
	if uint64(len(c.State)) > math.MaxUint32 {
		return ckErr("%d optimiser slots: too many", len(c.State))
	}
	for name, v := range c.State {
		if name == "" || len(name) > math.MaxUint16 {
			return ckErr("optimiser slot name of %d bytes: want 1 to %d", len(name), math.MaxUint16)
		}
		if len(v) != s.Len() {
			return ckErr("optimiser slot %q: want %d values, found %d", name, s.Len(), len(v))
		}
	}
	return nil
}

// MarshalBinary encodes c in the checkpoint format.
func (c *Checkpoint) MarshalBinary() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	s := c.Params.Shape
	n := s.Len()
	size := headerLen + 3*4 + 1 + 8 + 4 + len(c.Config) + 8*n + 4 + 4 + len(c.Extra) +
		4 + len(c.Dataset.Name) + 4 + len(c.Dataset.Digest) + trailerLen
	for name := range c.State {
		size += 2 + len(name) + 8*n
	}
	b := make([]byte, 0, size)
	b = append(b, checkpointMagic...)
	b = binary.LittleEndian.AppendUint16(b, checkpointVersion)
	b = binary.LittleEndian.AppendUint64(b, uint64(size-headerLen-trailerLen))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Inputs))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Hidden))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Outputs))
	b = append(b, byte(c.Activation))
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Iteration))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Config)))
	b = append(b, c.Config...)
	b = appendFloats(b, c.Params.Data)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.State)))
	for _, name := range slices.Sorted(maps.Keys(c.State)) {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
		b = append(b, name...)
		b = appendFloats(b, c.State[name])
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Extra)))
	b = append(b, c.Extra...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Dataset.Name)))
	b = append(b, c.Dataset.Name...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Dataset.Digest)))
	b = append(b, c.Dataset.Digest...)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return b, nil
}

// WriteTo writes c to w in the checkpoint format and returns the number of
// bytes written. A checkpoint that cannot be encoded (no parameters, a slot
// of the wrong length, a negative iteration) gives an error wrapping
// ErrCheckpoint before anything is written.
func (c *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err != nil {
		return int64(n), fmt.Errorf("netcore: checkpoint: write: %w", err)
	}
	return int64(n), nil
}

// ReadCheckpoint reads one checkpoint, which must make up all of r, refusing
// inputs longer than limit bytes (DefaultCheckpointLimit when limit <= 0).
// Every error wraps ErrCheckpoint, and no input, however malformed, makes it
// allocate much more than the bytes it read or panic.
func ReadCheckpoint(r io.Reader, limit int64) (*Checkpoint, error) {
	if limit <= 0 {
		limit = DefaultCheckpointLimit
	}
	// One byte past the limit tells an input of exactly limit bytes from a
	// longer one.
	b, err := io.ReadAll(io.LimitReader(r, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, &checkpointError{msg: "read", cause: err}
	}
	if int64(len(b)) > limit {
		return nil, ckErr("larger than the limit of %d bytes", limit)
	}
	return UnmarshalCheckpoint(b)
}

// UnmarshalCheckpoint decodes a checkpoint from b, which must hold exactly
// one. The result does not share memory with b. Errors are ReadCheckpoint's.
func UnmarshalCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) < len(checkpointMagic) || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, ckErr("bad magic: want %q, found %q", checkpointMagic, b[:min(len(b), len(checkpointMagic))])
	}
	if len(b) < headerLen {
		return nil, ckErr("truncated: header needs %d bytes, found %d", headerLen, len(b))
	}
	version := binary.LittleEndian.Uint16(b[8:])
	if version < 1 || version > checkpointVersion {
		return nil, ckErr("unsupported version %d, this build reads versions 1 to %d", version, checkpointVersion)
	}
	// Compare in uint64 so that a declared length near 2^64 cannot wrap.
	declared := binary.LittleEndian.Uint64(b[10:])
	have := uint64(len(b) - headerLen)
	switch {
	case have < trailerLen || declared > have-trailerLen:
		return nil, ckErr("truncated: header declares a %d-byte payload and %d-byte checksum, found %d bytes after the header", declared, trailerLen, have)
	case declared < have-trailerLen:
		return nil, ckErr("%d trailing bytes after the checksum", have-trailerLen-declared)
	}
	end := len(b) - trailerLen
	if want, got := binary.LittleEndian.Uint32(b[end:]), crc32.Checksum(b[:end], castagnoli); want != got {
		return nil, ckErr("checksum mismatch: file says %#08x, contents give %#08x", want, got)
	}
	d := decoder{b: b[headerLen:end]}
	c, err := d.payload()
	if err != nil {
		return nil, err
	}
	if version >= 2 {
		name, err := d.blob("data set name")
		if err != nil {
			return nil, err
		}
		digest, err := d.blob("data set digest")
		if err != nil {
			return nil, err
		}
		c.Dataset = Dataset{Name: string(name), Digest: string(digest)}
	}
	if len(d.b) != 0 {
		return nil, ckErr("%d bytes left over in the payload after its last field", len(d.b))
	}
	return c, nil
}

// decoder reads the fields of a payload from the front of b. The checksum
// has been verified by the time it runs, so its errors mean a faulty writer
// (or a deliberate forgery), not a damaged file; it still checks every length.
type decoder struct {
	b []byte // the unread rest of the payload
}

func (d *decoder) take(n uint64, field string) ([]byte, error) {
	if n > uint64(len(d.b)) {
		return nil, ckErr("truncated: %s needs %d bytes, found %d", field, n, len(d.b))
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) u8(field string) (uint8, error) {
	v, err := d.take(1, field)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

func (d *decoder) u16(field string) (uint16, error) {
	v, err := d.take(2, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(v), nil
}

func (d *decoder) u32(field string) (uint32, error) {
	v, err := d.take(4, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(v), nil
}

func (d *decoder) u64(field string) (uint64, error) {
	v, err := d.take(8, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(v), nil
}

// blob reads a uint32 length and that many bytes, copied.
func (d *decoder) blob(field string) ([]byte, error) {
	n, err := d.u32(field + " length")
	if err != nil {
		return nil, err
	}
	v, err := d.take(uint64(n), field)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

// floats reads n float64 values into dst.
func (d *decoder) floats(dst []float64, field string) error {
	v, err := d.take(8*uint64(len(dst)), field)
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(v[8*i:]))
	}
	return nil
}

func (d *decoder) payload() (*Checkpoint, error) {
	var dims [3]uint32
	for i, name := range []string{"inputs", "hidden", "outputs"} {
		v, err := d.u32(name)
		if err != nil {
			return nil, err
		}
		dims[i] = v
	}
	s := Shape{Inputs: int(dims[0]), Hidden: int(dims[1]), Outputs: int(dims[2])}
	if err := s.Validate(); err != nil {
		return nil, &checkpointError{msg: "header", cause: err}
	}
	// Bound the parameter count by the bytes present before computing it in
	// int, so that neither the product overflows nor a tiny file with an
	// absurd shape makes us allocate.
	room := uint64(len(d.b)) / 8
	n, ok := paramCount(dims, room)
	if !ok {
		return nil, ckErr("shape %v has more parameters than the %d bytes of the payload can hold", s, len(d.b))
	}
	a, err := d.u8("activation")
	if err != nil {
		return nil, err
	}
	act := Activation(a)
	if !act.Valid() {
		return nil, ckErr("unknown activation %d: want 0 (sigmoid), 1 (tanh) or 2 (relu)", a)
	}
	it, err := d.u64("iteration")
	if err != nil {
		return nil, err
	}
	if it > math.MaxInt64 {
		return nil, ckErr("iteration %d: want at most %d", it, int64(math.MaxInt64))
	}
	c := &Checkpoint{Activation: act, Iteration: int64(it), State: map[string][]float64{}}
	if c.Config, err = d.blob("config"); err != nil {
		return nil, err
	}
	if uint64(len(d.b))/8 < n {
		return nil, ckErr("truncated: %v parameters need %d bytes, found %d", s, 8*n, len(d.b))
	}
	c.Params, _ = NewParams(s)
	if err := d.floats(c.Params.Data, "parameters"); err != nil {
		return nil, err
	}
	slots, err := d.u32("optimiser slot count")
	if err != nil {
		return nil, err
	}
	// Each slot takes at least 2+1+8n bytes, so a count the payload cannot
	// hold is refused before any slot is allocated.
	if uint64(slots) > uint64(len(d.b))/(3+8*n) {
		return nil, ckErr("truncated: %d optimiser slots need at least %d bytes each, found %d in all", slots, 3+8*n, len(d.b))
	}
	prev := ""
	for i := range slots {
		l, err := d.u16("optimiser slot name length")
		if err != nil {
			return nil, err
		}
		name, err := d.take(uint64(l), "optimiser slot name")
		if err != nil {
			return nil, err
		}
		if l == 0 {
			return nil, ckErr("optimiser slot %d has an empty name", i)
		}
		if i > 0 && string(name) <= prev {
			return nil, ckErr("optimiser slot %q follows %q: want names in strictly increasing order", name, prev)
		}
		prev = string(name)
		v := make([]float64, n)
		if err := d.floats(v, fmt.Sprintf("optimiser slot %q", name)); err != nil {
			return nil, err
		}
		c.State[prev] = v
	}
	if c.Extra, err = d.blob("extra"); err != nil {
		return nil, err
	}
	return c, nil
}

// paramCount returns the number of parameters of a network with the given
// layer sizes, and false if it exceeds limit. It never overflows: every
// intermediate value stays at most limit, which is below 2^61.
func paramCount(dims [3]uint32, limit uint64) (uint64, bool) {
	in, h, out := uint64(dims[0]), uint64(dims[1]), uint64(dims[2])
	// Hidden*Inputs + Hidden + Outputs*Hidden + Outputs = h*(in+1+out) + out.
	per := in + 1 + out // below 2^34
	if h > limit/per {
		return 0, false
	}
	n := h * per
	if out > limit-n {
		return 0, false
	}
	return n + out, true
}

// Digest returns the hex SHA-256 of the parameters: Data (W1, B1, W2, B2) as
// little-endian IEEE-754 float64 bytes. Equal digests mean bitwise-equal
// parameters, so runs can be compared without comparing files.
func (p *Params) Digest() string {
	h := sha256.New()
	var buf [8 * 512]byte
	for data := p.Data; len(data) > 0; {
		k := min(len(data), 512)
		for i, v := range data[:k] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		h.Write(buf[:8*k])
		data = data[k:]
	}
	return hex.EncodeToString(h.Sum(nil))
}

func appendFloats(b []byte, v []float64) []byte {
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}
