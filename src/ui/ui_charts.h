// The dashboard's line charts as inline SVG (no script): values over an ordinal axis (one
// position per cycle or checkpoint), optional intervals drawn as a band or as error bars,
// and event markers (promotions, rollbacks, drift alerts) between or on positions.
// Every text is escaped; missing and non-finite values are gaps, never NaN coordinates.
// Each chart has role="img" and an aria-label; the pages put the same numbers in a table
// next to it. Internal to src/ui/; pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trainops::ui {

struct Series {
  std::string name;
  std::string css_class;  // "est", "fb", ... (colours in the chart's <style>)
  std::vector<std::optional<double>> y, low, high;  // per position; low/high may be empty
  bool band = false;   // the interval as a shaded band (else as error bars)
  bool line = true;    // join consecutive points
};

struct Marker {
  double x = 0;          // position (may be fractional: between two cycles)
  std::string kind;      // "promote", "rollback", "drift"
  std::string label;     // the hover title
};

struct ChartSpec {
  std::string id;
  std::string aria_label;
  std::vector<std::string> x_labels;  // one per position
  std::vector<Series> series;
  std::vector<Marker> markers;
  bool percent = true;  // y as a share shown in %, clamped to [0, 1]
  int width = 900, height = 280;
};

std::string LineChart(const ChartSpec& spec);
// The colour key under a chart: one entry per series and marker kind used.
std::string ChartLegend(const ChartSpec& spec);

}  // namespace trainops::ui
