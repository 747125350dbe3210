// The views an attack gets: exactly the access it declared, nothing more.
#include "robustness/model_view.h"

#include <gtest/gtest.h>

#include "support/linear_backbone.h"

namespace neuroreg {
namespace {

using sdk::ModelAccess;

TEST(BackboneView, GradientViewGivesLogitsWithAGraphBackToTheImages) {
  auto task = testing::trained_linear_task(8);
  BackboneView view(*task.model, ModelAccess::kGradients);
  torch::Tensor x = task.images.clone().requires_grad_(true);
  view.logits_with_grad(x).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0);
  EXPECT_EQ(view.queries(), 8);
}

TEST(BackboneView, ScoreViewCannotReachGradients) {
  auto task = testing::trained_linear_task(8);
  BackboneView view(*task.model, ModelAccess::kScores);
  try {
    view.logits_with_grad(task.images);
    FAIL() << "a score view gave gradients";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "ModelView::logits_with_grad needs 'gradients' access, but this attack "
                 "declared 'scores' access");
  }
  // Even an input that asks for gradients gets logits with no graph behind them.
  torch::Tensor x = task.images.clone().requires_grad_(true);
  torch::Tensor logits = view.logits(x);
  EXPECT_FALSE(logits.requires_grad());
  EXPECT_FALSE(logits.grad_fn());
  EXPECT_THROW(logits.sum().backward(), c10::Error);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{8, 4}));
}

TEST(BackboneView, DecisionViewAnswersLabelsOnly) {
  auto task = testing::trained_linear_task(8);
  BackboneView view(*task.model, ModelAccess::kDecisions);
  EXPECT_THROW(view.logits_with_grad(task.images), std::logic_error);
  try {
    view.logits(task.images);
    FAIL() << "a decision view gave scores";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "ModelView::logits needs 'scores' or 'gradients' access, but this attack "
                 "declared 'decisions' access");
  }
  torch::Tensor x = task.images.clone().requires_grad_(true);
  torch::Tensor labels = view.labels(x);
  EXPECT_EQ(labels.scalar_type(), torch::kLong);
  EXPECT_FALSE(labels.requires_grad());
  EXPECT_TRUE(labels.equal(task.model->forward(task.images).argmax(1)));
  EXPECT_EQ(view.queries(), 8);
}

}  // namespace
}  // namespace neuroreg
