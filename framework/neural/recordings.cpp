#include "neural/recordings.h"

#include <neuroreg/sdk/atomic_file.h>
#include <neuroreg/sdk/npy.h>
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

const char* const kKinds[] = {"images", "responses", "behavior", "pupil_center"};
const std::set<std::string> kTiers = {"train", "validation", "test", "final_test"};

[[noreturn]] void fail(const fs::path& path, const std::string& why) {
  throw std::runtime_error(path.string() + ": " + why);
}

std::string shape_text(torch::IntArrayRef sizes) { return c10::str(sizes); }

// data/<kind>/{0..n-1}.npy stacked as float, every trial the first's shape.
torch::Tensor read_trials(const fs::path& root, const std::string& kind, int64_t n) {
  const fs::path folder = root / "data" / kind;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) fail(folder, "missing (a scan has data/" + kind + "/{i}.npy)");
  int64_t files = 0;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    files += entry.path().extension() == ".npy";
  }
  if (files != n) {
    fail(folder, "holds " + std::to_string(files) + " .npy files, but meta/trials/tiers.npy has " +
                     std::to_string(n) + " trials");
  }
  std::vector<torch::Tensor> trials;
  trials.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const fs::path file = folder / (std::to_string(i) + ".npy");
    torch::Tensor t = sdk::read_npy(file.string()).to(torch::kFloat);
    if (!trials.empty() && t.sizes() != trials.front().sizes()) {
      fail(file, "shape " + shape_text(t.sizes()) + " differs from trial 0's " +
                     shape_text(trials.front().sizes()));
    }
    trials.push_back(t);
  }
  torch::Tensor all = torch::stack(trials);
  // NaN passes every later range and norm check and spreads through a whole
  // similarity matrix; refuse it here, naming the first trial that has one.
  const torch::Tensor bad = torch::isfinite(all).logical_not().reshape({n, -1}).any(1);
  if (bad.any().item<bool>()) {
    const int64_t first = bad.nonzero()[0][0].item<int64_t>();
    fail(folder / (std::to_string(first) + ".npy"),
         "holds a non-finite value (NaN or infinity); " + kind + " must be finite (" +
             std::to_string(bad.sum().item<int64_t>()) + " of " + std::to_string(n) +
             " trials have one)");
  }
  return all;
}

torch::Tensor read_ids(const fs::path& file, int64_t n) {
  torch::Tensor ids = sdk::read_npy(file.string());
  if (ids.dim() != 1 || ids.size(0) != n || ids.is_floating_point()) {
    fail(file, "expected " + std::to_string(n) + " integers, got " + shape_text(ids.sizes()) +
                   " of " + std::string(c10::toString(ids.scalar_type())));
  }
  return ids.to(torch::kLong);
}

void expect_shape(const torch::Tensor& t, std::vector<int64_t> shape, const fs::path& where) {
  if (t.sizes() != torch::IntArrayRef(shape)) {
    fail(where, "expected each trial of shape " + shape_text(torch::IntArrayRef(shape).slice(1)) +
                    ", got " + shape_text(t.sizes().slice(1)));
  }
}

}  // namespace

void Scan::compute_statistics() {
  statistics["images"] = {images.mean(), images.std(/*unbiased=*/false)};
  statistics["responses"] = {responses.mean(0), responses.std(0, /*unbiased=*/false)};
  statistics["behavior"] = {behavior.mean(0), behavior.std(0, /*unbiased=*/false)};
  statistics["pupil_center"] = {pupil_center.mean(0), pupil_center.std(0, /*unbiased=*/false)};
}

Scan read_scan(const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail(root, "no such scan folder");
  Scan scan;
  const fs::path trials = root / "meta" / "trials";
  scan.tiers = sdk::read_npy_strings((trials / "tiers.npy").string());
  const int64_t n = scan.trials();
  if (n == 0) fail(trials / "tiers.npy", "no trials");
  for (size_t i = 0; i < scan.tiers.size(); ++i) {
    if (!kTiers.count(scan.tiers[i])) {
      fail(trials / "tiers.npy", "trial " + std::to_string(i) + " has unknown tier '" +
                                     scan.tiers[i] +
                                     "' (expected train, validation, test or "
                                     "final_test)");
    }
  }
  scan.frame_image_id = read_ids(trials / "frame_image_id.npy", n);
  scan.trial_idx = read_ids(trials / "trial_idx.npy", n);

  scan.images = read_trials(root, "images", n);
  if (scan.images.dim() != 4 || scan.images.size(1) != 1) {
    fail(root / "data" / "images",
         "expected images of shape 1×H×W, got " + shape_text(scan.images.sizes().slice(1)));
  }
  scan.responses = read_trials(root, "responses", n);
  if (scan.responses.dim() != 2) {
    fail(root / "data" / "responses", "expected one response per neuron, got shape " +
                                          shape_text(scan.responses.sizes().slice(1)));
  }
  scan.behavior = read_trials(root, "behavior", n);
  expect_shape(scan.behavior, {n, 3}, root / "data" / "behavior");
  scan.pupil_center = read_trials(root, "pupil_center", n);
  expect_shape(scan.pupil_center, {n, 2}, root / "data" / "pupil_center");
  scan.unit_ids = read_ids(root / "meta" / "neurons" / "unit_ids.npy", scan.responses.size(1));

  for (const char* kind : kKinds) {
    const fs::path folder = root / "meta" / "statistics" / kind / "all";
    Statistics s{sdk::read_npy((folder / "mean.npy").string()).to(torch::kFloat),
                 sdk::read_npy((folder / "std.npy").string()).to(torch::kFloat)};
    for (const auto& [name, t] : {std::pair{"mean.npy", s.mean}, std::pair{"std.npy", s.std}}) {
      if (!torch::isfinite(t).all().item<bool>()) {
        fail(folder / name, "holds a non-finite value (NaN or infinity)");
      }
    }
    scan.statistics[kind] = s;
  }
  return scan;
}

void write_scan(const Scan& scan, const std::string& dir) {
  const int64_t n = scan.trials();
  auto check = [&](const torch::Tensor& t, const char* what) {
    if (!t.defined() || t.size(0) != n) {
      throw std::invalid_argument(dir + ": " + what + " must have one entry per trial (" +
                                  std::to_string(n) + ")");
    }
  };
  check(scan.images, "images");
  check(scan.responses, "responses");
  check(scan.behavior, "behavior");
  check(scan.pupil_center, "pupil_center");
  check(scan.frame_image_id, "frame_image_id");
  check(scan.trial_idx, "trial_idx");
  sdk::write_folder_atomically(dir, [&](const std::string& tmp) {
    const fs::path root(tmp);
    const std::pair<const char*, const torch::Tensor*> data[] = {
        {"images", &scan.images},
        {"responses", &scan.responses},
        {"behavior", &scan.behavior},
        {"pupil_center", &scan.pupil_center}};
    for (const auto& [kind, tensor] : data) {
      fs::create_directories(root / "data" / kind);
      const torch::Tensor t = tensor->detach().cpu().to(torch::kFloat).contiguous();
      for (int64_t i = 0; i < n; ++i) {
        sdk::write_npy((root / "data" / kind / (std::to_string(i) + ".npy")).string(), t[i]);
      }
    }
    fs::create_directories(root / "meta" / "trials");
    sdk::write_npy_strings((root / "meta" / "trials" / "tiers.npy").string(), scan.tiers);
    sdk::write_npy((root / "meta" / "trials" / "frame_image_id.npy").string(),
                   scan.frame_image_id.to(torch::kLong));
    sdk::write_npy((root / "meta" / "trials" / "trial_idx.npy").string(),
                   scan.trial_idx.to(torch::kLong));
    fs::create_directories(root / "meta" / "neurons");
    sdk::write_npy((root / "meta" / "neurons" / "unit_ids.npy").string(),
                   scan.unit_ids.to(torch::kLong));
    for (const auto& [kind, s] : scan.statistics) {
      const fs::path folder = root / "meta" / "statistics" / kind / "all";
      fs::create_directories(folder);
      sdk::write_npy((folder / "mean.npy").string(), s.mean.to(torch::kFloat));
      sdk::write_npy((folder / "std.npy").string(), s.std.to(torch::kFloat));
    }
  });
}

torch::Tensor response_scale(const Scan& scan) {
  auto it = scan.statistics.find("responses");
  if (it == scan.statistics.end()) {
    throw std::invalid_argument("response_scale: the scan has no statistics for 'responses'");
  }
  return it->second.std.clamp_min(0.01 * it->second.std.mean().item<double>());
}

Scan normalized(const Scan& scan) {
  for (const char* kind : kKinds) {
    if (!scan.statistics.count(kind)) {
      throw std::invalid_argument(std::string("normalized: the scan has no statistics for '") +
                                  kind + "'");
    }
  }
  Scan out = scan;
  const Statistics& im = scan.statistics.at("images");
  torch::Tensor images = scan.images;
  if (images.size(2) == 144 && images.size(3) == 256) images = torch::avg_pool2d(images, 4);
  out.images = (images - im.mean) / im.std;
  // A floor keeps near-silent neurons from being blown up by a tiny std.
  auto floored = [](const torch::Tensor& std) {
    return std.clamp_min(0.01 * std.mean().item<double>());
  };
  out.responses = scan.responses / response_scale(scan);
  out.behavior = scan.behavior / floored(scan.statistics.at("behavior").std);
  const Statistics& pupil = scan.statistics.at("pupil_center");
  out.pupil_center = (scan.pupil_center - pupil.mean) / floored(pupil.std);
  return out;
}

torch::Tensor oracle_trials(const Scan& scan, const std::string& dir) {
  std::map<int64_t, std::vector<int64_t>> by_image;
  const auto* ids = scan.frame_image_id.data_ptr<int64_t>();
  for (int64_t t = 0; t < scan.trials(); ++t) {
    if (scan.tiers[static_cast<size_t>(t)] == "test") by_image[ids[t]].push_back(t);
  }
  size_t repeats = std::numeric_limits<size_t>::max();
  for (const auto& [id, trials] : by_image) repeats = std::min(repeats, trials.size());
  if (by_image.size() < 2 || repeats < 2) {
    throw std::runtime_error(dir +
                             ": needs at least 2 oracle images (test tier) with 2 repeats "
                             "each for the SNR weights (Eq. 1)");
  }
  std::vector<int64_t> flat;
  for (const auto& [id, trials] : by_image)
    flat.insert(flat.end(), trials.begin(), trials.begin() + repeats);
  return torch::tensor(flat).view(
      {static_cast<int64_t>(by_image.size()), static_cast<int64_t>(repeats)});
}

torch::Tensor once_trials(const Scan& scan) {
  std::vector<int64_t> once;
  for (int64_t t = 0; t < scan.trials(); ++t) {
    const std::string& tier = scan.tiers[static_cast<size_t>(t)];
    if (tier == "train" || tier == "validation") once.push_back(t);
  }
  const torch::Tensor trials = torch::tensor(once, torch::kLong);
  const torch::Tensor order = std::get<1>(scan.frame_image_id.index_select(0, trials).sort());
  return trials.index_select(0, order);
}

}  // namespace neuroreg
