// Predictive models: the three cores under one model, fitting, metrics, and
// the S_model target with its report.
#include "neural/model/predictive_model.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "neural/fit.h"
#include "neural/neural_report.h"
#include "neural/neural_targets.h"
#include "neural/neuron_metrics.h"
#include "neural/recordings.h"
#include "support/builtin_plugins.h"
#include "support/tiny_scans.h"

namespace neuroreg {
namespace {

ModelSettings tiny(const std::string& core) {
  ModelSettings settings;
  settings.core = core;
  settings.features = 2;  // rotation_equivariant: 8 × 2 channels; regular_cnn: 16
  return settings;
}

struct Batch {
  torch::Tensor images, behavior, pupil, responses;
};

Batch random_batch(int64_t n, int64_t neurons) {
  torch::manual_seed(3);
  return {torch::randn({n, 1, 36, 64}), torch::randn({n, 3}), torch::randn({n, 2}),
          torch::poisson(torch::full({n, neurons}, 0.5))};
}

TEST(PredictiveModel, EveryCoreMapsImagesBehaviourAndPupilToPositiveRates) {
  const Batch b = random_batch(4, 7);
  for (const std::string& core : core_names()) {
    torch::manual_seed(0);
    PredictiveModel model(tiny(core), 7, 36, 64, 3);
    const torch::Tensor rates = model.forward(b.images, b.behavior, b.pupil);
    EXPECT_EQ(rates.sizes(), (std::vector<int64_t>{4, 7})) << core;
    EXPECT_GT(rates.min().item<float>(), 0.0f) << core;
    EXPECT_GT(model.regularization().item<float>(), 0.0f) << core;
  }
}

TEST(PredictiveModel, OneFitStepLowersThePoissonLossForEveryCore) {
  const Batch b = random_batch(16, 5);
  for (const std::string& core : core_names()) {
    torch::manual_seed(0);
    PredictiveModel model(tiny(core), 5, 36, 64, 3);
    torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(0.01));
    const double before = fit_step(model, optimizer, b.images, b.behavior, b.pupil, b.responses);
    torch::NoGradGuard no_grad;
    model.train();  // the same BatchNorm statistics as the step saw
    const double after =
        poisson_loss(model.forward(b.images, b.behavior, b.pupil), b.responses).item<double>();
    EXPECT_LT(after, before) << core;
  }
}

TEST(PredictiveModel, SavesAndLoadsToTheSamePredictions) {
  testing::TempDir dir;
  const Batch b = random_batch(3, 4);
  for (const std::string& core : core_names()) {
    torch::manual_seed(1);
    PredictiveModel model(tiny(core), 4, 36, 64, 3);
    model.eval();
    const std::string file = dir.file(core + "/model.pt");
    model.save_to(file);
    auto back = load_predictive_model(file);
    back->eval();
    EXPECT_EQ(back->settings().core, core);
    EXPECT_TRUE(torch::allclose(back->forward(b.images, b.behavior, b.pupil),
                                model.forward(b.images, b.behavior, b.pupil)))
        << core;
  }
}

TEST(PredictiveModel, MissingOrForeignFilesAndUnknownCoresAreClearErrors) {
  testing::TempDir dir;
  try {
    load_predictive_model(dir.file("none.pt"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              dir.file("none.pt") + ": no such model file (fit one with 'neuroreg neural fit')");
  }
  std::ofstream(dir.file("text.pt")) << "not a model";
  try {
    load_predictive_model(dir.file("text.pt"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("text.pt") + ": cannot read", 0), 0u)
        << e.what();
  }
  ModelSettings settings;
  settings.core = "resnet";
  try {
    make_core(settings);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown core 'resnet'; expected one of: paper_cnn, rotation_equivariant, "
              "regular_cnn");
  }
}

TEST(ContrastMaps, PeakWhereTheResponsesFollowTheImageContrast) {
  torch::manual_seed(0);
  torch::Tensor images = torch::randn({400, 1, 20, 30}) * 0.1;
  // Neuron 0 fires with the contrast around row 5, column 20.
  const torch::Tensor contrast = torch::rand({400});
  images.index_put_({torch::indexing::Slice(), 0, 5, 20},
                    contrast * torch::randn({400}).sign() * 3);
  const torch::Tensor responses = torch::stack({contrast, torch::rand({400})}, 1);
  const torch::Tensor maps = contrast_maps(images, responses, 20, 30);
  // The 5×5 smoothing makes a plateau around the pixel: any of it will do.
  const int64_t peak = maps[0].argmax().item<int64_t>();
  EXPECT_LE(std::abs(peak / 30 - 5), 2) << peak;
  EXPECT_LE(std::abs(peak % 30 - 20), 2) << peak;
}

TEST(NeuronMetrics, MatchHandComputedValues) {
  // 2 images × 2 repeats × 1 neuron: responses (1, 3) and (4, 8).
  const torch::Tensor r = torch::tensor({1.0f, 3.0f, 4.0f, 8.0f}).view({2, 2, 1});
  const torch::Tensor p = torch::tensor({2.0f, 2.0f, 6.0f, 6.0f}).view({2, 2, 1});
  const NeuronMetrics m = neuron_metrics(p, r);
  auto pearson = [](std::vector<double> x, std::vector<double> y) {
    double mx = 0, my = 0;
    for (size_t i = 0; i < x.size(); ++i) mx += x[i] / x.size(), my += y[i] / y.size();
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
  };
  EXPECT_NEAR(m.test_correlation[0].item<float>(), pearson({2, 2, 6, 6}, {1, 3, 4, 8}), 1e-6);
  EXPECT_NEAR(m.correlation_to_average[0].item<float>(), 1.0, 1e-6);  // means 2, 6 both
  // Each trial against the other repeat of its image.
  EXPECT_NEAR(m.oracle_correlation[0].item<float>(), pearson({1, 3, 4, 8}, {3, 1, 8, 4}), 1e-6);
  // noise η² = mean(2, 8) = 5; Var = 26/3; MSE = (1+1+4+4)/4 = 2.5.
  EXPECT_NEAR(m.feve[0].item<float>(), 1 - (2.5 - 5) / (26.0 / 3 - 5), 1e-5);
  EXPECT_NEAR(m.fraction_of_oracle,
              m.test_correlation[0].item<float>() / m.oracle_correlation[0].item<float>(), 1e-5);
}

TEST(NeuronMetrics, FeveIsUndefinedWithoutExplainableVariance) {
  // Every image has the same mean: nothing to explain.
  const torch::Tensor r = torch::tensor({1.0f, 3.0f, 3.0f, 1.0f}).view({2, 2, 1});
  EXPECT_TRUE(std::isnan(neuron_metrics(r, r).feve[0].item<float>()));
}

TEST(FitPredictiveModel, TooFewTrialsIsAClearError) {
  Scan scan;
  scan.tiers = {"train", "validation", "test"};
  scan.images = torch::zeros({3, 1, 36, 64});
  scan.responses = torch::zeros({3, 2});
  scan.behavior = torch::zeros({3, 3});
  scan.pupil_center = torch::zeros({3, 2});
  std::ostringstream log;
  try {
    fit_predictive_model(scan, FitSettings{}, "scanA", log);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "scanA: 1 train and 1 validation trials are too few to fit a model (batch size 64)");
  }
}

TEST(NeuralTargets, FittedModelsGiveANeuralModelTargetAndAReportWithPictures) {
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans =
      testing::simulate_tiny_scans(dir.file("rec"), 40, 6, 4, 12, 2.0, log);
  FitSettings settings;
  settings.model = tiny("paper_cnn");
  settings.max_epochs = 2;
  settings.batch_size = 8;
  std::vector<std::shared_ptr<PredictiveModel>> models;
  for (const std::string& scan : scans) {
    const FitResult fit = fit_predictive_model(normalized(read_scan(scan)), settings, "s", log);
    EXPECT_EQ(fit.epochs, 2);
    models.push_back(fit.model);
  }
  EXPECT_NE(log.str().find("s epoch  2: loss"), std::string::npos) << log.str();

  TargetReport report;
  const NeuralTargets targets = neural_targets(scans, models, report, log);
  sdk::save_similarity_target(targets.model, dir.file("model"));  // validates unit rows
  // 40 images shown once, then the 6 oracle images; rows named alike in both targets.
  EXPECT_EQ(targets.model.embeddings.sizes(), (std::vector<int64_t>{46, 24}));
  EXPECT_TRUE(targets.model.stimuli.equal(targets.data.stimuli));
  EXPECT_TRUE(targets.model.ids.equal(targets.data.ids));
  EXPECT_EQ(targets.model.tiers, targets.data.tiers);
  EXPECT_EQ(targets.model.subset("oracle").size(), 6);
  ASSERT_EQ(report.scans.size(), 2u);
  EXPECT_EQ(report.scans[0].metrics.test_correlation.size(0), 12);
  EXPECT_TRUE(std::isfinite(report.r_model_oracle));
  EXPECT_TRUE(std::isfinite(report.r_model_truth));
  EXPECT_TRUE(std::isfinite(report.r_target_model_truth));
  EXPECT_EQ(report.s_model.sizes(), (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(report.model_pairs.numel(), 15);                // 6·5/2 image pairs
  EXPECT_EQ(report.scan_fluctuation.numel(), 2 * 15);       // 2 scans × pairs i < j
  EXPECT_EQ(report.repeat_fluctuation.numel(), 2 * 6 * 6);  // scans × images × 4·3/2
  // Two scans' deviations from their mean cancel pair by pair.
  EXPECT_TRUE(torch::allclose(report.scan_fluctuation.slice(0, 0, 15),
                              -report.scan_fluctuation.slice(0, 15), 1e-5, 1e-6));

  write_target_report(report, dir.file("report"));
  std::ifstream text(dir.file("report/report.txt"));
  std::stringstream content;
  content << text.rdbuf();
  EXPECT_NE(content.str().find("r(model,oracle)"), std::string::npos);
  EXPECT_NE(content.str().find("ΔS_scan   (Eq. 4): std"), std::string::npos) << content.str();
  EXPECT_TRUE(std::filesystem::exists(dir.file("report/similarity_oracle_images.svg")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("report/fig1d_scatter.svg")));
}

TEST(NeuralTargets, AModelOfAnotherScanIsAClearError) {
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans =
      testing::simulate_tiny_scans(dir.file("rec"), 20, 3, 3, 6, 2.0, log);
  torch::manual_seed(0);
  auto wrong = std::make_shared<PredictiveModel>(tiny("paper_cnn"), 9, 36, 64, 3);
  TargetReport report;
  try {
    neural_targets(scans, {wrong, wrong}, report, log);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              scans[0] +
                  ": has 6 neurons but its model (number 1) predicts 9; fit the model on this "
                  "scan");
  }
}

}  // namespace
}  // namespace neuroreg
