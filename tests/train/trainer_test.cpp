#include "train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "config/run_config.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;

sdk::Options train_options(std::map<std::string, sdk::OptionValue> overrides = {}) {
  sdk::Options options;
  for (const sdk::OptionSpec& spec : train_section_options()) {
    options.set(spec.name, *spec.default_value);
  }
  for (auto& [key, value] : overrides) options.set(key, value);
  return options;
}

struct TinySetup {
  std::shared_ptr<sdk::Backbone> model;
  std::shared_ptr<sdk::Regularizer> regularizer;
  sdk::Split batch;
};

TinySetup tiny(const std::string& regularizer) {
  const Registry& registry = testing::builtin_registry();
  torch::manual_seed(0);
  auto data = registry.make_dataset("synthetic",
                                    registry.defaults(ComponentKind::kDataset, "synthetic"), {0});
  sdk::Split train = data->train();
  TinySetup s;
  s.model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {data->info()});
  s.regularizer = registry.make_regularizer(
      regularizer, registry.defaults(ComponentKind::kRegularizer, regularizer),
      {*s.model, data->info(), 0});
  s.batch = {train.images.slice(0, 0, 16), train.labels.slice(0, 0, 16)};
  return s;
}

double loss_on(TinySetup& s, double alpha) {
  torch::NoGradGuard no_grad;
  s.model->train();
  auto taps = s.regularizer->task_taps();
  auto forward = s.model->forward_taps(s.batch.images, taps, true);
  torch::Tensor loss = torch::nn::functional::cross_entropy(forward.logits, s.batch.labels);
  torch::Tensor sim =
      s.regularizer->loss({*s.model, s.batch.images, s.batch.labels, forward.features, 0});
  if (sim.defined()) loss = loss + alpha * sim;
  return loss.item<double>();
}

TEST(Trainer, OneStepLowersTheLossOfATinyModel) {
  for (const std::string name : {"none", "pixel"}) {
    SCOPED_TRACE(name);
    TinySetup s = tiny(name);
    std::ostringstream log;
    Trainer trainer(s.model, s.regularizer, 1.0,
                    train_options({{"lr", 0.05}, {"momentum", 0.0}, {"weight_decay", 0.0}}),
                    torch::kCPU, 0, log);
    const double before = loss_on(s, 1.0);
    StepResult step = trainer.step(s.batch.images, s.batch.labels);
    EXPECT_NEAR(step.loss, before, 1e-4);  // the step saw the same loss
    EXPECT_LT(loss_on(s, 1.0), before);
    if (name == "pixel") {
      EXPECT_GT(step.regularizer_loss, 0.0);
    }
  }
}

TEST(Trainer, LayerMixingGammaIsTrainedAndReported) {
  TinySetup s = tiny("pixel");
  std::ostringstream log;
  Trainer trainer(s.model, s.regularizer, 20.0, train_options({{"lr", 0.5}}), torch::kCPU, 0, log);
  trainer.step(s.batch.images, s.batch.labels);
  auto gamma = s.regularizer->diagnostics();
  ASSERT_EQ(gamma.size(), 5u);
  double sum = 0;
  bool moved = false;
  for (const auto& [key, value] : gamma) {
    sum += value;
    moved |= std::abs(value - 0.2) > 1e-6;
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_TRUE(moved);
}

class NanRegularizer : public sdk::Regularizer {
 public:
  torch::Tensor loss(const sdk::RegularizerInput& in) override {
    return torch::full({}, std::numeric_limits<float>::quiet_NaN(), in.images.options());
  }
};

TEST(Trainer, NonFiniteLossStopsWithTheStepAndTerms) {
  TinySetup s = tiny("none");
  std::ostringstream log;
  Trainer trainer(s.model, std::make_shared<NanRegularizer>(), 2.0, train_options(), torch::kCPU, 0,
                  log);
  try {
    trainer.step(s.batch.images, s.batch.labels);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("non-finite loss at step 0: task loss ", 0), 0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("regularizer loss nan, alpha 2"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("No checkpoint was written yet."), std::string::npos);
  }
  testing::TempDir dir;
  trainer.save_checkpoint(dir.file("checkpoint.pt"), 1);
  try {
    trainer.step(s.batch.images, s.batch.labels);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Last good checkpoint: " + dir.file("checkpoint.pt")),
              std::string::npos)
        << e.what();
  }
}

TEST(StepSchedule, FollowsThePapersScheduleWithReset) {
  StepSchedule s = StepSchedule::from_options(train_options());
  EXPECT_DOUBLE_EQ(s.at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.at(3), 0.1);
  EXPECT_NEAR(s.at(4), 0.03, 1e-12);
  EXPECT_NEAR(s.at(19), 0.1 * std::pow(0.3, 4), 1e-12);
  EXPECT_DOUBLE_EQ(s.at(20), 0.1);
  EXPECT_NEAR(s.at(24), 0.03, 1e-12);
}

}  // namespace
}  // namespace neuroreg
