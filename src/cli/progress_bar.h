// Training progress for people: on a terminal a single redrawn line (epoch, examples/s,
// loss, last validation metric); without one, one plain line per checkpoint, so logs
// stay readable. Not thread-safe; called from the training thread.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>


namespace trainops::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool quiet);
  void Update(uint64_t done, uint64_t total, double examples_per_second, int epoch);
  void Checkpoint(const nlohmann::json& record);
  // Erases the bar before other output.
  void Clear();

 private:
  bool quiet_;
  bool tty_;
  bool drawn_ = false;
  std::string last_metric_ = "-";
  std::string last_loss_ = "-";
};

}  // namespace trainops::cli
