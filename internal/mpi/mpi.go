// Package mpi joins a process to the others of an MPI job (Open MPI,
// started by mpirun, Slurm's srun or the Kubeflow MPI Operator): its rank
// and the job's size, an all-reduce of 64-bit integers, a broadcast, and
// an abort that ends the whole job.
//
// It is a small cgo binding of our own, built only with the mpi build tag
// (go build -tags mpi), so that the default build stays free of cgo and of
// MPI. Without the tag, Open returns ErrNotBuilt.
//
// MPI is initialised with MPI_THREAD_FUNNELED: only the thread that
// initialised it may call it. Go moves goroutines between threads, so
// every call goes to one goroutine, locked to its OS thread for the life of
// the process, which makes the MPI calls on behalf of its callers. Every
// return code is checked; MPI's errors are made to return rather than
// abort (MPI_ERRORS_RETURN) so that they can be reported as errors.
package mpi

import "errors"

// ErrNotBuilt is Open's error in a binary built without the mpi tag.
var ErrNotBuilt = errors.New("mpi: this binary was built without MPI support; build it with 'go build -tags mpi' (Open MPI's libopenmpi-dev and pkg-config installed)")
