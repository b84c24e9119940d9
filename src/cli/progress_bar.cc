#include "cli/progress_bar.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

namespace trainops::cli {

ProgressBar::ProgressBar(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}

void ProgressBar::Update(uint64_t done, uint64_t total, double rate, int epoch) {
  if (quiet_ || !tty_) return;
  constexpr int kWidth = 24;
  int filled = total ? static_cast<int>(kWidth * done / total) : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::cerr << fmt::format("\r\033[Kepoch {:>3} [{}] {:>9.0f} ex/s  loss {}  val {}", epoch + 1, bar,
                           rate, last_loss_, last_metric_)
            << std::flush;
  drawn_ = true;
}

void ProgressBar::Checkpoint(const nlohmann::json& r) {
  last_metric_ = fmt::format("{:.4f}", r["validation_metric"].get<double>());
  last_loss_ = fmt::format("{:.4f}", r["train_loss"].get<double>());
  if (quiet_) return;
  Clear();
  std::cerr << fmt::format(
                   "checkpoint {:>3}  epoch {:>6.2f}  {:>6.1f}s  train_loss {:.4f}  val_loss {:.4f}  "
                   "val_{} {:.4f}{}",
                   r["checkpoint"].get<int>(), r["epoch"].get<double>(), r["elapsed_seconds"].get<double>(),
                   r["train_loss"].get<double>(), r["validation_loss"].get<double>(),
                   r["metric"].get<std::string>(), r["validation_metric"].get<double>(),
                   r["best"].get<bool>() ? "  *best" : "")
            << "\n";
}

void ProgressBar::Clear() {
  if (drawn_) {
    std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }
}

}  // namespace trainops::cli
