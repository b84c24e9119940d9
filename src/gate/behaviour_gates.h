// Behavioural test gates: runs the spec's behavioural test file (gate/behaviour_suite.h)
// against the candidate and turns each kind's pass rate (minimum functionality,
// invariance, directional) into a gate with the spec's required rate.
#pragma once

#include <cstdint>
#include <vector>

#include "gate/gate_check.h"
#include "model/model.h"
#include "task/gates_spec.h"

namespace trainops {

std::vector<GateCheck> BehaviourChecks(const Model& model, const BehaviourGate& gate, uint64_t seed, int threads);

}  // namespace trainops
