// Shared pieces of the Python extension module trainops._trainops (src/python/): JSON to
// Python objects, the GIL-aware bridges from the library's callbacks to Python, and the
// registration functions of each part of the module. The module is a thin layer over the
// public API (include/trainops/): it converts arguments and results, nothing else.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>
#include <trainops/workflows.h>

namespace trainops::python {

namespace py = pybind11;

// The library's JSON as Python objects (dict, list, str, int, float, bool, None). A
// non-finite number becomes None, as `trainops ... --json` writes it (null).
py::object ToPython(const nlohmann::json& value);

// Messages whose callbacks call `log(level, text)` (a Python callable; None drops them),
// taking the GIL: the library calls them on the thread that called it, which has released
// the GIL while the C++ code runs.
Messages PythonMessages(const py::object& log);

// A Python exception raised in a callback while the GIL was released, kept until the
// call returns to Python (the library sees a trainops::CancelledError meanwhile).
struct PendingPythonError {
  std::unique_ptr<py::error_already_set> error;
};

void RegisterErrors(py::module_& m);
void RegisterClassifier(py::module_& m);
void RegisterWorkflows(py::module_& m);

}  // namespace trainops::python
