// The dataset plugins through the real loader: `synthetic` (shapes, range,
// determinism, learnability) and `fashion_mnist` (a tiny fake root written
// here in the published format, and the real files when installed).
#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <filesystem>

#include "neural/recordings.h"
#include "plugins/idx_test_files.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;
using testing::idx_bytes;
using testing::TempDir;
using testing::write_bytes;

std::shared_ptr<sdk::Dataset> make_dataset(const std::string& name,
                                           const std::map<std::string, sdk::OptionValue>& overrides,
                                           uint64_t seed = 0) {
  const Registry& registry = testing::builtin_registry();
  sdk::DatasetContext context;
  context.seed = seed;
  return registry.make_dataset(name, registry.defaults(ComponentKind::kDataset, name, overrides),
                               context);
}

/// The message of the exception `make` throws, of type E.
template <typename E, typename F>
std::string error_of(F make) {
  try {
    make();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(SyntheticDataset, HasTheDeclaredShapesRangeAndBalancedLabels) {
  auto dataset = make_dataset("synthetic", {{"channels", int64_t{2}}, {"height", int64_t{16}}});
  sdk::Split train = dataset->train();
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{256, 2, 16, 32}));
  EXPECT_EQ(train.images.scalar_type(), torch::kFloat32);
  EXPECT_GE(train.images.min().item<float>(), 0.0f);
  EXPECT_LE(train.images.max().item<float>(), 1.0f);
  EXPECT_EQ(train.labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::bincount(train.labels).equal(torch::full({4}, 64, torch::kInt64)));
  EXPECT_EQ(dataset->test().size(), 128);
  const sdk::DatasetInfo info = dataset->info();
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.height, 16);
  EXPECT_EQ(info.num_classes, 4);
}

TEST(SyntheticDataset, IsDeterministicInTheRunSeedAndItsOwnSeed) {
  auto a = make_dataset("synthetic", {}, /*seed=*/7)->train();
  auto b = make_dataset("synthetic", {}, 7)->train();
  EXPECT_TRUE(a.images.equal(b.images));
  EXPECT_TRUE(a.labels.equal(b.labels));
  EXPECT_FALSE(make_dataset("synthetic", {}, 8)->train().images.equal(a.images));
  EXPECT_FALSE(
      make_dataset("synthetic", {{"seed", int64_t{1}}}, 7)->train().images.equal(a.images));
  // The test split does not depend on the size of the training split.
  EXPECT_TRUE(make_dataset("synthetic", {{"train_images", int64_t{10}}}, 7)
                  ->test()
                  .images.equal(make_dataset("synthetic", {}, 7)->test().images));
}

TEST(SyntheticDataset, NamesTheOptionAndValueItRefuses) {
  EXPECT_EQ(error_of<std::invalid_argument>([] {
              make_dataset("synthetic", {{"classes", int64_t{1}}});
            }),
            "synthetic: option 'classes' must be 2..1000, got 1");
  EXPECT_EQ(error_of<std::invalid_argument>([] {
              make_dataset("synthetic", {{"noise", -0.5}});
            }),
            "synthetic: option 'noise' must be at least 0.0, got -0.5");
}

TEST(SyntheticDataset, IsLearnedByATinyResnetInAFewSteps) {
  auto dataset = make_dataset("synthetic", {});
  const Registry& registry = testing::builtin_registry();
  sdk::BackboneContext context;
  context.input = dataset->info();
  torch::manual_seed(0);
  auto model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{4}}}),
      context);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  sdk::Split train = dataset->train();
  for (int step = 0; step < 20; ++step) {
    const int64_t start = (step * 64) % train.size();
    optimizer.zero_grad();
    torch::Tensor loss = torch::cross_entropy_loss(
        model->forward(train.images.narrow(0, start, 64)), train.labels.narrow(0, start, 64));
    loss.backward();
    optimizer.step();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  sdk::Split test = dataset->test();
  torch::Tensor correct = model->forward(test.images).argmax(1).eq(test.labels);
  const double accuracy = correct.to(torch::kFloat64).mean().item<double>();
  EXPECT_GE(accuracy, 0.9);
}

/// A fake Fashion-MNIST root: 5 training images (gzip) and 3 test images
/// (uncompressed names, which the plugin accepts when the .gz is absent).
class FashionMnistDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    write_split("train", 5, /*gzip=*/true);
    write_split("t10k", 3, /*gzip=*/false);
  }

  void write_split(const std::string& prefix, uint32_t n, bool gzip) {
    std::vector<uint8_t> pixels(n * 28 * 28), labels(n);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
    for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(9 - i);
    const std::string suffix = gzip ? ".gz" : "";
    write_bytes(dir_.file(prefix + "-images-idx3-ubyte" + suffix),
                idx_bytes(0x803, {n, 28, 28}, pixels), gzip);
    write_bytes(dir_.file(prefix + "-labels-idx1-ubyte" + suffix), idx_bytes(0x801, {n}, labels),
                gzip);
  }

  std::shared_ptr<sdk::Dataset> make(int64_t pad_to = 32) {
    return make_dataset("fashion_mnist", {{"root", dir_.path()}, {"pad_to", pad_to}});
  }

  TempDir dir_;
};

TEST_F(FashionMnistDataset, PadsTo32AndScalesPixelsTo01) {
  sdk::Split train = make()->train();
  ASSERT_EQ(train.images.sizes(), (std::vector<int64_t>{5, 1, 32, 32}));
  EXPECT_EQ(train.images.scalar_type(), torch::kFloat32);
  // A 2-pixel zero border around the original 28×28 values divided by 255.
  torch::Tensor inside = train.images.slice(2, 2, 30).slice(3, 2, 30);
  torch::Tensor expected =
      (torch::arange(5 * 28 * 28, torch::kInt64) * 7).remainder(256).to(torch::kFloat32) / 255.0;
  EXPECT_TRUE(inside.flatten().allclose(expected));
  EXPECT_EQ(train.images.abs().sum().item<float>(), inside.abs().sum().item<float>());
  EXPECT_TRUE(train.labels.equal(torch::tensor({9, 8, 7, 6, 5}, torch::kInt64)));
  EXPECT_EQ(make()->test().size(), 3);
}

TEST_F(FashionMnistDataset, KeepsThe28PixelImagesWhenPadToIs28) {
  EXPECT_EQ(make(28)->train().images.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(make(28)->info().height, 28);
  EXPECT_EQ(error_of<std::invalid_argument>([&] { make(27); }),
            "fashion_mnist: option 'pad_to' must be 28..1024, got 27");
}

TEST_F(FashionMnistDataset, NamesBothFilesWhenCountsDiffer) {
  const std::string labels = dir_.file("train-labels-idx1-ubyte.gz");
  write_bytes(labels, idx_bytes(0x801, {4}, {1, 2, 3, 4}), true);
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->train(); }),
            "fashion_mnist: '" + dir_.file("train-images-idx3-ubyte.gz") +
                "' holds 5 images but '" + labels + "' holds 4 labels");
}

TEST(FashionMnistDatasetRoot, ReportsAMissingRootOnlyWhenDataIsRead) {
  const std::string root = "/nonexistent/fashion";
  auto dataset = make_dataset("fashion_mnist", {{"root", root}});
  EXPECT_EQ(dataset->info().class_names.at(9), "Ankle boot");  // info() reads nothing
  EXPECT_EQ(error_of<std::runtime_error>([&] { dataset->train(); }),
            "fashion_mnist: root '/nonexistent/fashion' is not a folder (set the option 'root' "
            "to the folder holding the Fashion-MNIST IDX files)");
}

TEST(FashionMnistDatasetRoot, LoadsTheInstalledFilesWhenPresent) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << root << " is not installed";
  auto dataset = make_dataset("fashion_mnist", {});
  sdk::Split train = dataset->train();
  sdk::Split test = dataset->test();
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{60000, 1, 32, 32}));
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 1, 32, 32}));
  // Fashion-MNIST is balanced: 6000 / 1000 of each class.
  EXPECT_TRUE(torch::bincount(train.labels).equal(torch::full({10}, 6000, torch::kInt64)));
  EXPECT_TRUE(torch::bincount(test.labels).equal(torch::full({10}, 1000, torch::kInt64)));
  EXPECT_LE(train.images.max().item<float>(), 1.0f);
}

TEST(StimulusSetDataset, ServesATargetsStimuliResizedWithTheLastTenthAsTest) {
  testing::TempDir dir;
  torch::manual_seed(5);
  sdk::SimilarityTarget target;
  target.stimuli = torch::rand({20, 1, 36, 64});
  target.embeddings = sdk::unit_embeddings(torch::randn({20, 4}));
  sdk::save_similarity_target(target, dir.file("target"));

  auto as_stored =
      make_dataset("stimulus_set",
                   {{"path", dir.file("target")}, {"height", int64_t{0}}, {"width", int64_t{0}}});
  EXPECT_EQ(as_stored->info().height, 36);
  EXPECT_EQ(as_stored->info().num_classes, 1);
  sdk::Split train = as_stored->train(), test = as_stored->test();
  ASSERT_EQ(train.size(), 18);
  ASSERT_EQ(test.size(), 2);
  EXPECT_TRUE(torch::allclose(train.images, target.stimuli.slice(0, 0, 18)));
  EXPECT_TRUE(torch::allclose(test.images, target.stimuli.slice(0, 18)));
  EXPECT_EQ(test.labels.sum().item<int64_t>(), 0);

  sdk::Split resized = make_dataset("stimulus_set", {{"path", dir.file("target")}})->train();
  EXPECT_EQ(resized.images.sizes(), (std::vector<int64_t>{18, 1, 32, 32}));

  // One tier of a target: its rows in file order.
  target.tiers.assign(20, "once");
  for (int64_t row : {3, 7, 11, 19}) target.tiers[static_cast<size_t>(row)] = "oracle";
  sdk::save_similarity_target(target, dir.file("tiered"));
  auto oracle = make_dataset("stimulus_set", {{"path", dir.file("tiered")},
                                              {"height", int64_t{0}},
                                              {"width", int64_t{0}},
                                              {"test_fraction", 0.0},
                                              {"tier", std::string("oracle")}});
  EXPECT_TRUE(torch::allclose(oracle->train().images,
                              target.stimuli.index_select(0, torch::tensor({3, 7, 11, 19}))));
}

TEST(StimulusSetDataset, ServesEachImageOfARecordingsScanOnceInIdOrder) {
  testing::TempDir dir;
  torch::manual_seed(6);
  Scan scan;
  scan.tiers = {"train", "test", "test", "train"};
  scan.frame_image_id = torch::tensor({7, 3, 3, 5});
  scan.trial_idx = torch::arange(4);
  scan.images = torch::rand({4, 1, 36, 64}) * 255;
  scan.images[2] = scan.images[1];  // a repeat shows the same image
  scan.responses = torch::rand({4, 2});
  scan.behavior = torch::rand({4, 3});
  scan.pupil_center = torch::rand({4, 2});
  scan.unit_ids = torch::tensor({1, 2});
  scan.compute_statistics();
  write_scan(scan, dir.file("scan"));
  auto set = make_dataset("stimulus_set", {{"path", dir.file("scan")},
                                           {"height", int64_t{0}},
                                           {"width", int64_t{0}},
                                           {"test_fraction", 0.0}});
  const sdk::Split train = set->train();
  ASSERT_EQ(train.size(), 3);  // images 3, 5, 7
  EXPECT_TRUE(torch::allclose(train.images[0], scan.images[1] / 255.0));
  EXPECT_TRUE(torch::allclose(train.images[1], scan.images[3] / 255.0));
  EXPECT_TRUE(torch::allclose(train.images[2], scan.images[0] / 255.0));
}

TEST(StimulusSetDataset, NamesAFolderWithoutStimuli) {
  testing::TempDir dir;
  try {
    make_dataset("stimulus_set", {{"path", dir.file("nothing")}});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              dir.file("nothing") + ": no such stimulus set folder (expected stimuli.npy)");
  }
}

}  // namespace
}  // namespace neuroreg
