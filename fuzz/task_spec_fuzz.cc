// The task spec parser (task/task_spec.h ParseTaskSpec): YAML text -> validated TaskSpec.
// It only resolves paths against the spec's folder; it opens no file, so a fixed name is safe.
#include "fuzz_support.h"
#include "task/task_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trainops::fuzz::ExpectOnlyInputErrors([&] {
    const trainops::TaskSpec spec = trainops::ParseTaskSpec(trainops::fuzz::AsString(data, size), "/fuzz/task.yaml");
    // A spec that parses is written back by every training run (train_config.yaml); the
    // writer must cope with whatever the parser accepted.
    (void)trainops::TaskSpecToYaml(spec, "/fuzz");
  });
  return 0;
}
