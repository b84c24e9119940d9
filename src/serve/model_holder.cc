#include "serve/model_holder.h"

#include <chrono>
#include <filesystem>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <trainops/error.h>

namespace trainops::serve {

std::shared_ptr<const ServedModel> LoadServedModel(const std::string& path, const std::string& expected_id,
                                                   const std::string& expected_task, std::string created,
                                                   std::string status) {
  auto clf = Classifier::Load(path);
  if (!expected_id.empty() && clf->Id() != expected_id) {
    throw CorruptFileError(fmt::format("{}: content id {} differs from the registry's {}; the stored copy changed",
                                       path, clf->Id(), expected_id));
  }
  if (!expected_task.empty() && !clf->Task().empty() && clf->Task() != expected_task) {
    throw InputError(fmt::format("{}: model of task \"{}\", the server serves task \"{}\"", path, clf->Task(),
                                 expected_task));
  }
  if (clf->Labels().empty()) throw CorruptFileError(fmt::format("{}: model has no labels", path));
  // Warm-up: one pass over texts made of the labels themselves touches the embedding
  // rows and output weights requests will read.
  for (const auto& label : clf->Labels()) clf->Classify(label + " hello thanks order");
  if (created.empty()) {
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (!ec) {
      const auto sys = std::chrono::file_clock::to_sys(mtime);
      created = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(sys));
    }
  }
  auto model = std::make_shared<ServedModel>();
  model->id = clf->Id();
  model->task = expected_task.empty() ? clf->Task() : expected_task;
  model->classifier = std::move(clf);
  model->created = std::move(created);
  model->status = std::move(status);
  return model;
}

}  // namespace trainops::serve
