package cli

import (
	"fmt"
	"strconv"

	"github.com/shardnet/shardnet/internal/mpi"
)

// launch is how the process was started: alone, or as one of the processes
// a launcher (mpirun, srun) started together, as their environment says.
type launch struct {
	launcher string // "" alone; "mpirun", "srun" or "a PMIx launcher"
	rank     int
	size     int  // 0 where the launcher does not say
	pmi      bool // the launcher serves a PMI, by which MPI joins the job
}

// detectLaunch reads the launchers' environment: Open MPI's mpirun sets
// OMPI_COMM_WORLD_SIZE and _RANK in every process it starts; Slurm's srun
// sets SLURM_STEP_ID, SLURM_STEP_NUM_TASKS and SLURM_PROCID in the tasks of
// a step (a batch script is no step, so that a script running shardnet
// once is not mistaken for a job); any PMIx launcher sets PMIX_RANK.
func detectLaunch(getenv func(string) string) launch {
	number := func(key string) (int, bool) {
		n, err := strconv.Atoi(getenv(key))
		return n, err == nil && n >= 0
	}
	if size, ok := number("OMPI_COMM_WORLD_SIZE"); ok {
		rank, _ := number("OMPI_COMM_WORLD_RANK")
		return launch{launcher: "mpirun", rank: rank, size: size, pmi: true}
	}
	if getenv("SLURM_STEP_ID") != "" {
		if size, ok := number("SLURM_STEP_NUM_TASKS"); ok {
			rank, _ := number("SLURM_PROCID")
			// srun --mpi=pmix sets PMIX_RANK, --mpi=pmi2 PMI_FD; --mpi=none
			// neither, and Open MPI then aborts in MPI_Init.
			pmi := getenv("PMIX_RANK") != "" || getenv("PMI_FD") != "" || getenv("PMI_RANK") != ""
			return launch{launcher: "srun", rank: rank, size: size, pmi: pmi}
		}
	}
	if rank, ok := number("PMIX_RANK"); ok {
		return launch{launcher: "a PMIx launcher", rank: rank, pmi: true}
	}
	return launch{}
}

// several reports whether the launcher started other processes beside
// this one.
func (l launch) several() bool { return l.size > 1 || l.rank > 0 }

// String describes the launch for error lines: "one of 2 processes
// started by mpirun".
func (l launch) String() string {
	switch {
	case l.launcher == "":
		return "a process alone"
	case l.size > 0:
		return fmt.Sprintf("one of %d processes started by %s", l.size, l.launcher)
	}
	return fmt.Sprintf("rank %d of the processes started by %s", l.rank, l.launcher)
}

// chooseBackend settles the backend of train and bench from --backend
// (given reports whether it was on the command line) and the launch.
// Started by a launcher, a build with MPI joins the job without being told,
// as every MPI program does: the launcher is the user's word that this is
// a job. What would train several independent copies of one run into one
// --out is refused instead: --backend local given explicitly among several
// processes, or a build without MPI started as one of several.
func chooseBackend(backend string, given bool, l launch) (string, error) {
	if !l.several() {
		if !given && l.pmi && mpi.Built {
			return backendMPI, nil // mpirun -np 1: a job of one
		}
		return backend, nil
	}
	switch {
	case backend == backendLocal && given:
		return "", usagef("--backend local: this process is %s, which would train a duplicate of the run; use --backend mpi, or start one process", l)
	case !mpi.Built:
		return "", usagef("this process is %s, but this binary was built without MPI support and would train a duplicate of the run; build it with 'go build -tags mpi', or start one process", l)
	case !l.pmi:
		return "", usagef("this process is %s without a PMI, by which MPI would join the job (srun --mpi=none); add --mpi=pmix", l)
	}
	return backendMPI, nil
}
