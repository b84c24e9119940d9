#include "report/html_report.h"

#include "report/html_escape.h"
#include "report/multi_label_report.h"
#include "report/html_style.h"

namespace trainops {
namespace {

constexpr const char* kScript = R"JS(
window.onerror = function (msg) { document.body.setAttribute('data-error', String(msg)); };
(function () {
  'use strict';
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pct(x) { return (typeof x === 'number') ? (100 * x).toFixed(1) + '%' : '–'; }
  function num(x, d) { return (typeof x === 'number') ? x.toFixed(d === undefined ? 3 : d) : '–'; }
  function ci(a) { return (a && a.length === 2) ? '95% CI ' + pct(a[0]) + ' – ' + pct(a[1]) : ''; }
  function tip(node, text) { node.appendChild(sv('title', {}, text)); return node; }
  function $(id) { return document.getElementById(id); }

  // Headline cards.
  var cards = $('cards');
  function card(k, v, sub) {
    var c = el('div', {'class': 'card'});
    c.appendChild(el('div', {'class': 'k'}, k));
    c.appendChild(el('div', {'class': 'v'}, v));
    if (sub) c.appendChild(el('div', {'class': 'ci'}, sub));
    cards.appendChild(c);
  }
  card('accuracy', pct(R.accuracy), ci(R.accuracy_ci));
  card('macro-F1', pct(R.macro_f1), ci(R.macro_f1_ci));
  card('weighted-F1', pct(R.weighted_f1));
  card('rows', String(R.n), R.skipped_rows ? R.skipped_rows + ' skipped' : '');
  if (R.calibration) card('ECE (calibrated)', num(R.calibration.ece_after), 'before: ' + num(R.calibration.ece_before) + ', T = ' + num(R.calibration.temperature, 2));
  if (R.oos && R.oos.enabled) {
    card('in-scope accuracy', pct(R.oos.in_scope_accuracy), 'threshold ' + num(R.oos.threshold) + ' (' + R.oos.threshold_source + ')');
    card('out-of-scope recall', pct(R.oos.oos_recall), 'precision ' + pct(R.oos.oos_precision));
  }

  // Confusion heatmap (rows = gold, normalized by support).
  (function () {
    var labels = R.confusion.labels, m = R.confusion.matrix, L = labels.length;
    var keep = [];
    for (var i = 0; i < L; i++) {
      var s = 0, p = 0;
      for (var j = 0; j < L; j++) { s += m[i][j]; p += m[j][i]; }
      if (s > 0 || p > 0) keep.push(i);
    }
    var K = keep.length, cell = Math.max(4, Math.min(26, Math.floor(720 / Math.max(1, K))));
    var showText = cell >= 10, pad = showText ? 130 : 10;
    var W = pad + K * cell + 10, H = pad + K * cell + 10;
    var svg = sv('svg', {id: 'confusion-heatmap', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img'});
    svg.appendChild(sv('title', {}, 'Confusion matrix: rows are gold labels, columns predicted; color = share of the gold row'));
    for (var a = 0; a < K; a++) {
      var gi = keep[a], rowSum = 0;
      for (var b = 0; b < K; b++) rowSum += m[gi][keep[b]];
      for (var b2 = 0; b2 < K; b2++) {
        var pj = keep[b2], v = m[gi][pj];
        if (v === 0) continue;
        var share = rowSum ? v / rowSum : 0;
        var color = gi === pj ? 'rgba(46,139,87,' + (0.15 + 0.85 * share) + ')' : 'rgba(200,69,59,' + (0.15 + 0.85 * share) + ')';
        tip(svg.appendChild(sv('rect', {x: pad + b2 * cell, y: pad + a * cell, width: cell - 1, height: cell - 1, fill: color})),
            labels[gi] + ' \u2192 ' + labels[pj] + ': ' + v + ' (' + pct(share) + ' of gold)');
      }
      if (showText) {
        svg.appendChild(sv('text', {x: pad - 4, y: pad + a * cell + cell * 0.7, 'text-anchor': 'end'}, labels[gi].slice(0, 20)));
        svg.appendChild(sv('text', {x: 0, y: 0, transform: 'translate(' + (pad + a * cell + cell * 0.7) + ',' + (pad - 4) + ') rotate(-60)'}, labels[gi].slice(0, 20)));
      }
    }
    svg.appendChild(sv('rect', {x: pad, y: pad, width: K * cell, height: K * cell, fill: 'none', stroke: '#ccd'}));
    $('confusion').appendChild(svg);
  })();

  // Per-label bars: F1 (bar) and recall (tick), worst first.
  (function () {
    var rows = [];
    for (var name in R.per_label) { var p = R.per_label[name]; if (p.support > 0) rows.push([name, p]); }
    rows.sort(function (x, y) { return x[1].f1 - y[1].f1 || (x[0] < y[0] ? -1 : 1); });
    var shown = rows.slice(0, 60);
    if (rows.length > shown.length) $('per-label-note').textContent = 'The ' + shown.length + ' weakest of ' + rows.length + ' labels by F1; all are in the JSON.';
    var rowH = 16, left = 190, barW = 420, W = left + barW + 150, H = 24 + shown.length * rowH;
    var svg = sv('svg', {id: 'per-label-chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
    for (var t = 0; t <= 4; t++) {
      var x = left + barW * t / 4;
      svg.appendChild(sv('line', {x1: x, x2: x, y1: 14, y2: H, stroke: '#e3e6ec'}));
      svg.appendChild(sv('text', {x: x, y: 10, 'text-anchor': 'middle'}, (t * 25) + '%'));
    }
    shown.forEach(function (r, i) {
      var y = 18 + i * rowH, p = r[1];
      svg.appendChild(sv('text', {x: left - 6, y: y + 11, 'text-anchor': 'end'}, r[0].slice(0, 28)));
      tip(svg.appendChild(sv('rect', {x: left, y: y + 2, width: Math.max(1, barW * p.f1), height: rowH - 5, fill: p.f1 < 0.8 ? '#e59a92' : '#8fb6ef'})),
          r[0] + ': F1 ' + pct(p.f1) + ', precision ' + pct(p.precision) + ', recall ' + pct(p.recall) + ', support ' + p.support);
      svg.appendChild(sv('line', {x1: left + barW * p.recall, x2: left + barW * p.recall, y1: y + 1, y2: y + rowH - 2, stroke: '#1d2330', 'stroke-width': 2}));
      svg.appendChild(sv('text', {x: left + barW + 6, y: y + 11}, 'F1 ' + pct(p.f1) + ' · n ' + p.support));
    });
    $('per-label').appendChild(svg);
  })();

  // Segments: accuracy with bootstrap whiskers, one chart per column.
  (function () {
    var box = $('segments'), cols = (R.segments && R.segments.columns) || [];
    if (!cols.length) { box.appendChild(el('p', {'class': 'note'}, 'No segment columns were scored (use --segments COL).')); return; }
    cols.forEach(function (col, ci_) {
      box.appendChild(el('h3', {}, 'by ' + col.column));
      var g = col.gap, gp = el('p', {});
      if (g && g.gap !== undefined) {
        gp.appendChild(document.createTextNode('Gap between best (' + g.best + ', ' + pct(g.best_accuracy) + ') and worst (' + g.worst + ', ' + pct(g.worst_accuracy) + '): ' + (100 * g.gap).toFixed(1) + ' points, permutation p = ' + num(g.p_value) + ' '));
        gp.appendChild(el('span', {'class': 'flag ' + (g.larger_than_chance ? 'bad' : 'ok')}, g.larger_than_chance ? 'larger than chance' : 'within chance'));
      } else if (g) { gp.textContent = g.note || ''; }
      box.appendChild(gp);
      var segs = col.segments.slice(0, 40), rowH = 20, left = 170, plotW = 460, W = left + plotW + 190, H = 26 + segs.length * rowH;
      var lo = 1;
      segs.forEach(function (s) { lo = Math.min(lo, s.accuracy_ci ? s.accuracy_ci[0] : s.accuracy); });
      lo = Math.max(0, Math.floor(lo * 10) / 10 - 0.05);
      function X(v) { return left + plotW * (v - lo) / (1 - lo); }
      var svg = sv('svg', {id: 'segments-chart-' + ci_, 'class': 'segments-chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
      for (var t = 0; t <= 4; t++) {
        var v = lo + (1 - lo) * t / 4;
        svg.appendChild(sv('line', {x1: X(v), x2: X(v), y1: 14, y2: H, stroke: '#e3e6ec'}));
        svg.appendChild(sv('text', {x: X(v), y: 10, 'text-anchor': 'middle'}, pct(v)));
      }
      svg.appendChild(sv('line', {x1: X(R.accuracy), x2: X(R.accuracy), y1: 14, y2: H, stroke: '#2f6fdb', 'stroke-dasharray': '4 3'}));
      segs.forEach(function (s, i) {
        var y = 22 + i * rowH + rowH / 2, color = s.too_small ? '#aab' : '#1d2330';
        svg.appendChild(sv('text', {x: left - 8, y: y + 4, 'text-anchor': 'end', fill: color}, String(s.value).slice(0, 24)));
        if (s.accuracy_ci) svg.appendChild(sv('line', {x1: X(s.accuracy_ci[0]), x2: X(s.accuracy_ci[1]), y1: y, y2: y, stroke: color, 'stroke-width': 2}));
        tip(svg.appendChild(sv('circle', {cx: X(s.accuracy), cy: y, r: 4, fill: s.too_small ? '#fff' : color, stroke: color})),
            s.value + ': accuracy ' + pct(s.accuracy) + ' ' + ci(s.accuracy_ci) + ', n ' + s.n);
        svg.appendChild(sv('text', {x: left + plotW + 8, y: y + 4, fill: color}, 'n ' + s.n + (s.too_small ? ' · too small' : '') + (s.single_class ? ' · one class' : '')));
      });
      box.appendChild(svg);
      var table = el('table', {}), head = el('tr', {});
      ['segment', 'n', 'accuracy', '95% CI', 'macro-F1', '95% CI', ''].forEach(function (h) { head.appendChild(el('th', {}, h)); });
      table.appendChild(head);
      col.segments.forEach(function (s) {
        var tr = el('tr', {});
        tr.appendChild(el('td', {}, s.value));
        tr.appendChild(el('td', {'class': 'num'}, s.n));
        tr.appendChild(el('td', {'class': 'num'}, pct(s.accuracy)));
        tr.appendChild(el('td', {'class': 'num'}, s.accuracy_ci ? pct(s.accuracy_ci[0]) + ' – ' + pct(s.accuracy_ci[1]) : '–'));
        tr.appendChild(el('td', {'class': 'num'}, pct(s.macro_f1)));
        tr.appendChild(el('td', {'class': 'num'}, s.macro_f1_ci ? pct(s.macro_f1_ci[0]) + ' – ' + pct(s.macro_f1_ci[1]) : '–'));
        var f = el('td', {});
        if (s.too_small) f.appendChild(el('span', {'class': 'flag'}, 'too small to judge'));
        if (s.single_class) f.appendChild(el('span', {'class': 'flag'}, 'one class'));
        tr.appendChild(f);
        table.appendChild(tr);
      });
      var wrap = el('div', {'class': 'scroll'}); wrap.appendChild(table); box.appendChild(wrap);
    });
  })();

  // Reliability diagram: accuracy per confidence bin, before and after calibration.
  (function () {
    var C = R.calibration; if (!C) return;
    var S = 300, pad = 36, W = S + pad + 170, H = S + pad + 20;
    var svg = sv('svg', {id: 'reliability-chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
    function X(v) { return pad + S * v; } function Y(v) { return 10 + S * (1 - v); }
    svg.appendChild(sv('rect', {x: pad, y: 10, width: S, height: S, fill: '#fbfcfd', stroke: '#ccd'}));
    for (var t = 0; t <= 5; t++) {
      svg.appendChild(sv('text', {x: X(t / 5), y: 10 + S + 14, 'text-anchor': 'middle'}, (t / 5).toFixed(1)));
      svg.appendChild(sv('text', {x: pad - 4, y: Y(t / 5) + 4, 'text-anchor': 'end'}, (t / 5).toFixed(1)));
    }
    svg.appendChild(sv('line', {x1: X(0), y1: Y(0), x2: X(1), y2: Y(1), stroke: '#999', 'stroke-dasharray': '4 3'}));
    var series = [['before', '#e0a458', 0], ['after', '#2f6fdb', 1]];
    series.forEach(function (sr) {
      var bins = C[sr[0]].bins, w = S / bins.length / 2 - 1;
      bins.forEach(function (b) {
        if (!b.count) return;
        tip(svg.appendChild(sv('rect', {x: X(b.lower) + sr[2] * (w + 1) + 1, y: Y(b.accuracy), width: w, height: S * b.accuracy, fill: sr[1], opacity: 0.85})),
            sr[0] + ' calibration, confidence ' + b.lower.toFixed(1) + '–' + b.upper.toFixed(1) + ': accuracy ' + pct(b.accuracy) + ', mean confidence ' + pct(b.mean_confidence) + ', ' + b.count + ' rows');
      });
    });
    series.forEach(function (sr, i) {
      svg.appendChild(sv('rect', {x: pad + S + 16, y: 20 + i * 20, width: 12, height: 12, fill: sr[1]}));
      svg.appendChild(sv('text', {x: pad + S + 34, y: 30 + i * 20}, sr[0] + ' (ECE ' + num(C[sr[0]].ece) + ')'));
    });
    svg.appendChild(sv('text', {x: pad + S / 2, y: H - 2, 'text-anchor': 'middle'}, 'confidence'));
    $('reliability').appendChild(svg);
    var table = el('table', {}), head = el('tr', {});
    ['bin', 'rows', 'mean confidence (before)', 'accuracy', 'mean confidence (after)'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    C.after.bins.forEach(function (b, i) {
      var tr = el('tr', {}), bb = C.before.bins[i];
      tr.appendChild(el('td', {}, b.lower.toFixed(1) + '–' + b.upper.toFixed(1)));
      tr.appendChild(el('td', {'class': 'num'}, b.count + ' / ' + bb.count));
      tr.appendChild(el('td', {'class': 'num'}, bb.count ? pct(bb.mean_confidence) + ' (acc ' + pct(bb.accuracy) + ')' : '–'));
      tr.appendChild(el('td', {'class': 'num'}, b.count ? pct(b.accuracy) : '–'));
      tr.appendChild(el('td', {'class': 'num'}, b.count ? pct(b.mean_confidence) : '–'));
      table.appendChild(tr);
    });
    $('reliability').appendChild(el('p', {'class': 'note'}, 'Rows: after / before calibration. ' + (C.note || '')));
    $('reliability').appendChild(table);
  })();

  // Out of scope.
  (function () {
    var O = R.oos, box = $('oos');
    if (!O || !O.enabled) { box.appendChild(el('p', {'class': 'note'}, (O && O.note) || 'No out-of-scope label.')); return; }
    var table = el('table', {}), head = el('tr', {});
    ['', 'in-scope accuracy', 'out-of-scope recall', 'out-of-scope precision', 'overall accuracy', 'rejected'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    [['threshold ' + num(O.threshold) + ' (' + O.threshold_source + ')', O], ['no rejection', O.without_rejection]].forEach(function (r) {
      var tr = el('tr', {});
      tr.appendChild(el('td', {}, r[0]));
      [r[1].in_scope_accuracy, r[1].oos_recall, r[1].oos_precision, r[1].overall_accuracy].forEach(function (v) { tr.appendChild(el('td', {'class': 'num'}, pct(v))); });
      tr.appendChild(el('td', {'class': 'num'}, r[1].rejected_rows));
      table.appendChild(tr);
    });
    box.appendChild(el('p', {}, 'Out-of-scope label "' + O.label + '" (' + (O.label_is_class ? 'a trained class' : 'not a trained class: only rejection produces it') + '); ' + O.in_scope_rows + ' in-scope and ' + O.oos_rows + ' out-of-scope rows.'));
    box.appendChild(table);
  })();

  // Failure categories, ranked by impact, with examples.
  (function () {
    var F = R.failures, box = $('failures');
    if (!F || !F.categories.length) { box.appendChild(el('p', {'class': 'note'}, 'No errors.')); return; }
    box.appendChild(el('p', {'class': 'note'}, F.total_errors + ' errors. ' + (F.settings ? F.settings.note : '')));
    var maxImpact = F.categories[0].impact || 1;
    var svg = sv('svg', {id: 'failures-chart', width: 760, height: 18 * F.categories.length + 8, viewBox: '0 0 760 ' + (18 * F.categories.length + 8)});
    F.categories.forEach(function (c, i) {
      svg.appendChild(sv('text', {x: 330, y: 16 + i * 18, 'text-anchor': 'end'}, (c.rank + '. ' + c.title).slice(0, 56)));
      tip(svg.appendChild(sv('rect', {x: 336, y: 5 + i * 18, width: Math.max(1, 320 * c.impact / maxImpact), height: 13, fill: '#e59a92'})), c.title + ': impact ' + c.impact);
      svg.appendChild(sv('text', {x: 342 + 320 * c.impact / maxImpact, y: 16 + i * 18}, c.count + ' (' + pct(c.share) + ')'));
    });
    box.appendChild(svg);
    F.categories.forEach(function (c) {
      var d = el('details', c.rank <= 3 ? {'class': 'cat', open: ''} : {'class': 'cat'});
      d.appendChild(el('summary', {'class': 't'}, c.rank + '. ' + c.title + ' \u2014 ' + c.count + ' errors'));
      var parts = c.count + ' errors, ' + pct(c.share) + ' of all, impact ' + num(c.impact, 1);
      if (c.labels.length) parts += '; labels: ' + c.labels.map(function (l) { return l.gold + ' \u2192 ' + l.predicted + ' (' + l.count + ')'; }).join(', ');
      if (c.segments.length) parts += '; segments: ' + c.segments.map(function (s) { return s.column + '=' + s.value + ' (' + s.count + ')'; }).join(', ');
      d.appendChild(el('div', {'class': 'note'}, parts));
      if (c.examples.length) {
        var t = el('table', {}), h = el('tr', {});
        ['text', 'gold', 'predicted', 'confidence', 'margin'].forEach(function (x) { h.appendChild(el('th', {}, x)); });
        t.appendChild(h);
        c.examples.forEach(function (e) {
          var tr = el('tr', {});
          tr.appendChild(el('td', {'class': 'text'}, e.text));
          tr.appendChild(el('td', {}, e.gold));
          tr.appendChild(el('td', {}, e.predicted + (e.rejected ? ' (rejected)' : '')));
          tr.appendChild(el('td', {'class': 'num'}, num(e.confidence)));
          tr.appendChild(el('td', {'class': 'num'}, num(e.margin)));
          t.appendChild(tr);
        });
        d.appendChild(t);
      }
      box.appendChild(d);
    });
  })();

  if (!document.body.hasAttribute('data-error')) document.body.setAttribute('data-rendered', 'ok');
})();
)JS";

}  // namespace

std::string RenderHtmlReport(const nlohmann::json& report) {
  if (report.value("task_kind", "") == "multi_label") return RenderMultiLabelHtmlReport(report);
  const std::string model = report.value("model", "");
  const std::string data = report.value("data", "");
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No network at view time: everything is inline, and the policy forbids fetching.
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "script-src 'unsafe-inline'; img-src data:\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>trainops eval: " + HtmlEscape(model) + "</title>\n<style>" + ReportStyle() + "</style>\n";
  html += "</head>\n<body data-rendered=\"pending\">\n<header><h1>Evaluation report</h1><div class=\"sub\">model " +
          HtmlEscape(model) + " &middot; data " + HtmlEscape(data) + "</div></header>\n<main>\n";
  html += "<noscript><p>This report draws its charts with JavaScript; the numbers are also in the JSON "
          "(trainops eval --json).</p></noscript>\n";
  html += "<section id=\"headline\"><h2>Headline</h2><div class=\"cards\" id=\"cards\"></div></section>\n";
  html += "<section><h2>Failure categories, by impact</h2><div id=\"failures\"></div></section>\n";
  html += "<section><h2>Segments</h2><p class=\"note\">Accuracy per segment with 95% bootstrap intervals; "
          "hollow points are below the minimum support. Dashed line: overall accuracy.</p>"
          "<div id=\"segments\"></div></section>\n";
  html += "<section><h2>Out of scope</h2><div id=\"oos\"></div></section>\n";
  html += "<section><h2>Calibration</h2><div id=\"reliability\"></div></section>\n";
  html += "<section><h2>Per label</h2><p class=\"note\">Bars: F1; black tick: recall. Weakest first.</p>"
          "<p class=\"note\" id=\"per-label-note\"></p><div class=\"scroll\" id=\"per-label\"></div></section>\n";
  html += "<section><h2>Confusion</h2><p class=\"note\">Rows: gold label; columns: predicted. Green: correct, "
          "red: errors; darker = larger share of the gold row. Hover a cell for counts.</p>"
          "<div class=\"scroll\" id=\"confusion\"></div></section>\n";
  html += "</main>\n<script type=\"application/json\" id=\"report-data\">" + JsonForScript(report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
          "</script>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace trainops
