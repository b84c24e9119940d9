#include "train/streamed_data.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "common/splitmix64.h"
#include "common/parallel.h"
#include "data/file_shards.h"
#include "data/label_set.h"
#include "eval/label_index.h"
#include "train/feature_space.h"

namespace trainops {
namespace {

// Rows featurized together (in parallel), then written in file order.
constexpr size_t kBatchRows = 8192;
// Beyond this the dense document-frequency array (4 bytes a bucket) would outweigh the
// model it is for; hashing into fewer buckets costs nothing measurable in accuracy.
constexpr uint64_t kMaxStreamedBuckets = uint64_t{1} << 27;

// Strings of every rank, concatenated in rank order (labels are few and short): packed
// into u64 words, a length word then the bytes, and gathered.
std::vector<std::string> GatherStrings(World& world, const std::vector<std::string>& local) {
  std::vector<uint64_t> packed;
  for (const auto& s : local) {
    packed.push_back(s.size());
    for (size_t i = 0; i < s.size(); i += 8) {
      uint64_t word = 0;
      for (size_t k = 0; k < 8 && i + k < s.size(); ++k) word |= static_cast<uint64_t>(static_cast<uint8_t>(s[i + k])) << (8 * k);
      packed.push_back(word);
    }
  }
  const std::vector<uint64_t> all = world.GatherVectors(packed);
  std::vector<std::string> out;
  for (size_t p = 0; p < all.size();) {
    const uint64_t n = all[p++];
    std::string s;
    for (size_t i = 0; i < n; i += 8, ++p) {
      for (size_t k = 0; k < 8 && i + k < n; ++k) s.push_back(static_cast<char>((all[p] >> (8 * k)) & 0xFF));
    }
    out.push_back(std::move(s));
  }
  return out;
}

class FirstPass {
 public:
  FirstPass(const TaskSpec& spec, const nlohmann::json& fingerprints, const std::filesystem::path& cache_path,
            int threads, World& world, Model& model, const FeatureCap& feature_cap)
      : spec_(spec), fingerprints_(fingerprints), threads_(threads), world_(world), model_(model),
        feature_cap_(feature_cap), writer_(cache_path) {
    if (model.extractor.config().buckets > kMaxStreamedBuckets) {
      throw InputError(fmt::format("model.buckets {}: a streamed run counts features in memory per bucket, so at "
                                   "most {} buckets; lower model.buckets (or set training.streaming: off)",
                                   model.extractor.config().buckets, kMaxStreamedBuckets));
    }
    df_.assign(model.extractor.config().buckets, 0);
  }
  // A bad row ends the pass with an exception while a batch may still be in work.
  ~FirstPass() {
    if (job_.valid()) job_.wait();
  }

  StreamedTrainingData Run() {
    StreamedTrainingData out;
    const bool carve = spec_.data.validation.empty();
    std::vector<Example> validation;
    if (!carve) validation = LoadDataset(spec_.data.Source(spec_.data.validation, spec_.labels)).examples;
    const double share = spec_.training.validation_split;
    // A row goes to validation when the hash of its line and the seed falls under the
    // share: the same rows whichever process reads them.
    const uint64_t cut = static_cast<uint64_t>(share * 18446744073709551616.0);
    const uint64_t max_carved = StreamedTrainingData::kMaxValidationRows / static_cast<uint64_t>(world_.size());
    uint64_t read = 0, carved = 0;
    DataSource source = spec_.data.Source(spec_.data.train, spec_.labels);
    if (world_.distributed()) {
      // Each rank reads its own byte range, cut at record starts by rank 0.
      std::string cut_points;
      std::string failure;
      if (world_.rank() == 0) {
        try {
          cut_points = CutIntoShards(source, world_.size()).Serialize();
        } catch (const std::exception& e) {
          failure = e.what();
        }
      }
      std::string message = failure.empty() ? "1" + cut_points : "0" + failure;
      world_.Broadcast(message);
      if (message[0] == '0') throw InputError(message.substr(1));
      shards_ = FileShards::Parse(message.substr(1));
      source = ShardOf(source, shards_, world_.rank());
    }
    StreamExamples(
        source,
        [&](Example&& e) {
          ++read;
          if (carve && SplitMix64Hash(e.line ^ SplitMix64Hash(spec_.seed)) < cut) {
            if (carved < max_carved) {
              ++carved;
              validation.push_back(std::move(e));
              return;
            }
            out.validation_capped = true;
          }
          batch_.push_back(std::move(e));
          if (batch_.size() == kBatchRows) Flush();
        },
        [&](RowProblem&& p) {
          ++out.skipped_rows;
          if (out.data.skipped.size() < StreamedTrainingData::kMaxListedProblems) out.data.skipped.push_back(std::move(p));
        });
    Flush();
    Wait();
    out.cache = writer_.Finish();
    out.rows = out.cache.rows;
    out.features_per_row = out.rows ? static_cast<double>(distinct_ids_.load()) / static_cast<double>(out.rows) : 0.0;

    uint64_t total = out.rows;
    world_.Sum(&total, 1);
    out.total_rows = total;
    world_.Sum(&read, 1);
    double weight_sum = weight_sum_;
    uint64_t weighted_rows = weighted_rows_;
    world_.Sum(&weight_sum, 1);
    world_.Sum(&weighted_rows, 1);
    if (carve && world_.distributed()) {
      // Every rank drew validation rows from its range; all of them validate (on rank 0,
      // but every rank holds them, as in memory).
      std::vector<std::string> texts, labels;
      for (auto& e : validation) {
        texts.push_back(std::move(e.text));
        labels.push_back(std::move(e.label));
      }
      texts = GatherStrings(world_, texts);
      labels = GatherStrings(world_, labels);
      validation.assign(texts.size(), Example());
      for (size_t i = 0; i < texts.size(); ++i) {
        validation[i].text = std::move(texts[i]);
        validation[i].label = std::move(labels[i]);
      }
      uint64_t capped = out.validation_capped ? 1 : 0;
      world_.Sum(&capped, 1);
      out.validation_capped = capped > 0;
    }
    if (total == 0) throw InputError(fmt::format("{}: no usable training rows", spec_.data.train.string()));
    if (validation.empty()) {
      throw InputError(fmt::format("{}: no validation rows: give data.validation or more training rows",
                                   spec_.data.train.string()));
    }

    if (spec_.data.multi_label) {
      LabelSets(out, validation);
    } else {
      // Labels: the spec's, or every rank's training labels, sorted.
      if (!spec_.labels.empty()) {
        out.data.labels = spec_.labels;
      } else {
        std::set<std::string> all;
        for (auto& l : GatherStrings(world_, label_names_)) all.insert(std::move(l));
        out.data.labels.assign(all.begin(), all.end());
      }
      if (out.data.labels.size() < 2) {
        throw InputError(fmt::format("{}: column \"{}\" has only one label; a classifier needs at least two",
                                     spec_.data.train.string(), spec_.data.label_column));
      }
      for (const auto& name : label_names_) {
        const auto it = std::find(out.data.labels.begin(), out.data.labels.end(), name);
        if (it == out.data.labels.end()) throw InternalError("streamed training: a label missing from the label set");
        out.label_remap.push_back(static_cast<uint32_t>(it - out.data.labels.begin()));
      }
      out.data.validation_labels = out.data.labels;
      out.data.validation.labels = IndexLabels(validation, out.data.validation_labels);
      for (auto& e : validation) out.data.validation.texts.push_back(std::move(e.text));
    }

    // Document frequencies of every rank, then the vocabulary and IDF.
    std::vector<std::pair<uint32_t, uint64_t>> counts;
    if (world_.distributed()) {
      std::vector<uint64_t> wide(df_.begin(), df_.end());
      std::vector<uint32_t>().swap(df_);
      world_.Sum(wide.data(), wide.size());
      counts = NonZeroCounts(wide);
    } else {
      counts = NonZeroCounts(df_);
      std::vector<uint32_t>().swap(df_);
    }
    const size_t labels = out.data.labels.size();
    AssignFeatureSpace(
        counts, total, spec_.model.min_count,
        [&](uint64_t seen) -> int64_t {
          return feature_cap_ ? feature_cap_(labels, seen) : spec_.model.max_features;
        },
        model_);

    CompactWords();
    words_.shrink_to_fit();  // the growth room goes before training allocates its windows
    out.words_sampled = words_sampled_;
    out.train_words = WordFilter::FromHashes(std::move(words_));

    out.data.lineage["train"] = {{"path", spec_.data.train.string()},
                                 {"fingerprint", fingerprints_.at("train").at("fingerprint")},
                                 {"rows", read},
                                 {"skipped", out.skipped_rows}};
    AddWeightLineage(spec_.data.weight_column, weight_sum, weighted_rows, out.data.lineage["train"]);
    if (carve) {
      out.data.lineage["validation"] = {{"split_of", "train"},
                                        {"share", share},
                                        {"seed", spec_.seed},
                                        {"rows", out.data.validation.texts.size()},
                                        {"draw", "per row, by hash of its line"},
                                        {"max_rows", StreamedTrainingData::kMaxValidationRows}};
    } else {
      out.data.lineage["validation"] = {{"path", spec_.data.validation.string()},
                                        {"fingerprint", fingerprints_.at("validation").at("fingerprint")},
                                        {"rows", out.data.validation.texts.size()}};
    }
    return out;
  }

 private:
  // Multi-label: the cache numbers label sets (their canonical text); the model's labels
  // are the spec's, or every label of every rank's sets, sorted; validation rows keep
  // their sets (recovered from the text after a gather across ranks).
  void LabelSets(StreamedTrainingData& out, std::vector<Example>& validation) {
    const std::string& separator = spec_.data.label_separator;
    if (!spec_.labels.empty()) {
      out.data.labels = spec_.labels;
    } else {
      std::set<std::string> all;
      for (const auto& set : GatherStrings(world_, label_names_)) {
        for (auto& l : SplitLabelSet(set, separator)) all.insert(std::move(l));
      }
      out.data.labels.assign(all.begin(), all.end());
    }
    if (out.data.labels.empty()) {
      throw InputError(fmt::format("{}: column \"{}\": no row has a label (every set is empty); a multi-label "
                                   "classifier needs at least one label to learn",
                                   spec_.data.train.string(), spec_.data.label_column));
    }
    for (const auto& set : label_names_) {
      std::vector<uint32_t> indices;
      for (const auto& name : SplitLabelSet(set, separator)) {
        const auto it = std::find(out.data.labels.begin(), out.data.labels.end(), name);
        if (it == out.data.labels.end()) throw InternalError("streamed training: a label missing from the label set");
        indices.push_back(static_cast<uint32_t>(it - out.data.labels.begin()));
      }
      std::sort(indices.begin(), indices.end());
      out.set_remap.push_back(std::move(indices));
    }
    out.data.multi_label = true;
    out.data.validation_labels = out.data.labels;
    for (Example& e : validation) e.labels = SplitLabelSet(e.label, separator);
    out.data.validation = IndexLabelSets(validation, out.data.validation_labels);
  }

  uint32_t LabelNumber(const std::string& label) {
    auto [it, added] = label_numbers_.try_emplace(label, static_cast<uint32_t>(label_names_.size()));
    if (added) label_names_.push_back(label);
    return it->second;
  }

  // Hands the full batch to the background job (after the previous one is done) and
  // goes back to parsing: reading the file overlaps featurizing and writing.
  void Flush() {
    if (batch_.empty()) return;
    Wait();
    std::swap(batch_, work_);
    batch_.clear();
    work_labels_.resize(work_.size());
    for (size_t i = 0; i < work_.size(); ++i) {
      work_labels_[i] = LabelNumber(work_[i].label);
      weight_sum_ += work_[i].weight;
      weighted_rows_ += work_[i].weight != 1.0f ? 1 : 0;
    }
    job_ = std::async(std::launch::async, [this] { Process(); });
  }

  void Wait() {
    if (job_.valid()) job_.get();
  }

  // Featurizes and encodes work_ in parallel, then appends it to the cache in file order.
  void Process() {
    const bool leader = world_.rank() == 0;
    ids_.resize(work_.size());
    rows_.resize(work_.size());
    if (leader) word_hashes_.resize(work_.size());
    ParallelFor(work_.size(), threads_, [&](size_t, size_t begin, size_t end) {
      uint64_t distinct = 0;
      for (size_t i = begin; i < end; ++i) {
        std::vector<uint32_t>& ids = ids_[i];
        if (leader) word_hashes_[i].clear();
        model_.extractor.Extract(work_[i].text, ids, leader ? &word_hashes_[i] : nullptr);
        std::sort(ids.begin(), ids.end());
        for (size_t k = 0; k < ids.size(); ++k) {
          if (k == 0 || ids[k] != ids[k - 1]) {
            std::atomic_ref<uint32_t>(df_[ids[k]]).fetch_add(1, std::memory_order_relaxed);
            ++distinct;
          }
        }
        RowCacheWriter::EncodeRow(work_labels_[i], work_[i].weight, ids, rows_[i]);
      }
      distinct_ids_.fetch_add(distinct, std::memory_order_relaxed);
    });
    for (size_t i = 0; i < work_.size(); ++i) {
      writer_.AddEncoded(rows_[i]);
      if (leader) words_.insert(words_.end(), word_hashes_[i].begin(), word_hashes_[i].end());
    }
    // Twice the kept words at most between compactions (16 MiB): the first pass is a phase
    // of the run's memory plan, and this buffer was its largest part.
    if (words_.size() > 2 * StreamedTrainingData::kMaxReferenceWords) CompactWords();
  }

  // Distinct word hashes, at most kMaxReferenceWords: the smallest hashes, a uniform
  // sample of the distinct words (a filter for more would be mostly false positives).
  void CompactWords() {
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
    if (words_.size() > StreamedTrainingData::kMaxReferenceWords) {
      words_.resize(StreamedTrainingData::kMaxReferenceWords);
      words_sampled_ = true;
    }
  }

  const TaskSpec& spec_;
  const nlohmann::json& fingerprints_;
  int threads_;
  World& world_;
  Model& model_;
  const FeatureCap& feature_cap_;
  RowCacheWriter writer_;
  std::vector<uint32_t> df_;
  std::atomic<uint64_t> distinct_ids_{0};
  std::vector<Example> batch_;  // being filled by the parser
  std::vector<Example> work_;   // being processed by job_
  std::vector<uint32_t> work_labels_;
  double weight_sum_ = 0;       // of the rows written to the cache (validation rows carry none)
  uint64_t weighted_rows_ = 0;  // of those, the rows whose weight is not 1
  std::future<void> job_;
  std::vector<std::vector<uint32_t>> ids_;
  std::vector<std::string> rows_;
  std::vector<std::vector<uint64_t>> word_hashes_;
  std::map<std::string, uint32_t> label_numbers_;
  std::vector<std::string> label_names_;  // by label number
  std::vector<uint64_t> words_;
  bool words_sampled_ = false;
  FileShards shards_;
};

}  // namespace

StreamedTrainingData StreamTrainingData(const TaskSpec& spec, const nlohmann::json& fingerprints,
                                        const std::filesystem::path& cache_path, int threads, World& world,
                                        Model& model, const FeatureCap& feature_cap) {
  return FirstPass(spec, fingerprints, cache_path, threads, world, model, feature_cap).Run();
}

}  // namespace trainops
