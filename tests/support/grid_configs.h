// The small grid config that the grid, comparison, launch and command-line
// tests expand or train: synthetic data, a width-2 ResNet18, a [[regularizer]]
// or two. A test sets only what it varies:
//
//   std::ofstream(path) << testing::SmallGrid()
//                              .name("arr")
//                              .output_dir(dir.file("runs"))
//                              .grid("seed = [0, 1]")
//                              .toml();
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace neuroreg::testing {

/// [run], [dataset], [backbone], [train], [eval] when set, the
/// [[regularizer]] entries and [grid] when set, a blank line between
/// sections. The defaults make the grid tests' config (whose errors those
/// tests assert by line: keep the layout).
class SmallGrid {
 public:
  /// [run] name; "" leaves the key out (the run is then named after its file).
  SmallGrid& name(std::string value) { return set(name_, std::move(value)); }
  /// [run] output_dir.
  SmallGrid& output_dir(std::string value) { return set(output_dir_, std::move(value)); }
  /// The [dataset] keys after `name = "synthetic"`, one a line.
  SmallGrid& dataset(std::string keys) { return set(dataset_, std::move(keys)); }
  /// [backbone] width of the resnet18.
  SmallGrid& width(int value) {
    width_ = value;
    return *this;
  }
  /// The [train] keys, one a line.
  SmallGrid& train(std::string keys) { return set(train_, std::move(keys)); }
  /// The [eval] keys, one a line; "" leaves [eval] out.
  SmallGrid& eval(std::string keys) { return set(eval_, std::move(keys)); }
  /// The [[regularizer]] entries, each as the keys below its header.
  SmallGrid& regularizers(std::vector<std::string> entries) {
    regularizers_ = std::move(entries);
    return *this;
  }
  /// The [grid] keys, one a line; "" leaves [grid] out.
  SmallGrid& grid(std::string keys) { return set(grid_, std::move(keys)); }

  /// The config's text.
  std::string toml() const {
    std::string text = "[run]\n";
    if (!name_.empty()) text += "name = \"" + name_ + "\"\n";
    text += "output_dir = \"" + output_dir_ + "\"\nthreads = 1\n\n";
    text += "[dataset]\nname = \"synthetic\"\n" + dataset_ + "\n\n";
    text += "[backbone]\nname = \"resnet18\"\nwidth = " + std::to_string(width_) + "\n\n";
    text += "[train]\n" + train_ + "\n\n";
    if (!eval_.empty()) text += "[eval]\n" + eval_ + "\n\n";
    for (size_t i = 0; i < regularizers_.size(); ++i) {
      text += (i ? "\n" : "") + std::string("[[regularizer]]\n") + regularizers_[i] + "\n";
    }
    if (!grid_.empty()) text += "\n[grid]\n" + grid_ + "\n";
    return text;
  }

 private:
  SmallGrid& set(std::string& field, std::string value) {
    field = std::move(value);
    return *this;
  }

  std::string name_ = "g";
  std::string output_dir_ = "OUT";
  std::string dataset_ = "train_size = 64\ntest_size = 32";
  int width_ = 2;
  std::string train_ = "epochs = 2\nbatch_size = 16\nlog_every = 0";
  std::string eval_;
  std::vector<std::string> regularizers_ = {"name = \"none\"", "name = \"pixel\"\nalpha = 2"};
  std::string grid_;
};

}  // namespace neuroreg::testing
