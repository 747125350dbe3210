// The host's check: only clipped, misclassified images count, at the
// distance the host measures; every other result is tallied by reason.
#include "robustness/adversarial_check.h"

#include <gtest/gtest.h>

#include "support/linear_backbone.h"

namespace neuroreg {
namespace {

using sdk::Norm;

TEST(AdversarialCheck, CountsOnlyMisclassifiedImagesAtTheirMeasuredDistance) {
  auto task = testing::trained_linear_task(4, 4);
  auto& model = *task.model;
  const torch::Tensor x = task.images, y = task.labels;
  ASSERT_TRUE(model.forward(x).argmax(1).equal(y));
  // Sample 0: another class's image (adversarial). 1: unchanged. 2: a tiny
  // change (still correct). 3: NaN.
  torch::Tensor returned = x.clone();
  returned[0] = x[1];
  returned[2] = x[2] + 1e-4;
  returned[3].fill_(std::nan(""));
  const CheckedBatch c = check_adversarials(model, x, y, returned, Norm::kL2, "test");
  EXPECT_EQ(c.counts.returned, 4);
  EXPECT_EQ(c.counts.adversarial, 1);
  EXPECT_EQ(c.counts.unchanged, 1);
  EXPECT_EQ(c.counts.not_adversarial, 1);
  EXPECT_EQ(c.counts.non_finite, 1);
  EXPECT_NEAR(c.distances[0].item<double>(), (x[1] - x[0]).norm().item<double>(), 1e-5);
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(std::isinf(c.distances[i].item<double>())) << i;
}

TEST(AdversarialCheck, ClipsToTheBoxBeforeClassifyingAndMeasuring) {
  auto task = testing::trained_linear_task(4, 4);
  const torch::Tensor x = task.images, y = task.labels;
  // Far outside the box; what counts is the clipped image and its distance.
  const torch::Tensor returned = x + 10 * (x[1] - x[0]).unsqueeze(0);
  const CheckedBatch c = check_adversarials(*task.model, x, y, returned, Norm::kLinf, "test");
  EXPECT_EQ(c.counts.clipped, 4);
  EXPECT_GE(c.images.min().item<double>(), 0);
  EXPECT_LE(c.images.max().item<double>(), 1);
  const torch::Tensor expected = (c.images - x).abs().flatten(1).amax(1).to(torch::kDouble);
  const torch::Tensor counted = c.distances.isfinite();
  EXPECT_GT(c.counts.adversarial, 0);
  EXPECT_TRUE(c.distances.masked_select(counted).allclose(expected.masked_select(counted)));
}

TEST(AdversarialCheck, TalliesFixedEpsilonResultsBeyondTheirBudget) {
  auto task = testing::trained_linear_task(4, 4);
  const torch::Tensor x = task.images, y = task.labels;
  torch::Tensor returned = x.clone();
  returned[0] = x[1];
  const double d = (x[1] - x[0]).abs().max().item<double>();
  const torch::Tensor eps = torch::full({4}, d / 2);
  const CheckedBatch c = check_adversarials(*task.model, x, y, returned, Norm::kLinf, "t", eps);
  EXPECT_EQ(c.counts.adversarial, 1);
  EXPECT_EQ(c.counts.over_budget, 1);
  EXPECT_NEAR(c.distances[0].item<double>(), d, 1e-6);  // measured, not ε
}

TEST(AdversarialCheck, RefusesAResultOfAnotherShapeNamingTheAttack) {
  auto task = testing::trained_linear_task(4, 4);
  try {
    check_adversarials(*task.model, task.images, task.labels, task.images.slice(0, 0, 2),
                       Norm::kL2, "pgd_l2");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "attack 'pgd_l2' returned [2, 1, 8, 8] for a batch of [4, 1, 8, 8]; expected "
                 "floating-point images of the batch's shape");
  }
}

}  // namespace
}  // namespace neuroreg
