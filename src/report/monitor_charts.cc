#include "report/monitor_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/html_escape.h"
#include "report/monitor_values.h"

namespace trainops::monitor_page {
namespace {

// The eval report's palette (report/html_style.cc), so both pages chart alike.
constexpr const char* kAccent = "#2f6fdb";
constexpr const char* kBad = "#c8453b";
constexpr const char* kGrid = "#e3e6ec";
constexpr const char* kAxis = "#99a3b3";
constexpr const char* kReference = "#aab3c2";

std::string Text(double x, double y, const std::string& text, const char* anchor = "middle",
                 const char* extra = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>", x, y, anchor,
                     extra, HtmlEscape(text));
}

std::string Line(double x1, double y1, double x2, double y2, const char* stroke,
                 const char* extra = "") {
  return fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"{}/>", x1, y1, x2,
      y2, stroke, extra);
}

std::string Title(const std::string& text) { return "<title>" + HtmlEscape(text) + "</title>"; }

std::string SvgOpen(const std::string& id, const char* cls, int w, int h,
                    const std::string& label) {
  return fmt::format(
             "<svg id=\"{}\" class=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
             "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
             id, cls, w, h, w, h) +
         Title(label);
}

// A signed number with an explicit "+", so threshold labels read as positions on the axis.
std::string Signed(double x) { return fmt::format("{}{}", x > 0 ? "+" : "", FormatNumber(x)); }

// The smallest "round" number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at
// least x > 0, so axis ends read as 0.15 rather than 0.1325.
double NiceCeil(double x) {
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  for (double f : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (f * p >= x * (1 - 1e-12)) return f * p;
  }
  return 10 * p;
}

}  // namespace

std::vector<double> ThresholdLines(std::optional<double> threshold, const std::string& direction) {
  if (!threshold) return {};
  const double t = std::fabs(*threshold);
  if (direction == "decrease") return {-t};
  if (direction == "increase") return {t};
  return {-t, t};
}

std::string EffectChart(const nlohmann::json& signal, size_t index) {
  const auto effect = NumberAt(signal, "effect");
  const auto lines = ThresholdLines(NumberAt(signal, "threshold"), TextAt(signal, "direction"));
  const bool alert = FlagAt(signal, "alert");
  constexpr int W = 560, H = 62;
  constexpr double x0 = 60, x1 = 500, mid = (x0 + x1) / 2, barTop = 20, barH = 16, axisY = 44;
  // Symmetric around zero with room past the larger of effect and threshold, so the bar
  // end and the threshold line never sit on the frame.
  double m = effect ? std::fabs(*effect) : 0;
  for (double l : lines) m = std::max(m, std::fabs(l));
  m = m > 0 ? NiceCeil(1.2 * m) : 1;
  auto X = [&](double v) { return mid + v / m * (x1 - x0) / 2; };

  std::string svg = SvgOpen(fmt::format("signal-chart-{}", index), "signal-chart", W, H,
                            "effect " + FormatNumber(effect) + " against its threshold");
  for (double l : lines) {  // alert zone
    const double a = l < 0 ? x0 : X(l), b = l < 0 ? X(l) : x1;
    svg += fmt::format(
        "<rect class=\"alert-zone\" x=\"{:.1f}\" y=\"12\" width=\"{:.1f}\" height=\"36\" "
        "fill=\"#fbe3e1\"/>",
        a, std::max(0.0, b - a));
  }
  svg += Line(x0, axisY, x1, axisY, kAxis);
  svg += Line(mid, 12, mid, axisY + 4, kAxis);
  svg += Text(x0, H - 2, Signed(-m)) + Text(mid, H - 2, "0") + Text(x1, H - 2, Signed(m));
  if (effect) {
    const double a = std::min(X(0), X(*effect)), w = std::max(1.0, std::fabs(X(*effect) - X(0)));
    svg += fmt::format(
        "<rect class=\"effect-bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"{}\">",
        a, barTop, w, barH, alert ? kBad : kAccent);
    svg += Title("effect " + FormatNumber(effect)) + "</rect>";
    const bool right = *effect >= 0;
    svg += Text(right ? a + w + 4 : a - 4, barTop + 12, "effect " + Signed(*effect),
                right ? "start" : "end", " font-weight=\"600\"");
  } else {
    svg += Text(mid, barTop + 12, "no value in this run");
  }
  for (double l : lines) {
    svg += Line(X(l), 10, X(l), axisY + 4, kBad,
                " stroke-width=\"2\" stroke-dasharray=\"4 3\" class=\"threshold\"");
    svg += Text(X(l), 9, "threshold " + Signed(l), "middle", " fill=\"#c8453b\"");
  }
  return svg + "</svg>";
}

std::string HistogramChart(const nlohmann::json& histogram, size_t index) {
  const auto& traffic = At(histogram, "traffic");
  const auto& reference = At(histogram, "reference");
  const auto& edges = At(histogram, "edges");
  auto Counts = [](const nlohmann::json& a) {
    std::vector<double> out;
    if (a.is_array()) {
      for (const auto& v : a) out.push_back(std::max(0.0, AsNumber(v).value_or(0)));
    }
    return out;
  };
  std::vector<double> t = Counts(traffic), r = Counts(reference);
  const size_t k = std::max(t.size(), r.size());
  if (k == 0) return "";
  t.resize(k, 0);
  r.resize(k, 0);
  double tSum = 0, rSum = 0;
  for (size_t i = 0; i < k; ++i) tSum += t[i], rSum += r[i];
  // Shares, not counts: the window and the reference set differ in size.
  std::vector<double> ts(k, 0), rs(k, 0);
  double top = 0;
  for (size_t i = 0; i < k; ++i) {
    ts[i] = tSum > 0 ? t[i] / tSum : 0;
    rs[i] = rSum > 0 ? r[i] / rSum : 0;
    top = std::max({top, ts[i], rs[i]});
  }
  if (top <= 0) top = 1;
  std::vector<std::optional<double>> edge(k + 1);
  if (edges.is_array() && edges.size() == k + 1) {
    for (size_t i = 0; i <= k; ++i) edge[i] = AsNumber(edges[i]);
  }

  constexpr int W = 560, H = 150;
  constexpr double x0 = 48, x1 = 548, y0 = 10, y1 = 112;
  const double gw = (x1 - x0) / static_cast<double>(k), bw = std::max(1.0, (gw - 2) / 2);
  auto Y = [&](double s) { return y1 - (y1 - y0) * s / top; };
  std::string svg = SvgOpen(fmt::format("histogram-chart-{}", index), "histogram-chart", W, H,
                            "share of rows per bin: traffic against reference");
  for (int g = 0; g <= 2; ++g) {
    const double s = top * g / 2;
    svg += Line(x0, Y(s), x1, Y(s), kGrid) + Text(x0 - 4, Y(s) + 4, FormatPercent(s), "end");
  }
  for (size_t i = 0; i < k; ++i) {
    const double gx = x0 + gw * static_cast<double>(i) + 1;
    const std::string bin = edge[i] && edge[i + 1] ? fmt::format("[{}, {})", FormatNumber(edge[i]),
                                                                 FormatNumber(edge[i + 1]))
                                                   : fmt::format("bin {}", i + 1);
    const std::string tip = bin + ": traffic " + FormatPercent(ts[i]) + " (" + FormatNumber(t[i]) +
                            " rows), reference " + FormatPercent(rs[i]) + " (" +
                            FormatNumber(r[i]) + " rows)";
    for (int s = 0; s < 2; ++s) {
      const double share = s == 0 ? ts[i] : rs[i];
      svg += fmt::format(
          "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\">",
          s == 0 ? "bar-traffic" : "bar-reference", gx + s * bw, Y(share), bw, y1 - Y(share),
          s == 0 ? kAccent : kReference);
      svg += Title(tip) + "</rect>";
    }
  }
  svg += Line(x0, y1, x1, y1, kAxis);
  // About seven edge labels, whatever the bin count.
  const size_t step = std::max<size_t>(1, (k + 1 + 6) / 7);
  for (size_t i = 0; i <= k; i += step) {
    const std::string label =
        edge[i] ? FormatNumber(edge[i]) : (i < k ? std::to_string(i + 1) : "");
    svg += Text(x0 + gw * static_cast<double>(i), y1 + 13, label);
  }
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>", x0, H - 14,
                     kAccent) +
         Text(x0 + 14, H - 5, "traffic (this window)", "start");
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>", x0 + 170,
                     H - 14, kReference) +
         Text(x0 + 184, H - 5, "reference", "start");
  return svg + "</svg>";
}

std::string TrendChart(const std::vector<TrendPoint>& points, std::optional<double> threshold,
                       const std::string& direction, size_t index) {
  const auto lines = ThresholdLines(threshold, direction);
  // Narrow enough that two charts sit side by side in the page's 1200px column.
  constexpr int W = 520, H = 178;
  constexpr double x0 = 64, x1 = 444, y0 = 14, y1 = 126;
  double lo = 0, hi = 0;
  for (const auto& p : points) {
    if (p.effect) lo = std::min(lo, *p.effect), hi = std::max(hi, *p.effect);
  }
  for (double l : lines) lo = std::min(lo, l), hi = std::max(hi, l);
  if (hi - lo <= 0) lo = -1, hi = 1;
  const double pad = 0.1 * (hi - lo);
  hi = hi > 0 ? NiceCeil(hi + pad) : pad;
  lo = lo < 0 ? -NiceCeil(pad - lo) : -pad;
  const size_t n = points.size();
  auto X = [&](size_t i) {
    return n <= 1 ? (x0 + x1) / 2
                  : x0 + (x1 - x0) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  auto Y = [&](double v) { return y1 - (y1 - y0) * (v - lo) / (hi - lo); };

  std::string svg = SvgOpen(fmt::format("trend-chart-{}", index), "trend-chart", W, H,
                            "effect per monitor run, oldest first; the last point is this run");
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fbfcfd\" stroke=\"{}\"/>",
      x0 - 12, y0, x1 - x0 + 24, y1 - y0, kGrid);
  svg += Line(x0 - 12, Y(0), x1 + 12, Y(0), kAxis) + Text(x0 - 16, Y(0) + 4, "0", "end");
  // Range labels, unless they would overprint the zero label.
  if (Y(0) - (y0 + 10) > 12) svg += Text(x0 - 16, y0 + 10, Signed(hi), "end", " fill=\"#5b6475\"");
  if ((y1 - 2) - Y(0) > 12) svg += Text(x0 - 16, y1 - 2, Signed(lo), "end", " fill=\"#5b6475\"");
  for (double l : lines) {
    svg +=
        Line(x0 - 12, Y(l), x1 + 12, Y(l), kBad, " stroke-dasharray=\"4 3\" class=\"threshold\"");
    svg += Text(x1 + 14, Y(l) + 4, Signed(l), "start", " fill=\"#c8453b\"");
  }
  // The line breaks where a run did not measure the signal rather than bridging the gap.
  std::string path;
  bool pen = false;
  for (size_t i = 0; i < n; ++i) {
    if (!points[i].effect) {
      pen = false;
      continue;
    }
    path += fmt::format("{}{:.1f} {:.1f} ", pen ? "L" : "M", X(i), Y(*points[i].effect));
    pen = true;
  }
  if (!path.empty()) {
    svg +=
        "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + kAccent + "\" stroke-width=\"1.5\"/>";
  }
  for (size_t i = 0; i < n; ++i) {
    const auto& p = points[i];
    if (!p.effect) continue;
    const bool current = i + 1 == n;
    svg += fmt::format(
        "<circle class=\"pt{}{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"{}>",
        p.alert ? " alert" : "", current ? " current" : "", X(i), Y(*p.effect), p.alert ? 5 : 3.5,
        p.alert ? kBad : kAccent, current ? " stroke=\"#1d2330\" stroke-width=\"2\"" : "");
    svg += Title(p.label + (current ? " (this run)" : "") + ": effect " + FormatNumber(p.effect) +
                 (p.alert ? ", alert" : "")) +
           "</circle>";
  }
  // About eight x labels, counted back from this run so its label is always shown.
  const size_t step = std::max<size_t>(1, (n + 7) / 8);
  for (size_t i = 0; i < n; ++i) {
    if ((n - 1 - i) % step != 0) continue;
    const std::string label = Shorten(ShortTime(points[i].label), 24);
    svg += Text(X(i), y1 + 16, label, "middle", points[i].effect ? "" : " fill=\"#5b6475\"");
  }
  if (n > 0) svg += Text(X(n - 1), y1 + 30, "this run", "middle", " fill=\"#5b6475\"");
  return svg + "</svg>";
}

}  // namespace trainops::monitor_page
