// Strength beside correctness. The contract test checks attacks against the
// closed-form distances of a linear model; a protocol can pass it and still
// overstate robustness where boundaries curve. Here, on a small trained CNN,
// the reduced Fig. 5 protocol as shipped (configs/reduced/fig5_adversarial.toml)
// must
//   - put every sample's minimal perturbation within 5% of the smallest that
//     any other gradient attack of the norm finds when run alone;
//   - and its Auto-PGD, at a fixed ε, must leave no more samples robust than
//     PGD does (the reason APGD joined the protocol).
#include <gtest/gtest.h>
#include <neuroreg/sdk/attack_math.h>

#include <fstream>
#include <map>
#include <sstream>

#include "robustness/adversarial_check.h"
#include "robustness/model_view.h"
#include "robustness/robustness_eval.h"
#include "support/builtin_plugins.h"
#include "support/small_cnn.h"

namespace neuroreg {
namespace {

using sdk::Norm;
using Overrides = std::map<std::string, sdk::OptionValue>;

constexpr int64_t kSamples = 32;

// The shipped protocol's attacks under a test-sized [eval] section.
EvalConfig reduced_protocol(const testing::TempDir& dir) {
  const std::string source =
      std::string(NEUROREG_SOURCE_DIR) + "/configs/reduced/fig5_adversarial.toml";
  std::ifstream in(source);
  std::stringstream text;
  text << in.rdbuf();
  const std::string protocol = text.str();
  const size_t attacks = protocol.find("[[attack]]");
  EXPECT_NE(attacks, std::string::npos) << source;
  std::ofstream(dir.file("protocol.toml"))
      << "[eval]\nsamples = " << kSamples
      << "\nbatch_size = 200\nnoise_sigmas = []\ncorruptions = []\n\n"
      << protocol.substr(attacks);
  auto config = load_eval_config(dir.file("protocol.toml"), testing::builtin_registry());
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

// Every other gradient attack of each norm, with budgets that let it do its
// best on a model this small.
const std::map<Norm, std::vector<std::pair<std::string, Overrides>>>& other_attacks() {
  static const auto* others = new std::map<Norm, std::vector<std::pair<std::string, Overrides>>>{
      {Norm::kL2,
       {{"carlini_wagner_l2", {{"steps", int64_t{1000}}}},
        {"fmn_l2", {{"restarts", int64_t{1}}}},
        {"pgd_l2", {{"rel_stepsize", 0.1}, {"search_steps", int64_t{16}}}},
        {"adam_pgd_l2", {{"search_steps", int64_t{16}}}},
        {"fgm_l2", {{"search_steps", int64_t{16}}}},
        {"brendel_bethge_l2", {{"start", std::string("noise")}, {"restarts", int64_t{2}}}}}},
      {Norm::kLinf,
       {{"fmn_linf", {{"restarts", int64_t{1}}}},
        {"pgd_linf", {{"rel_stepsize", 0.1}, {"search_steps", int64_t{16}}}},
        {"adam_pgd_linf", {{"search_steps", int64_t{16}}}},
        {"fgsm", {{"search_steps", int64_t{16}}}},
        {"brendel_bethge_linf", {{"start", std::string("noise")}, {"restarts", int64_t{2}}}}}}};
  return *others;
}

struct Fixture {
  testing::TempDir dir;
  testing::CnnTask task = testing::trained_cnn_task(kSamples, 4, 8);
  EvalConfig protocol = reduced_protocol(dir);
  torch::Tensor correct = task.model->forward(task.images).argmax(1).eq(task.labels);
};

const record::NormResult& norm_result(const record::RobustnessRecord& r, const std::string& norm) {
  for (const auto& n : r.norms()) {
    if (n.norm() == norm) return n;
  }
  throw std::runtime_error("no " + norm + " result");
}

TEST(AttackStrength, ProtocolMinimumIsWithinFivePercentOfEveryOtherAttack) {
  Fixture f;
  ASSERT_GE(f.correct.sum().item<int64_t>(), kSamples - 2) << "the CNN did not fit its task";
  std::ostringstream log;
  // The whole task is the test split; samples = its size attacks all of it.
  const record::RobustnessRecord r =
      evaluate_robustness(*f.task.model, {f.task.images, f.task.labels}, f.protocol,
                          testing::builtin_registry(), torch::kCPU, log);
  const torch::Tensor order = attacked_samples(kSamples, kSamples, 0);
  const torch::Tensor x = f.task.images.index_select(0, order);
  const torch::Tensor y = f.task.labels.index_select(0, order);
  const torch::Tensor correct = f.correct.index_select(0, order);

  for (const auto& [norm, attacks] : other_attacks()) {
    const std::string name = sdk::to_string(norm);
    SCOPED_TRACE(name);
    const record::NormResult& result = norm_result(r, name);
    const torch::Tensor protocol = torch::tensor(
        std::vector<double>(result.distances().begin(), result.distances().end()), torch::kDouble);
    torch::Tensor others = torch::full({kSamples}, INFINITY, torch::kDouble);
    std::vector<std::string> best_by(kSamples);
    int index = 100;  // random draws of their own, apart from the protocol's
    for (const auto& [attack, overrides] : attacks) {
      const AttackVariantConfig variant =
          default_attack_variant(testing::builtin_registry(), attack, overrides);
      const VariantResult v = run_attack_variant(*f.task.model, variant, index++, x, y, correct,
                                                 200, 0, testing::builtin_registry(), log);
      for (int64_t i = 0; i < kSamples; ++i) {
        if (v.distances[i].item<double>() < others[i].item<double>()) best_by[i] = attack;
      }
      others = torch::minimum(others, v.distances);
    }
    double worst = 0;
    for (int64_t i = 0; i < kSamples; ++i) {
      if (!correct[i].item<bool>()) continue;
      const double p = protocol[i].item<double>(), o = others[i].item<double>();
      EXPECT_LE(p, 1.05 * o) << "sample " << i << ": protocol " << p << ", " << best_by[i]
                             << " alone " << o;
      if (std::isfinite(o)) worst = std::max(worst, p / o);
    }
    std::cout << name << ": protocol median " << result.median() << ", other attacks' median "
              << median_distance(others) << ", worst ratio " << worst << "\n";
  }
}

// Samples an attack leaves robust at a fixed ε (one run each).
int64_t robust_at(sdk::Backbone& model, const AttackVariantConfig& variant, const torch::Tensor& x,
                  const torch::Tensor& y, double epsilon) {
  auto attack = testing::builtin_registry().make_attack(variant.name, variant.options);
  BackboneView view(model, attack->traits().access);
  const torch::Tensor eps = torch::full({x.size(0)}, epsilon, x.options());
  torch::manual_seed(3);
  const CheckedBatch checked = check_adversarials(model, x, y, attack->run(view, {x, y, eps, {}}),
                                                  attack->traits().norm, variant.label, eps);
  return checked.distances.isinf().sum().item<int64_t>();
}

TEST(AttackStrength, AutoPgdLeavesNoMoreSamplesRobustThanPgdAtTheSameEpsilon) {
  Fixture f;
  const torch::Tensor x = f.task.images.index({f.correct});
  const torch::Tensor y = f.task.labels.index({f.correct});
  const Registry& registry = testing::builtin_registry();
  // ε where PGD flips about half of the samples: its median distance.
  auto pgd_median = [&](const std::string& name) {
    std::ostringstream log;
    const VariantResult search = run_attack_variant(
        *f.task.model, default_attack_variant(registry, name, {{"rel_stepsize", 0.1}}), 0, x, y,
        torch::ones({x.size(0)}, torch::kBool), 200, 0, registry, log);
    return median_distance(search.distances);
  };
  const double epsilon = pgd_median("pgd_linf");
  ASSERT_TRUE(std::isfinite(epsilon));

  // The protocol's PGD settings, each on its own, against its APGD.
  int64_t pgd_robust = x.size(0), apgd_robust = -1;
  for (const AttackVariantConfig& variant : f.protocol.attacks) {
    if (variant.name == "pgd_linf") {
      pgd_robust = std::min(pgd_robust, robust_at(*f.task.model, variant, x, y, epsilon));
    }
    if (variant.name == "apgd_ce_linf") {
      apgd_robust = robust_at(*f.task.model, variant, x, y, epsilon);
    }
  }
  ASSERT_GE(apgd_robust, 0) << "the protocol has no apgd_ce_linf";
  EXPECT_LE(apgd_robust, pgd_robust) << "at ε = " << epsilon;
  std::cout << "L∞ ε = " << epsilon << ": robust after PGD " << pgd_robust << ", after APGD-CE "
            << apgd_robust << " of " << x.size(0) << "\n";

  // L2: APGD-CE against PGD at Foolbox's step and at a larger one.
  const double l2_epsilon = pgd_median("pgd_l2");
  ASSERT_TRUE(std::isfinite(l2_epsilon));
  int64_t l2_pgd = x.size(0);
  for (double step : {0.025, 0.1}) {
    l2_pgd = std::min(
        l2_pgd, robust_at(*f.task.model,
                          default_attack_variant(registry, "pgd_l2", {{"rel_stepsize", step}}), x,
                          y, l2_epsilon));
  }
  const int64_t l2_apgd =
      robust_at(*f.task.model, default_attack_variant(registry, "apgd_ce_l2"), x, y, l2_epsilon);
  EXPECT_LE(l2_apgd, l2_pgd) << "at L2 ε = " << l2_epsilon;
  std::cout << "L2 ε = " << l2_epsilon << ": robust after PGD " << l2_pgd << ", after APGD-CE "
            << l2_apgd << " of " << x.size(0) << "\n";
}

}  // namespace
}  // namespace neuroreg
