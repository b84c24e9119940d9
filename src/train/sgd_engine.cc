#include "train/sgd_engine.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/huge_pages.h"
#include "common/parallel.h"
#include "common/vector_ops.h"

namespace trainops {
namespace {

constexpr float kEpsilon = 1e-8f;
// Labels whose gradient is below this are skipped: late in training most probabilities
// are ~0, and skipping them makes an update several times cheaper at no measurable cost.
constexpr float kGradientFloor = 1e-4f;

// Per-weight AdaGrad on one weight row: g = v * grad + l2 * w; acc += g^2;
// w -= lr * g / sqrt(acc). Compiled for AVX2+FMA and baseline (see common/vector_ops.h).
TRAINOPS_CLONES
void AdagradRow(float v, const float* __restrict grad, float l2, float lr, float* __restrict w,
                float* __restrict acc, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    const float g = v * grad[k] + l2 * w[k];
    acc[k] += g * g;
    w[k] -= lr * g / std::sqrt(acc[k]);
  }
}

// AdagradRow for an example of importance weight `weight` != 1 (SgdEngine::Update):
// acc += weight * g^2; w -= lr * weight * g / sqrt(acc). A separate function so that the
// unweighted one keeps its exact arithmetic.
TRAINOPS_CLONES
void AdagradRowWeighted(float v, const float* __restrict grad, float l2, float lr, float weight,
                        float* __restrict w, float* __restrict acc, size_t n) {
  const float lr_weight = lr * weight;
  for (size_t k = 0; k < n; ++k) {
    const float g = v * grad[k] + l2 * w[k];
    acc[k] += weight * (g * g);
    w[k] -= lr_weight * g / std::sqrt(acc[k]);
  }
}

double SoftmaxInPlace(std::vector<float>& v, uint32_t gold) {
  float max_v = *std::max_element(v.begin(), v.end());
  float sum = 0;
  for (float& x : v) {
    x = std::exp(x - max_v);
    sum += x;
  }
  const float inv = 1.0f / sum;
  for (float& x : v) x *= inv;
  return gold < v.size() ? -std::log(std::max(v[gold], 1e-12f)) : 0.0;
}

// -log sigmoid(z), stable for large |z|.
double LogLoss(float z) { return z > 0 ? std::log1p(std::exp(-static_cast<double>(z))) : -z + std::log1p(std::exp(static_cast<double>(z))); }

// One-vs-all: an independent sigmoid per label against its 0/1 target. Turns the logits
// into the gradient of the summed binary cross-entropy (sigmoid(z_k) - y_k) in place and
// returns that loss. `gold` lists the example's labels, sorted.
// Without `with_loss` it returns 0: the loss takes two double-precision transcendentals
// per label (7% of a small multi-label run's instructions, callgrind) for a number the
// cross-fit's fold models never read.
double SigmoidsInPlace(std::vector<float>& v, const uint32_t* gold, size_t gold_count, bool with_loss) {
  double loss = 0;
  size_t next = 0;
  for (uint32_t k = 0; k < v.size(); ++k) {
    while (next < gold_count && gold[next] < k) ++next;
    const bool positive = next < gold_count && gold[next] == k;
    const float z = v[k];
    if (with_loss) loss += positive ? LogLoss(z) : LogLoss(-z);
    v[k] = 1.0f / (1.0f + std::exp(-z)) - (positive ? 1.0f : 0.0f);
  }
  return loss;
}

}  // namespace

double MultiLabelLoss(const float* probs, size_t labels, const uint32_t* gold, size_t gold_count) {
  double loss = 0;
  size_t next = 0;
  for (uint32_t k = 0; k < labels; ++k) {
    while (next < gold_count && gold[next] < k) ++next;
    const bool positive = next < gold_count && gold[next] == k;
    const double p = std::clamp(static_cast<double>(probs[k]), 1e-12, 1 - 1e-12);
    loss -= positive ? std::log(p) : std::log1p(-p);
  }
  return loss;
}

void InitializeWeights(const Hyperparameters& hp, Model& model, OptimizerState& state) {
  const size_t rows = model.vocab.size();
  const size_t labels = model.num_labels();
  model.bias.assign(labels, 0.0f);
  state.bias.assign(labels, kInitialAccumulator);
  if (hp.type == ModelType::kLinear) {
    model.dim = static_cast<uint32_t>(labels);
    // Huge pages: the updates touch these at random (common/huge_pages.h).
    AssignOnHugePages(model.input, rows * labels, 0.0f);
    model.output.clear();
    AssignOnHugePages(state.input, rows * labels, kInitialAccumulator);
    state.output.clear();
    return;
  }
  model.dim = static_cast<uint32_t>(hp.dim);
  AssignOnHugePages(model.input, rows * model.dim, 0.0f);
  // mt19937_64 and our own uniform mapping: std::uniform_real_distribution differs
  // between standard libraries, which would break cross-platform determinism.
  std::mt19937_64 rng(hp.seed ^ 0x5eedf00dull);
  const float scale = 1.0f / static_cast<float>(model.dim);
  for (float& w : model.input) {
    w = (static_cast<float>(rng() >> 40) / static_cast<float>(1ull << 24) * 2.0f - 1.0f) * scale;
  }
  model.output.assign(static_cast<size_t>(model.dim) * labels, 0.0f);
  state.input.assign(rows, kInitialAccumulator);
  state.output.assign(model.output.size(), kInitialAccumulator);
}

SgdEngine::SgdEngine(Model& model, OptimizerState& state, const EncodedData& train,
                     const Hyperparameters& hp)
    : model_(model), state_(state), train_(train), hp_(hp) {}

float SgdEngine::LearningRate(uint64_t step, uint64_t total_steps) const {
  double progress = total_steps ? static_cast<double>(step) / static_cast<double>(total_steps) : 0;
  return static_cast<float>(hp_.learning_rate * std::max(0.05, 1.0 - progress));
}

double SgdEngine::Run(const std::vector<uint32_t>& order, size_t begin, size_t end, uint64_t step,
                      uint64_t total_steps, int threads) {
  if (train_.multi_label()) {
    // One-vs-all updates touch every label's weights early on, so Hogwild threads collide
    // on every row; on small data that is all noise and no speed: on NLU++ hotels (823
    // rows) two threads were no faster than one and moved a split's micro-F1 by up to 4
    // points from run to run (bench/RESULTS.md). A thread per kMultiLabelRowsPerThread rows.
    threads = std::max(1, std::min(ResolveThreads(threads), static_cast<int>(train_.size() / kMultiLabelRowsPerThread)));
  }
  std::vector<double> losses(static_cast<size_t>(std::max(1, threads)), 0.0);
  const size_t n = end - begin;
  ParallelFor(n, threads, [&](size_t t, size_t chunk_begin, size_t chunk_end) {
    Workspace ws;
    double loss = 0;
    const size_t t_count = static_cast<size_t>(std::max(1, threads));
    for (size_t i = chunk_begin; i < chunk_end; ++i) {
      // With several threads, each sees its own slice; the global step is estimated as if
      // the slices advanced together, which keeps the schedule smooth.
      uint64_t global = step + (t_count > 1 ? (i - chunk_begin) * t_count : i);
      loss += Update(order[begin + i], LearningRate(global, total_steps), ws);
    }
    losses[t] = loss;
  });
  double total = 0;
  for (double l : losses) total += l;
  return total;
}

double SgdEngine::Update(uint32_t example, float lr, Workspace& ws) {
  const float weight = train_.weight(example);
  if (weight == 1.0f) return UpdateWith<false>(example, lr, 1.0f, ws);
  if (weight == 0.0f) return 0.0;  // a row weighted 0 teaches nothing
  return UpdateWith<true>(example, lr, weight, ws);
}

template <bool kWeighted>
double SgdEngine::UpdateWith(uint32_t example, float lr, float weight, Workspace& ws) {
  // With kWeighted false, `weight` is 1 and unused: every line below is the unweighted
  // update exactly.
  const float lr_weight = lr * weight;
  std::vector<float>& hidden = ws.hidden;
  std::vector<float>& probs = ws.probs;
  std::vector<float>& grad_hidden = ws.grad_hidden;
  const uint64_t first = train_.offsets[example], last = train_.offsets[example + 1];
  const uint32_t gold = train_.labels[example];
  const size_t labels = model_.num_labels();
  const uint32_t dim = model_.dim;
  const float l2 = hp_.l2;
  const uint32_t* rows = &train_.rows[first];
  const float* values = &train_.values[first];
  const size_t nnz = last - first;
  model_.Logits(rows, values, nnz, hidden, probs);
  // probs becomes the gradient of the loss w.r.t. the logits.
  double loss;
  if (train_.multi_label()) {
    const uint64_t set_first = train_.set_offsets[example];
    loss = SigmoidsInPlace(probs, train_.set_labels.data() + set_first, train_.set_offsets[example + 1] - set_first,
                           with_loss_);
  } else {
    loss = SoftmaxInPlace(probs, gold);
    if (gold < labels) probs[gold] -= 1.0f;
  }

  // Labels whose gradient is negligible are left alone: late in training nearly all
  // probabilities are ~0, and touching only the few that matter is several times faster.
  std::vector<uint32_t>& active = ws.active;
  active.clear();
  for (uint32_t k = 0; k < labels; ++k) {
    if (std::fabs(probs[k]) >= kGradientFloor) active.push_back(k);
  }
  for (uint32_t k : active) {
    const float g = probs[k];
    if constexpr (kWeighted) {
      state_.bias[k] += weight * (g * g);
      model_.bias[k] -= lr_weight * g / (std::sqrt(state_.bias[k]) + kEpsilon);
    } else {
      state_.bias[k] += g * g;
      model_.bias[k] -= lr * g / (std::sqrt(state_.bias[k]) + kEpsilon);
    }
  }

  if (model_.info.type == ModelType::kLinear) {
    // Per-weight AdaGrad (measured: row-wise AdaGrad loses about 1.5 points of accuracy
    // on BANKING77). Early on every label has a gradient and the dense loop vectorizes;
    // later only a few do and the sparse loop touches just those.
    const bool dense = active.size() * 2 > labels;
    const float* g_label = probs.data();
    for (size_t i = 0; i < nnz; ++i) {
      const size_t base = static_cast<size_t>(rows[i]) * dim;
      float* w = &model_.input[base];
      float* acc = &state_.input[base];
      const float v = values[i];
      if (dense) {
        if constexpr (kWeighted) {
          AdagradRowWeighted(v, g_label, l2, lr, weight, w, acc, labels);
        } else {
          AdagradRow(v, g_label, l2, lr, w, acc, labels);
        }
      } else {
        for (uint32_t k : active) {
          const float g = v * g_label[k] + l2 * w[k];
          if constexpr (kWeighted) {
            acc[k] += weight * (g * g);
            w[k] -= lr_weight * g / std::sqrt(acc[k]);
          } else {
            acc[k] += g * g;
            w[k] -= lr * g / std::sqrt(acc[k]);
          }
        }
      }
    }
    return kWeighted ? weight * loss : loss;
  }

  // Embedding model: back-propagate through the output layer first.
  grad_hidden.assign(dim, 0.0f);
  for (uint32_t h = 0; h < dim; ++h) {
    float* out = &model_.output[static_cast<size_t>(h) * labels];
    float* acc = &state_.output[static_cast<size_t>(h) * labels];
    float gh = 0;
    const float hv = hidden[h];
    for (size_t k = 0; k < labels; ++k) {
      float gk = probs[k];
      if (std::fabs(gk) < kGradientFloor) continue;
      gh += out[k] * gk;
      float g = hv * gk + l2 * out[k];
      if constexpr (kWeighted) {
        acc[k] += weight * (g * g);
        out[k] -= lr_weight * g / std::sqrt(acc[k]);
      } else {
        acc[k] += g * g;
        out[k] -= lr * g / std::sqrt(acc[k]);
      }
    }
    grad_hidden[h] = gh;
  }
  float mean_sq = 0;
  for (float g : grad_hidden) mean_sq += g * g;
  mean_sq /= static_cast<float>(dim);
  // L2 on embeddings as weight decay of the rows an example touches (w copies decay w
  // times as much; never past zero).
  const float decay = kWeighted ? std::max(0.0f, 1.0f - lr_weight * l2) : 1.0f - lr * l2;
  for (size_t i = 0; i < nnz; ++i) {
    const uint32_t row = rows[i];
    float* e = &model_.input[static_cast<size_t>(row) * dim];
    const float v = values[i];
    // Row-wise AdaGrad for embeddings: one accumulator per feature keeps state small.
    float step;
    if constexpr (kWeighted) {
      state_.input[row] += weight * (v * v * mean_sq);
      step = lr_weight * v / std::sqrt(state_.input[row]);
    } else {
      state_.input[row] += v * v * mean_sq;
      step = lr * v / std::sqrt(state_.input[row]);
    }
    for (uint32_t h = 0; h < dim; ++h) e[h] = e[h] * decay - step * grad_hidden[h];
  }
  return kWeighted ? weight * loss : loss;
}

Scored ScoreEncoded(const Model& model, const EncodedData& data, int threads, bool keep_logits) {
  Scored scored;
  const size_t labels = model.num_labels();
  scored.predicted.resize(data.size());
  if (keep_logits) scored.logits.resize(data.size() * labels);
  std::vector<double> losses(static_cast<size_t>(std::max(1, threads)), 0.0);
  ParallelFor(data.size(), threads, [&](size_t t, size_t begin, size_t end) {
    std::vector<float> hidden, logits, probs;
    double loss = 0;
    for (size_t i = begin; i < end; ++i) {
      const uint64_t first = data.offsets[i];
      model.Logits(data.rows.data() + first, data.values.data() + first,
                   data.offsets[i + 1] - first, hidden, logits);
      if (keep_logits) std::copy(logits.begin(), logits.end(), scored.logits.begin() + i * labels);
      scored.predicted[i] =
          static_cast<uint32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      probs = logits;
      if (data.multi_label()) {
        // Labels the model does not know (validation-only ones) are past `labels`: the
        // loss covers the model's own labels.
        model.CalibratedSigmoids(probs);
        const uint64_t first_label = data.set_offsets[i];
        loss += MultiLabelLoss(probs.data(), labels, data.set_labels.data() + first_label,
                               data.set_offsets[i + 1] - first_label);
        continue;
      }
      model.Softmax(probs, model.info.temperature);
      uint32_t gold = data.labels[i];
      // Examples whose label the model does not know cannot be scored for loss.
      if (gold < labels) loss -= std::log(std::max(probs[gold], 1e-12f));
    }
    losses[t] = loss;
  });
  for (double l : losses) scored.loss += l;
  scored.loss = data.size() ? scored.loss / static_cast<double>(data.size()) : 0;
  return scored;
}

}  // namespace trainops
