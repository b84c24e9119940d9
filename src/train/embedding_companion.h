// The embedding companion of a linear model (model.ensemble: embedding; docs/model.md).
//
// A linear model over TF-IDF n-grams and a fastText-style embedding model over the same
// n-grams make different mistakes: averaging their calibrated logits cut the linear model's
// 5-fold cross-validated errors from 844 to 786 on BANKING77 and from 688 to 639 on CLINC150
// (bench/RESULTS.md, issue 28). Both are linear in the feature vector x:
//   linear     z_lin(x) = W^T x + b_lin               (W: features x labels)
//   embedding  z_emb(x) = O^T (E^T x) + b_emb         (E: features x dim, O: dim x labels)
// so the average of their calibrated logits (each divided by its model's own temperature,
// so that neither dominates by the scale of its logits), brought back to the linear
// model's scale, a z_lin + c z_emb with a = 1 - w and c = w T_lin / T_emb, is itself a
// linear model with weights a W + c E O and bias a b_lin + c b_emb.
// The shipped file is that one linear model: the same size, the same latency and the same
// format as the linear model alone, and every reader (predict, serve, eval, gates, drift,
// the Python module) scores it unchanged.
//
// Not thread-safe; trains with `threads` threads (and the world's ranks under mpirun: a
// collective call, every rank must make it).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "train/hyperparameters.h"
#include "train/sgd_engine.h"
#include "train/trainer.h"

namespace trainops {

// Share of the companion in the average (w above), chosen by the same cross-validation of
// the training files (bench/cv_bench.py, one repeat): BANKING77 / CLINC150 errors were
// 802 / 649 at w = 0.25, 788 / 639 at 0.35, 786 / 639 at 0.4, 786 / 650 at 0.5 and 794 / 668
// at 0.65. Fixed, not fitted per run: a few hundred validation rows cannot tell these apart.
inline constexpr double kCompanionWeight = 0.4;

// The companion's hyper-parameters: the embedding model's defaults (task/parameters.h) with
// the linear run's features, min_count and seed (offset, so its row order differs), and
// `dim` (model.dim).
Hyperparameters CompanionHyperparameters(const Hyperparameters& linear, int dim);

// Why no companion can be folded in on this validation set, or "" when one can: the two
// models' logits are put on one scale by their temperatures, which are fitted only on
// kMinCalibrationRows or more validation rows of the model's labels (eval/calibration.h).
// The same answer on every rank (it reads only the validation rows).
std::string CompanionValidationProblem(const EncodedData& validation, size_t labels);

// Trains the companion on the linear model's training rows (`train`, in memory; this
// rank's epoch order is the one of rank `order_rank`) with checkpoints chosen on
// `selection` (validation rows of labels the model has), fits both models' temperatures on
// `validation` and folds the companion into `linear` (float weights, before quantization).
// `base` supplies the checkpoint policy, metric, threads, world and epoch length; its
// checkpoint directory and callbacks are not used (the companion's checkpoints stay in
// memory). Returns what run.json records under "ensemble": when either model's temperature
// could not be fitted (no validation errors to fit it on), `linear` is left as it was and
// the record says so. Only the leader's (rank 0's) `linear` is changed; the other ranks
// train along and return null.
nlohmann::json AddEmbeddingCompanion(Model& linear, const EncodedData& train, const EncodedData& selection,
                                     const EncodedData& validation, const std::vector<std::string>& validation_labels,
                                     const Hyperparameters& companion_hp, const TrainerOptions& base, int order_rank);

// Folds an embedding model into a linear one over the same vocabulary: the weights become
// a W + c E O and the bias a b_lin + c b_emb (see above). Throws InternalError on shapes
// that do not match.
void FoldCompanionInto(Model& linear, const Model& embedding, float a, float c);

}  // namespace trainops
