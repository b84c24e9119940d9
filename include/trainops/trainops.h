// trainops/trainops.h: everything a program needs to use trainops as a library.
//
//   trainops/error.h       the exceptions (Error, InputError, CorruptFileError, ...)
//   trainops/classifier.h  Classifier: load a model, classify texts (thread-safe)
//   trainops/workflows.h   CheckData, Train, EvaluateModel, Gate, Release, Promote, Rollback
//   trainops/select.h      SelectForLabeling: which messages of a window to label first
//
// Link with the CMake package: find_package(trainops CONFIG REQUIRED) and
// target_link_libraries(app PRIVATE trainops::trainops). See docs/api.md.
#pragma once

#include <trainops/classifier.h>
#include <trainops/error.h>
#include <trainops/monitor.h>
#include <trainops/select.h>
#include <trainops/workflows.h>
