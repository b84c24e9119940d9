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

// A Python exception raised in a callback while the GIL was released, kept until the
// call returns to Python (the library sees a trainops::CancelledError meanwhile).
struct PendingPythonError {
  std::unique_ptr<py::error_already_set> error;
};

// Calls `log(level, text)`; the GIL must be held. An Exception from a broken log handler is
// reported as unraisable and dropped (it must not abort training; Python's logging treats
// its handlers' errors the same way). A BaseException that is not an Exception
// (KeyboardInterrupt from Ctrl-C arriving in the handler, SystemExit) is kept in
// `pending` and stops the work with trainops::CancelledError.
void CallLog(const py::object& log, const char* level, const std::string& text, PendingPythonError& pending);

// A reference to `object` that callbacks can share and copy without the GIL, released
// with the GIL taken wherever the last copy dies (the library may drop its callbacks on
// any thread).
std::shared_ptr<py::object> SharedObject(const py::object& object);

// Messages whose callbacks call CallLog with the GIL taken: the library calls them on the
// thread that called it, which has released the GIL while the C++ code runs. `log` None
// drops them. `pending` must outlive the Messages' use.
Messages PythonMessages(const py::object& log, PendingPythonError& pending);

void RegisterErrors(py::module_& m);
void RegisterClassifier(py::module_& m);
void RegisterWorkflows(py::module_& m);

}  // namespace trainops::python
