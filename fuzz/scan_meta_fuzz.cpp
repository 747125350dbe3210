// read_scan and the trial groupings built from its meta arrays: a scan folder
// whose data files (4 trials) are valid and whose meta arrays come from the
// input, split at kFileSeparator in this order: meta/trials/tiers.npy,
// meta/trials/frame_image_id.npy, meta/trials/trial_idx.npy,
// meta/neurons/unit_ids.npy, meta/statistics/images/all/mean.npy and std.npy.
// An empty part is a missing file.
#include <neuroreg/sdk/npy.h>

#include "fuzz_support.h"
#include "neural/recordings.h"

namespace {

constexpr int64_t kTrials = 4;

// The folder with valid data files and the statistics the input does not set.
std::string scan_folder() {
  static const std::string dir = [] {
    const std::string root = neuroreg::fuzz::scratch_dir() + "/scan";
    torch::manual_seed(0);
    const std::pair<const char*, std::vector<int64_t>> kinds[] = {
        {"images", {1, 4, 6}}, {"responses", {3}}, {"behavior", {3}}, {"pupil_center", {2}}};
    for (const auto& [kind, shape] : kinds) {
      std::filesystem::create_directories(root + "/data/" + kind);
      for (int64_t i = 0; i < kTrials; ++i) {
        neuroreg::sdk::write_npy(root + "/data/" + kind + "/" + std::to_string(i) + ".npy",
                                 torch::rand(shape));
      }
      if (std::string(kind) == "images") continue;
      const std::string stats = root + "/meta/statistics/" + kind + "/all";
      std::filesystem::create_directories(stats);
      neuroreg::sdk::write_npy(stats + "/mean.npy", torch::zeros(shape));
      neuroreg::sdk::write_npy(stats + "/std.npy", torch::ones(shape));
    }
    return root;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = neuroreg::fuzz;
  static const char* const kFiles[] = {"meta/trials/tiers.npy",
                                       "meta/trials/frame_image_id.npy",
                                       "meta/trials/trial_idx.npy",
                                       "meta/neurons/unit_ids.npy",
                                       "meta/statistics/images/all/mean.npy",
                                       "meta/statistics/images/all/std.npy"};
  const std::string dir = scan_folder();
  const std::vector<std::string> parts = fuzz::split_files(data, size, 6);
  for (size_t i = 0; i < parts.size(); ++i) fuzz::write_or_remove(dir + "/" + kFiles[i], parts[i]);
  return fuzz::expect_documented_errors([&] {
    const neuroreg::Scan scan = neuroreg::read_scan(dir);
    (void)neuroreg::normalized(scan);
    (void)neuroreg::once_trials(scan);
    (void)neuroreg::oracle_trials(scan, dir);
  });
}
