// `cifar10` and `cifar100`: Krizhevsky's CIFAR datasets from their official
// binary versions (cifar-10-batches-bin/, cifar-100-binary/), 32×32 images
// converted to grey luminance Y = 0.299 R + 0.587 G + 0.114 B by default
// (`grayscale = false` keeps the three colour channels).
//
//   CIFAR-10:  data_batch_1.bin … data_batch_5.bin (train, in that order) and
//              test_batch.bin; records of 1 label byte + 3072 image bytes.
//   CIFAR-100: train.bin and test.bin; records of a coarse label byte, a fine
//              label byte and 3072 image bytes. `label` picks which one.
//
// The official files hold 10000 records each (CIFAR-100 train.bin: 50000);
// those counts are not enforced, so any whole, positive number of records is
// read (the tests write small files). Every label byte of every record is
// checked against its range, including the one not used.
//
// Each split is read on first use and kept: creating the dataset or asking
// for info() touches no file, so listing and config checks stay cheap. Until
// a split is read, info() reports the standard class names; afterwards those
// of the names file (batches.meta.txt, fine_label_names.txt,
// coarse_label_names.txt) when one is present. The official files hold the
// same names in the same order.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cifar_reader.h"

namespace {

using neuroreg::datasets::CifarRecords;
using neuroreg::datasets::kCifarImageBytes;
using neuroreg::datasets::kCifarImageSide;
using neuroreg::sdk::DatasetContext;
using neuroreg::sdk::DatasetInfo;
using neuroreg::sdk::Options;
using neuroreg::sdk::Split;

const std::vector<std::string> kCifar10Names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                "dog",      "frog",       "horse", "ship", "truck"};

const std::vector<std::string> kCifar100CoarseNames = {"aquatic_mammals",
                                                       "fish",
                                                       "flowers",
                                                       "food_containers",
                                                       "fruit_and_vegetables",
                                                       "household_electrical_devices",
                                                       "household_furniture",
                                                       "insects",
                                                       "large_carnivores",
                                                       "large_man-made_outdoor_things",
                                                       "large_natural_outdoor_scenes",
                                                       "large_omnivores_and_herbivores",
                                                       "medium_mammals",
                                                       "non-insect_invertebrates",
                                                       "people",
                                                       "reptiles",
                                                       "small_mammals",
                                                       "trees",
                                                       "vehicles_1",
                                                       "vehicles_2"};

const std::vector<std::string> kCifar100FineNames = {
    "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
    "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
    "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
    "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
    "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
    "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
    "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
    "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
    "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
    "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
    "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
    "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
    "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
    "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
    "table",       "tank",          "telephone", "television", "tiger",        "tractor",
    "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
    "willow_tree", "wolf",          "woman",     "worm"};

/// One label byte of a record: its position, range and names.
struct LabelByte {
  int index;
  std::string name;        ///< in messages: "label", "coarse label", "fine label"
  std::string names_file;  ///< optional file with one class name per line
  const std::vector<std::string>* standard_names;
  int64_t classes() const { return static_cast<int64_t>(standard_names->size()); }
};

/// One file of a split and the number of records the official one holds.
struct SplitFile {
  std::string name;
  int64_t official_records;
};

/// What tells CIFAR-10 and CIFAR-100 apart.
struct Variant {
  std::string name;   ///< component name, prefixes every message
  std::string title;  ///< "CIFAR-10"
  std::string files;  ///< the expected files, for messages
  std::vector<LabelByte> label_bytes;
  std::vector<SplitFile> train;
  std::vector<SplitFile> test;
};

const Variant kCifar10{"cifar10",
                       "CIFAR-10",
                       "data_batch_1.bin … data_batch_5.bin, test_batch.bin",
                       {{0, "label", "batches.meta.txt", &kCifar10Names}},
                       {{"data_batch_1.bin", 10000},
                        {"data_batch_2.bin", 10000},
                        {"data_batch_3.bin", 10000},
                        {"data_batch_4.bin", 10000},
                        {"data_batch_5.bin", 10000}},
                       {{"test_batch.bin", 10000}}};

const Variant kCifar100{"cifar100",
                        "CIFAR-100",
                        "train.bin, test.bin",
                        {{0, "coarse label", "coarse_label_names.txt", &kCifar100CoarseNames},
                         {1, "fine label", "fine_label_names.txt", &kCifar100FineNames}},
                        {{"train.bin", 50000}},
                        {{"test.bin", 10000}}};

class Cifar : public neuroreg::sdk::Dataset {
 public:
  Cifar(const Variant& variant, const Options& options)
      : variant_(variant),
        root_(options.get_string("root")),
        grayscale_(options.get_bool("grayscale")),
        label_(variant.label_bytes.front()) {
    if (options.has("label")) {
      const std::string& label = options.get_string("label");
      label_ = variant_.label_bytes.at(label == "fine" ? 1 : 0);
    }
  }

  DatasetInfo info() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return {grayscale_ ? 1 : 3, kCifarImageSide, kCifarImageSide, label_.classes(),
            names_ ? *names_ : *label_.standard_names};
  }

  Split train() override { return cached(train_, variant_.train); }
  Split test() override { return cached(test_, variant_.test); }

 private:
  Split cached(std::optional<Split>& slot, const std::vector<SplitFile>& files) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!slot) {
      Split split = load(files);
      if (!names_) names_ = load_names();
      slot = std::move(split);
    }
    return *slot;
  }

  /// Runs a reader call, prefixing its messages with the component name.
  template <typename F>
  auto prefixed(F read) const {
    try {
      return read();
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(variant_.name + ": " + e.what());
    }
  }

  Split load(const std::vector<SplitFile>& files) const {
    if (!std::filesystem::is_directory(root_)) {
      throw std::runtime_error(variant_.name + ": root '" + root_ +
                               "' is not a folder (set the option 'root' to the folder holding "
                               "the " +
                               variant_.title + " binary version: " + variant_.files + ")");
    }
    const int record_bytes = static_cast<int>(variant_.label_bytes.size() + kCifarImageBytes);
    // Every file is checked for before any is read.
    std::vector<std::string> paths;
    for (const SplitFile& file : files) {
      paths.push_back(root_ + "/" + file.name);
      if (!std::filesystem::exists(paths.back())) {
        throw std::runtime_error(
            variant_.name + ": " + paths.back() + ": no such file (expected the " + variant_.title +
            " binary version: " + variant_.files + "; the official " + file.name + " holds " +
            std::to_string(file.official_records) + " records of " + std::to_string(record_bytes) +
            " bytes, " + std::to_string(file.official_records * record_bytes) + " bytes)");
      }
    }

    std::vector<torch::Tensor> images, labels;
    for (const std::string& path : paths) {
      const CifarRecords records = prefixed([&] {
        CifarRecords read = neuroreg::datasets::read_cifar_file(
            path, static_cast<int>(variant_.label_bytes.size()));
        for (const LabelByte& byte : variant_.label_bytes) {
          neuroreg::datasets::check_cifar_labels(read, path, byte.index, byte.classes(), byte.name);
        }
        return read;
      });
      images.push_back(neuroreg::datasets::cifar_to_float(records.images, grayscale_));
      labels.push_back(records.labels.at(static_cast<size_t>(label_.index)));
    }
    Split split;
    split.images = images.size() == 1 ? images.front() : torch::cat(images);
    split.labels = labels.size() == 1 ? labels.front() : torch::cat(labels);
    return split;
  }

  /// The names of the used label byte from its names file, if present.
  std::optional<std::vector<std::string>> load_names() const {
    const std::string path = root_ + "/" + label_.names_file;
    if (!std::filesystem::exists(path)) return std::nullopt;
    return prefixed([&] {
      return neuroreg::datasets::read_cifar_class_names(path,
                                                        static_cast<size_t>(label_.classes()));
    });
  }

  const Variant& variant_;
  std::string root_;
  bool grayscale_;
  LabelByte label_;
  mutable std::mutex mutex_;
  std::optional<std::vector<std::string>> names_;
  std::optional<Split> train_;
  std::optional<Split> test_;
};

neuroreg::sdk::OptionList common_options(const Variant& variant) {
  neuroreg::sdk::OptionList options;
  options
      .add_required("root", neuroreg::sdk::OptionType::kString,
                    "folder with the " + variant.title + " binary files (" + variant.files + ")")
      .non_empty()
      .existing_folder()
      .add_bool("grayscale", true,
                "convert to luminance 0.299 R + 0.587 G + 0.114 B (1 channel); false keeps RGB");
  return options;
}

void register_components(neuroreg::sdk::Registrar& registrar) {
  registrar.add_dataset(
      {"cifar10", "CIFAR-10, binary version: 50k/10k 32×32 images of 10 classes, grey by default",
       common_options(kCifar10).specs()},
      [](const Options& opts, const DatasetContext&) {
        return std::make_shared<Cifar>(kCifar10, opts);
      });
  registrar.add_dataset(
      {"cifar100",
       "CIFAR-100, binary version: 50k/10k 32×32 images of 100 fine or 20 coarse classes, grey "
       "by default",
       common_options(kCifar100)
           .add_string("label", "fine", "which label: \"fine\" (100 classes) or \"coarse\" (20)")
           .one_of({"fine", "coarse"})
           .specs()},
      [](const Options& opts, const DatasetContext&) {
        return std::make_shared<Cifar>(kCifar100, opts);
      });
}

}  // namespace

NEUROREG_PLUGIN("cifar", "0.1.0", register_components)
