// The models: the list with the status history, a model's page (its run, checkpoints, data,
// pre-train check, gate reports, history) and the comparison of two models on test data.
#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"
#include "report/monitor_values.h"
#include "ui/page_frame.h"
#include "ui/pages.h"
#include "ui/ui_charts.h"

namespace trainops::ui {
namespace {

using monitor_page::At;
using monitor_page::FormatNumber;
using monitor_page::FormatPercent;
using monitor_page::NumberAt;
using monitor_page::TextAt;

std::string HistoryTable(const std::vector<StatusChange>& history, bool with_model) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    std::vector<std::string> row{When(it->at)};
    if (with_model) row.push_back(ModelLink(it->model_id));
    row.push_back(Esc(it->from_status + " → " + it->to_status));
    row.push_back(Esc(it->reason) + (it->forced ? " " + Chip(false, "forced") : ""));
    row.push_back(it->gate_report_id ? fmt::format("<a href=\"/models/{}#gate-{}\">#{}</a>", UrlEncode(it->model_id),
                                                   it->gate_report_id, it->gate_report_id)
                                     : "–");
    row.push_back(it->policy_hash.empty() ? "" : "registered gate policy " + Esc(it->policy_hash.substr(0, 12)) + ": " +
                                                     Esc(it->policy_change));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header{"when"};
  if (with_model) header.push_back("model");
  for (const char* h : {"change", "reason", "gate report", "policy"}) header.push_back(h);
  return Table(header, rows, {}, "history-table");
}

std::string CompareForm(const std::vector<ModelRecord>& models, const std::string& a, const std::string& b) {
  auto options = [&](const std::string& selected) {
    std::string html;
    for (const auto& m : models) {
      html += fmt::format("<option value=\"{}\"{}>{} · {} · {}</option>", Esc(m.id), m.id == selected ? " selected" : "",
                          Esc(m.id.substr(0, 12)), Esc(ModelStatusName(m.status)), Esc(m.created_at.substr(0, 10)));
    }
    return html;
  };
  return fmt::format(
      "<form method=\"get\" action=\"/compare\"><fieldset><legend>Compare two models on the task's test data</legend>"
      "<label>A <select name=\"a\">{}</select></label><label>B <select name=\"b\">{}</select></label>"
      "<button type=\"submit\">Compare</button></fieldset></form>",
      options(a), options(b));
}

}  // namespace

std::string ModelsPage(PageContext& c, const Query& q) {
  auto models = c.registry.ListModels(c.spec.name);
  std::sort(models.begin(), models.end(),
            [](const ModelRecord& a, const ModelRecord& b) { return a.created_at > b.created_at; });
  const auto status_it = q.find("status");
  const std::string status = status_it == q.end() ? "" : status_it->second;
  if (!status.empty() && status != "candidate" && status != "production" && status != "archived") {
    throw PageError{400, "status must be candidate, production or archived"};
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : models) {
    const std::string s = ModelStatusName(m.status);
    if (!status.empty() && s != status) continue;
    rows.push_back({ModelLink(m.id), Chip(m.status != ModelStatus::kArchived, s), When(m.created_at), Esc(m.run_id),
                    FormatPercent(NumberAt(m.metrics, "validation_accuracy")),
                    FormatNumber(NumberAt(m.metrics, "validation_metric")),
                    FormatNumber(static_cast<double>(m.size_bytes) / 1e6)});
  }
  std::string filter = "<p>Show: " + Link("/models", "all");
  for (const char* s : {"production", "candidate", "archived"}) filter += " · " + Link(std::string("/models?status=") + s, s);
  filter += "</p>";
  std::string body = fmt::format("<section id=\"models\"><h2>{} models{}</h2>", rows.size(),
                                 status.empty() ? "" : " (" + Esc(status) + ")") +
                     filter +
                     Table({"model", "status", "registered", "run", "validation accuracy", "validation metric", "MB"},
                           rows, {4, 5, 6}, "models-table") +
                     "</section>";
  if (models.size() >= 2) {
    body += "<section id=\"compare\"><h2>Compare</h2>" + CompareForm(models, models[1].id, models[0].id) + "</section>";
  }
  body += "<section id=\"history\"><h2>Status history</h2>" + HistoryTable(c.registry.History(c.spec.name), true) +
          "</section>";
  return Frame(&c, c.nonce, "Models", "Models", body);
}

namespace {

std::string RunSection(PageContext& c, const ModelRecord& m) {
  if (m.run_id.empty()) return "<section id=\"run\"><h2>Run</h2><p>Registered without a training run.</p></section>";
  RunRecord run;
  try {
    run = c.registry.GetRun(m.run_id);
  } catch (const InputError&) {
    return "<section id=\"run\"><h2>Run</h2><p>Run " + Esc(m.run_id) + " is not in the registry.</p></section>";
  }
  const auto& j = run.run;
  std::string html = fmt::format("<section id=\"run\"><h2>Run {}</h2>", Esc(run.id));
  std::vector<std::vector<std::string>> facts = {
      {"trained", When(run.created_at)},
      {"spec", Esc(run.spec_path) + (run.spec_hash.empty() ? "" : " <span class=\"id\">" + Esc(run.spec_hash) + "</span>")},
      {"run folder", Esc(run.run_dir)},
      {"stopped", Esc(TextAt(j, "stop_reason"))},
      {"training rows", FormatNumber(NumberAt(j, "train_examples"))},
      {"validation rows", FormatNumber(NumberAt(j, "validation_examples"))},
      {"wall time (s)", FormatNumber(NumberAt(j, "wall_seconds"))},
  };
  const auto& hp = At(j, "hyperparameters");
  if (hp.is_object()) {
    std::string text;
    for (auto it = hp.begin(); it != hp.end(); ++it) text += (text.empty() ? "" : ", ") + it.key() + " " + it.value().dump();
    facts.push_back({"hyper-parameters", Esc(text)});
  }
  html += Table({"", ""}, facts);

  // Checkpoint curves (metrics.jsonl): validation metric and accuracy, and the two losses.
  if (run.checkpoints.is_array() && !run.checkpoints.empty()) {
    ChartSpec quality, loss;
    quality.id = "checkpoint-chart";
    quality.aria_label = "Validation metric and accuracy at each checkpoint; the table below has the numbers.";
    loss.id = "loss-chart";
    loss.aria_label = "Training and validation loss at each checkpoint; the table below has the numbers.";
    loss.percent = false;
    Series metric{"validation " + TextAt(j, "metric"), "est", {}, {}, {}, false, true};
    Series acc{"validation accuracy", "fb", {}, {}, {}, false, true};
    Series train_loss{"training loss", "loss", {}, {}, {}, false, true};
    Series val_loss{"validation loss", "vloss", {}, {}, {}, false, true};
    std::vector<std::vector<std::string>> rows;
    for (const auto& cp : run.checkpoints) {
      const std::string label = "epoch " + FormatNumber(NumberAt(cp, "epoch"));
      quality.x_labels.push_back(label);
      loss.x_labels.push_back(label);
      metric.y.push_back(NumberAt(cp, "validation_metric"));
      acc.y.push_back(NumberAt(cp, "validation_accuracy"));
      train_loss.y.push_back(NumberAt(cp, "train_loss"));
      val_loss.y.push_back(NumberAt(cp, "validation_loss"));
      rows.push_back({FormatNumber(NumberAt(cp, "checkpoint")), FormatNumber(NumberAt(cp, "epoch")),
                      FormatNumber(NumberAt(cp, "step")), FormatNumber(NumberAt(cp, "validation_metric")),
                      FormatPercent(NumberAt(cp, "validation_accuracy")), FormatNumber(NumberAt(cp, "train_loss")),
                      FormatNumber(NumberAt(cp, "validation_loss")),
                      monitor_page::FlagAt(cp, "best") ? Chip(true, "best so far") : ""});
    }
    quality.series = {metric, acc};
    loss.series = {train_loss, val_loss};
    html += "<h3>Checkpoints</h3>" + LineChart(quality) + ChartLegend(quality) + LineChart(loss) + ChartLegend(loss) +
            "<details><summary>The checkpoints as a table</summary>" +
            Table({"checkpoint", "epoch", "step", "validation metric", "validation accuracy", "training loss",
                   "validation loss", ""},
                  rows, {0, 1, 2, 3, 4, 5, 6}, "checkpoint-table") +
            "</details>";
  }
  // Data fingerprints: which bytes the model was trained and selected on.
  const auto& data = At(j, "data");
  if (data.is_object()) {
    std::vector<std::vector<std::string>> rows;
    for (auto it = data.begin(); it != data.end(); ++it) {
      rows.push_back({Esc(it.key()), Esc(TextAt(it.value(), "path")),
                      "<span class=\"id\">" + Esc(TextAt(it.value(), "fingerprint")) + "</span>",
                      FormatNumber(NumberAt(it.value(), "rows")), FormatNumber(NumberAt(it.value(), "skipped"))});
    }
    html += "<h3>Data</h3>" + Table({"split", "file", "fingerprint", "rows", "skipped"}, rows, {3, 4}, "data-table");
  }
  // The pre-train data check's summary.
  const auto& check = At(j, "check_data");
  if (check.is_object()) {
    html += fmt::format("<h3>Data check before training</h3><p>{} errors, {} warnings, {} notes.</p>",
                        FormatNumber(NumberAt(check, "errors")), FormatNumber(NumberAt(check, "warnings")),
                        FormatNumber(NumberAt(check, "infos")));
    const auto& by_check = At(check, "by_check");
    if (by_check.is_object()) {
      std::vector<std::vector<std::string>> rows;
      for (auto it = by_check.begin(); it != by_check.end(); ++it) {
        rows.push_back({Esc(it.key()), FormatNumber(NumberAt(it.value(), "error")),
                        FormatNumber(NumberAt(it.value(), "warning")), FormatNumber(NumberAt(it.value(), "info"))});
      }
      html += Table({"check", "errors", "warnings", "notes"}, rows, {1, 2, 3}, "check-table");
    }
    const auto& findings = At(check, "findings");
    if (findings.is_array() && !findings.empty()) {
      html += fmt::format("<details><summary>{} findings</summary><ul>", findings.size());
      for (size_t i = 0; i < findings.size() && i < 50; ++i) {
        html += "<li>" + Esc(TextAt(findings[i], "severity")) + " · " + Esc(TextAt(findings[i], "check")) + ": " +
                Esc(TextAt(findings[i], "message")) + "</li>";
      }
      html += "</ul></details>";
    }
  }
  return html + "</section>";
}

std::string GateSection(PageContext& c, const ModelRecord& m) {
  const auto reports = c.registry.GateReports(m.id);
  std::string html = fmt::format("<section id=\"gates\"><h2>Gate reports ({})</h2>", reports.size());
  if (reports.empty()) return html + "<p>Not gated yet (<code>trainops gate</code> or <code>release</code>).</p></section>";
  for (const auto& r : reports) {
    html += fmt::format("<h3 id=\"gate-{0}\">#{0} {1} · {2} · baseline {3}{4}</h3>", r.id,
                        Chip(r.passed, r.passed ? "PASS" : "FAIL"), When(r.created_at),
                        r.baseline_model_id.empty() ? "none" : ModelLink(r.baseline_model_id),
                        r.compared_with_production ? " · compared with production (can promote)"
                                                   : " · a comparison (cannot promote)");
    std::vector<std::vector<std::string>> rows;
    const auto& gates = At(r.report, "gates");
    if (gates.is_array()) {
      for (const auto& g : gates) {
        const std::string status = TextAt(g, "status");
        rows.push_back({Esc(TextAt(g, "name")), Esc(TextAt(g, "kind")), FormatNumber(NumberAt(g, "value")),
                        Esc(TextAt(g, "op")) + " " + FormatNumber(NumberAt(g, "threshold")),
                        Chip(status == "PASS" || status == "SKIP", status), Esc(TextAt(g, "detail"))});
      }
    }
    html += Table({"gate", "kind", "value", "threshold", "verdict", "detail"}, rows, {2}, fmt::format("gate-table-{}", r.id));
  }
  return html + "</section>";
}

}  // namespace

std::string ModelPage(PageContext& c, const std::string& id) {
  ModelRecord m;
  try {
    m = c.registry.GetModel(id);
  } catch (const InputError& e) {
    throw PageError{404, e.what()};
  }
  if (m.task != c.spec.name) throw PageError{404, "model " + id + " belongs to task " + m.task + ", not this one"};
  std::string body = fmt::format(
      "<section id=\"model\"><h2>Model <span class=\"id\">{}</span> {}</h2>"
      "<p>Registered {} · {} MB · file <code>{}</code></p>",
      Esc(m.id), Chip(m.status != ModelStatus::kArchived, ModelStatusName(m.status)), When(m.created_at),
      FormatNumber(static_cast<double>(m.size_bytes) / 1e6), Esc(m.path.string()));
  body += "<h3>Status history</h3>" + HistoryTable(c.registry.History(c.spec.name, m.id), false);
  if (const auto production = c.registry.Production(c.spec.name); production && production->id != m.id) {
    body += "<p>" + Link("/compare?a=" + production->id + "&b=" + m.id, "Compare with the production model") + "</p>";
  }
  if (c.actions && m.status != ModelStatus::kProduction) {
    body += ActionForm(c, "/actions/promote", "Promote this model (through the gates, as trainops promote)",
                       "<input type=\"hidden\" name=\"model\" value=\"" + Esc(m.id) +
                           "\"><label>Reason <input name=\"reason\" required maxlength=\"500\"></label>",
                       "Promote");
  }
  body += "</section>" + RunSection(c, m) + GateSection(c, m);
  return Frame(&c, c.nonce, "Model " + m.id.substr(0, 12), "Models", body);
}

std::string ComparePage(PageContext& c, const Query& q) {
  const auto a_it = q.find("a"), b_it = q.find("b");
  if (a_it == q.end() || b_it == q.end() || a_it->second.empty() || b_it->second.empty()) {
    throw PageError{400, "compare needs two models: /compare?a=ID&b=ID"};
  }
  ModelRecord a, b;
  try {
    a = c.registry.GetModel(a_it->second);
    b = c.registry.GetModel(b_it->second);
  } catch (const InputError& e) {
    throw PageError{404, e.what()};
  }
  if (c.spec.data.test.empty()) {
    throw PageError{409, "the task spec names no test data (data.test), so there is nothing to compare on"};
  }
  nlohmann::json j;
  try {
    j = c.compare(a, b);
  } catch (const InputError& e) {
    throw PageError{409, e.what()};
  }
  std::string body = fmt::format("<section id=\"comparison\"><h2>{} (A) against {} (B)</h2><p>On {} ({} rows). "
                                 "Deltas are B minus A.</p>",
                                 ModelLink(a.id), ModelLink(b.id), Esc(TextAt(j, "data")),
                                 FormatNumber(NumberAt(j, "n")));
  std::vector<std::vector<std::string>> overall;
  for (const char* metric : {"accuracy", "macro_f1", "weighted_f1"}) {
    overall.push_back({metric, FormatNumber(NumberAt(At(j, "a"), metric)), FormatNumber(NumberAt(At(j, "b"), metric)),
                       FormatNumber(NumberAt(At(j, "delta"), metric))});
  }
  body += Table({"metric", "A", "B", "B − A"}, overall, {1, 2, 3}, "overall-table");
  const auto& mc = At(j, "mcnemar");
  const auto& paired = At(j, "paired");
  body += fmt::format(
      "<p>Only A right {}, only B right {}. McNemar's exact test: p = {} (mid-p {}): {}.</p></section>",
      FormatNumber(NumberAt(paired, "only_a_right")), FormatNumber(NumberAt(paired, "only_b_right")),
      monitor_page::FormatPValue(NumberAt(mc, "p_value")), monitor_page::FormatPValue(NumberAt(mc, "p_value_midp")),
      monitor_page::FlagAt(mc, "significant") ? "the difference is significant at 0.05"
                                             : "not significant at 0.05");
  const auto& per_label = At(j, "per_label");
  if (per_label.is_object()) {
    std::vector<std::pair<double, std::vector<std::string>>> rows;
    for (auto it = per_label.begin(); it != per_label.end(); ++it) {
      const auto& l = it.value();
      const double delta = NumberAt(l, "f1_delta").value_or(0);
      std::vector<std::string> row{Esc(it.key())};
      for (const char* key : {"support", "f1_a", "f1_b", "f1_delta", "recall_a", "recall_b"}) {
        row.push_back(FormatNumber(NumberAt(l, key)));
      }
      const auto& lm = At(l, "mcnemar");
      row.push_back(lm.is_object() ? monitor_page::FormatPValue(NumberAt(lm, "p_value")) : "–");
      rows.emplace_back(delta, std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::vector<std::string>> cells;
    for (auto& r : rows) cells.push_back(std::move(r.second));
    body += "<section id=\"per-label\"><h2>Per label (largest drop first)</h2>" +
            Table({"label", "rows", "F1 A", "F1 B", "F1 B − A", "recall A", "recall B", "McNemar p"}, cells,
                  {1, 2, 3, 4, 5, 6, 7}, "per-label-table") +
            "</section>";
  }
  for (const char* key : {"a_right_b_wrong", "b_right_a_wrong"}) {
    const auto& examples = At(j, key);
    if (!examples.is_array() || examples.empty()) continue;
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : examples) {
      rows.push_back({Esc(TextAt(e, "text")), Esc(TextAt(e, "gold")), Esc(TextAt(e, "predicted_a")),
                      Esc(TextAt(e, "predicted_b"))});
    }
    body += fmt::format("<section><h2>{}</h2>", std::string(key) == "a_right_b_wrong" ? "A right, B wrong"
                                                                                       : "B right, A wrong") +
            Table({"text", "gold", "A", "B"}, rows) + "</section>";
  }
  body += "<section>" + CompareForm(c.registry.ListModels(c.spec.name), a.id, b.id) + "</section>";
  return Frame(&c, c.nonce, "Compare models", "Models", body);
}

}  // namespace trainops::ui
