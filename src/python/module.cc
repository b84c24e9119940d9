// trainops._trainops: the extension module behind the Python package `trainops`
// (python/trainops/). Built by CMake from the same stage libraries as the CLI; the package
// adds the Pythonic surface (keyword parameters, logging, scikit-learn) on top.
#include <cmath>

#include <pybind11/pybind11.h>
#include <trainops/error.h>

#include "python/binding.h"

namespace trainops::python {
namespace {

// Exception classes, created once when the module is imported. InputError is also a
// ValueError (bad input, as Python code expects to catch it) and InternalError a
// RuntimeError.
PyObject* g_error = nullptr;
PyObject* g_input_error = nullptr;
PyObject* g_corrupt_file_error = nullptr;
PyObject* g_check_failed_error = nullptr;
PyObject* g_internal_error = nullptr;

PyObject* NewException(py::module_& m, const char* name, const char* doc, std::initializer_list<PyObject*> bases) {
  py::tuple base_tuple(bases.size());
  size_t i = 0;
  for (PyObject* base : bases) base_tuple[i++] = py::reinterpret_borrow<py::object>(base);
  const std::string qualified = std::string("trainops.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base_tuple.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));  // the module keeps a reference; so do the globals
  return type;
}

}  // namespace

void RegisterErrors(py::module_& m) {
  g_error = NewException(m, "Error", "Base class of every error trainops raises on purpose.", {PyExc_Exception});
  g_input_error = NewException(m, "InputError",
                               "Something the caller gave is wrong (a missing or malformed file, a bad option or "
                               "text); the message names the file, row and field and how to fix it.",
                               {g_error, PyExc_ValueError});
  g_corrupt_file_error = NewException(
      m, "CorruptFileError", "A file exists but is truncated, damaged or not a trainops file (model, checkpoint).",
      {g_input_error});
  g_check_failed_error = NewException(
      m, "CheckFailedError", "The tool worked, but a check, gate or release policy refused (exit code 1 on the CLI).",
      {g_error});
  g_internal_error = NewException(m, "InternalError", "A bug in trainops: please report it with the message.",
                                  {g_error, PyExc_RuntimeError});
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const CorruptFileError& e) {
      PyErr_SetString(g_corrupt_file_error, e.what());
    } catch (const InputError& e) {
      PyErr_SetString(g_input_error, e.what());
    } catch (const CheckFailedError& e) {
      PyErr_SetString(g_check_failed_error, e.what());
    } catch (const InternalError& e) {
      PyErr_SetString(g_internal_error, e.what());
    } catch (const CancelledError& e) {
      // Only the binding's own callbacks cancel, and only on a signal (Ctrl-C).
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

py::object ToPython(const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::null:
    case Type::discarded:
      return py::none();
    case Type::boolean:
      return py::bool_(value.get<bool>());
    case Type::number_integer:
      return py::int_(value.get<int64_t>());
    case Type::number_unsigned:
      return py::int_(value.get<uint64_t>());
    case Type::number_float: {
      const double d = value.get<double>();
      return std::isfinite(d) ? py::object(py::float_(d)) : py::object(py::none());
    }
    case Type::string:
      return py::str(value.get_ref<const std::string&>());
    case Type::array: {
      py::list list(value.size());
      size_t i = 0;
      for (const auto& item : value) list[i++] = ToPython(item);
      return list;
    }
    case Type::object: {
      py::dict dict;
      for (const auto& [key, item] : value.items()) dict[py::str(key)] = ToPython(item);
      return dict;
    }
    case Type::binary:
      return py::bytes(reinterpret_cast<const char*>(value.get_binary().data()), value.get_binary().size());
  }
  return py::none();
}

void CallLog(const py::object& log, const char* level, const std::string& text, PendingPythonError& pending) {
  try {
    log(level, text);
  } catch (py::error_already_set& e) {
    if (e.matches(PyExc_Exception)) {
      e.discard_as_unraisable("trainops log callback");
      return;
    }
    pending.error = std::make_unique<py::error_already_set>(std::move(e));
    throw CancelledError("interrupted");
  }
}

std::shared_ptr<py::object> SharedObject(const py::object& object) {
  return std::shared_ptr<py::object>(new py::object(object), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
}

Messages PythonMessages(const py::object& log, PendingPythonError& pending) {
  Messages messages;
  if (log.is_none()) return messages;
  auto sink = SharedObject(log);
  auto make = [sink, &pending](const char* level) {
    return [sink, level, &pending](const std::string& text) {
      py::gil_scoped_acquire gil;
      CallLog(*sink, level, text, pending);
    };
  };
  messages.info = make("info");
  messages.debug = make("debug");
  messages.warn = make("warning");
  return messages;
}

}  // namespace trainops::python

PYBIND11_MODULE(_trainops, m) {
  m.doc() = "The C++ core of trainops (use the `trainops` package, not this module directly).";
  trainops::python::RegisterErrors(m);
  trainops::python::RegisterClassifier(m);
  trainops::python::RegisterWorkflows(m);
}
