#include "ui/ui_server.h"

#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <trainops/error.h>

#include "api/registry_access.h"
#include "eval/compare.h"
#include "registry/registry.h"
#include "registry/registry_location.h"
#include "serve/http_auth.h"
#include "serve/http_listen.h"
#include "task/task_spec.h"
#include "ui/page_frame.h"
#include "ui/pages.h"

namespace trainops::ui {
namespace {

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xff);
  return out;
}

// RFC 4648 base64, for the password of an HTTP Basic "Authorization" header: the one way a
// browser sends a credential to every page without a script or a cookie. Small enough
// that a dependency for it would cost more than it saves.
std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return "";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// The page's policy: no script at all, nothing from elsewhere, only the page's own
// stylesheet (by this response's nonce), forms only to this server, never in a frame.
std::string PagePolicy(const std::string& nonce) {
  return fmt::format("default-src 'none'; style-src 'nonce-{}'; img-src 'self' data:; form-action 'self'; "
                     "frame-ancestors 'none'; base-uri 'none'",
                     nonce);
}

// The monitor page is the file `trainops monitor --report` writes, with its inline
// stylesheet and the same no-script policy in its own <meta>.
constexpr const char* kMonitorPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; "
    "base-uri 'none'";

}  // namespace

std::string ErrorPage(const PageContext* c, const std::string& nonce, int status, const std::string& message) {
  return Frame(c, nonce, fmt::format("Error {}", status), "",
               fmt::format("<section class=\"error\" role=\"alert\"><h2>{}</h2><p>{}</p><p>{}</p></section>", status,
                           Esc(message), Link("/", "Back to the overview")));
}

struct UiServer::Impl {
  UiOptions options;
  TaskSpec spec;
  std::filesystem::path registry_location, traffic_log;
  std::string registry_shown, token, csrf;
  httplib::Server http;
  std::thread listener;
  int bound_port = 0;
  bool started = false, stopped = false;
  std::mutex stop_mutex;

  // Registry connections: one per request at a time (a Registry is not thread-safe), kept
  // for the next request so a PostgreSQL registry is not reconnected per page.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<Registry>> pool;

  // Comparisons are whole evaluations of two models: kept until the test file changes.
  std::mutex compare_mutex;
  std::map<std::string, nlohmann::json> compare_cache;

  std::mutex cycles_mutex;
  std::shared_ptr<const std::vector<CycleRecord>> cycles_cache = std::make_shared<std::vector<CycleRecord>>();

  std::shared_ptr<const std::vector<CycleRecord>> Cycles(Registry& registry) {
    std::lock_guard lock(cycles_mutex);
    const int64_t last = cycles_cache->empty() ? 0 : cycles_cache->back().id;
    std::vector<CycleRecord> fresh = registry.Cycles(spec.name, last);
    const int64_t count = registry.CycleCount(spec.name);
    if (static_cast<int64_t>(cycles_cache->size() + fresh.size()) != count) {
      // Rows went away (another registry at this location) or arrived between the two
      // reads: read them all again.
      cycles_cache = std::make_shared<std::vector<CycleRecord>>(registry.Cycles(spec.name));
    } else if (!fresh.empty()) {
      auto next = std::make_shared<std::vector<CycleRecord>>(*cycles_cache);
      next->insert(next->end(), std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
      cycles_cache = std::move(next);
    }
    return cycles_cache;
  }

  std::unique_ptr<Registry> TakeRegistry() {
    {
      std::lock_guard lock(pool_mutex);
      if (!pool.empty()) {
        auto r = std::move(pool.back());
        pool.pop_back();
        return r;
      }
    }
    return std::make_unique<Registry>(Registry::OpenExisting(registry_location));
  }
  void ReturnRegistry(std::unique_ptr<Registry> r) {
    std::lock_guard lock(pool_mutex);
    if (pool.size() < static_cast<size_t>(options.threads)) pool.push_back(std::move(r));
  }

  nlohmann::json Compare(const ModelRecord& a, const ModelRecord& b) {
    struct stat st {};
    const std::string test = spec.data.test.string();
    const std::string key = fmt::format("{}|{}|{}|{}|{}", a.id, b.id, test,
                                        ::stat(test.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0,
                                        static_cast<int64_t>(st.st_size));
    {
      std::lock_guard lock(compare_mutex);
      if (const auto it = compare_cache.find(key); it != compare_cache.end()) return it->second;
    }
    EvalInput input;
    input.data = spec.data.test;
    input.text_column = spec.data.text_column;
    input.label_column = spec.data.label_column;
    input.threads = 1;  // the page's own thread: other pages keep being answered meanwhile
    nlohmann::json j = CompareModelFiles(a.path, b.path, input, 20, a.id, b.id);
    std::lock_guard lock(compare_mutex);
    if (compare_cache.size() >= 32) compare_cache.clear();
    compare_cache[key] = j;
    return j;
  }

  // Pages off loopback need the token: as "Authorization: Bearer <token>", or as the
  // password of HTTP Basic authentication, which a browser asks for and then sends.
  bool Authorized(const httplib::Request& req) const {
    if (token.empty() || serve::IsLoopback(options.host)) return true;
    const std::string header = req.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) == 0) return serve::SameSecret(header.substr(7), token);
    if (header.rfind("Basic ", 0) == 0) {
      const std::string decoded = Base64Decode(header.substr(6));
      const size_t colon = decoded.find(':');
      return colon != std::string::npos && serve::SameSecret(decoded.substr(colon + 1), token);
    }
    return false;
  }

  PageContext Context(Registry& registry, const std::string& nonce) {
    PageContext c{registry, spec, {}, {}, false, {}, {}, {}, {}, {}, {}};  // every member named: -Wmissing-field-initializers
    c.traffic_log = traffic_log;
    c.registry_shown = registry_shown;
    c.actions = options.allow_actions;
    c.csrf = csrf;
    c.nonce = nonce;
    c.compare = [this](const ModelRecord& a, const ModelRecord& b) { return Compare(a, b); };
    c.cycles = [this, &registry] { return Cycles(registry); };
    return c;
  }

  // Runs one page: headers, timing, and every failure as an HTML error page.
  template <typename F>
  void Page(const httplib::Request& req, httplib::Response& res, F&& render) {
    const auto start = std::chrono::steady_clock::now();
    const std::string nonce = RandomHex(16);
    res.set_header("Content-Security-Policy", PagePolicy(nonce));
    if (!Authorized(req)) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"trainops ui\", charset=\"UTF-8\"");
      res.set_content(ErrorPage(nullptr, nonce, 401,
                                "this dashboard needs the token of its --token-file (as the password, any user name)"),
                      "text/html; charset=utf-8");
      return;
    }
    std::unique_ptr<Registry> registry;
    try {
      registry = TakeRegistry();
      PageContext c = Context(*registry, nonce);
      res.status = 200;  // a page may say otherwise (a refused action)
      std::string html = render(c);
      res.set_content(std::move(html), "text/html; charset=utf-8");
      ReturnRegistry(std::move(registry));
    } catch (const PageError& e) {
      if (registry) ReturnRegistry(std::move(registry));
      res.status = e.status;
      res.set_content(ErrorPage(nullptr, nonce, e.status, e.message), "text/html; charset=utf-8");
    } catch (const InputError& e) {
      // A registry or log that cannot be read now (a server restarting, a file replaced):
      // the connection is not reused.
      res.status = 503;
      res.set_content(ErrorPage(nullptr, nonce, 503, e.what()), "text/html; charset=utf-8");
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(ErrorPage(nullptr, nonce, 500, fmt::format("internal error (please report): {}", e.what())),
                      "text/html; charset=utf-8");
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    res.set_header("Server-Timing", fmt::format("render;dur={:.1f}", ms));
  }

  // An action's checks, in order: actions on, a form post from this server's pages (its
  // CSRF value, and no other site's Origin), the token typed into the form.
  void CheckAction(const httplib::Request& req) const {
    if (!options.allow_actions) {
      throw PageError{403, "actions are off: this dashboard is read-only (start it with --allow-actions and "
                           "--token-file to promote and roll back from it)"};
    }
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    if (!site.empty() && site != "same-origin" && site != "none") {
      throw PageError{403, "refused: the form was posted from another site"};
    }
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != "null") {
      const std::string host = req.get_header_value("Host");
      if (origin != "http://" + host && origin != "https://" + host) {
        throw PageError{403, "refused: the form was posted from another site (Origin " + origin + ")"};
      }
    }
    if (!req.has_param("csrf") || !serve::SameSecret(req.get_param_value("csrf"), csrf)) {
      throw PageError{403, "refused: the form is not one this server made (reload the page and try again)"};
    }
    if (!req.has_param("token") || !serve::SameSecret(req.get_param_value("token"), token)) {
      throw PageError{401, "refused: wrong token"};
    }
  }

  std::string ActionReason(const httplib::Request& req) const {
    std::string reason = req.has_param("reason") ? req.get_param_value("reason") : "";
    while (!reason.empty() && std::isspace(static_cast<unsigned char>(reason.back()))) reason.pop_back();
    if (reason.empty()) throw PageError{400, "a reason is required: it is recorded with the change"};
    if (reason.size() > 500) throw PageError{400, "the reason is over 500 characters"};
    return fmt::format("{} (from trainops ui, {})", reason, req.remote_addr);
  }

  void Action(const httplib::Request& req, httplib::Response& res, bool promote) {
    Page(req, res, [&](PageContext& c) {
      CheckAction(req);
      const std::string reason = ActionReason(req);
      try {
        if (promote) {
          PromoteOptions o;
          o.model = req.get_param_value("model");
          if (o.model.empty()) throw PageError{400, "which model? (the form's model field is empty)"};
          o.reason = reason;
          o.task = options.task_spec;
          o.registry = options.registry;
          const StatusChangeResult r = trainops::Promote(o);
          c.notice = r.message.empty() ? "promoted " + r.model_id : r.message;
          if (options.messages.info) options.messages.info("trainops ui: " + c.notice);
          return ModelPage(c, r.model_id);
        }
        const StatusChangeResult r = trainops::Rollback({options.task_spec, "", options.registry, reason});
        c.notice = r.message.empty() ? "rolled back to " + r.model_id : r.message;
        if (options.messages.info) options.messages.info("trainops ui: " + c.notice);
      } catch (const CheckFailedError& e) {
        // The policy refused: the page says why, as the command would.
        c.error = e.what();
        res.status = 409;
        if (promote) return ModelPage(c, req.get_param_value("model"));
      } catch (const InputError& e) {
        c.error = e.what();
        res.status = 400;
      }
      return OverviewPage(c);
    });
  }
};

UiServer::UiServer(UiOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = std::move(options);
  UiOptions& o = s.options;
  if (o.task_spec.empty()) throw InputError("ui needs --task T.yaml: the task whose registry it shows");
  if (o.port < 0 || o.port > 65535) throw InputError(fmt::format("--port {}: must be 0..65535", o.port));
  if (o.threads < 1 || o.threads > 256) throw InputError(fmt::format("--threads {}: must be 1..256", o.threads));
  if (!serve::IsLoopback(o.host) && o.token_file.empty()) {
    throw InputError(fmt::format("--host {} is not a loopback address: pass --token-file FILE, so that every page "
                                 "needs the token (the pages show customer messages)",
                                 o.host));
  }
  if (o.allow_actions && o.token_file.empty()) {
    throw InputError("--allow-actions needs --token-file FILE: every promote or rollback from the browser asks for "
                     "the token");
  }
  if (!o.token_file.empty()) s.token = serve::ReadToken(o.token_file);
  s.spec = LoadTaskSpec(o.task_spec);
  s.registry_location = ResolveRegistryPath(o.registry, &s.spec);
  s.registry_shown = RedactedLocation(s.registry_location.string());
  s.traffic_log = DefaultTrafficLog(s.registry_location, o.task_spec);
  s.csrf = RandomHex(16);
  // Fails now, with the registry's own message, rather than on every page.
  s.ReturnRegistry(std::make_unique<Registry>(Registry::OpenExisting(s.registry_location)));

  httplib::Server& http = s.http;
  http.set_payload_max_length(64 * 1024);  // the largest form is a reason and a token
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_keep_alive_timeout(5);
  const int threads = o.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"Referrer-Policy", "no-referrer"},
                            {"X-Frame-Options", "DENY"},
                            {"Cache-Control", "no-store"}});

  http.Get("/", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return OverviewPage(c, Query(req.params.begin(), req.params.end())); });
  });
  http.Get("/models", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return ModelsPage(c, Query(req.params.begin(), req.params.end())); });
  });
  http.Get(R"(/models/([0-9A-Za-z]{1,64}))", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return ModelPage(c, req.matches[1]); });
  });
  http.Get("/compare", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return ComparePage(c, Query(req.params.begin(), req.params.end())); });
  });
  http.Get("/cycles", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [](PageContext& c) { return CyclesPage(c); });
  });
  http.Get(R"(/cycles/(\d{1,18}))", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return CyclePage(c, std::stoll(req.matches[1])); });
  });
  http.Get(R"(/cycles/(\d{1,18})/monitor)", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return CycleMonitorPage(c, std::stoll(req.matches[1])); });
    if (res.status == 200) {
      // Replaced, not added: a second policy header would be enforced as well.
      res.headers.erase("Content-Security-Policy");
      res.set_header("Content-Security-Policy", kMonitorPolicy);
    }
  });
  http.Get("/traffic", [&s](const httplib::Request& req, httplib::Response& res) {
    s.Page(req, res, [&](PageContext& c) { return TrafficPage(c, Query(req.params.begin(), req.params.end())); });
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"alive\"}", "application/json");
  });
  http.Post("/actions/promote", [&s](const httplib::Request& req, httplib::Response& res) { s.Action(req, res, true); });
  http.Post("/actions/rollback",
            [&s](const httplib::Request& req, httplib::Response& res) { s.Action(req, res, false); });
  // Anything else: an HTML 404 (or 405 for a method a page does not take) with the policy.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string nonce = RandomHex(16);
    res.set_header("Content-Security-Policy", PagePolicy(nonce));
    const std::string message = res.status == 404   ? "no such page"
                                : res.status == 413 ? "request body too large"
                                                    : "the request could not be answered";
    res.set_content(ErrorPage(nullptr, nonce, res.status, message), "text/html; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  }));
}

UiServer::~UiServer() { Stop(); }

void UiServer::Start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mutex);
  if (s.started) return;
  s.bound_port = serve::BindOrThrow(s.http, s.options.host, s.options.port);
  s.listener = serve::RunAcceptLoop(s.http);
  s.started = true;
  if (s.options.messages.info) {
    s.options.messages.info(fmt::format("trainops ui: listening on {} (task {}, registry {}, {})", url(), s.spec.name,
                                        s.registry_shown,
                                        s.options.allow_actions ? "actions allowed with the token" : "read-only"));
  }
}

void UiServer::Stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  if (s.started) serve::StopAcceptLoop(s.http, s.listener);
}

int UiServer::port() const { return impl_->bound_port; }

std::string UiServer::url() const { return serve::HttpUrl(impl_->options.host, port()); }

}  // namespace trainops::ui
