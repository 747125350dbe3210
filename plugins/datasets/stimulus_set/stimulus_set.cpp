// `stimulus_set`: the images of a stimulus set as a dataset — any folder with
// a stimuli.npy, every similarity target among them (what `neuroreg target
// simulate-v1` and the neural pipeline write), or a recordings scan folder in
// the Sensorium layout (each distinct frame_image_id once, in id order,
// 0..255 pixels scaled to [0,1]). So the images a target or a recording is
// about can be shown to a model like any other data: to look at them, to
// evaluate on them, or to pre-train on them.
//
// Stimuli have no classes: every label is 0 of one class, "stimulus". The last
// `test_fraction` of the stimuli (in file order) is the test split.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>

namespace {

namespace fs = std::filesystem;

// The distinct images of a scan folder, N×1×H×W in [0,1], ordered by id.
torch::Tensor scan_images(const fs::path& root) {
  const torch::Tensor ids =
      neuroreg::sdk::read_npy((root / "meta" / "trials" / "frame_image_id.npy").string());
  const auto* id = ids.to(torch::kLong).contiguous().data_ptr<int64_t>();
  std::map<int64_t, int64_t> first_trial;
  for (int64_t t = 0; t < ids.numel(); ++t) first_trial.emplace(id[t], t);
  std::vector<torch::Tensor> images;
  for (const auto& [image, trial] : first_trial) {
    const fs::path file = root / "data" / "images" / (std::to_string(trial) + ".npy");
    torch::Tensor x = neuroreg::sdk::read_npy(file.string()).to(torch::kFloat);
    if (x.dim() != 3 || x.size(0) != 1 || (!images.empty() && x.sizes() != images[0].sizes())) {
      throw std::runtime_error(file.string() + ": expected an image 1×H×W like trial 0's, got " +
                               c10::str(x.sizes()));
    }
    images.push_back(x);
  }
  if (images.size() < 2) throw std::runtime_error(root.string() + ": fewer than 2 images");
  // Sensorium stores pixels as 0..255.
  return (torch::stack(images) / 255.0).clamp(0.0, 1.0);
}

using neuroreg::sdk::DatasetContext;
using neuroreg::sdk::DatasetInfo;
using neuroreg::sdk::Options;
using neuroreg::sdk::Split;

class StimulusSet : public neuroreg::sdk::Dataset {
 public:
  explicit StimulusSet(const Options& options)
      : path_(options.get_string("path")),
        height_(options.get_int("height")),
        width_(options.get_int("width")),
        test_fraction_(options.get_float("test_fraction")) {
    const std::string tier = options.get_string("tier");
    if ((height_ == 0) != (width_ == 0)) {
      throw std::invalid_argument(
          "stimulus_set: options 'height' and 'width' must both be 0 (the stimuli's size) or "
          "both positive, got " +
          std::to_string(height_) + "×" + std::to_string(width_));
    }
    const bool scan = fs::is_directory(fs::path(path_) / "data" / "images");
    torch::Tensor stimuli = scan ? scan_images(path_) : neuroreg::sdk::load_stimuli(path_);
    if (tier != "all") {
      // A target's rows of one tier, in file order (tiers.npy beside stimuli.npy).
      const fs::path tiers_file = fs::path(path_) / "tiers.npy";
      if (scan || !fs::exists(tiers_file)) {
        throw std::invalid_argument("stimulus_set: option 'tier' = \"" + tier + "\" needs " +
                                    tiers_file.string() +
                                    " (a similarity target written with its tiers)");
      }
      const std::vector<std::string> tiers = neuroreg::sdk::read_npy_strings(tiers_file.string());
      if (static_cast<int64_t>(tiers.size()) != stimuli.size(0)) {
        throw std::runtime_error(tiers_file.string() + ": " + std::to_string(tiers.size()) +
                                 " tiers for " + std::to_string(stimuli.size(0)) + " stimuli");
      }
      std::vector<int64_t> rows;
      for (size_t i = 0; i < tiers.size(); ++i) {
        if (tiers[i] == tier) rows.push_back(static_cast<int64_t>(i));
      }
      if (rows.size() < 2) {
        throw std::invalid_argument(tiers_file.string() + ": fewer than 2 \"" + tier + "\" rows");
      }
      stimuli = stimuli.index_select(0, torch::tensor(rows, torch::kLong));
    }
    if (height_ == 0) {
      height_ = stimuli.size(2);
      width_ = stimuli.size(3);
    } else {
      stimuli = neuroreg::sdk::resized(stimuli, height_, width_);
    }
    const int64_t n = stimuli.size(0);
    const auto test = static_cast<int64_t>(test_fraction_ * static_cast<double>(n));
    train_ = {stimuli.slice(0, 0, n - test), torch::zeros({n - test}, torch::kLong)};
    test_ = {stimuli.slice(0, n - test), torch::zeros({test}, torch::kLong)};
  }

  DatasetInfo info() const override { return {1, height_, width_, 1, {"stimulus"}}; }
  Split train() override { return train_; }
  Split test() override { return test_; }

 private:
  std::string path_;
  int64_t height_, width_;
  double test_fraction_;
  Split train_, test_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options
      .add_required(
          "path", neuroreg::sdk::OptionType::kString,
          "stimulus set folder: a similarity target (its stimuli.npy) or a recordings scan")
      .existing_folder()
      .add_int("height", 32, "resize the stimuli to this height; 0 with width 0: as stored")
      .between(0, 4096)
      .add_int("width", 32, "resize the stimuli to this width; 0 with height 0: as stored")
      .between(0, 4096)
      .add_float("test_fraction", 0.1, "the last fraction of the stimuli is the test split")
      .at_least(0)
      .below(1)
      .add_string("tier", "all",
                  "a similarity target's rows: all, once (images shown once) or oracle (the "
                  "repeated test images), from its tiers.npy")
      .one_of({"all", "once", "oracle"});
  registrar.add_dataset(
      {"stimulus_set", "the stimuli of a stimulus set or similarity target, one class",
       options.specs()},
      [](const Options& opts, const DatasetContext&) {
        return std::make_shared<StimulusSet>(opts);
      });
}

}  // namespace

NEUROREG_PLUGIN("stimulus_set", "0.1.0", register_components)
