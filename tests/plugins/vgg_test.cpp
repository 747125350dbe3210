// The vgg19 backbone through the real plugin loader: torchvision's parameter
// names, the 16 conv taps, input handling, and loading torchvision-layout
// state dicts in every container torch.save writes. width_divisor 16 keeps the
// models tiny (channels 4..32, hidden 256); no real weights are needed.
#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "support/builtin_plugins.h"
#include "support/torch_save_writer.h"

namespace neuroreg {
namespace {

using sdk::Backbone;
using sdk::ComponentKind;
using testing::save_like_python;
using testing::StateDict;
using Container = testing::TorchSaveContainer;

std::shared_ptr<Backbone> make_vgg(std::map<std::string, sdk::OptionValue> overrides = {},
                                   int64_t channels = 1) {
  const Registry& registry = testing::builtin_registry();
  overrides.emplace("width_divisor", int64_t{16});
  sdk::BackboneContext context;
  context.input = {channels, 32, 32, 10, {}};
  auto model = registry.make_backbone(
      "vgg19", registry.defaults(ComponentKind::kBackbone, "vgg19", overrides), context);
  model->eval();  // no dropout: passes are comparable
  return model;
}

torch::Tensor images(int64_t n = 2, int64_t channels = 1, int64_t size = 32) {
  torch::manual_seed(0);
  return torch::rand({n, channels, size, size});
}

// torchvision's vgg19 state dict for width_divisor 16, written out by hand
// from torchvision's layout: convs at these features indices, then the
// classifier's three linears.
StateDict torchvision_state(int64_t classes = 10) {
  const int conv_at[] = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
  const int64_t out_channels[] = {4, 4, 8, 8, 16, 16, 16, 16, 32, 32, 32, 32, 32, 32, 32, 32};
  torch::manual_seed(7);
  StateDict state;
  int64_t in = 3;
  for (int i = 0; i < 16; ++i) {
    const std::string prefix = "features." + std::to_string(conv_at[i]);
    state.emplace_back(prefix + ".weight", torch::randn({out_channels[i], in, 3, 3}) * 0.3);
    state.emplace_back(prefix + ".bias", torch::randn({out_channels[i]}) * 0.1);
    in = out_channels[i];
  }
  const std::pair<int64_t, int64_t> linears[] = {{32 * 7 * 7, 256}, {256, 256}, {256, classes}};
  const int linear_at[] = {0, 3, 6};
  for (int i = 0; i < 3; ++i) {
    const std::string prefix = "classifier." + std::to_string(linear_at[i]);
    state.emplace_back(prefix + ".weight",
                       torch::randn({linears[i].second, linears[i].first}) * 0.05);
    state.emplace_back(prefix + ".bias", torch::randn({linears[i].second}) * 0.05);
  }
  return state;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// What torch::pickle_save writes: a zip holding a typed Dict[str, Tensor].
std::string save_with_libtorch(const StateDict& state, const std::string& path) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [key, value] : state) dict.insert(key, value);
  std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_bytes(path, std::string(bytes.begin(), bytes.end()));
  return path;
}

// A model with `state` copied into its parameters by hand.
std::shared_ptr<Backbone> copied_by_hand(const StateDict& state) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  auto parameters = model->named_parameters();
  for (const auto& [key, value] : state) parameters[key].copy_(value);
  return model;
}

std::string load_error(const std::string& path,
                       std::map<std::string, sdk::OptionValue> options = {}) {
  options.emplace("weights", path);
  try {
    make_vgg(options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Vgg19, NamesItsParametersAsTorchvisionsStateDict) {
  auto parameters = make_vgg()->named_parameters();
  StateDict expected = torchvision_state();
  ASSERT_EQ(parameters.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(parameters[i].key(), expected[i].first);
    EXPECT_EQ(parameters[i].value().sizes(), expected[i].second.sizes()) << expected[i].first;
  }
}

TEST(Vgg19, NamesSixteenTapsAsTheVggLiteratureDoes) {
  auto model = make_vgg();
  const auto& taps = model->taps();
  ASSERT_EQ(taps.size(), 16u);
  const int convs_per_block[] = {2, 2, 4, 4, 4};
  int layer = 0;
  for (int block = 1; block <= 5; ++block) {
    for (int i = 1; i <= convs_per_block[block - 1]; ++i) {
      const std::string suffix = std::to_string(block) + "_" + std::to_string(i);
      EXPECT_EQ(taps[layer].name, "conv" + suffix);
      EXPECT_EQ(taps[layer].alias, "relu" + suffix);
      EXPECT_EQ(taps[layer].layer, layer + 1);
      ++layer;
    }
  }
  for (const char* which : {"conv3_1", "relu3_1", "5", "layer5"}) {
    EXPECT_EQ(sdk::resolve_tap(*model, which), 4) << which;
  }
}

TEST(Vgg19, Conv3_1OfA32x32ImageIs8x8WithAQuarterOf256Channels) {
  torch::NoGradGuard no_grad;
  sdk::TappedForward out = make_vgg()->forward_taps(images(1), {4}, false);
  EXPECT_EQ(out.features[0].sizes(), (std::vector<int64_t>{1, 256 / 16, 8, 8}));
  EXPECT_FALSE(out.logits.defined());
}

TEST(Vgg19, StoppingAfterTheDeepestTapGivesTheSameFeatures) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  sdk::TappedForward full = model->forward_taps(images(), {4, 0}, true);
  sdk::TappedForward early = model->forward_taps(images(), {4, 0}, false);
  EXPECT_TRUE(early.features[0].equal(full.features[0]));
  EXPECT_TRUE(early.features[1].equal(full.features[1]));
  EXPECT_TRUE(full.logits.equal(model->forward(images())));
}

TEST(Vgg19, RunsNoConvAfterTheDeepestTapWithoutLogits) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  model->named_parameters()["features.12.weight"].set_(torch::zeros({1}));  // conv3_2 cannot run
  EXPECT_NO_THROW(model->forward_taps(images(), {4}, false));
  EXPECT_ANY_THROW(model->forward_taps(images(), {5}, false));
}

TEST(Vgg19, TreatsAGrayscaleImageAsThatImageRepeatedToThreeChannels) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  torch::Tensor gray = images();
  EXPECT_TRUE(model->forward_taps(gray, {4}, true)
                  .features[0]
                  .equal(model->forward_taps(gray.repeat({1, 3, 1, 1}), {4}, true).features[0]));
  EXPECT_TRUE(model->forward(gray).equal(model->forward(gray.repeat({1, 3, 1, 1}))));
}

TEST(Vgg19, NormalisesWithImageNetStatisticsInsideTheModel) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  torch::Tensor x = images(2, 3);
  torch::Tensor mean = torch::tensor({0.485, 0.456, 0.406}).view({1, 3, 1, 1});
  torch::Tensor std = torch::tensor({0.229, 0.224, 0.225}).view({1, 3, 1, 1});
  auto parameters = model->named_parameters();
  torch::Tensor expected = torch::relu(torch::conv2d(
      (x - mean) / std, parameters["features.0.weight"], parameters["features.0.bias"], 1, 1));
  EXPECT_TRUE(model->forward_taps(x, {0}, false).features[0].allclose(expected, 1e-5, 1e-6));
}

TEST(Vgg19, ResizesInsideTheModelWhenAsked) {
  torch::manual_seed(3);
  auto resizing = make_vgg({{"resize", int64_t{64}}});
  torch::manual_seed(3);  // the same initial weights
  auto plain = make_vgg();
  torch::NoGradGuard no_grad;
  torch::Tensor x = images(2, 3);
  torch::Tensor big =
      torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                .size(std::vector<int64_t>{64, 64})
                                                .mode(torch::kBilinear)
                                                .align_corners(false));
  torch::Tensor tap = resizing->forward_taps(x, {4}, false).features[0];
  EXPECT_EQ(tap.sizes(), (std::vector<int64_t>{2, 16, 16, 16}));
  EXPECT_TRUE(tap.equal(plain->forward_taps(big, {4}, false).features[0]));
}

TEST(Vgg19, ReturnsLogitsForAnyImageOfAtLeast32Pixels) {
  auto model = make_vgg();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model->forward(images(3)).sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(model->forward(torch::rand({2, 3, 48, 40})).sizes(), (std::vector<int64_t>{2, 10}));
  try {
    model->forward(torch::rand({2, 1, 28, 28}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "vgg19: images must be at least 32×32 (or set option 'resize'), got 28×28");
  }
}

TEST(Vgg19, InitialisesAsTorchvisionDoes) {
  auto parameters = make_vgg()->named_parameters();
  EXPECT_EQ(parameters["features.0.bias"].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(parameters["classifier.0.bias"].abs().sum().item<float>(), 0.0f);
  EXPECT_NEAR(parameters["classifier.0.weight"].std().item<float>(), 0.01, 0.001);
  // Kaiming normal, fan_out: std = sqrt(2 / (32 out channels × 9)).
  EXPECT_NEAR(parameters["features.34.weight"].std().item<float>(), std::sqrt(2.0 / 288), 0.01);
}

TEST(Vgg19, FreezeLeavesNoParameterTrainable) {
  for (const auto& parameter : make_vgg({{"freeze", true}})->parameters()) {
    EXPECT_FALSE(parameter.requires_grad());
  }
  EXPECT_TRUE(make_vgg()->parameters()[0].requires_grad());
}

TEST(Vgg19, LoadsAStateDictThatLibtorchSaved) {
  testing::TempDir dir;
  StateDict state = torchvision_state();
  auto loaded = make_vgg({{"weights", save_with_libtorch(state, dir.file("vgg19.pth"))}});
  auto parameters = loaded->named_parameters();
  for (const auto& [key, value] : state) EXPECT_TRUE(parameters[key].equal(value)) << key;
  auto by_hand = copied_by_hand(state);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(loaded->forward(images()).equal(by_hand->forward(images())));
  EXPECT_TRUE(loaded->forward_taps(images(), {4}, false)
                  .features[0]
                  .equal(by_hand->forward_taps(images(), {4}, false).features[0]));
}

TEST(Vgg19, LoadsEveryContainerPythonsTorchSaveWrites) {
  testing::TempDir dir;
  StateDict state = torchvision_state();
  auto by_hand = copied_by_hand(state);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = by_hand->forward(images());
  const std::pair<Container, const char*> containers[] = {
      {Container::kZip, "zip"}, {Container::kLegacy, "legacy"}, {Container::kLegacy2017, "2017"}};
  for (const auto& [container, name] : containers) {
    SCOPED_TRACE(name);
    auto loaded = make_vgg(
        {{"weights", save_like_python(state, dir.file(std::string(name) + ".pth"), container)}});
    auto parameters = loaded->named_parameters();
    for (const auto& [key, value] : state) EXPECT_TRUE(parameters[key].equal(value)) << key;
    EXPECT_TRUE(loaded->forward(images()).equal(expected));
  }
}

TEST(Vgg19, KeepsTheFeaturesAndReinitialisesALastLayerForOtherClasses) {
  testing::TempDir dir;
  StateDict imagenet = torchvision_state(1000);
  const std::string path = save_with_libtorch(imagenet, dir.file("imagenet.pth"));
  auto model = make_vgg({{"weights", path}});
  auto parameters = model->named_parameters();
  EXPECT_TRUE(parameters["features.34.weight"].equal(imagenet[30].second));
  EXPECT_TRUE(parameters["classifier.3.weight"].equal(imagenet[34].second));
  EXPECT_EQ(parameters["classifier.6.weight"].sizes(), (std::vector<int64_t>{10, 256}));
  EXPECT_EQ(parameters["classifier.6.bias"].abs().sum().item<float>(), 0.0f);

  EXPECT_EQ(load_error(path, {{"reinit_classifier", false}}),
            path +
                ": does not fit vgg19 (width_divisor 16, 10 classes): wrong shapes: "
                "classifier.6.weight expected [10, 256], found [1000, 256], "
                "classifier.6.bias expected [10], found [1000]");
  auto imagenet_classes =
      make_vgg({{"weights", path}, {"num_classes", int64_t{1000}}, {"reinit_classifier", false}});
  EXPECT_TRUE(
      imagenet_classes->named_parameters()["classifier.6.weight"].equal(imagenet[36].second));
}

TEST(Vgg19, ListsEveryMissingKey) {
  testing::TempDir dir;
  StateDict state = torchvision_state();
  state.erase(state.begin() + 1);  // features.0.bias
  state.pop_back();                // classifier.6.bias
  const std::string path = save_with_libtorch(state, dir.file("missing.pth"));
  EXPECT_EQ(load_error(path), path +
                                  ": does not fit vgg19 (width_divisor 16, 10 classes): "
                                  "missing keys: features.0.bias, classifier.6.bias");
}

TEST(Vgg19, ListsEveryUnexpectedKey) {
  testing::TempDir dir;
  StateDict state = torchvision_state();
  state.emplace_back("features.36.weight", torch::zeros({1}));
  state.emplace_back("fc.bias", torch::zeros({1}));
  const std::string path = save_with_libtorch(state, dir.file("extra.pth"));
  EXPECT_EQ(load_error(path), path +
                                  ": does not fit vgg19 (width_divisor 16, 10 classes): "
                                  "unexpected keys: features.36.weight, fc.bias");
}

TEST(Vgg19, NamesTheKeyAndBothShapesOfAShapeMismatch) {
  testing::TempDir dir;
  StateDict state = torchvision_state();
  state[2].second = torch::zeros({4, 4, 5, 5});  // features.2.weight
  const std::string path = save_with_libtorch(state, dir.file("shape.pth"));
  EXPECT_EQ(load_error(path), path +
                                  ": does not fit vgg19 (width_divisor 16, 10 classes): "
                                  "wrong shapes: features.2.weight expected [4, 4, 3, 3], "
                                  "found [4, 4, 5, 5]");
}

TEST(Vgg19, TellsWhereToGetTheWeightsWhenTheFileIsMissing) {
  testing::TempDir dir;
  const std::string path = dir.file("vgg19-dcbb9e9d.pth");
  EXPECT_EQ(load_error(path), path +
                                  ": no such file; download torchvision's vgg19 weights "
                                  "(vgg19-dcbb9e9d.pth) and set option 'weights' to its path");
}

TEST(Vgg19, RejectsAFileThatIsNotATorchSaveFile) {
  testing::TempDir dir;
  const std::string path = dir.file("notes.pth");
  write_bytes(path, "these are not weights\n");
  EXPECT_EQ(load_error(path),
            path + ": not a readable torch.save file: neither a zip archive nor a pickle");

  const std::string cut =
      save_like_python(torchvision_state(), dir.file("cut.pth"), Container::kLegacy);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 100);
  EXPECT_EQ(load_error(cut),
            cut + ": not a readable torch.save file: the file ends inside storage 36");
}

TEST(Vgg19, RejectsAFileThatIsNotADictOfTensors) {
  testing::TempDir dir;
  const std::string list = dir.file("list.pth");
  std::vector<char> bytes =
      torch::pickle_save(c10::IValue(c10::List<at::Tensor>({torch::zeros({1})})));
  write_bytes(list, std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(load_error(list),
            list + ": expected a state dict (a dict of name → tensor), found a list");

  const std::string checkpoint = dir.file("checkpoint.pth");
  c10::Dict<std::string, int64_t> dict;
  dict.insert("epoch", 3);
  bytes = torch::pickle_save(c10::IValue(dict));
  write_bytes(checkpoint, std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(
      load_error(checkpoint),
      checkpoint + ": expected a state dict (a dict of name → tensor), but 'epoch' holds an int");
}

}  // namespace
}  // namespace neuroreg
