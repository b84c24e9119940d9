// Counters and histograms of the serving process, rendered in the Prometheus text format
// (version 0.0.4) for GET /metrics. Kept by hand rather than through a client library:
// a handful of series, one mutex, and output that `promtool check metrics` accepts.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trainops::serve {

// What /metrics reports that other parts own (the model holder, the traffic log).
struct MetricsSnapshot {
  std::string model_id, task;  // "" = no model loaded
  bool ready = false;
  uint64_t queue_depth = 0, queue_capacity = 0;
  uint64_t records_spooled = 0;  // a shared log's, waiting in its on-disk spool
  uint64_t records_dropped = 0, records_shed = 0, records_written = 0, records_deleted = 0, write_errors = 0;
  double sample_rate = 1;
  bool log_healthy = true;
};

class ServeMetrics {
 public:
  // `endpoint` is one of the server's paths or "other", so an attacker probing random
  // paths cannot grow the series without bound.
  void CountRequest(std::string_view endpoint, int status);
  void ObserveLatency(std::string_view endpoint, double seconds);
  void CountPrediction(const std::string& label, bool rejected);
  void CountSwap() { swaps_.fetch_add(1, std::memory_order_relaxed); }
  void CountLoadFailure() { load_failures_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t swaps() const { return swaps_.load(); }
  uint64_t load_failures() const { return load_failures_.load(); }

  std::string Render(const MetricsSnapshot& snapshot) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render time, per bucket here
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::map<std::string, uint64_t, std::less<>> predictions_;
  uint64_t rejected_ = 0;
  std::atomic<uint64_t> swaps_{0}, load_failures_{0};
};

// A label value escaped as the text format requires (backslash, quote, newline).
std::string PromLabelValue(std::string_view value);

}  // namespace trainops::serve
