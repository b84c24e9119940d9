#include "train/world.h"

#include <climits>
#include <cstdlib>

#include <fmt/format.h>
// The C API only: the deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include "common/error.h"

namespace trainops {
namespace {

int LauncherSize() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(variable)) return std::atoi(value);
  }
  return 1;
}

void Check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw InternalError(fmt::format("MPI {} failed: {}", what, std::string(text, static_cast<size_t>(length))));
  }
}

// MPI counts are int: longer vectors go in INT_MAX-element pieces.
template <typename T>
void SumInPieces(T* data, size_t count, MPI_Datatype type) {
  while (count > 0) {
    const int piece = static_cast<int>(std::min<size_t>(count, INT_MAX));
    Check(MPI_Allreduce(MPI_IN_PLACE, data, piece, type, MPI_SUM, MPI_COMM_WORLD), "Allreduce");
    data += piece;
    count -= static_cast<size_t>(piece);
  }
}

}  // namespace

World::World() {
  if (LauncherSize() <= 1) return;
  int provided = 0;
  Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "Init");
  initialized_ = true;
  Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "Comm_rank");
  Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "Comm_size");
}

World& World::Get() {
  static World world;
  return world;
}

void World::Sum(double* data, size_t count) {
  if (distributed()) SumInPieces(data, count, MPI_DOUBLE);
}

void World::Sum(float* data, size_t count) {
  if (distributed()) SumInPieces(data, count, MPI_FLOAT);
}

void World::Sum(uint64_t* data, size_t count) {
  if (distributed()) SumInPieces(data, count, MPI_UINT64_T);
}

std::vector<uint64_t> World::Gather(uint64_t value) {
  std::vector<uint64_t> all(static_cast<size_t>(size_), value);
  if (distributed()) Check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "Allgather");
  return all;
}

std::vector<uint64_t> World::GatherVectors(const std::vector<uint64_t>& local) {
  if (!distributed()) return local;
  const std::vector<uint64_t> sizes = Gather(local.size());
  std::vector<int> counts(sizes.size()), offsets(sizes.size());
  uint64_t total = 0;
  for (size_t r = 0; r < sizes.size(); ++r) {
    if (total + sizes[r] > static_cast<uint64_t>(INT_MAX)) {
      throw InputError(fmt::format("{} distinct features across the ranks is more than one MPI call carries ({}); "
                                   "raise model.min_count or lower model.buckets",
                                   total + sizes[r], INT_MAX));
    }
    counts[r] = static_cast<int>(sizes[r]);
    offsets[r] = static_cast<int>(total);
    total += sizes[r];
  }
  std::vector<uint64_t> all(total);
  Check(MPI_Allgatherv(local.data(), static_cast<int>(local.size()), MPI_UINT64_T, all.data(), counts.data(),
                       offsets.data(), MPI_UINT64_T, MPI_COMM_WORLD),
        "Allgatherv");
  return all;
}

void World::Broadcast(std::string& bytes) {
  if (!distributed()) return;
  uint64_t size = bytes.size();
  Check(MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "Bcast");
  bytes.resize(size);
  if (size > static_cast<uint64_t>(INT_MAX)) throw InternalError("broadcast of more than INT_MAX bytes");
  Check(MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD), "Bcast");
}

void World::Abort(int exit_code) {
  if (initialized_) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

void World::Finalize() {
  if (initialized_) {
    initialized_ = false;
    MPI_Finalize();
  }
}

}  // namespace trainops
