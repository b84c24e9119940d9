#include "ui/ui_charts.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "report/html_escape.h"

namespace trainops::ui {
namespace {

constexpr double kLeft = 52, kRight = 16, kTop = 14, kBottom = 38;

bool Finite(const std::optional<double>& v) { return v && std::isfinite(*v); }

std::optional<double> At(const std::vector<std::optional<double>>& v, size_t i) {
  return i < v.size() && Finite(v[i]) ? v[i] : std::nullopt;
}

// The colours, shared by the chart and its legend.
const char* SeriesColour(const std::string& css_class) {
  if (css_class == "est") return "#2f6fdb";
  if (css_class == "fb") return "#2e8b57";
  if (css_class == "loss") return "#c98a16";
  if (css_class == "vloss") return "#8e44ad";
  return "#5b6475";
}
const char* MarkerColour(const std::string& kind) {
  if (kind == "promote") return "#6a3fb5";
  if (kind == "rollback") return "#c98a16";
  return "#c8453b";
}
const char* MarkerName(const std::string& kind) {
  if (kind == "promote") return "promotion";
  if (kind == "rollback") return "rollback";
  return "drift alert";
}

std::string Number(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

std::string LineChart(const ChartSpec& spec) {
  const size_t n = spec.x_labels.size();
  const double w = spec.width, h = spec.height;
  const double pw = w - kLeft - kRight, ph = h - kTop - kBottom;
  // The y range: everything drawn, padded, within [0, 1] for shares.
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : spec.series) {
    for (size_t i = 0; i < n; ++i) {
      for (const auto& v : {At(s.y, i), At(s.low, i), At(s.high, i)}) {
        if (v) {
          lo = std::min(lo, *v);
          hi = std::max(hi, *v);
        }
      }
    }
  }
  if (!std::isfinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const double pad = std::max((hi - lo) * 0.08, spec.percent ? 0.01 : 1e-6);
  const bool non_negative = lo >= 0;  // losses: no axis below zero
  lo -= pad;
  if (non_negative) lo = std::max(0.0, lo);
  hi += pad;
  if (spec.percent) {
    lo = std::max(0.0, lo);
    hi = std::min(1.0, hi);
    if (hi <= lo) hi = lo + 0.01;
  }
  auto X = [&](double i) { return kLeft + (n == 0 ? 0.5 : (i + 0.5) / static_cast<double>(n)) * pw; };
  auto Y = [&](double v) { return kTop + (1 - (v - lo) / (hi - lo)) * ph; };

  std::string svg = fmt::format(
      "<svg id=\"{}\" class=\"linechart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      HtmlEscape(spec.id), w, h, w, h, HtmlEscape(spec.aria_label));
  // Axes and gridlines: five y ticks, at most ten x labels.
  for (int t = 0; t <= 4; ++t) {
    const double v = lo + (hi - lo) * t / 4.0;
    const double y = Y(v);
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#e3e6ec\"/>", Number(kLeft),
                       Number(w - kRight), Number(y), Number(y));
    const std::string text = spec.percent ? fmt::format("{:.1f}%", v * 100) : fmt::format("{:.3g}", v);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", Number(kLeft - 4), Number(y + 4),
                       text);
  }
  const size_t step = std::max<size_t>(1, (n + 9) / 10);
  for (size_t i = 0; i < n; i += step) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", Number(X(i)), Number(h - 20),
                       HtmlEscape(spec.x_labels[i]));
  }
  // Markers under the data, so points stay visible; each with its title for hovering.
  // Thin and faint when positions are close, so they do not hide the data.
  const bool dense = n > 80;
  for (const Marker& m : spec.markers) {
    const double x = X(m.x);
    if (m.kind == "drift") {
      svg += fmt::format(
          "<path class=\"marker drift\" d=\"M{0} {1} l-5 -9 h10 z\" fill=\"{2}\"><title>{3}</title></path>",
          Number(x), Number(kTop + 10), MarkerColour(m.kind), HtmlEscape(m.label));
    } else {
      svg += fmt::format(
          "<line class=\"marker {0}\" x1=\"{1}\" x2=\"{1}\" y1=\"{2}\" y2=\"{3}\" stroke=\"{4}\" stroke-width=\"{7}\" "
          "stroke-opacity=\"{8}\"{5}><title>{6}</title></line>",
          m.kind, Number(x), Number(kTop), Number(kTop + ph), MarkerColour(m.kind),
          m.kind == "rollback" ? " stroke-dasharray=\"5 3\"" : "", HtmlEscape(m.label), dense ? 1 : 2,
          dense ? "0.5" : "0.9");
    }
  }
  for (const Series& s : spec.series) {
    const char* colour = SeriesColour(s.css_class);
    if (s.band) {
      // One polygon per run of positions that have both ends of the interval.
      for (size_t i = 0; i < n;) {
        if (!At(s.low, i) || !At(s.high, i)) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < n && At(s.low, j) && At(s.high, j)) ++j;
        std::string points;
        for (size_t k = i; k < j; ++k) points += Number(X(k)) + "," + Number(Y(*At(s.high, k))) + " ";
        for (size_t k = j; k-- > i;) points += Number(X(k)) + "," + Number(Y(*At(s.low, k))) + " ";
        if (j - i == 1) {  // a lone interval: a bar, since a polygon of two points is invisible
          svg += fmt::format("<line class=\"band {0}\" x1=\"{2}\" x2=\"{2}\" y1=\"{3}\" y2=\"{4}\" stroke=\"{1}\" "
                             "stroke-opacity=\"0.35\" stroke-width=\"6\"/>",
                             s.css_class, colour, Number(X(i)), Number(Y(*At(s.low, i))), Number(Y(*At(s.high, i))));
        } else {
          svg += fmt::format("<polygon class=\"band {}\" points=\"{}\" fill=\"{}\" fill-opacity=\"0.15\"/>", s.css_class,
                             points, colour);
        }
        i = j;
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (At(s.low, i) && At(s.high, i)) {
          svg += fmt::format("<line class=\"errbar\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{3}\" "
                             "stroke-opacity=\"{4}\"/>",
                             Number(X(i)), Number(Y(*At(s.low, i))), Number(Y(*At(s.high, i))), colour,
                             n > 80 ? "0.35" : "0.8");
        }
      }
    }
    if (s.line) {
      std::string path;
      bool pen = false;
      for (size_t i = 0; i < n; ++i) {
        const auto v = At(s.y, i);
        if (!v) {
          pen = false;
          continue;
        }
        path += fmt::format("{}{} {} ", pen ? "L" : "M", Number(X(i)), Number(Y(*v)));
        pen = true;
      }
      if (!path.empty()) {
        svg += fmt::format("<path class=\"line {}\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"/>",
                           s.css_class, path, colour);
      }
    }
    // Points only where they stay apart: with hundreds of positions the line says it all.
    const double radius = n <= 60 ? 3 : n <= 200 ? 1.8 : 1.2;
    for (size_t i = 0; i < n; ++i) {
      if (const auto v = At(s.y, i)) {
        svg += fmt::format("<circle class=\"pt {}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"><title>{}: {}</title>"
                           "</circle>",
                           s.css_class, Number(X(i)), Number(Y(*v)), radius, colour,
                           HtmlEscape(spec.x_labels[i]),
                           spec.percent ? fmt::format("{:.1f}%", *v * 100) : fmt::format("{:.4g}", *v));
      }
    }
  }
  return svg + "</svg>";
}

std::string ChartLegend(const ChartSpec& spec) {
  std::string html = "<div class=\"legend\">";
  for (const Series& s : spec.series) {
    html += fmt::format("<span><i class=\"sw {}\"></i>{}</span>", HtmlEscape(s.css_class), HtmlEscape(s.name));
  }
  std::set<std::string> kinds;
  for (const Marker& m : spec.markers) kinds.insert(m.kind);
  for (const auto& k : kinds) {
    html += fmt::format("<span><i class=\"sw {}\"></i>{}</span>", HtmlEscape(k), MarkerName(k));
  }
  return html + "</div>";
}

}  // namespace trainops::ui
