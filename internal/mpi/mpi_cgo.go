//go:build mpi

package mpi

/*
#cgo pkg-config: ompi
#include <stdint.h>
#include <mpi.h>

// MPI_COMM_WORLD and friends are macros over Open MPI's globals, which cgo
// cannot name; these wrappers take the job's communicator.
static int shardnet_init(int *provided) {
	int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, provided);
	if (err != MPI_SUCCESS) return err;
	return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}
static int shardnet_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
static int shardnet_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }
// Unsigned, so that the sum is defined when it wraps: the callers' words are
// two's complement, and a sum modulo 2^64 is theirs.
static int shardnet_sum_u64(void *buf, int count) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}
static int shardnet_bcast(void *buf, int count, int root) {
	return MPI_Bcast(buf, count, MPI_BYTE, root, MPI_COMM_WORLD);
}
static int shardnet_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int shardnet_finalize(void) { return MPI_Finalize(); }
static void shardnet_error_string(int code, char *s, int *len) { MPI_Error_string(code, s, len); }
static int shardnet_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static int shardnet_max_string(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// Built reports whether this binary was built with MPI (the mpi tag).
const Built = true

// Comm is the job's communicator, MPI_COMM_WORLD. Its methods may be
// called from any goroutine, one at a time.
type Comm struct {
	rank, size int
	requests   chan request
	replies    chan C.int
	closed     bool
}

// request is one call for the MPI goroutine to make.
type request struct {
	op    int
	buf   unsafe.Pointer
	count int
	arg   int
}

const (
	opSum = iota
	opBroadcast
	opAbort
	opFinalize
)

// Open initialises MPI and returns the job's communicator. It must be
// called once per process; Close finalizes MPI.
func Open() (*Comm, error) {
	c := &Comm{requests: make(chan request), replies: make(chan C.int)}
	ready := make(chan error)
	go c.serve(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return c, nil
}

// serve is the MPI goroutine: it initialises MPI on its own OS thread,
// which it never leaves, and then makes every call.
func (c *Comm) serve(ready chan<- error) {
	runtime.LockOSThread() // for good: MPI is bound to this thread
	var provided, rank, size C.int
	if code := C.shardnet_init(&provided); code != 0 {
		ready <- mpiError("MPI_Init_thread", code)
		return
	}
	if provided < C.shardnet_thread_funneled() {
		ready <- fmt.Errorf("mpi: MPI_Init_thread: the library provides thread level %d, below MPI_THREAD_FUNNELED", provided)
		return
	}
	if code := C.shardnet_rank(&rank); code != 0 {
		ready <- mpiError("MPI_Comm_rank", code)
		return
	}
	if code := C.shardnet_size(&size); code != 0 {
		ready <- mpiError("MPI_Comm_size", code)
		return
	}
	c.rank, c.size = int(rank), int(size)
	ready <- nil
	for r := range c.requests {
		var code C.int
		switch r.op {
		case opSum:
			code = C.shardnet_sum_u64(r.buf, C.int(r.count))
		case opBroadcast:
			code = C.shardnet_bcast(r.buf, C.int(r.count), C.int(r.arg))
		case opAbort:
			code = C.shardnet_abort(C.int(r.arg))
		case opFinalize:
			code = C.shardnet_finalize()
		}
		c.replies <- code
	}
}

// call has the MPI goroutine make r and returns its return code.
func (c *Comm) call(r request) C.int {
	c.requests <- r
	return <-c.replies
}

// Rank returns this process's rank, from 0 to Size()-1.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of processes of the job.
func (c *Comm) Size() int { return c.size }

// SumInt64 replaces buf, on every process, by the element-wise sum of every
// process's buf, modulo 2^64 (MPI_Allreduce of MPI_UINT64_T with MPI_SUM).
func (c *Comm) SumInt64(buf []int64) error {
	if len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("mpi: sum of %d words, want at most %d", len(buf), math.MaxInt32)
	}
	// The buffer stays reachable through buf for the call, and Go's heap
	// does not move objects; cgo's pointer rules allow passing it.
	if code := c.call(request{op: opSum, buf: unsafe.Pointer(&buf[0]), count: len(buf)}); code != 0 {
		return mpiError("MPI_Allreduce", code)
	}
	return nil
}

// Broadcast copies buf of process root into buf on every other process;
// every process passes a buf of the same length.
func (c *Comm) Broadcast(buf []byte, root int) error {
	if len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("mpi: broadcast of %d bytes, want at most %d", len(buf), math.MaxInt32)
	}
	if code := c.call(request{op: opBroadcast, buf: unsafe.Pointer(&buf[0]), count: len(buf), arg: root}); code != 0 {
		return mpiError("MPI_Bcast", code)
	}
	return nil
}

// Abort ends every process of the job, mpirun exiting with code. It does
// not return unless MPI fails to abort.
func (c *Comm) Abort(code int) {
	c.call(request{op: opAbort, arg: code})
}

// Close finalizes MPI. Every process calls it, after its last collective.
func (c *Comm) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	code := c.call(request{op: opFinalize})
	close(c.requests)
	if code != 0 {
		return mpiError("MPI_Finalize", code)
	}
	return nil
}

// mpiError describes MPI's return code of call.
func mpiError(call string, code C.int) error {
	buf := make([]byte, int(C.shardnet_max_string()))
	var n C.int
	C.shardnet_error_string(code, (*C.char)(unsafe.Pointer(&buf[0])), &n)
	return fmt.Errorf("mpi: %s: %s (error %d)", call, string(buf[:max(0, int(n))]), int(code))
}
