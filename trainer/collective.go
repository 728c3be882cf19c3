package trainer

import "errors"

// A Collective joins the processes of one run, one per machine or several
// per machine, each with its own workers (an MPI communicator, for
// example). Every process computes its share of each batch's micro-shards;
// the Collective sums the shares, exactly, so that all processes hold the
// same parameters after every step, and the same bits as one process alone.
//
// The methods are called by one goroutine at a time, the coordinator's,
// and every process calls them in the same order.
type Collective interface {
	// Rank returns this process's number, from 0 to Size()-1.
	Rank() int
	// Size returns the number of processes.
	Size() int
	// SumInt64 replaces buf, on every process, by the element-wise sum of
	// every process's buf (an all-reduce). Integer sums are exact, so the
	// result does not depend on how the processes' contributions are
	// grouped.
	SumInt64(buf []int64) error
}

// ErrPeerStopped is the cause of an InterruptedError on a process that
// stopped because another process of its Collective was interrupted: the
// processes agree to stop after the same iteration.
var ErrPeerStopped = errors.New("trainer: another process of the run was interrupted")
