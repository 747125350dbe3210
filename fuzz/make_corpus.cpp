// Writes the seed corpora of the fuzz harnesses with the project's own
// writers: a few small valid files per reader and a few edge cases.
//
//   neuroreg_fuzz_corpus fuzz/corpus
//
// The TOML configs (run_config, eval_config) are copies of configs/, and the
// ELF seeds are built by tools/fuzz-corpus-elf (see fuzz/README.md); this
// program writes the others.
#include <caffe2/serialize/inline_container.h>
#include <neuroreg/sdk/npy.h>
#include <neuroreg/sdk/target.h>
#include <torch/serialize.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_support.h"
#include "record/record_io.h"
#include "robustness/robustness_report.h"
#include "support/torch_save_writer.h"

namespace fs = std::filesystem;
using namespace neuroreg;

namespace {

std::string g_root;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put(const std::string& harness, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root + "/" + harness);
  std::ofstream out(g_root + "/" + harness + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string npy_bytes(const torch::Tensor& t) {
  const std::string path = fuzz::scratch_dir() + "/t.npy";
  sdk::write_npy(path, t);
  return read(path);
}

std::string npy_strings_bytes(const std::vector<std::string>& strings) {
  const std::string path = fuzz::scratch_dir() + "/s.npy";
  sdk::write_npy_strings(path, strings);
  return read(path);
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string join(const std::vector<std::string>& files) {
  std::string out;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i) out += fuzz::kFileSeparator;
    out += files[i];
  }
  return out;
}

void npy() {
  put("npy", "float32_2x3.npy", npy_bytes(torch::arange(6, torch::kFloat).reshape({2, 3})));
  put("npy", "float64_1x1x2.npy", npy_bytes(torch::tensor({0.5, -2.0}).reshape({1, 1, 2})));
  put("npy", "uint8_4.npy", npy_bytes(torch::tensor({0, 1, 128, 255}, torch::kUInt8)));
  put("npy", "int32_2x2.npy", npy_bytes(torch::tensor({-1, 2, 3, 4}, torch::kInt).reshape({2, 2})));
  put("npy", "int64_3.npy", npy_bytes(torch::tensor({int64_t{1} << 40, int64_t{-5}, int64_t{7}})));
  put("npy", "bool_3.npy", npy_bytes(torch::tensor({true, false, true})));
  put("npy", "float32_empty.npy", npy_bytes(torch::zeros({0, 3})));
  put("npy", "float32_scalar.npy", npy_bytes(torch::tensor(3.5f)));
  const std::string f = npy_bytes(torch::arange(6, torch::kFloat).reshape({2, 3}));
  put("npy", "edge_big_endian.npy", replaced(f, "<f4", ">f4"));
  put("npy", "edge_fortran.npy", replaced(f, "False", "True "));
  put("npy", "edge_truncated.npy", f.substr(0, f.size() - 5));
  put("npy", "edge_unicode.npy", npy_strings_bytes({"train"}));
}

void npy_strings() {
  put("npy_strings", "tiers.npy", npy_strings_bytes({"train", "validation", "test", "final_test"}));
  put("npy_strings", "one.npy", npy_strings_bytes({"a"}));
  put("npy_strings", "empty_list.npy", npy_strings_bytes({}));
  put("npy_strings", "utf8.npy", npy_strings_bytes({"\xc3\xa9t\xc3\xa9", "\xe2\x82\xac", ""}));
  const std::string s = npy_strings_bytes({"ab", "c"});
  put("npy_strings", "edge_width0.npy", replaced(s, "<U2", "<U0"));
  put("npy_strings", "edge_2d.npy", replaced(s, "(2,)", "(1, 2)"));
  put("npy_strings", "edge_numbers.npy", npy_bytes(torch::arange(3, torch::kFloat)));
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string gzip(const std::string& bytes) {
  const std::string path = fuzz::scratch_dir() + "/g.gz";
  gzFile out = gzopen(path.c_str(), "wb");
  gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(out);
  return read(path);
}

void idx() {
  std::string images = be32(0x00000803) + be32(2) + be32(3) + be32(4);
  for (int i = 0; i < 24; ++i) images += static_cast<char>(i * 10);
  std::string labels = be32(0x00000801) + be32(5) + std::string("\x00\x01\x02\x09\x05", 5);
  put("idx", "images_2x3x4-idx3-ubyte", images);
  put("idx", "labels_5-idx1-ubyte", labels);
  put("idx", "images_2x3x4-idx3-ubyte.gz", gzip(images));
  put("idx", "labels_5-idx1-ubyte.gz", gzip(labels));
  put("idx", "edge_zero_images-idx3-ubyte", be32(0x00000803) + be32(0) + be32(3) + be32(4));
  put("idx", "edge_trailing-idx1-ubyte", labels + "x");
  put("idx", "edge_huge_count-idx1-ubyte", be32(0x00000801) + be32(0x7fffffff) + "ab");
}

void cifar() {
  std::string ten, hundred;
  for (int r = 0; r < 2; ++r) {
    ten += static_cast<char>(r * 7);
    hundred += static_cast<char>(r);
    hundred += static_cast<char>(r * 40);
    std::string image(3072, '\0');
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>((i * 13 + r) & 0xff);
    ten += image;
    hundred += image;
  }
  put("cifar", "cifar10_2.bin", ten);
  put("cifar", "cifar100_2.bin", hundred);
  put("cifar", "batches.meta.txt",
      "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
  put("cifar", "edge_partial.bin", ten.substr(0, 3073 + 100));
  put("cifar", "edge_empty.bin", "");
}

// A state dict as Python's torch.save writes it, read back from the file
// (a zip's record names come from the file name: always sd.pth here).
std::string python_state_dict(const testing::StateDict& state,
                              testing::TorchSaveContainer container) {
  return read(testing::save_like_python(state, fuzz::scratch_dir() + "/sd.pth", container));
}

void state_dict() {
  using Container = testing::TorchSaveContainer;
  const testing::StateDict state = {
      {"features.0.weight", torch::arange(4, torch::kFloat).reshape({2, 2})},
      {"features.0.bias", torch::tensor({0.5f, -0.5f})}};
  put("state_dict", "python_zip.pth", python_state_dict(state, Container::kZip));
  put("state_dict", "python_legacy.pth", python_state_dict(state, Container::kLegacy));
  put("state_dict", "python_legacy_2017.pth", python_state_dict(state, Container::kLegacy2017));
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [key, value] : state) dict.insert(key, value);
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  put("state_dict", "libtorch_zip.pth", std::string(bytes.begin(), bytes.end()));
  put("state_dict", "edge_not_torch.pth", "PK\x03\x04not a zip");
}

void records() {
  record::RunRecord run;
  run.set_run_name("quickstart");
  run.set_label("pixel");
  run.set_regularizer("pixel");
  run.set_alpha(8);
  run.set_config_path("configs/quickstart.toml");
  run.set_effective_config("[run]\nname = \"quickstart\"\n");
  *run.mutable_versions() = current_versions();
  run.mutable_environment()->set_device("cpu");
  run.mutable_environment()->set_threads(2);
  run.set_started_at("2026-01-01T00:00:00Z");
  run.set_wall_seconds(12.5);
  run.set_train_images(100);
  for (int e = 1; e <= 2; ++e) {
    auto* epoch = run.add_epochs();
    epoch->set_epoch(e);
    epoch->set_learning_rate(0.1);
    epoch->set_loss(1.0 / e);
    (*epoch->mutable_diagnostics())["gamma/conv5"] = 0.25;
    (*epoch->mutable_diagnostics())["gamma/conv13"] = 0.5;
  }
  run.mutable_evaluation()->set_test_images(50);
  run.mutable_evaluation()->set_clean_accuracy(0.8);
  auto* noise = run.mutable_evaluation()->add_noise();
  noise->set_sigma(0.1);
  noise->set_accuracy(0.7);
  run.mutable_cell()->set_id("pixel-alpha8-0123abcd");
  run.mutable_cell()->set_label("pixel-alpha8");
  auto* axis = run.mutable_cell()->add_axes();
  axis->set_path("regularizer[pixel].alpha");
  axis->set_value("8");
  const std::string path = fuzz::scratch_dir() + "/record.pb";
  write_run_record(path, run);
  const std::string full = read(path);
  put("run_record", "run.pb", full);
  record::RunRecord minimal;
  *minimal.mutable_versions() = current_versions();
  minimal.set_started_at("2026-01-01T00:00:00Z");
  write_run_record(path, minimal);
  put("run_record", "minimal.pb", read(path));
  put("run_record", "edge_no_checksum.pb", full.substr(0, full.size() - 5));
  put("run_record", "edge_empty.pb", "");

  record::RobustnessRecord robust;
  robust.set_run("runs/quickstart");
  robust.set_label("pixel");
  robust.set_eval_config_path("configs/reduced/fig5_adversarial.toml");
  *robust.mutable_versions() = current_versions();
  robust.set_started_at("2026-01-01T00:00:00Z");
  robust.set_test_images(50);
  robust.set_clean_accuracy(0.8);
  auto* rn = robust.add_noise();
  rn->set_sigma(0.2);
  rn->set_accuracy(0.5);
  robust.add_samples(3);
  robust.add_samples(7);
  robust.add_corruptions();
  robust.add_attacks();
  robust.add_norms();
  const std::string rpath = fuzz::scratch_dir() + "/robustness.pb";
  write_robustness_record(rpath, robust);
  const std::string rfull = read(rpath);
  put("robustness_record", "robustness.pb", rfull);
  put("robustness_record", "edge_run_record.pb", full);
  put("robustness_record", "edge_truncated.pb", rfull.substr(0, rfull.size() / 2));
}

void target() {
  const std::string dir = fuzz::scratch_dir() + "/target";
  auto files = [&](const std::vector<std::string>& names) {
    std::vector<std::string> parts;
    for (const std::string& name : names) {
      parts.push_back(fs::exists(dir + "/" + name) ? read(dir + "/" + name) : "");
    }
    return join(parts);
  };
  const std::vector<std::string> layout = {"stimuli.npy", "embeddings.npy", "similarity.npy",
                                           "provenance.txt"};
  torch::manual_seed(1);
  sdk::SimilarityTarget t;
  t.stimuli = torch::rand({3, 1, 4, 4});
  t.embeddings = sdk::unit_embeddings(torch::rand({3, 5}));
  t.provenance = "fuzz seed: embeddings";
  sdk::save_similarity_target(t, dir);
  put("target", "embeddings", files(layout));
  sdk::SimilarityTarget d;
  d.stimuli = torch::rand({3, 1, 4, 4});
  const torch::Tensor e = sdk::unit_embeddings(torch::rand({3, 5}));
  d.dense = e.mm(e.t()).clamp(-1, 1);
  d.dense = (d.dense + d.dense.t()) / 2;
  d.provenance = "fuzz seed: dense";
  sdk::save_similarity_target(d, dir);
  put("target", "dense", files(layout));
  put("target", "edge_stimuli_only", join({npy_bytes(torch::rand({2, 4, 4})), "", "", ""}));
  put("target", "edge_both",
      join({npy_bytes(torch::rand({2, 1, 2, 2})), npy_bytes(torch::eye(2)),
            npy_bytes(torch::eye(2)), "x"}));
  put("target", "edge_uint8_stimuli",
      join({npy_bytes(torch::full({2, 2, 2}, 255, torch::kUInt8)), npy_bytes(torch::eye(2)), "",
            ""}));
}

void scan_meta() {
  auto ids = [](std::vector<int64_t> v) { return npy_bytes(torch::tensor(v)); };
  const std::string unit_ids = ids({11, 12, 13});
  const std::string mean = npy_bytes(torch::tensor(0.5f));
  const std::string std_ = npy_bytes(torch::tensor(0.25f));
  put("scan_meta", "mixed_tiers",
      join({npy_strings_bytes({"train", "validation", "test", "test"}), ids({0, 1, 2, 2}),
            ids({0, 1, 2, 3}), unit_ids, mean, std_}));
  put("scan_meta", "oracle",
      join({npy_strings_bytes({"test", "test", "test", "test"}), ids({5, 6, 5, 6}),
            ids({3, 2, 1, 0}), unit_ids, mean, std_}));
  put("scan_meta", "final_test",
      join({npy_strings_bytes({"final_test", "train", "train", "validation"}), ids({9, 8, 7, 6}),
            ids({0, 1, 2, 3}), unit_ids, npy_bytes(torch::tensor({0.5f})),
            npy_bytes(torch::tensor({0.0f}))}));
  put("scan_meta", "edge_three_trials",
      join({npy_strings_bytes({"train", "test", "test"}), ids({0, 1, 1}), ids({0, 1, 2}), unit_ids,
            mean, std_}));
  put("scan_meta", "edge_float_ids",
      join({npy_strings_bytes({"test", "test", "test", "test"}),
            npy_bytes(torch::tensor({5.0, 6.0, 5.0, 6.0})), ids({0, 1, 2, 3}), unit_ids, mean,
            std_}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  npy();
  npy_strings();
  idx();
  cifar();
  state_dict();
  records();
  target();
  scan_meta();
  return 0;
}
