// The data of one task: a dataset's splits, checked, subset and split.
//
// Subsetting and the validation hold-out are done here, the same way for
// every dataset plugin, with seeded permutations. The training subset and
// validation hold-out follow the run's seed (each seed trains on its own
// draw); the test subset has a seed of its own, [eval] seed, the same for
// every cell of a comparison, so that every compared model is scored on the
// same test images and paired differences carry no test-draw noise.
#pragma once

#include <neuroreg/sdk/dataset.h>
#include <neuroreg/sdk/options.h>

#include <cstdint>
#include <string>

namespace neuroreg {

struct TaskData {
  sdk::DatasetInfo info;
  sdk::Split train;
  sdk::Split validation;  ///< empty when validation_size = 0
  sdk::Split test;
  uint64_t test_subset_seed = 0;  ///< the seed that drew `test` (when a subset)
};

/// Checks what a dataset plugin returned: float images N×C×H×W in [0,1]
/// matching `info`, int64 labels in [0, classes). Throws std::runtime_error
/// naming the dataset, the split and the problem.
void check_split(const sdk::Split& split, const sdk::DatasetInfo& info, const std::string& what);

/// Reads the dataset and applies train_size and validation_size from
/// `options` (the [dataset] table) with a permutation drawn from `seed`, and
/// test_size with one drawn from `test_subset_seed` ([eval] seed).
TaskData prepare_task_data(sdk::Dataset& dataset, const std::string& name,
                           const sdk::Options& options, uint64_t seed, uint64_t test_subset_seed);

/// CRC-32 of a split's image and label bytes: equal for two splits holding
/// the same images and labels in the same order.
uint32_t split_crc32(const sdk::Split& split);

}  // namespace neuroreg
