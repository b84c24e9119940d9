// The three faces of a gate report: a verdict people read in a terminal (every gate with
// its value, threshold and PASS/FAIL/SKIP), the JSON document (GateReport::ToJson), and
// JUnit XML, so a CI system shows each gate as a test case (failed gates as failures,
// skipped ones as skipped). Pure; thread-safe.
#pragma once

#include <string>

#include "gate/gate_check.h"

namespace trainops {

std::string RenderVerdict(const GateReport& report);
std::string RenderJUnit(const GateReport& report);

}  // namespace trainops
