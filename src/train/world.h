// The processes of a data-parallel training run: under `mpirun -np N` (Open MPI), N ranks
// that each train on their share of the rows and average their models; otherwise a world
// of one, and no MPI call is ever made (so the same binary trains as before, and a Python
// process or a server linking the library never initializes MPI).
//
// MPI is initialized on first use, only when the launcher's environment says this process
// is one rank of several (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE above 1). Only the
// thread that first called Get() may call the collectives (MPI_THREAD_FUNNELED); every
// collective must be reached by every rank in the same order, or the run hangs: callers
// keep the ranks in lockstep (equal epoch lengths, the same checkpoint cadence).
//
// Vectors longer than INT_MAX elements are reduced in several calls (MPI counts are int).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trainops {

class World {
 public:
  // The process's world (initialized on the first call).
  static World& Get();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Element-wise sum over the ranks, in place, on every rank.
  void Sum(double* data, size_t count);
  void Sum(float* data, size_t count);
  void Sum(uint64_t* data, size_t count);
  // Every rank's value, in rank order.
  std::vector<uint64_t> Gather(uint64_t value);
  // The concatenation of every rank's vector, in rank order.
  std::vector<uint64_t> GatherVectors(const std::vector<uint64_t>& local);
  // Rank 0's bytes on every rank.
  void Broadcast(std::string& bytes);

  // Ends the whole job (every rank) after an error on this one: the others may be waiting
  // in a collective and would hang. For the process's owner (the CLI), never the library.
  [[noreturn]] void Abort(int exit_code);
  // Called once by the process's owner before a normal exit when distributed.
  void Finalize();

 private:
  World();
  int rank_ = 0;
  int size_ = 1;
  bool initialized_ = false;
};

}  // namespace trainops
