// The data of one task: a dataset's splits, checked, subset and split.
//
// Subsetting and the validation hold-out are done here, the same way for
// every dataset plugin, with a seeded permutation so that every compared run
// sees the same images.
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
};

/// Checks what a dataset plugin returned: float images N×C×H×W in [0,1]
/// matching `info`, int64 labels in [0, classes). Throws std::runtime_error
/// naming the dataset, the split and the problem.
void check_split(const sdk::Split& split, const sdk::DatasetInfo& info, const std::string& what);

/// Reads the dataset and applies train_size, validation_size and test_size
/// from `options` (the [dataset] table), using `seed`.
TaskData prepare_task_data(sdk::Dataset& dataset, const std::string& name,
                           const sdk::Options& options, uint64_t seed);

}  // namespace neuroreg
