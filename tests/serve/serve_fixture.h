// What the serve tests share: small models trained once per binary through the public
// Train, a task spec with a registry, and a server started in-process on a free
// loopback port.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <trainops/trainops.h>

#include "serve/server.h"
#include "test_support.h"

namespace trainops::serve::testing {

using trainops::testing::TempDir;

using trainops::testing::FreePort;

// `trainops ARGS` as a child process, its standard error to `err_file`.
inline pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& err_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    FILE* err = std::freopen(err_file.c_str(), "w", stderr);
    (void)err;
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string binary = TRAINOPS_BINARY;
    argv.push_back(binary.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}


// A model file trained on the synthetic intent data (4 labels); `seed` changes its bytes.
inline std::string TrainModelFile(const TempDir& dir, const std::string& name, uint64_t seed) {
  TrainOptions o;
  o.data = dir.Write(name + ".csv", trainops::testing::SyntheticIntentCsv(400, 7)).string();
  o.text_column = "text";
  o.label_column = "intent";
  o.parameters = {{"training.epochs", "3"}, {"--threads", "1"}, {"--seed", std::to_string(seed)}};
  o.out = (dir / name).string();
  o.record_in_registry = false;
  return Train(o).model_path;
}

// A task spec next to its registry (dir/.trainops/registry.db).
inline std::string WriteSpec(const TempDir& dir) {
  dir.Write("train.csv", trainops::testing::SyntheticIntentCsv(400, 7));
  return dir
      .Write("task.yaml",
             "name: servetest\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intent\n")
      .string();
}

// Trains a model for the spec (recorded in its registry as a candidate); returns its id.
inline std::string TrainForSpec(const std::string& spec, const TempDir& dir, const std::string& run, uint64_t seed) {
  TrainOptions o;
  o.task = spec;
  o.parameters = {{"training.epochs", "3"}, {"--threads", "1"}, {"--seed", std::to_string(seed)}};
  o.out = (dir / run).string();
  return Train(o).model_id;
}

inline void ForcePromote(const std::string& spec, const std::string& model_id) {
  PromoteOptions p;
  p.model = model_id;
  p.task = spec;
  p.reason = "serve test";
  p.force = true;
  Promote(p);
}

inline ServeOptions LoopbackOptions() {
  ServeOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 8;
  return o;
}

struct Reply {
  int status = 0;  // 0 = no answer (connection failed or cut)
  nlohmann::json body;
  std::string text;
  std::string model_header;  // X-Trainops-Model
};

inline Reply Call(int port, const std::string& method, const std::string& path, const std::string& body = "",
                  const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "PUT") return client.Put(path.c_str(), headers, body, "application/json");
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body, "application/json");
  };
  httplib::Result res = send();
  Reply r;
  if (!res) return r;
  r.status = res->status;
  r.text = res->body;
  r.model_header = res->get_header_value("X-Trainops-Model");
  r.body = nlohmann::json::parse(res->body, nullptr, false);
  return r;
}

}  // namespace trainops::serve::testing
