//go:build !mpi

package mpi

// Built reports whether this binary was built with MPI (the mpi tag).
const Built = false

// Comm is the job's communicator, MPI_COMM_WORLD; this binary has none.
type Comm struct{}

// Open returns ErrNotBuilt: this binary was built without the mpi tag.
func Open() (*Comm, error) { return nil, ErrNotBuilt }

// Rank returns this process's rank.
func (c *Comm) Rank() int { return 0 }

// Size returns the number of processes of the job.
func (c *Comm) Size() int { return 1 }

// SumInt64 is an all-reduce; without MPI there is nothing to sum with.
func (c *Comm) SumInt64(buf []int64) error { return ErrNotBuilt }

// Broadcast copies root's buf to every process; without MPI, it fails.
func (c *Comm) Broadcast(buf []byte, root int) error { return ErrNotBuilt }

// Abort ends the job; without MPI it returns.
func (c *Comm) Abort(code int) {}

// Close finalizes MPI; without MPI it does nothing.
func (c *Comm) Close() error { return nil }
