#include "neuroreg/sdk/target.h"

#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "neuroreg/sdk/atomic_file.h"
#include "neuroreg/sdk/npy.h"

namespace neuroreg::sdk {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStimuli = "stimuli.npy";
constexpr const char* kEmbeddings = "embeddings.npy";
constexpr const char* kDense = "similarity.npy";
constexpr const char* kProvenance = "provenance.txt";
constexpr const char* kIds = "ids.npy";
constexpr const char* kTiers = "tiers.npy";

std::string shape(const torch::Tensor& t) { return c10::str(t.sizes()); }

// stimuli.npy as float N×1×H×W in [0,1], whatever dtype and rank it has on disk.
torch::Tensor read_stimuli(const fs::path& root) {
  torch::Tensor stimuli = read_npy((root / kStimuli).string());
  if (stimuli.scalar_type() == torch::kByte) {
    stimuli = stimuli.to(torch::kFloat) / 255.0;
  } else if (stimuli.scalar_type() == torch::kDouble) {
    stimuli = stimuli.to(torch::kFloat);
  }
  return stimuli.dim() == 3 ? stimuli.unsqueeze(1) : stimuli;
}

// Checks a stimulus set; `where` (the folder) prefixes every message.
void validate_stimuli(const torch::Tensor& stimuli, const std::string& where) {
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(where + "/" + kStimuli + ": " + why);
  };
  if (!stimuli.defined()) fail("missing");
  if (stimuli.dim() != 4 || stimuli.size(1) != 1 || stimuli.scalar_type() != torch::kFloat) {
    fail("expected float stimuli N×1×H×W, got " + shape(stimuli));
  }
  if (stimuli.size(0) < 2) fail("a stimulus set needs at least 2 stimuli");
  // NaN compares false with everything, so the range check below cannot see it.
  if (!torch::isfinite(stimuli).all().item<bool>()) fail("stimuli must be finite (found NaN)");
  if (stimuli.min().item<float>() < 0.f || stimuli.max().item<float>() > 1.f) {
    fail("stimuli must lie in [0,1] (or be uint8 0..255 on disk)");
  }
}

// Checks a target's tensors; `where` prefixes every message.
void validate(const SimilarityTarget& t, const std::string& where) {
  auto fail = [&](const std::string& file, const std::string& why) {
    throw std::runtime_error(where + "/" + file + ": " + why);
  };
  validate_stimuli(t.stimuli, where);
  const int64_t n = t.stimuli.size(0);
  if (t.embeddings.defined() == t.dense.defined()) {
    throw std::runtime_error(where + ": expected exactly one of " + kEmbeddings + " and " + kDense);
  }
  if (t.embeddings.defined()) {
    if (t.embeddings.dim() != 2 || t.embeddings.size(0) != n) {
      fail(kEmbeddings, "expected " + std::to_string(n) +
                            "×D embeddings (one row per stimulus), got " + shape(t.embeddings));
    }
    torch::Tensor norms = t.embeddings.to(torch::kDouble).norm(2, 1);
    torch::Tensor bad = ((norms - 1.0).abs() > 1e-3) | torch::isfinite(norms).logical_not();
    if (bad.any().item<bool>()) {
      const int64_t row = bad.nonzero()[0][0].item<int64_t>();
      fail(kEmbeddings, "rows must have unit norm; row " + std::to_string(row) + " has norm " +
                            std::to_string(norms[row].item<double>()));
    }
  } else {
    if (t.dense.dim() != 2 || t.dense.size(0) != n || t.dense.size(1) != n) {
      fail(kDense, "expected a " + std::to_string(n) + "×" + std::to_string(n) +
                       " matrix (one row and column per stimulus), got " + shape(t.dense));
    }
    if (!torch::isfinite(t.dense).all().item<bool>() ||
        t.dense.abs().max().item<double>() > 1.0 + 1e-6) {
      fail(kDense, "similarities must be finite and lie in [-1, 1]");
    }
    if (!torch::allclose(t.dense, t.dense.t(), 1e-5, 1e-6)) fail(kDense, "must be symmetric");
  }
  if (t.ids.defined()) {
    if (t.ids.dim() != 1 || t.ids.size(0) != n || t.ids.scalar_type() != torch::kLong) {
      fail(kIds, "expected " + std::to_string(n) + " int64 ids (one per stimulus), got " +
                     shape(t.ids) + " " + std::string(c10::toString(t.ids.scalar_type())));
    }
    if (std::get<0>(at::_unique(t.ids.cpu())).numel() != n) fail(kIds, "ids must be distinct");
  }
  if (!t.tiers.empty()) {
    if (static_cast<int64_t>(t.tiers.size()) != n) {
      fail(kTiers, "expected " + std::to_string(n) + " tiers (one per stimulus), got " +
                       std::to_string(t.tiers.size()));
    }
    for (size_t i = 0; i < t.tiers.size(); ++i) {
      if (t.tiers[i] != "once" && t.tiers[i] != "oracle") {
        fail(kTiers, "row " + std::to_string(i) + " has tier '" + t.tiers[i] +
                         "'; expected \"once\" or \"oracle\"");
      }
    }
  }
}

}  // namespace

torch::Tensor SimilarityTarget::similarity(const torch::Tensor& indices) const {
  if (embeddings.defined()) {
    torch::Tensor e = embeddings.index_select(0, indices);
    return e.matmul(e.t());
  }
  return dense.index_select(0, indices).index_select(1, indices);
}

void SimilarityTarget::to(torch::Device device) {
  if (stimuli.defined()) stimuli = stimuli.to(device);
  if (embeddings.defined()) embeddings = embeddings.to(device);
  if (dense.defined()) dense = dense.to(device);
  // ids and tiers describe rows; they stay on the CPU.
}

SimilarityTarget SimilarityTarget::subset(const std::string& which) const {
  if (which != "all" && which != "once" && which != "oracle") {
    throw std::invalid_argument("stimuli must be \"all\", \"once\" or \"oracle\", got \"" + which +
                                "\"");
  }
  if (which == "all") return *this;
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < size(); ++i) {
    const std::string tier = tiers.empty() ? "once" : tiers[static_cast<size_t>(i)];
    if (tier == which) rows.push_back(i);
  }
  if (rows.size() < 2) {
    throw std::invalid_argument(
        "the target has " + std::to_string(rows.size()) + " \"" + which +
        "\" rows, at least 2 are needed" +
        (which == "oracle" ? " (targets written before they carried the oracle images have none)"
                           : ""));
  }
  const torch::Tensor index = torch::tensor(rows, torch::kLong).to(stimuli.device());
  SimilarityTarget out;
  out.stimuli = stimuli.index_select(0, index);
  if (embeddings.defined())
    out.embeddings = embeddings.index_select(0, index.to(embeddings.device()));
  if (dense.defined()) {
    const torch::Tensor d = index.to(dense.device());
    out.dense = dense.index_select(0, d).index_select(1, d);
  }
  out.ids =
      (ids.defined() ? ids : torch::arange(size(), torch::kLong)).index_select(0, index.cpu());
  for (int64_t row : rows)
    out.tiers.push_back(tiers.empty() ? "once" : tiers[static_cast<size_t>(row)]);
  out.provenance =
      provenance + "\nrows: the " + std::to_string(rows.size()) + " \"" + which + "\" rows\n";
  return out;
}

SimilarityTarget shuffled(const SimilarityTarget& target, uint64_t seed) {
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  torch::Tensor permutation = torch::randperm(target.size(), generator, torch::kLong);
  SimilarityTarget out = target;
  if (out.embeddings.defined()) {
    out.embeddings = target.embeddings.index_select(0, permutation.to(target.embeddings.device()));
  } else {
    torch::Tensor p = permutation.to(target.dense.device());
    out.dense = target.dense.index_select(0, p).index_select(1, p);
  }
  out.provenance =
      target.provenance + "\nshuffled: rows permuted with seed " + std::to_string(seed) + "\n";
  return out;
}

torch::Tensor unit_embeddings(const torch::Tensor& x) {
  torch::Tensor rows = x.reshape({x.size(0), -1}).to(torch::kDouble);
  rows = rows - rows.mean(0, /*keepdim=*/true);
  torch::Tensor norms = rows.norm(2, 1, /*keepdim=*/true);
  if ((norms <= 1e-12).any().item<bool>()) {
    throw std::invalid_argument(
        "a stimulus equals the mean of all stimuli: its similarity is "
        "undefined");
  }
  return (rows / norms).to(torch::kFloat);
}

torch::Tensor load_stimuli(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error(dir + ": no such stimulus set folder (expected " + kStimuli + ")");
  }
  torch::Tensor stimuli = read_stimuli(fs::path(dir));
  validate_stimuli(stimuli, dir);
  return stimuli;
}

SimilarityTarget load_similarity_target(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error(dir + ": no such similarity target folder (expected " + kStimuli +
                             " and " + kEmbeddings + " or " + kDense +
                             "; 'neuroreg target simulate-v1 --out DIR' writes simulated ones)");
  }
  const fs::path root(dir);
  SimilarityTarget t;
  t.stimuli = read_stimuli(root);
  if (fs::exists(root / kEmbeddings)) t.embeddings = read_npy((root / kEmbeddings).string());
  if (fs::exists(root / kDense)) t.dense = read_npy((root / kDense).string()).to(torch::kFloat);
  if (t.embeddings.defined() && t.embeddings.scalar_type() != torch::kFloat) {
    throw std::runtime_error((root / kEmbeddings).string() + ": expected float32 embeddings");
  }
  if (fs::exists(root / kIds)) t.ids = read_npy((root / kIds).string());
  if (fs::exists(root / kTiers)) t.tiers = read_npy_strings((root / kTiers).string());
  std::ifstream provenance(root / kProvenance);
  std::stringstream text;
  text << provenance.rdbuf();
  t.provenance = text.str();
  validate(t, dir);
  return t;
}

void save_similarity_target(const SimilarityTarget& target, const std::string& dir) {
  SimilarityTarget t = target;
  t.to(torch::kCPU);
  validate(t, dir);
  write_folder_atomically(dir, [&](const std::string& tmp_dir) {
    const fs::path tmp(tmp_dir);
    write_npy((tmp / kStimuli).string(), t.stimuli.squeeze(1));
    if (t.embeddings.defined()) write_npy((tmp / kEmbeddings).string(), t.embeddings);
    if (t.dense.defined()) write_npy((tmp / kDense).string(), t.dense);
    write_file_atomically((tmp / kProvenance).string(), t.provenance);
    // Every row named and placed, defaults written out, so a reader never
    // has to know them.
    write_npy((tmp / kIds).string(),
              t.ids.defined() ? t.ids : torch::arange(t.size(), torch::kLong));
    write_npy_strings((tmp / kTiers).string(),
                      t.tiers.empty()
                          ? std::vector<std::string>(static_cast<size_t>(t.size()), "once")
                          : t.tiers);
  });
}

}  // namespace neuroreg::sdk
