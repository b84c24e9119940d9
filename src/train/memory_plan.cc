#include "train/memory_plan.h"

#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace trainops {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// The process before any data: code, libraries, allocator arenas, I/O buffers, the
// reference statistics. Measured at 31-35 MiB at the start of a run; rounded up.
constexpr double kFixedMb = 48;
// A cap below this would leave a model that cannot learn anything; a budget this small
// is refused by the parameter table long before (training.memory_mb >= 64).
constexpr int64_t kMinFeatureCap = 1000;

}  // namespace

double MemoryPlan::planned_peak_mb() const {
  // The counts are freed before the weights exist: the larger of the two phases counts.
  return fixed_mb + data_mb + validation_mb +
         std::max(counting_mb, static_cast<double>(features_kept) * bytes_per_feature / kMiB);
}

nlohmann::json MemoryPlan::ToJson(double measured_peak_mb) const {
  return {{"budget_mb", budget_mb},
          {"planned_peak_mb", std::round(planned_peak_mb())},
          {"measured_peak_mb", std::round(measured_peak_mb)},
          {"components_mb",
           {{"training_rows", std::round(data_mb)},
            {"validation_rows", std::round(validation_mb)},
            {"feature_counts", std::round(counting_mb)},
            {"process", std::round(fixed_mb)},
            {"model", std::round(static_cast<double>(features_kept) * bytes_per_feature / kMiB)}}},
          {"bytes_per_feature", bytes_per_feature},
          {"feature_cap", feature_cap},
          {"feature_cap_from", cap_from.empty() ? nlohmann::json(nullptr) : nlohmann::json(cap_from)},
          {"features_seen", features_seen},
          {"features_kept", features_kept}};
}

double BytesPerFeature(const Hyperparameters& hp, size_t labels, int companion_dim) {
  const double width = static_cast<double>(std::max<size_t>(labels, 1));
  const auto embedding = [](int dim) { return 4.0 * std::max(dim, 1) + 3.0; };
  double floats = hp.type == ModelType::kLinear ? 5.0 * width : embedding(hp.dim);
  if (hp.type == ModelType::kLinear && companion_dim > 0) floats = std::max(floats, width + embedding(companion_dim));
  return floats * sizeof(float);
}

MemoryPlan PlanMemory(int64_t memory_mb, int max_features, const Hyperparameters& hp, size_t labels,
                      double data_bytes, double validation_bytes, uint32_t buckets, int companion_dim) {
  MemoryPlan plan;
  plan.budget_mb = memory_mb;
  plan.data_mb = data_bytes / kMiB;
  plan.validation_mb = validation_bytes / kMiB;
  plan.counting_mb = static_cast<double>(buckets) * sizeof(uint32_t) / kMiB;
  plan.fixed_mb = kFixedMb;
  plan.bytes_per_feature = BytesPerFeature(hp, labels, companion_dim);
  if (max_features > 0) {
    plan.feature_cap = max_features;
    plan.cap_from = "model.max_features";
    return plan;
  }
  const double left_mb = static_cast<double>(memory_mb) - plan.fixed_mb - plan.data_mb - plan.validation_mb;
  const double cap = std::floor(std::max(0.0, left_mb) * kMiB / plan.bytes_per_feature);
  const auto budget_cap = std::max<int64_t>(kMinFeatureCap, static_cast<int64_t>(std::min(cap, 2e9)));
  plan.feature_cap = std::min(budget_cap, kDefaultFeatureCap);
  plan.cap_from = budget_cap < kDefaultFeatureCap ? "training.memory_mb" : "default";
  return plan;
}

int64_t CheckRowsWithin(int64_t memory_mb, int64_t max_rows, double file_bytes, double row_bytes) {
  constexpr double kCheckBytesPerFileByte = 16;
  const double room = std::max(0.0, static_cast<double>(memory_mb) - kFixedMb) * kMiB;
  if (file_bytes * kCheckBytesPerFileByte <= room || row_bytes <= 0) return max_rows;
  const double rows = std::floor(room / kCheckBytesPerFileByte / row_bytes);
  const auto fit = std::max<int64_t>(1000, static_cast<int64_t>(std::min(rows, 2e9)));
  return max_rows > 0 ? std::min(max_rows, fit) : fit;
}

double AverageRowBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(path, ec);
  // The first MiB, or the whole file when smaller (a fresh MiB is 256 page faults).
  std::string head(ec ? size_t{1} << 20 : std::min<size_t>(static_cast<size_t>(bytes), 1 << 20), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  const auto lines = std::count(head.begin(), head.end(), '\n');
  return lines > 1 ? static_cast<double>(head.size()) / static_cast<double>(lines) : static_cast<double>(head.size());
}

void ConfigureProcessMemory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

void ReleaseFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

double PeakResidentMb() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace trainops
