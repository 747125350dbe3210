// A cell flattened into named metrics: every measurement under its
// documented name, and the evaluation each name comes from.
#include "report/metrics.h"

#include <gtest/gtest.h>

#include <map>

#include "report/report_fixtures.h"

namespace neuroreg {
namespace {

std::map<std::string, double> as_map(const Metrics& metrics) {
  return {metrics.begin(), metrics.end()};
}

TEST(ReportMetrics, NamesEveryMeasurement) {
  const CellResult cell = testing::example_cells()[2];  // pixel-alpha8, seed 3
  const auto m = as_map(cell_metrics(cell));
  EXPECT_DOUBLE_EQ(m.at("clean"), 0.94);  // the robustness record's, not the run's
  EXPECT_DOUBLE_EQ(m.at("noise/0.1"), 0.86);
  EXPECT_DOUBLE_EQ(m.at("noise/0.2"), 0.70);
  EXPECT_DOUBLE_EQ(m.at("corruption/brightness/1"), 0.85);
  EXPECT_DOUBLE_EQ(m.at("corruption/brightness/5"), 0.65);
  EXPECT_DOUBLE_EQ(m.at("corruption/brightness/mean"), 0.75);
  EXPECT_DOUBLE_EQ(m.at("corruption/gaussian_noise/1"), 0.75);
  EXPECT_DOUBLE_EQ(m.at("corruption/mean"), (0.85 + 0.65 + 0.75) / 3);
  EXPECT_TRUE(std::isinf(m.at("L2/median")));
  EXPECT_DOUBLE_EQ(m.at("Linf/median"), 0.005);
  EXPECT_TRUE(m.count("L2/mean"));
  EXPECT_DOUBLE_EQ(m.at("L2/success_rate"), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.at("epoch/3/loss"), 2.0 / 3 + 0.03);
  EXPECT_DOUBLE_EQ(m.at("epoch/3/validation_accuracy"), 0.45 + 0.3 + 0.03);
  EXPECT_DOUBLE_EQ(m.at("epoch/1/learning_rate"), 0.1);
  EXPECT_DOUBLE_EQ(m.at("epoch/2/gamma/conv5"), 0.3);
  EXPECT_DOUBLE_EQ(m.at("wall_seconds"), 103);
}

TEST(ReportMetrics, OrderIsEvaluationThenEpochsAndTapsByNumber) {
  const Metrics m = cell_metrics(testing::example_cells()[0]);
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.front().first, "clean");
  EXPECT_EQ(m.back().first, "wall_seconds");
  std::vector<std::string> taps;
  for (const auto& [name, value] : m) {
    if (name.rfind("epoch/1/gamma/", 0) == 0) taps.push_back(name);
  }
  EXPECT_EQ(taps, (std::vector<std::string>{"epoch/1/gamma/conv1", "epoch/1/gamma/conv5",
                                            "epoch/1/gamma/conv13"}));
}

TEST(ReportMetrics, WithoutRobustnessTheRunEvaluationCounts) {
  CellResult cell = testing::example_cells()[0];
  cell.robustness.clear();
  auto* n = cell.run.mutable_evaluation()->add_noise();
  n->set_sigma(0.05);
  n->set_accuracy(0.33);
  const auto m = as_map(cell_metrics(cell));
  EXPECT_DOUBLE_EQ(m.at("clean"), 0.90 - 0.5);
  EXPECT_DOUBLE_EQ(m.at("noise/0.05"), 0.33);
  EXPECT_FALSE(m.count("L2/median"));
  EXPECT_FALSE(m.count("corruption/mean"));
  EXPECT_EQ(noise_metric(0.1), "noise/0.1");
  EXPECT_EQ(norm_metric("Linf", "mean"), "Linf/mean");
  EXPECT_EQ(epoch_metric(12, "gamma/conv5"), "epoch/12/gamma/conv5");
}

}  // namespace
}  // namespace neuroreg
