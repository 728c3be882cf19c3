package trainer

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinFor is how long a goroutine of the engine polls for its next signal
// before it parks. The three rounds of an iteration follow each other within
// microseconds, and waking a parked goroutine costs a futex call and a
// thread switch, tens of microseconds on virtual machines; on sixteen cores
// that used to be a tenth of an iteration of the seed network. A wait longer
// than spinFor (evaluation, logging, the next mini-batch's preparation)
// parks as before.
const spinFor = 100 * time.Microsecond

// spinCheck is how many polls go between looks at the clock, each of which
// also yields the processor to any other goroutine that wants it.
const spinCheck = 64

// phaser hands phases from the coordinator to the helper goroutines and
// waits until every helper has finished the phase. Each side polls for a
// while and then parks on a channel. A flag, set before parking and taken
// back with a compare-and-swap, decides who sends: the side that finds the
// other parked wakes it, and a parked side that takes its own flag back
// needs no wake, so no wake is ever lost or left over. The flag holds the
// phase the sleeper waits on (its seq plus one, never zero), not just
// "parked", so that a signal meant for one phase that arrives late cannot
// wake the sleeper out of a later one.
type phaser struct {
	// seq is the number of phases published so far, shifted left by 8,
	// with the current phase in the low byte: one atomic word, so that a
	// helper reads the phase with the signal itself.
	seq  atomic.Uint64
	left atomic.Int64 // helpers still in the current phase
	spin bool         // poll before parking: only with a processor for each goroutine

	helpers []sleeper
	coord   sleeper
}

// sleeper is one goroutine's parking place, on a cache line of its own.
// parked is 0, or the seq of the phase it parked on plus one.
type sleeper struct {
	parked atomic.Uint64
	wake   chan struct{}
	_      [48]byte
}

// phase is what a phaser announces to the helpers, in the low byte of seq.
type phase uint8

// phaseOf returns the phase that seq, a value of phaser.seq, announces.
func phaseOf(seq uint64) phase { return phase(seq & 0xff) }

func newPhaser(helpers int, spin bool) *phaser {
	p := &phaser{spin: spin, helpers: make([]sleeper, helpers)}
	p.coord.wake = make(chan struct{}, 1)
	for i := range p.helpers {
		p.helpers[i].wake = make(chan struct{}, 1)
	}
	return p
}

// publish starts phase ph on every helper. The coordinator calls it once
// the helpers have finished the previous phase (or, for phaseStop, at any
// time); everything it wrote before is visible to the helpers.
func (p *phaser) publish(ph phase) {
	last := p.seq.Load()
	p.left.Store(int64(len(p.helpers)))
	p.seq.Store((last>>8+1)<<8 | uint64(ph))
	for i := range p.helpers {
		// A helper parked on the phase before this one is woken; one that
		// has already run this phase and parked on it is left alone.
		if s := &p.helpers[i]; s.parked.CompareAndSwap(last+1, 0) {
			s.wake <- struct{}{}
		}
	}
}

// next waits until a phase after the one seen in last is published and
// returns its seq; helper h calls it.
func (p *phaser) next(h int, last uint64) uint64 {
	var seq uint64
	if p.spin && poll(func() bool { seq = p.seq.Load(); return seq != last }) {
		return seq
	}
	s := &p.helpers[h]
	s.parked.Store(last + 1)
	if seq := p.seq.Load(); seq != last {
		if !s.parked.CompareAndSwap(last+1, 0) {
			<-s.wake // publish saw the flag first and sends
		}
		return seq
	}
	<-s.wake
	return p.seq.Load()
}

// finished reports that the calling helper is done with the phase of seq,
// the value next returned; everything it wrote before is visible to the
// coordinator once wait returns true.
func (p *phaser) finished(seq uint64) {
	if p.left.Add(-1) == 0 && p.coord.parked.CompareAndSwap(seq+1, 0) {
		p.coord.wake <- struct{}{}
	}
}

// wait blocks the coordinator until every helper has finished the current
// phase. A round always runs to its end (cancellation reaches the tasks,
// which stop early), so the wait cannot be cancelled.
func (p *phaser) wait() {
	if p.spin && poll(func() bool { return p.left.Load() == 0 }) {
		return
	}
	s, flag := &p.coord, p.seq.Load()+1
	s.parked.Store(flag)
	if p.left.Load() == 0 {
		if !s.parked.CompareAndSwap(flag, 0) {
			<-s.wake // the last helper saw the flag first and sends
		}
		return
	}
	<-s.wake
}

// poll calls ready until it returns true, for up to spinFor, yielding the
// processor every spinCheck calls, and reports whether it did.
func poll(ready func() bool) bool {
	if ready() {
		return true // no clock read when the signal is already there
	}
	start := time.Now()
	for i := 1; ; i++ {
		if ready() {
			return true
		}
		if i%spinCheck == 0 {
			if time.Since(start) > spinFor {
				return false
			}
			runtime.Gosched()
		}
	}
}
