// One contract per component kind, over every backbone, dataset and
// regularizer the real loader registers from the build tree (the attacks have
// theirs in robustness/attack_contract_test.cpp). A new component joins by
// getting a fixture below; a registered one without a fixture fails.
//   backbones:    unique taps that resolve to themselves, forward_taps returns
//                 the requested taps in request order and the logits forward
//                 gives, a save/load round trip gives the same logits, finite
//                 logits over the whole [0,1] input range;
//   datasets:     splits of the declared shape and dtype, pixels in [0,1],
//                 labels in [0, classes), the same data for the same seed;
//   regularizers: a finite scalar loss, and gradients that reach the model
//                 (and the layer mixing γ, when it has one).
#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;
using Overrides = std::map<std::string, sdk::OptionValue>;

const Registry& registry() { return testing::builtin_registry(); }

std::vector<std::string> registered(ComponentKind kind) {
  std::vector<std::string> names;
  for (const RegisteredComponent* c : registry().list(kind)) names.push_back(c->spec.name);
  return names;
}

// ------------------------------------------------------------------ backbones

struct BackboneFixture {
  Overrides options;
  sdk::DatasetInfo input;
};

const std::map<std::string, BackboneFixture>& backbone_fixtures() {
  static const std::map<std::string, BackboneFixture> fixtures = {
      {"resnet18", {{{"width", int64_t{2}}}, {1, 32, 32, 10, {}}}},
      {"resnet34", {{{"width", int64_t{2}}}, {1, 32, 32, 10, {}}}},
      {"vgg19", {{{"width_divisor", int64_t{16}}}, {3, 32, 32, 10, {}}}},
  };
  return fixtures;
}

std::shared_ptr<sdk::Backbone> make_backbone(const std::string& name, uint64_t seed) {
  const BackboneFixture& f = backbone_fixtures().at(name);
  torch::manual_seed(seed);
  auto model = registry().make_backbone(
      name, registry().defaults(ComponentKind::kBackbone, name, f.options), {f.input});
  model->eval();
  return model;
}

torch::Tensor images_for(const sdk::DatasetInfo& info, int64_t n) {
  torch::manual_seed(3);
  return torch::rand({n, info.channels, info.height, info.width});
}

TEST(BackboneContract, EveryRegisteredBackboneHasAFixture) {
  for (const std::string& name : registered(ComponentKind::kBackbone)) {
    EXPECT_TRUE(backbone_fixtures().count(name)) << name << " has no fixture in this file";
  }
}

TEST(BackboneContract, TapsAreUniqueResolveToThemselvesAndComeBackInRequestOrder) {
  torch::NoGradGuard no_grad;
  for (const std::string& name : registered(ComponentKind::kBackbone)) {
    SCOPED_TRACE(name);
    auto model = make_backbone(name, 1);
    const auto& taps = model->taps();
    ASSERT_FALSE(taps.empty());
    for (size_t i = 0; i < taps.size(); ++i) {
      EXPECT_EQ(sdk::resolve_tap(*model, taps[i].name), static_cast<int>(i)) << taps[i].name;
    }
    const torch::Tensor x = images_for(backbone_fixtures().at(name).input, 2);
    std::vector<int> all(taps.size()), reversed;
    for (size_t i = 0; i < taps.size(); ++i) all[i] = static_cast<int>(i);
    reversed.assign(all.rbegin(), all.rend());
    const sdk::TappedForward forward = model->forward_taps(x, all, true);
    const sdk::TappedForward backward = model->forward_taps(x, reversed, false);
    ASSERT_EQ(forward.features.size(), taps.size());
    ASSERT_EQ(backward.features.size(), taps.size());
    EXPECT_FALSE(backward.logits.defined());
    for (size_t i = 0; i < taps.size(); ++i) {
      EXPECT_EQ(forward.features[i].size(0), 2) << taps[i].name;
      EXPECT_TRUE(forward.features[i].equal(backward.features[taps.size() - 1 - i]))
          << taps[i].name;
    }
    EXPECT_TRUE(torch::allclose(forward.logits, model->forward(x), 1e-5, 1e-6));
  }
}

TEST(BackboneContract, SaveAndLoadGiveTheSameLogits) {
  torch::NoGradGuard no_grad;
  for (const std::string& name : registered(ComponentKind::kBackbone)) {
    SCOPED_TRACE(name);
    testing::TempDir dir;
    auto model = make_backbone(name, 1);
    torch::serialize::OutputArchive out;
    model->save(out);
    out.save_to(dir.file("model.pt"));
    auto other = make_backbone(name, 2);
    const torch::Tensor x = images_for(backbone_fixtures().at(name).input, 2);
    ASSERT_FALSE(other->forward(x).equal(model->forward(x))) << "two seeds, one model";
    torch::serialize::InputArchive in;
    in.load_from(dir.file("model.pt"));
    other->load(in);
    EXPECT_TRUE(other->forward(x).equal(model->forward(x)));
  }
}

TEST(BackboneContract, LogitsAreFiniteOverTheWholeInputRange) {
  torch::NoGradGuard no_grad;
  for (const std::string& name : registered(ComponentKind::kBackbone)) {
    SCOPED_TRACE(name);
    auto model = make_backbone(name, 1);
    const sdk::DatasetInfo& info = backbone_fixtures().at(name).input;
    const torch::Tensor x = images_for(info, 2);
    for (const torch::Tensor& input : {torch::zeros_like(x), torch::ones_like(x), x}) {
      const torch::Tensor logits = model->forward(input);
      EXPECT_EQ(logits.sizes(), torch::IntArrayRef({2, info.num_classes}));
      EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
    }
  }
}

// ------------------------------------------------------------------- datasets

// A dataset's options for a test, made in `dir` (files it needs included).
using DatasetFixture = std::function<Overrides(const testing::TempDir& dir)>;

// `records` CIFAR records of random pixels whose label bytes are below `classes`.
void write_cifar(const std::string& path, int records, const std::vector<int>& classes) {
  std::ofstream out(path, std::ios::binary);
  for (int r = 0; r < records; ++r) {
    for (int c : classes) out.put(static_cast<char>((r * 7 + 3) % c));
    for (int i = 0; i < 3 * 32 * 32; ++i) out.put(static_cast<char>((r * 31 + i * 17) % 256));
  }
}

std::string write_target(const testing::TempDir& dir) {
  torch::manual_seed(2);
  sdk::SimilarityTarget t;
  t.stimuli = torch::rand({12, 1, 16, 16});
  t.embeddings = sdk::unit_embeddings(torch::randn({12, 30}));
  t.provenance = "test";
  sdk::save_similarity_target(t, dir.file("target"));
  return dir.file("target");
}

const std::map<std::string, DatasetFixture>& dataset_fixtures() {
  static const std::map<std::string, DatasetFixture> fixtures = {
      {"synthetic",
       [](const testing::TempDir&) {
         return Overrides{{"train_images", int64_t{12}}, {"test_images", int64_t{6}}};
       }},
      {"fashion_mnist", [](const testing::TempDir&) { return Overrides{}; }},
      {"cifar10",
       [](const testing::TempDir& dir) {
         for (int b = 1; b <= 5; ++b) {
           write_cifar(dir.file("data_batch_" + std::to_string(b) + ".bin"), 2, {10});
         }
         write_cifar(dir.file("test_batch.bin"), 3, {10});
         return Overrides{{"root", dir.path()}};
       }},
      {"cifar100",
       [](const testing::TempDir& dir) {
         write_cifar(dir.file("train.bin"), 4, {20, 100});
         write_cifar(dir.file("test.bin"), 3, {20, 100});
         return Overrides{{"root", dir.path()}};
       }},
      {"stimulus_set",
       [](const testing::TempDir& dir) {
         return Overrides{{"path", write_target(dir)}};
       }},
  };
  return fixtures;
}

TEST(DatasetContract, EveryRegisteredDatasetHasAFixture) {
  for (const std::string& name : registered(ComponentKind::kDataset)) {
    EXPECT_TRUE(dataset_fixtures().count(name)) << name << " has no fixture in this file";
  }
}

TEST(DatasetContract, SplitsHaveTheDeclaredShapeRangeAndLabelsAndRepeatPerSeed) {
  for (const std::string& name : registered(ComponentKind::kDataset)) {
    SCOPED_TRACE(name);
    testing::TempDir dir;
    const sdk::Options options =
        registry().defaults(ComponentKind::kDataset, name, dataset_fixtures().at(name)(dir));
    auto dataset = registry().make_dataset(name, options, {5});
    const sdk::DatasetInfo info = dataset->info();
    EXPECT_GE(info.num_classes, 1);  // a stimulus set has one class: no labels
    EXPECT_TRUE(info.class_names.empty() ||
                static_cast<int64_t>(info.class_names.size()) == info.num_classes);
    for (const auto& [split_name, split] :
         {std::pair{"train", dataset->train()}, std::pair{"test", dataset->test()}}) {
      SCOPED_TRACE(split_name);
      ASSERT_GT(split.size(), 0);
      EXPECT_EQ(split.images.scalar_type(), torch::kFloat);
      EXPECT_EQ(split.labels.scalar_type(), torch::kLong);
      EXPECT_EQ(split.images.sizes(),
                torch::IntArrayRef({split.size(), info.channels, info.height, info.width}));
      EXPECT_GE(split.images.min().item<float>(), 0.f);
      EXPECT_LE(split.images.max().item<float>(), 1.f);
      EXPECT_GE(split.labels.min().item<int64_t>(), 0);
      EXPECT_LT(split.labels.max().item<int64_t>(), info.num_classes);
    }
    auto again = registry().make_dataset(name, options, {5});
    EXPECT_TRUE(again->train().images.equal(dataset->train().images));
    EXPECT_TRUE(again->train().labels.equal(dataset->train().labels));
  }
}

// --------------------------------------------------------------- regularizers

struct RegularizerFixture {
  std::function<Overrides(const testing::TempDir& dir)> options;
  bool trains_the_model;  ///< false only for the control without a loss
};

Overrides vgg_options(const testing::TempDir&) {
  return {{"random_weights", true},
          {"vgg_width_divisor", int64_t{16}},
          {"taps", std::vector<std::string>{"1", "5"}}};
}

const std::map<std::string, RegularizerFixture>& regularizer_fixtures() {
  auto target = [](const testing::TempDir& dir) {
    return Overrides{{"target", write_target(dir)}, {"taps", std::vector<std::string>{"1", "5"}}};
  };
  static const std::map<std::string, RegularizerFixture> fixtures = {
      {"none", {[](const testing::TempDir&) { return Overrides{}; }, false}},
      {"pixel",
       {[](const testing::TempDir&) {
          return Overrides{{"taps", std::vector<std::string>{"1", "5"}}};
        },
        true}},
      {"neural_model", {target, true}},
      {"neural_data", {target, true}},
      {"matrix", {target, true}},
      {"shuffle", {target, true}},
      {"vgg", {vgg_options, true}},
  };
  return fixtures;
}

TEST(RegularizerContract, EveryRegisteredRegularizerHasAFixture) {
  for (const std::string& name : registered(ComponentKind::kRegularizer)) {
    EXPECT_TRUE(regularizer_fixtures().count(name)) << name << " has no fixture in this file";
  }
}

TEST(RegularizerContract, AFiniteScalarLossWhoseGradientsReachTheModelAndGamma) {
  for (const std::string& name : registered(ComponentKind::kRegularizer)) {
    SCOPED_TRACE(name);
    testing::TempDir dir;
    const RegularizerFixture& fixture = regularizer_fixtures().at(name);
    const sdk::DatasetInfo info{1, 32, 32, 10, {}};
    torch::manual_seed(0);
    auto model = registry().make_backbone(
        "resnet18",
        registry().defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}), {info});
    auto regularizer = registry().make_regularizer(
        name, registry().defaults(ComponentKind::kRegularizer, name, fixture.options(dir)),
        registry().regularizer_context(*model, info, 11));
    const torch::Tensor images = torch::rand({8, 1, 32, 32});
    const torch::Tensor labels = torch::randint(10, {8}, torch::kLong);
    const sdk::TappedForward pass = model->forward_taps(images, regularizer->task_taps(), false);
    const torch::Tensor loss = regularizer->loss({*model, images, labels, pass.features, 0, {}});
    if (!fixture.trains_the_model) {
      // The control adds no loss: undefined (the trainer skips it) or zero.
      EXPECT_TRUE(!loss.defined() || loss.item<double>() == 0.0);
      continue;
    }
    ASSERT_EQ(loss.numel(), 1);
    ASSERT_TRUE(torch::isfinite(loss).all().item<bool>());
    ASSERT_TRUE(loss.requires_grad());
    loss.backward();
    double model_grad = 0;
    for (const torch::Tensor& p : model->parameters()) {
      if (p.grad().defined()) model_grad += p.grad().abs().sum().item<double>();
    }
    EXPECT_GT(model_grad, 0.0) << "no gradient reaches the model";
    for (const auto& item : regularizer->named_parameters()) {
      const torch::Tensor& p = item.value();
      if (!p.requires_grad()) continue;
      ASSERT_TRUE(p.grad().defined()) << item.key();
      EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0) << item.key();
    }
  }
}

}  // namespace
}  // namespace neuroreg
