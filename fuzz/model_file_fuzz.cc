// The model file loader (model/model_io.h: ArtifactReader + ModelFromSections, what
// LoadModel runs on a file's bytes), then a prediction with whatever loaded: model_io.h
// promises that a model that loads is safe to predict with.
//
// A mutated file almost never keeps its xxh3 checksum, so the target repairs the envelope
// (payload size and checksum) of inputs that start with the magic; otherwise nearly every
// input would stop at the checksum and the section decoders would never be reached.
// Inputs without the magic still exercise the envelope checks unrepaired.
#include <cstring>
#include <string>

#include "common/hash.h"
#include "fuzz_support.h"
#include "model/inference.h"
#include "model/model_io.h"

namespace {

// The envelope's layout and checksum seed (docs/model_format.md, model/artifact_file.cc).
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr size_t kPayloadSizeOffset = 16;
constexpr uint64_t kChecksumSeed = 0x74726e6f7073ull;

void RepairEnvelope(std::string& bytes) {
  if (bytes.size() < kHeaderSize + 8 || bytes.compare(0, 8, "TRAINOPS") != 0) return;
  const uint64_t payload = bytes.size() - kHeaderSize - 8;
  std::memcpy(bytes.data() + kPayloadSizeOffset, &payload, sizeof payload);
  const uint64_t checksum = trainops::Hash64(std::string_view(bytes).substr(0, bytes.size() - 8), kChecksumSeed);
  std::memcpy(bytes.data() + bytes.size() - 8, &checksum, sizeof checksum);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes = trainops::fuzz::AsString(data, size);
  RepairEnvelope(bytes);
  trainops::fuzz::ExpectOnlyInputErrors([&] {
    trainops::ArtifactReader reader(std::move(bytes), "fuzz-model.bin", trainops::ArtifactKind::kModel);
    const trainops::Model model = trainops::ModelFromSections(reader);
    trainops::Model::Scratch scratch;
    std::vector<uint32_t> order;
    for (const char* text : {"", "where is my order? it's late", "Größe 42 passt nicht \xF0\x9F\x91\x9F"}) {
      const trainops::Decision decision = trainops::Classify(model, text, scratch);
      (void)trainops::LabelName(model, decision.label);
      trainops::TopK(scratch.probs, 3, order);
    }
  });
  return 0;
}
