package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// fingerprint is what every process of a job must hold alike before it
// trains, as keys and values in a fixed order. Processes that differ in
// any of them would not compute one run: at best they would train on
// different settings without a word, at worst sum buffers of different
// lengths, which MPI does not survive.
type fingerprint []fingerprintEntry

type fingerprintEntry struct{ key, value string }

// add appends key's value.
func (f *fingerprint) add(key, value string) { *f = append(*f, fingerprintEntry{key, value}) }

// encode writes f as key NUL value NUL ..., the form rank 0 broadcasts.
func (f fingerprint) encode() []byte {
	var b bytes.Buffer
	for _, e := range f {
		b.WriteString(e.key)
		b.WriteByte(0)
		b.WriteString(e.value)
		b.WriteByte(0)
	}
	return b.Bytes()
}

// decodeFingerprint reads what encode wrote.
func decodeFingerprint(b []byte) (fingerprint, error) {
	fields := strings.Split(string(b), "\x00")
	if len(fields)%2 != 1 || fields[len(fields)-1] != "" {
		return nil, errors.New("agreement: rank 0's fingerprint is malformed")
	}
	var f fingerprint
	for i := 0; i+1 < len(fields); i += 2 {
		f.add(fields[i], fields[i+1])
	}
	return f, nil
}

// firstDifference returns the index of the first entry of mine that is
// not rank 0's, or -1 where they are equal.
func firstDifference(mine, lead fingerprint) int {
	for i, e := range mine {
		if i >= len(lead) || lead[i] != e {
			return i
		}
	}
	if len(lead) > len(mine) {
		return len(mine)
	}
	return -1
}

// entry returns f's entry at i, or the key with the value "(none)" beyond
// its end.
func (f fingerprint) entry(i int, key string) fingerprintEntry {
	if i < len(f) {
		return f[i]
	}
	return fingerprintEntry{key, "(none)"}
}

// disagreement is the outcome of an agreement that failed: every process
// of the job knows it, rank 0 reports it and ends the job.
type disagreement struct{ err error }

func (e *disagreement) Error() string { return e.err.Error() }
func (e *disagreement) Unwrap() error { return e.err }

// agree compares this process's fingerprint with rank 0's, on every
// process of the job. Where some process differs, the lowest such rank
// sends its first differing entry to all, and agree returns, on every
// process, a *disagreement naming the key, rank 0's value and that rank's
// (exit 2). Alone, it returns nil at once.
func (j *job) agree(mine fingerprint) error {
	if j.comm == nil {
		return nil
	}
	began := time.Now()
	defer func() { j.agreeing += time.Since(began) }()
	var b []byte
	if j.lead() {
		b = mine.encode()
	}
	b, err := j.broadcastBytes(b, 0, maxFingerprint)
	if err != nil {
		return fmt.Errorf("agreement: %w", err)
	}
	lead, err := decodeFingerprint(b)
	if err != nil {
		return err
	}
	differs := firstDifference(mine, lead)
	votes := make([]int64, j.size())
	votes[j.rank()] = int64(differs + 1)
	if err := j.comm.SumInt64(votes); err != nil {
		return fmt.Errorf("agreement: %w", err)
	}
	other := slices.IndexFunc(votes, func(v int64) bool { return v > 0 })
	if other < 0 {
		return nil
	}
	var sent []byte
	if j.rank() == other {
		e := mine.entry(differs, lead.entry(differs, "").key)
		sent = fingerprint{e}.encode()
	}
	if sent, err = j.broadcastBytes(sent, other, maxFingerprint); err != nil {
		return fmt.Errorf("agreement: %w", err)
	}
	got, err := decodeFingerprint(sent)
	if err != nil || len(got) != 1 {
		return errors.New("agreement: the differing rank's entry is malformed")
	}
	e := got[0]
	return &disagreement{usagef("the ranks of the job disagree on %s: rank 0 has %s, rank %d has %s; start every rank with the same build, settings and data",
		e.key, lead.entry(int(votes[other]-1), e.key).value, other, e.value)}
}

// broadcastBytes sends b of process root to every process, its length
// first, and returns what root sent; a length over limit is an
// *oversizeError on every process, and nothing more is sent.
func (j *job) broadcastBytes(b []byte, root int, limit uint64) ([]byte, error) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	if err := j.comm.Broadcast(n[:], root); err != nil {
		return nil, err
	}
	size := binary.LittleEndian.Uint64(n[:])
	if size > limit {
		return nil, &oversizeError{root, size, limit}
	}
	if j.rank() != root {
		b = make([]byte, size)
	}
	if err := j.comm.Broadcast(b, root); err != nil {
		return nil, err
	}
	return b, nil
}

// oversizeError is a broadcast refused for its length.
type oversizeError struct {
	root        int
	size, limit uint64
}

func (e *oversizeError) Error() string {
	return fmt.Sprintf("rank %d sends %d bytes, want at most %d", e.root, e.size, e.limit)
}

// maxFingerprint bounds a fingerprint's encoding: its values are short.
const maxFingerprint = 1 << 20

// launchFingerprint is what the processes must share before any other
// collective: the build and the arithmetic its kernel path computes
// (processes may run different paths of the one arithmetic, see
// kernel.ArithmeticOf, but not the AVX-512 kernels' own beside it), and the flags that decide which collectives a
// process makes (a checkpoint to broadcast, a timeline to gather).
func launchFingerprint(resume, trace string) fingerprint {
	var f fingerprint
	f.add("shardnet version", versionLine())
	f.add("arithmetic", kernel.ArithmeticOf(kernel.Path()))
	f.add("--resume", orNone(resume))
	f.add("--trace", onOff(trace != ""))
	return f
}

// runFingerprint is what the processes must share before they train: the
// configuration (but for the workers, which may differ, and data_dir,
// whose contents are compared instead), the training and test data's
// contents, the micro-shard plan and the checkpoint resumed.
func runFingerprint(cfg config.Config, tcfg trainer.Config, ds *shard.Dataset, trainLen, processes int, resumed string) (fingerprint, error) {
	var f fingerprint
	yaml, err := cfg.Marshal()
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(yaml)) {
		key, value, _ := strings.Cut(strings.TrimSpace(line), ": ")
		key = strings.TrimSuffix(key, ":")
		if key == "" || key == "workers" || key == "data_dir" {
			continue
		}
		f.add(key, value)
	}
	f.add("training data", setDigest(ds.Train))
	f.add("test data", setDigest(ds.Test))
	f.add("micro-shard plan", microShardPlan(tcfg, trainLen, processes))
	f.add("resume checkpoint", orNone(resumed))
	return f, nil
}

// setDigest is the SHA-256 of a data set's contents, as decoded (a
// gzipped file and its raw form have one digest), with its count.
func setDigest(s *shard.Set) string {
	h := sha256.New()
	var dims [24]byte
	binary.LittleEndian.PutUint64(dims[0:], uint64(s.Images.Count))
	binary.LittleEndian.PutUint64(dims[8:], uint64(s.Images.Rows))
	binary.LittleEndian.PutUint64(dims[16:], uint64(s.Images.Cols))
	h.Write(dims[:])
	h.Write(s.Images.Pixels)
	h.Write(s.Labels)
	return fmt.Sprintf("%d images, sha256 %s", s.Len(), hex.EncodeToString(h.Sum(nil)))
}

// microShardPlan describes how a run cuts its batches into micro-shards.
func microShardPlan(cfg trainer.Config, n, processes int) string {
	if cfg.BatchSize == 0 || cfg.BatchSize >= n {
		return fmt.Sprintf("batches of %d in %d micro-shards", n, trainer.MicroShards(cfg, n, processes))
	}
	plan := fmt.Sprintf("batches of %d in %d micro-shards", cfg.BatchSize, trainer.MicroShards(cfg, cfg.BatchSize, processes))
	if last := n % cfg.BatchSize; last > 0 {
		plan += fmt.Sprintf(", the last of %d in %d", last, trainer.MicroShards(cfg, last, processes))
	}
	return plan
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
