#include "serve/server.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <trainops/error.h>

#include "api/registry_access.h"
#include "common/db_location.h"
#include "data/label_set.h"
#include "registry/registry.h"
#include "serve/http_auth.h"
#include "serve/http_listen.h"
#include "serve/metrics.h"
#include "serve/model_holder.h"
#include "serve/registry_watcher.h"
#include "serve/request_parsing.h"
#include "serve/traffic_log.h"
#include "task/task_spec.h"

namespace trainops::serve {
namespace {

using Json = nlohmann::json;

// Every path the server answers and the methods it takes; anything else is 404/405
// before a handler runs, and metrics label it "other".
const std::map<std::string, std::set<std::string>>& Routes() {
  static const std::map<std::string, std::set<std::string>> routes = {
      {"/v1/predict", {"POST"}},      {"/v1/feedback", {"POST"}},     {"/v1/admin/reload", {"POST"}},
      {"/healthz", {"GET", "HEAD"}},  {"/readyz", {"GET", "HEAD"}},   {"/v1/model", {"GET", "HEAD"}},
      {"/metrics", {"GET", "HEAD"}}};
  return routes;
}

std::string Endpoint(const std::string& path) { return Routes().count(path) ? path : "other"; }

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  // replace: an error message may quote the invalid UTF-8 a client sent.
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, Json{{"error", message}});
}

}  // namespace

struct Server::Impl {
  ServeOptions options;
  std::string task;  // the task served ("" until known for --model)
  std::string token;
  ModelHolder holder;
  ServeMetrics metrics;
  std::unique_ptr<TrafficLog> log;
  std::unique_ptr<RegistryWatcher> watcher;
  httplib::Server http;
  std::thread listener;
  int bound_port = 0;
  std::mutex stop_mutex;
  bool started = false, stopped = false;

  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (token.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) == 0 && SameSecret(header.substr(7), token)) return true;
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, "this call needs the header \"Authorization: Bearer <token>\" (the server's --token-file)");
    return false;
  }

  // Every response names the model serving when it was answered; handlers that used a
  // model have already named the one they used.
  void NameModel(httplib::Response& res) const {
    if (res.has_header("X-Trainops-Model")) return;
    if (const auto model = holder.Get()) res.set_header("X-Trainops-Model", model->id);
  }

  // Runs a handler, turning every failure into a JSON error and timing it.
  template <typename F>
  void Guard(const char* endpoint, const httplib::Request& req, httplib::Response& res, F&& body) {
    const auto start = std::chrono::steady_clock::now();
    try {
      body();
    } catch (const RequestError& e) {
      SendError(res, e.status(), e.what());
    } catch (const InputError& e) {
      SendError(res, 400, e.what());
    } catch (const std::exception& e) {
      SendError(res, 500, fmt::format("internal error (please report): {}", e.what()));
    }
    NameModel(res);
    metrics.ObserveLatency(endpoint,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  void Predict(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    // Taken once: this request finishes on this model even if a swap happens meanwhile.
    const auto model = holder.Get();
    if (!model) throw RequestError(503, "no model loaded yet (see /readyz)");
    PredictRequest parsed = ParsePredictRequest(req.body, options.max_batch, options.default_k);
    ClassifyOptions co;
    co.top_k = std::max<size_t>(parsed.k, 2);  // the log records the top-two margin
    const bool multi_label = model->classifier->IsMultiLabel();
    const std::string separator = multi_label ? model->classifier->Info().value("label_separator", "|") : "";
    std::vector<Prediction> predictions;
    if (parsed.batch) {
      // One thread: the HTTP pool already runs a request per core.
      predictions = model->classifier->ClassifyBatch(parsed.texts, co, 1);
    } else {
      predictions.push_back(model->classifier->Classify(parsed.texts[0], co));
    }
    const double latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const std::string now = TrafficNow();
    Json answers = Json::array();
    for (size_t i = 0; i < predictions.size(); ++i) {
      const Prediction& p = predictions[i];
      Json top = Json::array();
      for (size_t a = 0; a < p.alternatives.size() && a < parsed.k; ++a) {
        top.push_back({{"label", p.alternatives[a].label}, {"confidence", p.alternatives[a].confidence}});
      }
      const std::string id = log->NewRequestId();
      answers.push_back({{"label", p.label},
                         {"confidence", p.confidence},
                         {"rejected", p.rejected},
                         {"top_k", std::move(top)},
                         {"request_id", id}});
      std::string logged_label = p.label;
      if (multi_label) {
        // The set (docs/serving.md): every chosen label with its confidence; the log keeps
        // it joined by the model's label separator.
        Json labels = Json::array();
        logged_label.clear();
        for (const Alternative& a : p.labels) {
          labels.push_back({{"label", a.label}, {"confidence", a.confidence}});
          logged_label += (logged_label.empty() ? "" : separator) + a.label;
          metrics.CountPrediction(a.label, false);
        }
        if (p.labels.empty()) metrics.CountPrediction("", true);
        answers.back()["labels"] = std::move(labels);
      } else {
        metrics.CountPrediction(p.label, p.rejected);
      }
      TrafficRecord record;
      record.request_id = id;
      record.time = now;
      record.model = model->id;
      record.text = std::move(parsed.texts[i]);
      record.label = std::move(logged_label);
      record.confidence = p.confidence;
      record.margin = p.alternatives.size() >= 2 ? p.alternatives[0].confidence - p.alternatives[1].confidence
                                                 : p.confidence;
      record.rejected = p.rejected;
      record.latency_ms = latency_ms;
      log->TryLog(std::move(record));  // shed or dropped under load (counted), never the answer
    }
    res.set_header("X-Trainops-Model", model->id);
    if (parsed.batch) {
      SendJson(res, 200, Json{{"predictions", std::move(answers)}, {"model", model->id}});
    } else {
      Json one = std::move(answers[0]);
      one["model"] = model->id;
      SendJson(res, 200, one);
    }
  }

  void Feedback(const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    const FeedbackRequest fb = ParseFeedbackRequest(req.body);
    const auto model = holder.Get();
    if (!model) throw RequestError(503, "no model loaded yet: the task's labels are unknown (see /readyz)");
    const auto& labels = model->classifier->Labels();
    const std::string& oos = model->classifier->OosLabel();
    const bool multi_label = model->classifier->IsMultiLabel();
    auto unknown = [&](const std::string& label) {
      std::string known;
      for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
      return RequestError(400, fmt::format("label \"{}\" is not one of task \"{}\"'s labels: {}", label, model->task,
                                           known));
    };
    std::string feedback_label = fb.label;
    std::vector<std::string> set_given;  // multi-label: the set, sorted
    if (fb.has_labels || multi_label) {
      if (!multi_label) {
        throw RequestError(400, "\"labels\" is for multi-label models; this model answers one label: send \"label\"");
      }
      // A multi-label model takes the set as "labels" (or one label as "label"), stored
      // sorted and joined by the model's separator, as training files write it.
      std::vector<std::string> set = fb.has_labels ? fb.labels : std::vector<std::string>{fb.label};
      std::sort(set.begin(), set.end());
      if (std::adjacent_find(set.begin(), set.end()) != set.end()) {
        throw RequestError(400, fmt::format("label \"{}\" is given twice in \"labels\"", *std::adjacent_find(set.begin(), set.end())));
      }
      const std::string separator = model->classifier->Info().value("label_separator", "|");
      for (const auto& label : set) {
        if (std::find(labels.begin(), labels.end(), label) == labels.end()) throw unknown(label);
      }
      // "[]" for the empty set: in the log an empty label means "no feedback yet".
      feedback_label = FeedbackSetText(set, separator);
      set_given = std::move(set);
    } else if (std::find(labels.begin(), labels.end(), fb.label) == labels.end() && fb.label != oos) {
      throw unknown(fb.label);
    }
    switch (log->Lookup(fb.request_id)) {
      case RequestFate::kLogged:
        break;
      case RequestFate::kNotLogged:
        throw RequestError(404, fmt::format("request_id \"{}\" was answered but not logged: the traffic log was "
                                            "shedding records under load (see trainops_traffic_records_shed_total), "
                                            "so its feedback cannot be joined to it",
                                            fb.request_id));
      case RequestFate::kUnknown:
        throw RequestError(404, fmt::format("unknown request_id \"{}\": not answered by this server or no longer "
                                            "in the traffic log",
                                            fb.request_id));
    }
    if (!log->TryLogFeedback({fb.request_id, feedback_label, TrafficNow()})) {
      throw RequestError(503, "the traffic log's queue is full; feedback not recorded, retry shortly");
    }
    res.set_header("X-Trainops-Model", model->id);
    Json reply{{"recorded", true}, {"request_id", fb.request_id}, {"label", feedback_label}, {"model", model->id}};
    if (multi_label) reply["labels"] = set_given;
    SendJson(res, 200, reply);
  }

  Json ModelJson() const {
    const auto model = holder.Get();
    if (!model) return nullptr;
    return Json{{"id", model->id},
                {"task", model->task},
                {"labels", model->classifier->Labels()},
                {"multi_label", model->classifier->IsMultiLabel()},
                {"oos_label", model->classifier->OosLabel()},
                {"threshold", model->classifier->Threshold()},
                {"created", model->created},
                {"status", model->status}};
  }

  MetricsSnapshot Snapshot() const {
    MetricsSnapshot s;
    if (const auto model = holder.Get()) {
      s.model_id = model->id;
      s.task = model->task;
      s.ready = true;
    }
    s.queue_depth = log->depth();
    s.queue_capacity = log->capacity();
    s.records_spooled = log->spooled();
    s.records_dropped = log->dropped();
    s.records_shed = log->shed();
    s.records_written = log->written();
    s.records_deleted = log->deleted();
    s.write_errors = log->write_errors();
    s.sample_rate = log->sample_rate();
    s.log_healthy = log->health().ok;
    return s;
  }

  void InstallRoutes() {
    http.set_payload_max_length(options.max_body_bytes);
    http.set_read_timeout(options.read_timeout_seconds, 0);
    http.set_write_timeout(options.read_timeout_seconds, 0);
    // Short keep-alive: an idle connection holds a worker thread, and Stop waits for it.
    http.set_keep_alive_timeout(2);
    // httplib closes a kept-alive connection after 5 requests by default; a client
    // reusing its connection (a load balancer, wrk) should not pay a new handshake so often.
    http.set_keep_alive_max_count(10000);
    // httplib writes the headers and the body separately; with Nagle's algorithm the body
    // then waits for the client's delayed ACK (about 40 ms per request on Linux).
    http.set_tcp_nodelay(true);
    const int threads = options.threads > 0
                            ? options.threads
                            : std::max(32, 8 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const auto it = Routes().find(req.path);
      if (it == Routes().end()) {
        NameModel(res);
        SendError(res, 404, fmt::format("no such path: {}; see docs/serving.md", req.path));
        return httplib::Server::HandlerResponse::Handled;
      }
      // `curl -d @body.json` sends Content-Type application/x-www-form-urlencoded, and
      // Debian's compiled httplib refuses such bodies over 8 KiB with a bare 413 before a
      // handler runs. Every body here is JSON whatever the client calls it, so the header
      // is dropped before httplib reads the body (the Request is httplib's own mutable
      // object, handed to this hook as const).
      if (req.method == "POST" && req.get_header_value("Content-Type") == "application/x-www-form-urlencoded") {
        const_cast<httplib::Request&>(req).headers.erase("Content-Type");
      }
      // `curl -X POST .../v1/admin/reload` sends no body and no Content-Length; httplib
      // would then read until the client closes and answer 400. No length and no chunks
      // means an empty body.
      if (req.method == "POST" && !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
        const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
      }
      if (!it->second.count(req.method)) {
        std::string allow;
        for (const auto& m : it->second) allow += (allow.empty() ? "" : ", ") + m;
        res.set_header("Allow", allow);
        NameModel(res);
        SendError(res, 405, fmt::format("{} does not take {}; use {}", req.path, req.method, allow));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors httplib answers itself (body over the limit, unparsable request line) get a
    // JSON body saying why, like every other error.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&,
                                                                       httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      NameModel(res);
      if (res.status == 413) {
        SendError(res, 413, fmt::format("request body over the limit of {} bytes", options.max_body_bytes));
      } else {
        SendError(res, res.status, fmt::format("HTTP {}: the request could not be read", res.status));
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      metrics.CountRequest(Endpoint(req.path), res.status);
    });

    http.Post("/v1/predict", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/v1/predict", req, res, [&] { Predict(req, res); });
    });
    http.Post("/v1/feedback", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/v1/feedback", req, res, [&] { Feedback(req, res); });
    });
    http.Post("/v1/admin/reload", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/v1/admin/reload", req, res, [&] {
        if (!Authorized(req, res)) return;
        if (!watcher) throw RequestError(409, "serving a model file (--model): there is no registry to reload from");
        watcher->CheckNow();
        SendJson(res, 202, Json{{"checking", true}});
      });
    });
    http.Get("/healthz", [this](const httplib::Request& req, httplib::Response& res) {
      // Alive as long as it answers: a failing traffic log is reported, not fatal (a
      // restart would not fix a full disk, and answers matter more than the log).
      Guard("/healthz", req, res, [&] {
        const TrafficLogHealth h = log->health();
        Json traffic{{"status", h.ok ? "ok" : "failing"},
                     {"sample_rate", log->sample_rate()},
                     {"records_dropped", log->dropped()},
                     {"records_shed", log->shed()},
                     {"write_errors", log->write_errors()},
                     {"queued", log->depth()},  // records waiting, e.g. for a shared log's database
                     {"spooled", log->spooled()}};
        if (!h.ok) {
          traffic["error"] = h.last_error;
          traffic["failing_since"] = h.failing_since;
        }
        SendJson(res, 200, Json{{"status", "alive"}, {"traffic_log", std::move(traffic)}});
      });
    });
    http.Get("/readyz", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/readyz", req, res, [&] {
        const auto model = holder.Get();
        if (model) {
          res.set_header("X-Trainops-Model", model->id);
          SendJson(res, 200, Json{{"status", "ready"}, {"model", model->id}});
        } else {
          SendJson(res, 503, Json{{"status", "not ready"}, {"error", "no verified model loaded"}});
        }
      });
    });
    http.Get("/v1/model", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/v1/model", req, res, [&] {
        Json j = ModelJson();
        if (j.is_null()) throw RequestError(503, "no model loaded yet");
        res.set_header("X-Trainops-Model", j["id"].get<std::string>());
        SendJson(res, 200, j);
      });
    });
    http.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      Guard("/metrics", req, res, [&] {
        res.status = 200;
        res.set_content(metrics.Render(Snapshot()), "text/plain; version=0.0.4; charset=utf-8");
      });
    });
  }
};

Server::Server(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = std::move(options);
  ServeOptions& o = s.options;
  if (o.task_spec.empty() == o.model_file.empty()) {
    throw InputError("serve needs either --task T.yaml (its production model, followed in the registry) or "
                     "--model FILE (one model file), not both");
  }
  if (o.port < 0 || o.port > 65535) throw InputError(fmt::format("--port {}: must be 0..65535", o.port));
  if (o.max_batch == 0 || o.max_body_bytes == 0) throw InputError("the batch and body limits must be positive");
  if (!IsLoopback(o.host) && o.token_file.empty()) {
    throw InputError(fmt::format("--host {} is not a loopback address: pass --token-file FILE so that feedback and "
                                 "admin calls need \"Authorization: Bearer <token>\"",
                                 o.host));
  }
  if (!o.token_file.empty()) s.token = ReadToken(o.token_file);

  std::filesystem::path log_path = o.traffic_log;
  if (!o.task_spec.empty()) {
    const TaskSpec spec = LoadTaskSpec(o.task_spec);
    s.task = spec.name;
    const auto registry = ResolveRegistryPath(o.registry, &spec);
    if (log_path.empty()) log_path = DefaultTrafficLog(registry, o.task_spec);
    s.watcher = std::make_unique<RegistryWatcher>(registry, s.task, o.poll_interval, s.holder, s.metrics, o.messages);
    s.watcher->CheckOnce(true);
  } else {
    auto model = LoadServedModel(o.model_file, "", "", "", "file");
    s.task = model->task;
    s.holder.Set(std::move(model));
    if (log_path.empty()) log_path = std::filesystem::path(".trainops") / "traffic.db";
  }
  TrafficLogOptions lo;
  lo.path = log_path;
  lo.queue_capacity = o.queue_capacity;
  lo.redact = o.redact;
  lo.replica = o.replica;
  if (IsPostgresLocation(log_path.string()) && o.spool_mb > 0) {
    // Per port, so a replica restarted during an outage finds (and first writes) what it
    // spooled before; per process when the port is chosen by the system.
    lo.spool_path = !o.spool.empty() ? std::filesystem::path(o.spool)
                                     : RegistrySideDir(log_path, o.task_spec) /
                                           fmt::format("traffic-spool-{}.db", o.port ? o.port : ::getpid());
    lo.spool_bytes = o.spool_mb * (int64_t{1} << 20);
  }
  lo.retention_days = o.retention_days;
  lo.retention_rows = o.retention_rows;
  lo.retention_bytes = o.retention_mb * (int64_t{1} << 20);
  lo.warn = o.messages.warn;
  s.log = std::make_unique<TrafficLog>(std::move(lo));
  s.InstallRoutes();
}

Server::~Server() { Stop(); }

void Server::Start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mutex);
  if (s.started) return;
  s.bound_port = BindOrThrow(s.http, s.options.host, s.options.port);
  s.log->Start();
  if (s.watcher) s.watcher->Start();
  s.listener = RunAcceptLoop(s.http);
  s.started = true;
  const auto model = s.holder.Get();
  if (s.options.messages.info) {
    s.options.messages.info(fmt::format("trainops serve: listening on {}, model {}, task {}, traffic log {}", url(),
                                         model ? model->id : "none yet (not ready)", s.task,
                                         s.log->path().string()));
  }
}

int Server::port() const { return impl_->bound_port; }

std::string Server::url() const { return HttpUrl(impl_->options.host, port()); }

std::string Server::traffic_log_path() const { return impl_->log->path().string(); }

void Server::CheckRegistryNow() {
  if (impl_->watcher) impl_->watcher->CheckNow();
}

bool Server::ready() const { return impl_->holder.Get() != nullptr; }

void Server::Stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  // Order matters: no new requests, then the running ones finish (listen_after_bind
  // returns after the worker pool drained), then the log writes what they queued.
  if (s.started) StopAcceptLoop(s.http, s.listener);
  if (s.watcher) s.watcher->Stop();
  s.log->Stop();
  if (s.started && s.options.messages.info) {
    s.options.messages.info(fmt::format("trainops serve: stopped; {} requests logged, {} shed by sampling, {} "
                                        "dropped, {} lost to write errors",
                                        s.log->written(), s.log->shed(), s.log->dropped(), s.log->write_errors()));
  }
}

}  // namespace trainops::serve
