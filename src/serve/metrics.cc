#include "serve/metrics.h"

#include <fmt/format.h>

namespace trainops::serve {
namespace {

// Seconds. Prediction takes tens of microseconds, so the buckets start low.
constexpr double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                               0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
constexpr size_t kBucketCount = sizeof(kBuckets) / sizeof(kBuckets[0]);

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string PromLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void ServeMetrics::CountRequest(std::string_view endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(endpoint), status}];
}

void ServeMetrics::ObserveLatency(std::string_view endpoint, double seconds) {
  std::lock_guard lock(mutex_);
  auto it = latency_.find(endpoint);
  if (it == latency_.end()) {
    it = latency_.emplace(std::string(endpoint), Histogram{}).first;
    it->second.buckets.assign(kBucketCount, 0);
  }
  Histogram& h = it->second;
  for (size_t i = 0; i < kBucketCount; ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void ServeMetrics::CountPrediction(const std::string& label, bool rejected) {
  std::lock_guard lock(mutex_);
  auto it = predictions_.find(label);
  if (it == predictions_.end()) it = predictions_.emplace(label, 0).first;
  ++it->second;
  if (rejected) ++rejected_;
}

std::string ServeMetrics::Render(const MetricsSnapshot& s) const {
  std::string out;
  out.reserve(4096);
  {
    std::lock_guard lock(mutex_);
    Header(out, "trainops_http_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
    for (const auto& [key, n] : requests_) {
      out += fmt::format("trainops_http_requests_total{{endpoint=\"{}\",code=\"{}\"}} {}\n", PromLabelValue(key.first),
                         key.second, n);
    }
    Header(out, "trainops_http_request_duration_seconds", "histogram",
           "Time from a request's parsed body to its answer, by endpoint.");
    for (const auto& [endpoint, h] : latency_) {
      const std::string ep = PromLabelValue(endpoint);
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBucketCount; ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("trainops_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{}\"}} {}\n", ep,
                           kBuckets[i], cumulative);
      }
      out += fmt::format("trainops_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {}\n", ep,
                         h.count);
      out += fmt::format("trainops_http_request_duration_seconds_sum{{endpoint=\"{}\"}} {}\n", ep, h.sum);
      out += fmt::format("trainops_http_request_duration_seconds_count{{endpoint=\"{}\"}} {}\n", ep, h.count);
    }
    Header(out, "trainops_predictions_total", "counter", "Texts classified, by answered label.");
    for (const auto& [label, n] : predictions_) {
      out += fmt::format("trainops_predictions_total{{label=\"{}\"}} {}\n", PromLabelValue(label), n);
    }
    Header(out, "trainops_predictions_rejected_total", "counter", "Texts rejected as out of scope.");
    out += fmt::format("trainops_predictions_rejected_total {}\n", rejected_);
  }
  Header(out, "trainops_model_info", "gauge", "The model answering requests (value 1), by id and task.");
  if (!s.model_id.empty()) {
    out += fmt::format("trainops_model_info{{model=\"{}\",task=\"{}\"}} 1\n", PromLabelValue(s.model_id),
                       PromLabelValue(s.task));
  }
  Header(out, "trainops_model_ready", "gauge", "1 while a verified model is loaded.");
  out += fmt::format("trainops_model_ready {}\n", s.ready ? 1 : 0);
  Header(out, "trainops_model_swaps_total", "counter", "Models swapped in after the first.");
  out += fmt::format("trainops_model_swaps_total {}\n", swaps_.load());
  Header(out, "trainops_model_load_failures_total", "counter",
         "Models that failed to load or verify (the previous one kept serving).");
  out += fmt::format("trainops_model_load_failures_total {}\n", load_failures_.load());
  Header(out, "trainops_traffic_queue_depth", "gauge", "Traffic-log records waiting for the writer.");
  out += fmt::format("trainops_traffic_queue_depth {}\n", s.queue_depth);
  Header(out, "trainops_traffic_queue_capacity", "gauge", "Traffic-log queue bound; beyond it records are dropped.");
  out += fmt::format("trainops_traffic_queue_capacity {}\n", s.queue_capacity);
  Header(out, "trainops_traffic_records_spooled", "gauge",
         "Traffic-log records waiting in the on-disk spool for a shared log's database (after an outage).");
  out += fmt::format("trainops_traffic_records_spooled {}\n", s.records_spooled);
  Header(out, "trainops_traffic_records_dropped_total", "counter",
         "Traffic-log records dropped because the queue was full (the requests were answered).");
  out += fmt::format("trainops_traffic_records_dropped_total {}\n", s.records_dropped);
  Header(out, "trainops_traffic_records_written_total", "counter", "Traffic-log records committed to the database.");
  out += fmt::format("trainops_traffic_records_written_total {}\n", s.records_written);
  Header(out, "trainops_traffic_write_errors_total", "counter", "Traffic-log records lost to failed database writes.");
  out += fmt::format("trainops_traffic_write_errors_total {}\n", s.write_errors);
  Header(out, "trainops_traffic_records_shed_total", "counter",
         "Traffic-log records left out by sampling while the writer was behind (the requests were answered).");
  out += fmt::format("trainops_traffic_records_shed_total {}\n", s.records_shed);
  Header(out, "trainops_traffic_sample_rate", "gauge", "Share of answered requests the traffic log keeps now (1 = all).");
  out += fmt::format("trainops_traffic_sample_rate {}\n", s.sample_rate);
  Header(out, "trainops_traffic_records_deleted_total", "counter", "Traffic-log records deleted by retention.");
  out += fmt::format("trainops_traffic_records_deleted_total {}\n", s.records_deleted);
  Header(out, "trainops_traffic_log_healthy", "gauge", "1 when the traffic log's last write succeeded, 0 while writes fail.");
  out += fmt::format("trainops_traffic_log_healthy {}\n", s.log_healthy ? 1 : 0);
  return out;
}

}  // namespace trainops::serve
