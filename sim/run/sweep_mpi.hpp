#pragma once
// A sweep over MPI ranks (docs/hpc.md): started under mpirun/srun, rank 0 hands out runs one
// at a time to whichever rank asks (dynamic load balancing), and runs some itself on a second
// thread; every rank writes its own run files into the shared output folder; rank 0 collects
// every run's summary and writes sweep_summary.{csv,h5}, the same bytes as a serial sweep.
// Built when CMake finds MPI (option FLEETSIM_MPI); the rest of fleetsim does not need it.

#include <functional>
#include <string>

#include "run/sweep.hpp"

namespace fleetsim::run {

// Whether fleetsim was built with MPI.
bool mpi_available();
// Whether this process was started by an MPI launcher with more than one rank
// (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE in the environment).
bool mpi_launched();

struct MpiSweepResult {
  bool root = true;  // rank 0: `outcome` holds every run; other ranks: empty
  int ranks = 1;
  SweepOutcome outcome;
};

// Initialises MPI, runs the sweep over all ranks and finalises MPI. `validate` runs on rank 0
// before any run (prepare_sweep: it also makes the output folder); if it throws
// core::InputError, every rank stops (rank 0 rethrows it, the others throw a
// core::InputError saying rank 0 refused the sweep).
MpiSweepResult run_sweep_mpi(const scenario::SweepPlan& plan, const SweepOptions& options,
                             const std::function<void()>& validate);

}  // namespace fleetsim::run
