// `trainops compare` for two multi-label models scored on the same rows: exact-set
// accuracy, micro/macro/samples F1 and Hamming loss with their deltas (B minus A);
// McNemar's exact test on the messages exactly one model gets exactly right; a seeded
// paired bootstrap over messages for the micro-F1 change; per label, recall and F1 deltas
// with McNemar on the label's gold rows that one model finds and the other misses; and the
// texts behind the discordant messages. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/multi_label_eval.h"

namespace trainops {

// The same report layout as CompareResults (eval/compare.h) plus "task_kind":
// "multi_label" and "micro_f1_bootstrap"; gold and predictions are label sets joined by
// `separator` ("" for none). Throws InputError when the two read different rows.
nlohmann::json CompareMultiLabelResults(const MultiLabelEvalResult& a, const MultiLabelEvalResult& b,
                                        const std::string& name_a, const std::string& name_b, size_t max_examples,
                                        const std::string& separator);

}  // namespace trainops
