// The behavioural-test file parser (gate/behaviour_suite.h), both of its formats on every
// input: YAML and JSON Lines share the case validation, and a JSONL line is often valid
// YAML too, so one corpus serves both.
#include "fuzz_support.h"
#include "gate/behaviour_suite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = trainops::fuzz::AsString(data, size);
  // The example task's labels (examples/awesomeshoes), so the seeds' cases pass the check.
  static const std::vector<std::string> labels = {
      "sizing_fit", "returns",  "shipping_delivery", "order_status",         "refunds",     "exchange",
      "product_availability", "payment", "cancel_order", "discounts_promotions", "product_care"};
  for (auto parse : {&trainops::ParseBehaviourYaml, &trainops::ParseBehaviourJsonl}) {
    trainops::fuzz::ExpectOnlyInputErrors([&] {
      const trainops::BehaviourSuite suite = parse(text, "fuzz-behaviour");
      // The gate checks every loaded suite's labels against the model's before running it.
      trainops::CheckSuiteLabels(suite, labels, "out_of_scope");
    });
  }
  return 0;
}
