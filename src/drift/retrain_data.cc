#include "drift/retrain_data.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "check/text_key.h"
#include "common/hash.h"
#include "common/strings.h"
#include "data/dataset.h"
#include "data/label_set.h"

namespace trainops::drift {
namespace {

using nlohmann::json;

// How many superseded or left-out rows the report lists one by one (the counts are exact).
constexpr size_t kListedRows = 200;

struct SpecRow {
  Example example;
  std::string key;  // DuplicateKey of the text
};

std::vector<SpecRow> ReadSpecRows(const TaskSpec& spec, const std::filesystem::path& path) {
  std::vector<SpecRow> rows;
  StreamExamples(spec.data.Source(path, spec.labels), [&](Example&& e) {
    std::string key = DuplicateKey(e.text);
    rows.push_back({std::move(e), std::move(key)});
  }, [](RowProblem&&) {});  // rows the spec skips (on_bad_row: skip) stay out, as in training
  return rows;
}

std::vector<std::string> Row(const TaskSpec& spec, const Example& e, double weight) {
  std::vector<std::string> row = {e.text, e.label};
  for (const auto& s : e.segments) row.push_back(s);
  row.resize(2 + spec.data.segment_columns.size());
  if (!spec.data.time_column.empty()) row.push_back(e.time);
  row.push_back(fmt::format("{}", weight));
  return row;
}

std::vector<std::string> FeedbackRow(const TaskSpec& spec, const LabelledMessage& f, double weight) {
  Example e;
  e.text = f.text;
  e.label = f.label;
  return Row(spec, e, weight);  // feedback has no segments or time: empty cells
}

void List(json& list, size_t& count, json entry) {
  if (count++ < kListedRows) list.push_back(std::move(entry));
}

double Median(std::vector<size_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? static_cast<double>(v[m]) : (static_cast<double>(v[m - 1]) + static_cast<double>(v[m])) / 2;
}

}  // namespace

RetrainData BuildRetrainData(const TaskSpec& spec, const std::vector<LabelledMessage>& given_feedback) {
  RetrainData out;
  // A multi-label task's feedback is a set: "[]" (none of the intents) is the empty cell of
  // a training file, and counts and weights go by each label of the set.
  const bool multi_label = spec.data.multi_label;
  std::vector<LabelledMessage> feedback = given_feedback;
  if (multi_label) {
    for (LabelledMessage& f : feedback) {
      if (f.label == kEmptySetFeedback) f.label.clear();
    }
  }
  auto labels_of = [&](const std::string& cell) {
    return multi_label ? SplitLabelSet(cell, spec.data.label_separator) : std::vector<std::string>{cell};
  };
  out.header = {spec.data.text_column, spec.data.label_column};
  for (const auto& c : spec.data.segment_columns) out.header.push_back(c);
  if (!spec.data.time_column.empty()) out.header.push_back(spec.data.time_column);
  out.weight_column = "weight";
  while (std::find(out.header.begin(), out.header.end(), out.weight_column) != out.header.end()) {
    out.weight_column = "_" + out.weight_column;
  }
  out.header.push_back(out.weight_column);

  std::set<std::string> test_texts;
  if (!spec.data.test.empty()) {
    for (const SpecRow& r : ReadSpecRows(spec, spec.data.test)) {
      test_texts.insert(std::string(Trim(r.example.text)));
      out.test.push_back(Row(spec, r.example, 1));
    }
  }

  // The latest label of each feedback text; older feedback that disagrees is superseded.
  std::map<std::string, std::string> latest;  // text key -> label
  std::vector<std::string> keys;
  keys.reserve(feedback.size());
  for (const LabelledMessage& f : feedback) {
    keys.push_back(DuplicateKey(f.text));
    latest[keys.back()] = f.label;
  }
  json superseded = json::array(), left_out = json::array();
  size_t superseded_count = 0, left_out_count = 0;

  // Training rows: superseded by feedback, or left out when they conflict among themselves.
  const std::vector<SpecRow> spec_rows = ReadSpecRows(spec, spec.data.train);
  std::map<std::string, std::set<std::string>> labels_of_key;
  for (const SpecRow& r : spec_rows) labels_of_key[r.key].insert(r.example.label);
  std::map<std::string, size_t> spec_counts;
  std::vector<const SpecRow*> kept;
  for (const SpecRow& r : spec_rows) {
    const std::string where = fmt::format("{}:{}", spec.data.train.string(), r.example.line);
    if (auto it = latest.find(r.key); it != latest.end()) {
      if (it->second != r.example.label) {
        List(superseded, superseded_count,
             {{"source", where}, {"text", r.example.text}, {"label", r.example.label}, {"new_label", it->second}});
        continue;
      }
    } else if (labels_of_key[r.key].size() > 1) {
      List(left_out, left_out_count,
           {{"source", where},
            {"text", r.example.text},
            {"label", r.example.label},
            {"labels", std::vector<std::string>(labels_of_key[r.key].begin(), labels_of_key[r.key].end())}});
      continue;
    }
    kept.push_back(&r);
    for (const std::string& label : labels_of(r.example.label)) ++spec_counts[label];
  }

  // Feedback rows that train, after the latest label and the leakage rule.
  std::vector<const LabelledMessage*> train_feedback;
  std::map<std::string, size_t> feedback_counts;  // per label, of the rows that train
  for (size_t i = 0; i < feedback.size(); ++i) {
    const LabelledMessage& f = feedback[i];
    if (latest.at(keys[i]) != f.label) {
      List(superseded, superseded_count,
           {{"source", "feedback " + f.row_key}, {"text", f.text}, {"label", f.label}, {"new_label", latest.at(keys[i])}});
      continue;
    }
    if (test_texts.count(std::string(Trim(f.text)))) {
      ++out.leaked_rows;  // in the test data already: training on it would leak the test set
      continue;
    }
    if (f.holdout) {
      out.test.push_back(FeedbackRow(spec, f, 1));
      ++out.holdout_rows;
      continue;
    }
    train_feedback.push_back(&f);
    for (const std::string& label : labels_of(f.label)) ++feedback_counts[label];
  }

  // Weights: feedback over old rows, and labels only feedback has up to a share of the
  // median label's rows.
  const DriftSpec& d = spec.drift;
  std::vector<size_t> per_label;
  for (const auto& [label, n] : spec_counts) per_label.push_back(n);
  const double target = d.balance_share * Median(per_label);
  std::map<std::string, double> row_weight;
  json balanced = json::array(), thin = json::array();
  for (const auto& [label, n] : feedback_counts) {
    // The out-of-scope label is a catch-all of texts unlike each other, not an intent:
    // weighted up, a model learns to reject in-scope messages (measured on the replay
    // streams: a candidate 14 points worse on the test data, refused by its gate).
    if (!spec.oos_label.empty() && label == spec.oos_label) {
      row_weight[label] = 1;
      continue;
    }
    double w = d.feedback_weight;
    if (!spec_counts.count(label)) {
      if (static_cast<double>(n) * w < target) w = std::min(d.max_row_weight, target / static_cast<double>(n));
      balanced.push_back({{"label", label}, {"rows", n}, {"row_weight", w}, {"total_weight", w * n}});
      if (n < static_cast<size_t>(spec.checks.min_examples_per_label)) {
        thin.push_back({{"label", label}, {"examples", n}});
      }
    }
    row_weight[label] = w;
  }
  // A set's row weighs what its most up-weighted label asks for (the empty set: the plain
  // feedback weight), so a new intent's rows count as much with a companion label as alone.
  auto weight_of = [&](const std::string& cell) {
    if (!multi_label) return row_weight.at(cell);
    double w = 0;
    bool any = false;
    for (const std::string& label : labels_of(cell)) {
      w = std::max(w, row_weight.at(label));
      any = true;
    }
    return any ? w : d.feedback_weight;
  };

  // Validation: without a validation file in the spec, a stratified share of the distinct
  // messages (as training's own split, but by normalized text), each written once; the
  // rest trains. Carved here because a feedback row may train as copies of itself
  // (drift.feedback_as), and a copy in validation would be a training text scored as unseen.
  struct Candidate {
    const Example* example;
    std::string key;
    double weight;
    bool feedback;
  };
  std::vector<Candidate> all;
  for (const SpecRow* r : kept) all.push_back({&r->example, r->key, r->example.weight, false});
  std::vector<Example> feedback_examples(train_feedback.size());
  for (size_t i = 0; i < train_feedback.size(); ++i) {
    feedback_examples[i].text = train_feedback[i]->text;
    feedback_examples[i].label = train_feedback[i]->label;
    all.push_back({&feedback_examples[i], DuplicateKey(train_feedback[i]->text), weight_of(train_feedback[i]->label),
                   true});
  }
  std::set<std::pair<std::string, std::string>> to_validation;  // (label, text key)
  out.carved_validation = spec.data.validation.empty() && spec.training.validation_split > 0;
  if (out.carved_validation) {
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> keys_by_label;
    std::set<std::pair<std::string, std::string>> seen;
    for (const Candidate& c : all) {
      if (seen.insert({c.example->label, c.key}).second) {
        keys_by_label[c.example->label].push_back({Hash64(c.key, spec.seed ^ 0x76616c6964ull), c.key});  // "valid"
      }
    }
    for (auto& [label, keys] : keys_by_label) {
      std::sort(keys.begin(), keys.end());
      size_t take = static_cast<size_t>(std::llround(spec.training.validation_split * static_cast<double>(keys.size())));
      take = keys.size() >= 2 ? std::clamp<size_t>(take, 1, keys.size() - 1) : 0;
      for (size_t k = 0; k < take; ++k) to_validation.insert({label, keys[k].second});
    }
  }
  size_t copies_written = 0;
  for (const Candidate& c : all) {
    if (to_validation.count({c.example->label, c.key})) {
      out.validation.push_back(Row(spec, *c.example, 1));
      out.validation_feedback_rows += c.feedback;
      out.validation_oos_rows += !spec.oos_label.empty() && c.example->label == spec.oos_label;
      continue;
    }
    if (!c.feedback) {
      out.train.push_back(Row(spec, *c.example, c.weight));
      continue;
    }
    if (spec.drift.feedback_as == "weights") {
      out.train.push_back(Row(spec, *c.example, c.weight));
      ++copies_written;
    } else {
      const long copies = std::max(1L, std::lround(c.weight));
      for (long k = 0; k < copies; ++k) out.train.push_back(Row(spec, *c.example, 1));
      copies_written += static_cast<size_t>(copies);
    }
    ++out.feedback_rows;
  }
  out.spec_rows = out.train.size() - copies_written;

  out.policy = {
      {"superseded_rows", superseded},
      {"superseded_count", superseded_count},
      {"conflicting_rows_left_out", left_out},
      {"conflicting_left_out_count", left_out_count},
      {"thin_new_labels", thin},
      {"validation", {{"carved", out.carved_validation},
                      {"rows", out.validation.size()},
                      {"feedback_rows", out.validation_feedback_rows},
                      {"oos_rows", out.validation_oos_rows}}},
      {"weights",
       {{"how", d.feedback_as == "weights" ? "a feedback row of weight w trains as one row of weight w"
                                            : "a feedback row of weight w trains as round(w) copies of itself"},
        {"feedback_weight", d.feedback_weight},
        {"balance_share", d.balance_share},
        {"max_row_weight", d.max_row_weight},
        {"median_rows_per_label", Median(per_label)},
        {"new_labels", balanced}}},
  };
  return out;
}

}  // namespace trainops::drift
