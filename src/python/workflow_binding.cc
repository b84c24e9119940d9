// The library's workflows (include/trainops/workflows.h, monitor.h) for Python: each takes
// the command's flags as keyword arguments (None = not given) and returns what the command
// reports as Python objects (the same JSON content as the CLI's --json). The GIL is
// released while the workflow runs; its messages reach Python's logging through `log`, and
// training checks for Ctrl-C at every progress tick, stopping with KeyboardInterrupt and a
// resumable run folder.
#include <chrono>

#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <trainops/error.h>
#include <trainops/monitor.h>
#include <trainops/select.h>
#include <trainops/workflows.h>

#include "python/binding.h"
#include "task/parameters.h"

namespace trainops::python {
namespace {

using Clock = std::chrono::steady_clock;

// Progress callbacks for Python: a debug log line at most every two seconds, an info line
// per checkpoint, and a look at Python's pending signals at every tick. A signal handler
// that raised (KeyboardInterrupt on Ctrl-C) cancels the run; its exception is kept and
// raised again once the call is back in Python.
TrainProgress PythonProgress(const py::object& log, PendingPythonError& pending) {
  TrainProgress progress;
  auto last = std::make_shared<Clock::time_point>(Clock::now());
  auto sink = SharedObject(log);
  auto check_signals = [&pending](double epoch) {
    if (PyErr_CheckSignals() != 0) {
      pending.error = std::make_unique<py::error_already_set>();
      throw CancelledError(fmt::format("training interrupted in epoch {}", static_cast<int>(epoch) + 1));
    }
  };
  progress.on_progress = [sink, last, check_signals, &pending](uint64_t done, uint64_t total, double rate, double epoch) {
    py::gil_scoped_acquire gil;
    check_signals(epoch);
    if (sink->is_none() || Clock::now() - *last < std::chrono::seconds(2)) return;
    *last = Clock::now();
    CallLog(*sink, "debug",
            fmt::format("epoch {}: {}/{} examples, {:.0f} examples/s", static_cast<int>(epoch) + 1, done, total, rate),
            pending);
  };
  progress.on_checkpoint = [sink, check_signals, &pending](const nlohmann::json& record) {
    py::gil_scoped_acquire gil;
    check_signals(record.value("epoch", 0.0));
    if (sink->is_none()) return;
    CallLog(*sink, "info",
            fmt::format("checkpoint {}: epoch {:.2f}, {} {:.4f}, validation loss {:.4f}{}", record.value("checkpoint", 0),
                        record.value("epoch", 0.0), record.value("metric", std::string("metric")),
                        record.value("validation_metric", 0.0), record.value("validation_loss", 0.0),
                        record.value("best", false) ? " (best)" : ""),
            pending);
  };
  return progress;
}

// Runs `work` with the GIL released. A cancellation caused by a Python exception other
// than KeyboardInterrupt (a custom signal handler's) re-raises that exception.
template <typename F>
auto Released(PendingPythonError& pending, F&& work) -> decltype(work()) {
  try {
    py::gil_scoped_release release;
    return work();
  } catch (const CancelledError&) {
    if (pending.error && !pending.error->matches(PyExc_KeyboardInterrupt)) {
      pending.error->restore();
      throw py::error_already_set();
    }
    throw;  // translated to KeyboardInterrupt with the library's message (what was kept)
  }
}

// For the workflows that call nothing of Python's: nothing can cancel them.
template <typename F>
auto Released(F&& work) -> decltype(work()) {
  py::gil_scoped_release release;
  return work();
}

py::dict TrainResultToPython(const TrainResult& r) {
  py::dict d;
  d["model_path"] = r.model_path;
  d["run_dir"] = r.run_dir;
  d["run"] = ToPython(r.run);
  d["check_data"] = ToPython(r.check_data);
  d["registry"] = r.registry;
  d["run_id"] = r.run_id;
  d["model_id"] = r.model_id;
  d["model_status"] = r.model_status;
  return d;
}

py::dict GateResultToPython(const GateResult& g) {
  py::dict d;
  d["passed"] = g.passed;
  d["report"] = ToPython(g.report);
  d["verdict"] = g.verdict;
  d["junit"] = g.junit;
  d["report_id"] = g.report_id;
  d["candidate_id"] = g.candidate_id;
  d["candidate_status"] = g.candidate_status;
  d["registry"] = g.registry;
  d["compared_with_production"] = g.compared_with_production;
  d["notes"] = g.notes;
  return d;
}

py::dict StatusChangeToPython(const StatusChangeResult& s) {
  py::dict d;
  d["id"] = s.id;
  d["at"] = s.at;
  d["changed"] = s.changed;
  d["model_id"] = s.model_id;
  d["task"] = s.task;
  d["from_status"] = s.from_status;
  d["to_status"] = s.to_status;
  d["reason"] = s.reason;
  d["archived_model_id"] = s.archived_model_id;
  d["forced"] = s.forced;
  d["gate_report_id"] = s.gate_report_id;
  d["policy_hash"] = s.policy_hash;
  d["policy_change"] = s.policy_change;
  d["message"] = s.message;
  return d;
}

}  // namespace

void RegisterWorkflows(py::module_& m) {
  m.def("parameters", [] {
    py::list out;
    for (const Parameter& p : Parameters()) {
      py::dict d;
      d["name"] = p.name;
      d["flag"] = p.flag;
      d["json_key"] = p.json_key;
      d["help"] = p.help;
      out.append(d);
    }
    return out;
  }, "The parameter table (docs/task_spec.md): name, flag, json_key and help of each training parameter.");

  m.def(
      "train",
      [](const std::string& task, const std::string& data, const std::string& validation,
         const std::string& text_column, const std::string& label_column, const std::vector<std::string>& segment_columns,
         const std::string& format, const std::string& on_bad_row, const std::map<std::string, std::string>& parameters,
         const std::string& out, bool allow_data_errors, const std::string& registry, bool record_in_registry,
         const py::object& log) {
        TrainOptions o;
        o.task = task;
        o.data = data;
        o.validation = validation;
        o.text_column = text_column;
        o.label_column = label_column;
        o.segment_columns = segment_columns;
        o.format = format;
        o.on_bad_row = on_bad_row;
        o.parameters = parameters;
        o.out = out;
        o.allow_data_errors = allow_data_errors;
        o.registry = registry;
        o.record_in_registry = record_in_registry;
        PendingPythonError pending;
        const Messages messages = PythonMessages(log, pending);
        const TrainProgress progress = PythonProgress(log, pending);
        const TrainResult result = Released(pending, [&] { return Train(o, messages, progress); });
        return TrainResultToPython(result);
      },
      py::arg("task") = "", py::arg("data") = "", py::arg("validation") = "", py::arg("text_column") = "",
      py::arg("label_column") = "", py::arg("segment_columns") = std::vector<std::string>{}, py::arg("format") = "",
      py::arg("on_bad_row") = "", py::arg("parameters") = std::map<std::string, std::string>{}, py::arg("out") = "",
      py::arg("allow_data_errors") = false, py::arg("registry") = "", py::arg("record_in_registry") = true,
      py::arg("log") = py::none());

  m.def(
      "resume",
      [](const std::string& run_dir, std::optional<int> threads, const std::string& registry, bool record_in_registry,
         const py::object& log) {
        PendingPythonError pending;
        const Messages messages = PythonMessages(log, pending);
        const TrainProgress progress = PythonProgress(log, pending);
        const TrainResult result = Released(
            pending, [&] { return ResumeTraining(run_dir, threads, registry, record_in_registry, messages, progress); });
        return TrainResultToPython(result);
      },
      py::arg("run_dir"), py::arg("threads") = std::nullopt, py::arg("registry") = "",
      py::arg("record_in_registry") = true, py::arg("log") = py::none());

  m.def(
      "check_data",
      [](const py::dict& kwargs, const py::object& log) {
        CheckDataOptions o;
        auto str = [&](const char* key, std::string& into) {
          if (kwargs.contains(key) && !kwargs[key].is_none()) into = kwargs[key].cast<std::string>();
        };
        auto strs = [&](const char* key, std::vector<std::string>& into) {
          if (kwargs.contains(key) && !kwargs[key].is_none()) into = kwargs[key].cast<std::vector<std::string>>();
        };
        auto opt_int = [&](const char* key, std::optional<int>& into) {
          if (kwargs.contains(key) && !kwargs[key].is_none()) into = kwargs[key].cast<int>();
        };
        auto opt_double = [&](const char* key, std::optional<double>& into) {
          if (kwargs.contains(key) && !kwargs[key].is_none()) into = kwargs[key].cast<double>();
        };
        str("task", o.task);
        str("data", o.data);
        str("validation", o.validation);
        str("test", o.test);
        str("text_column", o.text_column);
        str("label_column", o.label_column);
        str("time_column", o.time_column);
        str("format", o.format);
        str("on_bad_row", o.on_bad_row);
        strs("segment_columns", o.segment_columns);
        strs("labels", o.labels);
        str("now", o.now);
        str("max_age", o.max_age);
        opt_int("min_examples_per_label", o.min_examples_per_label);
        opt_int("label_error_folds", o.label_error_folds);
        opt_int("min_segment_examples", o.min_segment_examples);
        opt_int("max_rows", o.max_rows);
        opt_int("threads", o.threads);
        opt_double("near_duplicate_threshold", o.near_duplicate_threshold);
        opt_double("max_imbalance_ratio", o.max_imbalance_ratio);
        if (kwargs.contains("seed") && !kwargs["seed"].is_none()) o.seed = kwargs["seed"].cast<uint64_t>();
        str("write_clean", o.write_clean);
        if (kwargs.contains("drop_conflicts")) o.drop_conflicts = kwargs["drop_conflicts"].cast<bool>();
        PendingPythonError pending;
        const Messages messages = PythonMessages(log, pending);
        const CheckDataResult result = Released(pending, [&] { return CheckData(o, messages); });
        py::dict d;
        d["has_errors"] = result.has_errors;
        d["report"] = ToPython(result.report);
        d["text"] = result.text;
        return d;
      },
      py::arg("options"), py::arg("log") = py::none());

  m.def(
      "evaluate",
      [](const std::string& model, const std::string& data, const std::string& task, const std::string& text_column,
         const std::string& label_column, const std::string& format, const std::string& on_bad_row,
         const std::string& oos_label, const std::vector<std::string>& segments, std::optional<int> resamples,
         std::optional<uint64_t> seed, std::optional<float> threshold, int threads) {
        EvaluateOptions o;
        o.model = model;
        o.data = data;
        o.task = task;
        o.text_column = text_column;
        o.label_column = label_column;
        o.format = format;
        o.on_bad_row = on_bad_row;
        o.oos_label = oos_label;
        o.segments = segments;
        o.resamples = resamples;
        o.seed = seed;
        o.threshold = threshold;
        o.threads = threads;
        const EvaluateResult result = Released([&] { return EvaluateModel(o); });
        py::dict d;
        d["report"] = ToPython(result.report);
        d["warnings"] = result.warnings;
        return d;
      },
      py::arg("model"), py::arg("data"), py::arg("task") = "", py::arg("text_column") = "",
      py::arg("label_column") = "", py::arg("format") = "", py::arg("on_bad_row") = "", py::arg("oos_label") = "",
      py::arg("segments") = std::vector<std::string>{}, py::arg("resamples") = std::nullopt,
      py::arg("seed") = std::nullopt, py::arg("threshold") = std::nullopt, py::arg("threads") = 0);

  auto gate_options = [](const std::string& task, const std::string& candidate, const std::string& baseline,
                         const std::string& registry, int threads, const std::string& reason) {
    GateOptions o;
    o.task = task;
    o.candidate = candidate;
    o.baseline = baseline;
    o.registry = registry;
    o.threads = threads;
    o.reason = reason;
    return o;
  };
  m.def(
      "gate",
      [gate_options](const std::string& task, const std::string& candidate, const std::string& baseline,
                     const std::string& registry, int threads) {
        const GateOptions o = gate_options(task, candidate, baseline, registry, threads, "");
        return GateResultToPython(Released([&] { return Gate(o); }));
      },
      py::arg("task"), py::arg("candidate"), py::arg("baseline") = "", py::arg("registry") = "",
      py::arg("threads") = 0);
  m.def(
      "release",
      [gate_options](const std::string& task, const std::string& candidate, const std::string& registry, int threads,
                     const std::string& reason) {
        const GateOptions o = gate_options(task, candidate, "", registry, threads, reason);
        const ReleaseResult r = Released([&] { return Release(o); });
        py::dict d;
        d["gate"] = GateResultToPython(r.gate);
        d["promotion"] = r.promotion ? py::object(StatusChangeToPython(*r.promotion)) : py::object(py::none());
        d["refused"] = r.refused;
        return d;
      },
      py::arg("task"), py::arg("candidate"), py::arg("registry") = "", py::arg("threads") = 0,
      py::arg("reason") = "");
  m.def(
      "promote",
      [](const std::string& model, const std::string& reason, bool force, const std::string& task,
         const std::string& task_name, const std::string& registry, bool new_policy) {
        PromoteOptions o;
        o.model = model;
        o.reason = reason;
        o.force = force;
        o.new_policy = new_policy;
        o.task = task;
        o.task_name = task_name;
        o.registry = registry;
        return StatusChangeToPython(Released([&] { return Promote(o); }));
      },
      py::arg("model"), py::arg("reason") = "", py::arg("force") = false, py::arg("task") = "",
      py::arg("task_name") = "", py::arg("registry") = "", py::arg("new_policy") = false);
  m.def(
      "rollback",
      [](const std::string& task, const std::string& task_name, const std::string& registry, const std::string& reason) {
        RollbackOptions o{task, task_name, registry, reason};
        return StatusChangeToPython(Released([&] { return Rollback(o); }));
      },
      py::arg("task") = "", py::arg("task_name") = "", py::arg("registry") = "", py::arg("reason") = "");
  m.def(
      "monitor",
      [](const std::string& task, const std::string& traffic, const std::string& format, const std::string& since,
         const std::string& until, const std::string& model, const std::string& registry, bool record) {
        MonitorOptions o;
        o.task = task;
        o.source.traffic = traffic;
        o.source.format = format;
        o.source.since = since;
        o.source.until = until;
        o.model = model;
        o.registry = registry;
        o.record = record;
        const MonitorResult r = Released([&] { return Monitor(o); });
        py::dict d;
        d["report"] = ToPython(r.report);
        d["alerts"] = r.alerts;
        d["run_id"] = r.run_id;
        return d;
      },
      py::arg("task"), py::arg("traffic") = "", py::arg("format") = "", py::arg("since") = "", py::arg("until") = "",
      py::arg("model") = "", py::arg("registry") = "", py::arg("record") = true);

  m.def(
      "cycle",
      [](const std::string& task, const std::string& traffic, const std::string& format, const std::string& since,
         const std::string& until, const std::string& registry, const std::string& work_dir,
         std::optional<int> threads, const py::object& log) {
        CycleOptions o;
        o.task = task;
        o.source.traffic = traffic;
        o.source.format = format;
        o.source.since = since;
        o.source.until = until;
        o.registry = registry;
        o.work_dir = work_dir;
        o.threads = threads;
        PendingPythonError pending;
        const Messages messages = PythonMessages(log, pending);
        const CycleResult r = Released(pending, [&] { return Cycle(o, messages); });
        return ToPython(r.report);
      },
      py::arg("task"), py::arg("traffic") = "", py::arg("format") = "", py::arg("since") = "", py::arg("until") = "",
      py::arg("registry") = "", py::arg("work_dir") = "", py::arg("threads") = std::nullopt,
      py::arg("log") = py::none());

  m.def(
      "select",
      [](const std::string& task, const std::string& traffic, int64_t budget, const std::string& since,
         const std::string& until, const std::string& model, const std::string& registry,
         std::optional<double> random_share, std::optional<uint64_t> seed, const std::string& text_column,
         const std::string& format, const std::string& output, const py::object& log) {
        SelectOptions o;
        o.task = task;
        o.traffic = traffic;
        o.budget = budget;
        o.since = since;
        o.until = until;
        o.model = model;
        o.registry = registry;
        o.random_share = random_share;
        o.seed = seed;
        o.text_column = text_column;
        o.format = format;
        o.output = output;
        PendingPythonError pending;
        const Messages messages = PythonMessages(log, pending);
        const SelectResult r = Released(pending, [&] { return SelectForLabeling(o, messages); });
        // One dict per pick, in the order to label them: the traffic row's columns plus
        // score, reason and line (as the CSV has them).
        py::list picks;
        for (size_t i = 0; i < r.rows.size(); ++i) {
          py::dict row;
          for (size_t c = 0; c < r.header.size() && c < r.rows[i].size(); ++c) row[py::str(r.header[c])] = r.rows[i][c];
          row["score"] = r.scores[i];
          row["reason"] = r.reasons[i];
          row["line"] = r.lines[i];
          picks.append(row);
        }
        py::dict d;
        d["picks"] = picks;
        d["model_id"] = r.model_id;
        d["window_rows"] = r.window_rows;
        d["empty_rows"] = r.empty_rows;
        d["duplicate_rows"] = r.duplicate_rows;
        d["random_picks"] = r.random_picks;
        d["notes"] = r.notes;
        return d;
      },
      py::arg("task"), py::arg("traffic") = "", py::arg("budget") = 0, py::arg("since") = "", py::arg("until") = "",
      py::arg("model") = "", py::arg("registry") = "", py::arg("random_share") = std::nullopt,
      py::arg("seed") = std::nullopt, py::arg("text_column") = "", py::arg("format") = "", py::arg("output") = "",
      py::arg("log") = py::none());
}

}  // namespace trainops::python
