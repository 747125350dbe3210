// The test subset is a property of the comparison, not of the run: drawn
// with its own seed ([eval] seed), so runs of different seeds are scored on
// the same images, while each run's seed still draws its own training subset.
#include "data/task_data.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace neuroreg {
namespace {

// 40 train and 30 test images, each image holding its own index as its
// value, so a subset names the images it took.
class Indexed : public sdk::Dataset {
 public:
  sdk::DatasetInfo info() const override { return {1, 2, 2, 3, {}}; }
  sdk::Split train() override { return split(40); }
  sdk::Split test() override { return split(30); }

 private:
  static sdk::Split split(int64_t n) {
    const torch::Tensor index = torch::arange(n, torch::kFloat32);
    return {(index / 100).view({n, 1, 1, 1}).expand({n, 1, 2, 2}).contiguous(),
            torch::arange(n, torch::kInt64).remainder(3)};
  }
};

sdk::Options subsets() {
  sdk::Options options;
  options.set("train_size", int64_t{10});
  options.set("validation_size", int64_t{0});
  options.set("test_size", int64_t{8});
  return options;
}

TEST(TaskData, TestSubsetFollowsItsOwnSeedNotTheRunsSeed) {
  Indexed dataset;
  const TaskData a = prepare_task_data(dataset, "indexed", subsets(), /*seed=*/0, 1234);
  const TaskData b = prepare_task_data(dataset, "indexed", subsets(), /*seed=*/1, 1234);
  const TaskData c = prepare_task_data(dataset, "indexed", subsets(), /*seed=*/0, 99);
  ASSERT_EQ(a.test.size(), 8);
  EXPECT_TRUE(a.test.images.equal(b.test.images));
  EXPECT_EQ(split_crc32(a.test), split_crc32(b.test));
  EXPECT_EQ(a.test_subset_seed, 1234u);
  // The training subsets still differ by run seed; another subset seed
  // draws other test images.
  EXPECT_FALSE(a.train.images.equal(b.train.images));
  EXPECT_FALSE(a.test.images.equal(c.test.images));
  EXPECT_NE(split_crc32(a.test), split_crc32(c.test));
}

}  // namespace
}  // namespace neuroreg
