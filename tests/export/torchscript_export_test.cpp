#include "export/torchscript_export.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
namespace nn = torch::nn;

/// A folder for one test's files, removed when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "neuroreg-export-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// The names in the folder, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(path_)) {
      out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string path_;
};

/// conv + BatchNorm + linear for 3×8×8 images, normalising inside forward
/// with per-channel buffers. `bake_batch` flattens with a view that freezes
/// the batch size in a trace.
class TinyNet : public sdk::Backbone {
 public:
  explicit TinyNet(bool bake_batch = false) : bake_batch_(bake_batch) {
    conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(3, 4, 3).padding(1)));
    bn = register_module("bn", nn::BatchNorm2d(4));
    fc = register_module("fc", nn::Linear(4 * 4 * 4, 5));
    mean = register_buffer("mean", torch::tensor({0.4f, 0.5f, 0.6f}).view({1, 3, 1, 1}));
    stdev = register_buffer("std", torch::tensor({0.2f, 0.25f, 0.3f}).view({1, 3, 1, 1}));
    // Running statistics far from the identity, so eval mode shows.
    torch::NoGradGuard no_grad;
    bn->running_mean.uniform_(-0.5, 0.5);
    bn->running_var.uniform_(0.5, 2.0);
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.uniform_(-0.5, 0.5);
  }

  const std::vector<sdk::TapInfo>& taps() const override { return taps_; }

  torch::Tensor forward(const torch::Tensor& images) override {
    return forward_taps(images, {}, true).logits;
  }

  sdk::TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>& tap_indices,
                                  bool with_logits) override {
    sdk::TappedForward result;
    torch::Tensor x = torch::relu(bn((conv((images - mean) / stdev))));
    for (size_t i = 0; i < tap_indices.size(); ++i) result.features.push_back(x);
    if (!with_logits) return result;
    x = torch::avg_pool2d(x, 2);
    x = bake_batch_ ? x.view({x.size(0), -1}) : torch::flatten(x, 1);
    result.logits = fc(x);
    return result;
  }

  nn::Conv2d conv{nullptr};
  nn::BatchNorm2d bn{nullptr};
  nn::Linear fc{nullptr};
  torch::Tensor mean, stdev;

 private:
  bool bake_batch_;
  std::vector<sdk::TapInfo> taps_{{"conv1", 1, ""}};
};

torch::Tensor images(int64_t n) { return torch::rand({n, 3, 8, 8}); }

torch::Tensor run(torch::jit::Module& m, const torch::Tensor& x) {
  return m.forward({x}).toTensor();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TorchScriptExport, TheLoadedModuleGivesTheSameLogitsOnABatchOfAnotherSize) {
  torch::manual_seed(1);
  ScratchDir dir;
  TinyNet model;
  model.eval();
  export_torchscript(model, images(2), dir.file("model.pt"));

  torch::jit::Module loaded = torch::jit::load(dir.file("model.pt"));
  const torch::Tensor batch = images(5);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = model.forward(batch);
  const torch::Tensor got = run(loaded, batch);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(got, expected, /*rtol=*/0, /*atol=*/1e-5));
  EXPECT_EQ(run(loaded, images(1)).sizes(), (std::vector<int64_t>{1, 5}));
}

TEST(TorchScriptExport, WeightsAreNamedParametersAndBuffersOfTheLoadedModule) {
  torch::manual_seed(2);
  ScratchDir dir;
  TinyNet model;
  model.eval();
  export_torchscript(model, images(2), dir.file("model.pt"));
  torch::jit::Module loaded = torch::jit::load(dir.file("model.pt"));

  std::map<std::string, torch::Tensor> params, buffers;
  for (const auto& p : loaded.named_parameters()) params[p.name] = p.value;
  for (const auto& b : loaded.named_buffers()) buffers[b.name] = b.value;
  EXPECT_EQ(params.size(), model.named_parameters().size());
  for (const auto& p : model.named_parameters()) {
    ASSERT_EQ(params.count(p.key()), 1u) << p.key();
    EXPECT_TRUE(torch::equal(params[p.key()], p.value())) << p.key();
  }
  for (const char* name : {"mean", "std", "bn.running_mean", "bn.running_var"}) {
    ASSERT_EQ(buffers.count(name), 1u) << name;
    EXPECT_TRUE(torch::equal(buffers[name], model.named_buffers()[name])) << name;
  }
  // The weights are read, not baked in: changing one changes the logits.
  const torch::Tensor x = images(3);
  const torch::Tensor before = run(loaded, x);
  torch::NoGradGuard no_grad;
  params["fc.bias"].add_(1.0);
  EXPECT_TRUE(torch::allclose(run(loaded, x), before + 1.0, /*rtol=*/0, /*atol=*/1e-5));
}

TEST(TorchScriptExport, ATrainingModelIsExportedInEvalModeAndKeepsItsModes) {
  torch::manual_seed(3);
  ScratchDir dir;
  TinyNet model;
  model.train();
  model.conv->eval();  // a submodule in its own mode keeps it
  export_torchscript(model, images(2), dir.file("model.pt"));
  EXPECT_TRUE(model.is_training());
  EXPECT_TRUE(model.bn->is_training());
  EXPECT_FALSE(model.conv->is_training());

  torch::jit::Module loaded = torch::jit::load(dir.file("model.pt"));
  loaded.train();  // the flag has no effect: the trace used running statistics
  const torch::Tensor batch = images(4);
  model.eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(run(loaded, batch), model.forward(batch), 0, 1e-5));
}

TEST(TorchScriptExport, MetadataIsReadableFromTheExtraFileAndTheModuleAttribute) {
  torch::manual_seed(4);
  ScratchDir dir;
  TinyNet model;
  model.eval();
  TorchScriptExportInfo info;
  info.class_names = {"a", "b", "c", "d", "say \"e\""};
  info.description = "run demo";
  export_torchscript(model, images(2), dir.file("model.pt"), info);

  torch::jit::ExtraFilesMap extra{{kTorchScriptMetadataFile, ""}};
  torch::jit::Module loaded = torch::jit::load(dir.file("model.pt"), c10::nullopt, extra);
  const std::string json = extra[kTorchScriptMetadataFile];
  EXPECT_EQ(loaded.attr("neuroreg_metadata").toStringRef(), json);
  for (const char* part : {"\"format\": \"neuroreg-torchscript\"",
                           "\"shape\": [-1, 3, 8, 8]",
                           "\"range\": [0, 1]",
                           "\"num_classes\": 5",
                           "\"backbone\": \"TinyNet\"",
                           "\"class_names\": [\"a\", \"b\", \"c\", \"d\", \"say \\\"e\\\"\"]",
                           "\"description\": \"run demo\"",
                           "\"batch_size\": \"dynamic\""}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << "\nin\n" << json;
  }
}

TEST(TorchScriptExport, MissingParentFoldersAreCreated) {
  ScratchDir dir;
  TinyNet model;
  export_torchscript(model, images(1), dir.file("a/b/model.pt"));
  EXPECT_TRUE(fs::is_regular_file(dir.file("a/b/model.pt")));
  EXPECT_EQ(fs::directory_iterator(dir.file("a/b"))->path().filename(), "model.pt");
}

TEST(TorchScriptExport, AFailedWriteNamesThePathAndLeavesNoTemporaryFile) {
  ScratchDir dir;
  std::ofstream(dir.file("blocker")) << "a file where a folder should be";
  TinyNet model;
  const std::string path = dir.file("blocker/model.pt");
  try {
    export_torchscript(model, images(2), path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"blocker"}));
}

TEST(TorchScriptExport, AModelThatBakesInItsBatchSizeIsRefusedAndTheOldFileKept) {
  torch::manual_seed(5);
  ScratchDir dir;
  const std::string path = dir.file("model.pt");
  TinyNet good;
  export_torchscript(good, images(2), path);
  const std::string old_bytes = read_bytes(path);

  TinyNet baked(/*bake_batch=*/true);
  try {
    export_torchscript(baked, images(2), path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("batch of 3 images"), std::string::npos) << what;
  }
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"model.pt"}));
  EXPECT_EQ(read_bytes(path), old_bytes);
}

TEST(TorchScriptExport, ExamplesOutsideTheUnitRangeAreRefused) {
  TinyNet model;
  ScratchDir dir;
  EXPECT_THROW(export_torchscript(model, images(2) * 255, dir.file("model.pt")),
               std::invalid_argument);
  EXPECT_THROW(export_torchscript(model, torch::rand({3, 8, 8}), dir.file("model.pt")),
               std::invalid_argument);
  EXPECT_TRUE(dir.names().empty());
}

}  // namespace
}  // namespace neuroreg
