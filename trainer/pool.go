package trainer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// A task is one round of work for a [pool]: every worker runs its share.
type task interface {
	// run does worker w's share of the round. ctx is the caller's for
	// worker 0 and the pool's for the others; a task that can take long
	// checks it between pieces of work.
	run(ctx context.Context, w int) error
	// name names the round in errors: "gradient", "reduction", "update".
	name() string
}

// errPanic is wrapped by the error of a round in which a worker panicked:
// the round did not finish, so the parameters may be half updated, and no
// checkpoint may be taken of them.
var errPanic = errors.New("panic")

// runShare runs worker w's share of t, turning a panic into an error that
// names the round and the worker: a panic on a helper goroutine would
// otherwise end the process, and on worker 0 skip the wait for the others.
func runShare(ctx context.Context, t task, w int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trainer: %s round: worker %d: %w: %v", t.name(), w, errPanic, r)
		}
	}()
	return t.run(ctx, w)
}

// pool runs rounds of tasks on a fixed set of workers: the goroutine that
// calls round is worker 0 and helper goroutines under one errgroup are
// workers 1 and up. The helpers live for the whole run rather than one
// errgroup per round, so that a round allocates nothing and starts within
// microseconds (see phaser). The pool knows nothing of what the tasks
// compute.
type pool struct {
	workers int
	phaser  *phaser
	group   *errgroup.Group

	// task is the current round's, written by round before it publishes
	// the round and read by the helpers after; the phaser's atomic
	// operations order the two.
	task   task
	failed atomic.Bool // a helper's task failed

	// timeline, if set, records each worker's waiting at the end of every
	// round (the tasks record their own work); done[w] is when worker w
	// finished its share of the current round.
	timeline *Timeline
	done     []paddedDuration

	stop   sync.Once
	closed bool
	err    error
}

// The phases a pool's phaser announces.
const (
	phaseRun phase = iota + 1 // run the current task
	phaseStop
)

// errClosed is the error of a round on a closed pool.
var errClosed = errors.New("trainer: engine closed")

// paddedDuration is a duration on a cache line of its own, written by one
// worker.
type paddedDuration struct {
	d time.Duration
	_ [56]byte
}

// startPool starts the helpers of a pool of the given number of workers.
// They run until close or until ctx is done. They poll for their next
// round before parking only if each of them can have a processor
// (GOMAXPROCS) to itself. A non-nil timeline records their waiting.
func startPool(ctx context.Context, workers int, timeline *Timeline) *pool {
	group, gctx := errgroup.WithContext(ctx)
	p := &pool{
		workers:  workers,
		phaser:   newPhaser(workers-1, workers <= runtime.GOMAXPROCS(0)),
		group:    group,
		timeline: timeline,
	}
	if timeline != nil {
		timeline.size(workers)
		p.done = make([]paddedDuration, workers)
	}
	for w := 1; w < workers; w++ {
		group.Go(func() error { return p.help(gctx, w) })
	}
	return p
}

// help is the loop of worker w ≥ 1: wait for a round, run its task, report
// it finished. A failed task ends the worker, and its error the errgroup
// (cancelling ctx for the other helpers).
func (p *pool) help(ctx context.Context, w int) error {
	var seq uint64
	for {
		seq = p.phaser.next(w-1, seq)
		if phaseOf(seq) == phaseStop {
			return nil
		}
		err := runShare(ctx, p.task, w)
		if err != nil {
			p.failed.Store(true)
		}
		if p.timeline != nil {
			p.done[w].d = p.timeline.now()
		}
		p.phaser.finished(seq)
		if err != nil {
			return err
		}
	}
}

// round runs t on every worker and waits until all of them have finished
// it, so that no task is ever left half done. A failed task closes the
// pool, and round returns the first error (a helper's before worker 0's,
// since a helper's failure cancels the context that worker 0 may report).
func (p *pool) round(ctx context.Context, t task) error {
	if p.closed {
		return errClosed
	}
	p.task = t
	p.phaser.publish(phaseRun)
	lead := runShare(ctx, t, 0)
	if p.timeline != nil {
		p.done[0].d = p.timeline.now()
	}
	p.phaser.wait()
	p.task = nil
	if tl := p.timeline; tl != nil {
		// The helpers are parked until the next round: their lists are
		// the coordinator's to add to.
		end := tl.now()
		for w := range p.workers {
			tl.add(w, SpanWaiting, p.done[w].d, end)
		}
	}
	if lead == nil && !p.failed.Load() {
		return nil
	}
	p.stop.Do(func() { p.err = p.shutdown(lead) })
	return p.err
}

// close stops the helpers and returns the first error any task hit.
// Rounds fail after close.
func (p *pool) close() error {
	p.stop.Do(func() { p.err = p.shutdown(nil) })
	return p.err
}

// shutdown stops the helpers and waits for them; lead is worker 0's error.
func (p *pool) shutdown(lead error) error {
	p.closed = true
	p.phaser.publish(phaseStop)
	return cmp.Or(p.group.Wait(), lead)
}
