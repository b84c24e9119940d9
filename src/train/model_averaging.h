// Model averaging for data-parallel training (train/world.h): after the ranks have each
// trained on their share of the rows since the last checkpoint, every weight becomes the
// average of the ranks' values weighted by the squared gradient each rank's AdaGrad
// accumulator has seen for it, as Vowpal Wabbit's weighted averaging does: a feature seen
// on one rank only keeps that rank's value instead of being divided by the number of
// ranks. The accumulators become the mean over the ranks (each rank goes on with step
// sizes for the gradient one rank sees: with their sum, the dense weights, averaged over
// the ranks, moved a fraction of a single process's distance per epoch, and 4 ranks lost
// a point on BANKING77; bench/RESULTS.md). After averaging every rank holds the same
// weights and optimizer state.
#pragma once

#include "model/model.h"
#include "train/hyperparameters.h"
#include "train/sgd_engine.h"
#include "train/world.h"

namespace trainops {

// Collective: every rank must call it at the same point. A no-op in a world of one.
void AverageAcrossRanks(World& world, ModelType type, Model& model, OptimizerState& optimizer);

}  // namespace trainops
