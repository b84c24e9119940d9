// trainops._trainops.Classifier: the public trainops::Classifier (include/trainops/
// classifier.h) for Python. Texts are checked while the GIL is held (each must be a str
// with something to classify); classification then runs with the GIL released, so Python
// threads calling predict at once run in parallel.
#include <unordered_map>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <trainops/classifier.h>
#include <trainops/error.h>

#include "common/atomic_file.h"
#include "python/binding.h"

namespace trainops::python {
namespace {

// pybind11 holders cannot hold a const type; every method bound here is const.
using ClassifierPtr = std::shared_ptr<Classifier>;
ClassifierPtr Mutable(std::shared_ptr<const Classifier> c) { return std::const_pointer_cast<Classifier>(std::move(c)); }

// Below this many texts, one thread: starting threads costs more than it saves.
constexpr size_t kParallelFrom = 256;

std::vector<std::string> TextsFrom(const py::handle& texts) {
  if (py::isinstance<py::str>(texts)) {
    throw py::type_error("texts: expected a list of str, got one str; pass [text] (Model.predict accepts a str)");
  }
  std::vector<std::string> out;
  if (py::hasattr(texts, "__len__")) out.reserve(py::len(texts));
  size_t i = 0;
  for (const py::handle item : py::iter(texts)) {
    if (!py::isinstance<py::str>(item)) {
      throw py::type_error(fmt::format("texts[{}]: expected str, got {}", i, std::string(py::str(item.get_type().attr("__name__")))));
    }
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
    if (utf8 == nullptr) {
      // Lone surrogates cannot be UTF-8; the library only reads UTF-8.
      PyErr_Clear();
      throw InputError(fmt::format("texts[{}]: not encodable as UTF-8 (a lone surrogate); fix the text", i));
    }
    std::string_view text(utf8, static_cast<size_t>(size));
    if (text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
      // As `trainops predict --data` treats an empty text field: a bad row, named.
      throw InputError(fmt::format("texts[{}]: the text is empty; nothing to classify: remove the text or fill it in", i));
    }
    out.emplace_back(text);
    ++i;
  }
  return out;
}

int Threads(size_t n, int threads) {
  if (threads < 0) throw InputError(fmt::format("threads={}: use 0 (all cores) or more", threads));
  return n < kParallelFrom ? 1 : threads;
}

// One answer per text: k (label, confidence) pairs, the first being the answer the CLI
// writes (the out-of-scope label when the text was rejected, with the confidence of the
// class it refused), then the next most probable classes.
py::list Predict(const ClassifierPtr& c, const py::handle& texts, size_t k, float threshold, int threads) {
  if (k < 1) throw InputError(fmt::format("k={}: ask for at least 1 label", k));
  if (threshold > 1) throw InputError(fmt::format("threshold={}: use 0..1 (0 = never reject), or None for the model's", threshold));
  const std::vector<std::string> batch = TextsFrom(texts);
  ClassifyOptions options;
  options.top_k = k;
  options.threshold = threshold;
  std::vector<Prediction> predictions;
  {
    py::gil_scoped_release release;
    predictions = c->ClassifyBatch(batch, options, Threads(batch.size(), threads));
  }
  py::list out(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i) {
    const Prediction& p = predictions[i];
    py::list answer;
    if (c->IsMultiLabel()) {
      // The chosen set, in the model's label order (empty: none of the intents).
      for (const Alternative& a : p.labels) answer.append(py::make_tuple(a.label, a.confidence));
      out[i] = answer;
      continue;
    }
    answer.append(py::make_tuple(p.label, p.confidence));
    for (size_t j = 1; j < p.alternatives.size(); ++j) {
      answer.append(py::make_tuple(p.alternatives[j].label, p.alternatives[j].confidence));
    }
    out[i] = answer;
  }
  return out;
}

// Probabilities of every class in the model's label order (Labels()), float64 as
// scikit-learn expects. Rejection does not change them.
py::array_t<double> Probabilities(const ClassifierPtr& c, const py::handle& texts, int threads) {
  const std::vector<std::string> batch = TextsFrom(texts);
  const std::vector<std::string>& labels = c->Labels();
  std::unordered_map<std::string_view, size_t> column;
  for (size_t j = 0; j < labels.size(); ++j) column.emplace(labels[j], j);
  py::array_t<double> out({batch.size(), labels.size()});
  auto view = out.mutable_unchecked<2>();
  {
    py::gil_scoped_release release;
    ClassifyOptions options;
    options.top_k = labels.size();
    options.threshold = 0;
    const std::vector<Prediction> predictions = c->ClassifyBatch(batch, options, Threads(batch.size(), threads));
    for (size_t i = 0; i < predictions.size(); ++i) {
      for (size_t j = 0; j < labels.size(); ++j) view(i, j) = 0;
      for (const Alternative& a : predictions[i].alternatives) view(i, column.at(a.label)) = a.confidence;
    }
  }
  return out;
}

}  // namespace

void RegisterClassifier(py::module_& m) {
  py::class_<Classifier, ClassifierPtr>(m, "Classifier",
                                        "A loaded model (trainops::Classifier); immutable and thread-safe.")
      .def_static(
          "load", [](const std::string& path) { return Mutable(Classifier::Load(path)); }, py::arg("path"),
          py::call_guard<py::gil_scoped_release>())
      .def_static(
          "from_bytes",
          [](const py::bytes& bytes, const std::string& name) {
            std::string data = bytes;  // copied while the GIL is held
            py::gil_scoped_release release;
            return Mutable(Classifier::FromBytes(std::move(data), name));
          },
          py::arg("data"), py::arg("name") = "<memory>")
      .def_property_readonly("labels", &Classifier::Labels)
      .def_property_readonly("multi_label", &Classifier::IsMultiLabel)
      .def_property_readonly("id", &Classifier::Id)
      .def_property_readonly("task", &Classifier::Task)
      .def_property_readonly("oos_label", &Classifier::OosLabel)
      .def_property_readonly("threshold", &Classifier::Threshold)
      .def_property_readonly("path", &Classifier::Path)
      .def_property_readonly("info", [](const Classifier& c) { return ToPython(c.Info()); })
      .def_property_readonly("reference_stats", [](const Classifier& c) { return ToPython(c.ReferenceStats()); })
      .def("predict", &Predict, py::arg("texts"), py::arg("k") = 1, py::arg("threshold") = -1.0f,
           py::arg("threads") = 0)
      .def("predict_proba", &Probabilities, py::arg("texts"), py::arg("threads") = 0);

  // The bytes of a model file, read as the library reads files (errors name the file).
  m.def(
      "read_file",
      [](const std::string& path) {
        std::string data;
        {
          py::gil_scoped_release release;
          data = ReadFile(path);
        }
        return py::bytes(data);
      },
      py::arg("path"));
}

}  // namespace trainops::python
