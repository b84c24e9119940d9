// The reference statistics of a trained model recomputed from its validation rows.
//
// A model's reference statistics (model/reference_stats.h) summarize validation as the
// model answers it, rejection included; the drift monitor compares traffic with them. When
// a model's out-of-scope threshold changes after training (the cycle's threshold refresh,
// drift/threshold_refresh.h), they are recomputed so that traffic and validation are
// answered by the same rule; otherwise the rejection rate and the label mix would drift by
// construction.
//
// Thread-safety: pure function of its arguments.
#pragma once

#include "model/model.h"
#include "model/reference_stats.h"
#include "train/training_data.h"

namespace trainops {

// `data`: the run's training data (LoadTrainingData of the spec it was trained with);
// `model`: that run's model, with the threshold to apply. The training words are taken
// from the model's current statistics. Throws InputError when the model has no reference
// statistics or its labels are not the data's.
ReferenceStats RecomputeReferenceStats(const Model& model, const TrainingData& data);

}  // namespace trainops
