// The Sensorium scan folder: round trip, the errors a bad folder gives, and
// the normalisation models are fitted on.
#include "neural/recordings.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <filesystem>
#include <limits>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

Scan tiny_scan(int64_t height = 8, int64_t width = 16) {
  torch::manual_seed(0);
  Scan s;
  s.tiers = {"train", "train", "train", "validation", "test", "test"};
  s.images = torch::rand({6, 1, height, width}) * 255;
  s.responses = torch::rand({6, 4}) * torch::tensor({1.0f, 2.0f, 0.5f, 3.0f});
  s.behavior = torch::rand({6, 3});
  s.pupil_center = torch::rand({6, 2}) * 10;
  s.frame_image_id = torch::tensor({10, 11, 12, 13, 99, 99});  // the test trials repeat one image
  s.trial_idx = torch::arange(6);
  s.unit_ids = torch::tensor({101, 102, 103, 104});
  s.compute_statistics();
  return s;
}

std::string read_error(const std::string& dir) {
  try {
    read_scan(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Recordings, AScanRoundTripsThroughItsFolder) {
  testing::TempDir dir;
  const Scan scan = tiny_scan();
  write_scan(scan, dir.file("scan"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("scan/data/images/5.npy")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("scan/meta/statistics/responses/all/std.npy")));
  const Scan back = read_scan(dir.file("scan"));
  EXPECT_EQ(back.tiers, scan.tiers);
  EXPECT_TRUE(back.images.equal(scan.images));
  EXPECT_TRUE(back.responses.equal(scan.responses));
  EXPECT_TRUE(back.behavior.equal(scan.behavior));
  EXPECT_TRUE(back.pupil_center.equal(scan.pupil_center));
  EXPECT_TRUE(back.frame_image_id.equal(scan.frame_image_id));
  EXPECT_TRUE(back.unit_ids.equal(scan.unit_ids));
  EXPECT_TRUE(back.statistics.at("responses").std.equal(scan.statistics.at("responses").std));
}

// One NaN response used to make a target whose rows were all NaN, exit 0.
TEST(Recordings, ANonFiniteValueIsRefusedNamingTheTrialFile) {
  testing::TempDir dir;
  const std::string root = dir.file("scan");
  write_scan(tiny_scan(), root);
  sdk::write_npy(root + "/data/responses/3.npy",
                 torch::tensor({0.5f, std::numeric_limits<float>::quiet_NaN(), 1.f, 2.f}));
  EXPECT_EQ(read_error(root), root +
                                  "/data/responses/3.npy: holds a non-finite value (NaN or "
                                  "infinity); responses must be finite (1 of 6 trials have one)");

  write_scan(tiny_scan(), root);
  torch::Tensor image = torch::rand({1, 8, 16}) * 255;
  image[0][2][3] = std::numeric_limits<float>::infinity();
  sdk::write_npy(root + "/data/images/0.npy", image);
  EXPECT_EQ(read_error(root).rfind(root + "/data/images/0.npy: holds a non-finite value", 0), 0u);

  write_scan(tiny_scan(), root);
  sdk::write_npy(root + "/meta/statistics/responses/all/std.npy",
                 torch::full({4}, std::numeric_limits<float>::quiet_NaN()));
  EXPECT_EQ(read_error(root), root +
                                  "/meta/statistics/responses/all/std.npy: holds a non-finite "
                                  "value (NaN or infinity)");
}

TEST(Recordings, ABadFolderNamesThePathAndWhatIsWrong) {
  testing::TempDir dir;
  const std::string root = dir.file("scan");
  write_scan(tiny_scan(), root);
  std::filesystem::remove(root + "/data/responses/2.npy");
  EXPECT_EQ(read_error(root), root +
                                  "/data/responses: holds 5 .npy files, but "
                                  "meta/trials/tiers.npy has 6 trials");

  write_scan(tiny_scan(), root);
  sdk::write_npy(root + "/data/behavior/4.npy", torch::zeros({2}));
  EXPECT_EQ(read_error(root), root + "/data/behavior/4.npy: shape [2] differs from trial 0's [3]");

  Scan unknown = tiny_scan();
  unknown.tiers[3] = "oracle";
  write_scan(unknown, root);
  EXPECT_EQ(read_error(root), root +
                                  "/meta/trials/tiers.npy: trial 3 has unknown tier 'oracle' "
                                  "(expected train, validation, test or final_test)");

  write_scan(tiny_scan(), root);
  std::filesystem::remove(root + "/meta/neurons/unit_ids.npy");
  EXPECT_EQ(read_error(root), root + "/meta/neurons/unit_ids.npy: no such .npy file");
  EXPECT_EQ(read_error(dir.file("nothing")), dir.file("nothing") + ": no such scan folder");
}

TEST(Recordings, NormalisationZScoresImagesAndScalesResponsesByTheirStd) {
  const Scan scan = normalized(tiny_scan());
  EXPECT_NEAR(scan.images.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(scan.images.std(false).item<double>(), 1.0, 1e-4);
  EXPECT_TRUE(torch::allclose(scan.responses.std(0, false), torch::ones({4}), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(scan.pupil_center.mean(0), torch::zeros({2}), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(scan.behavior.std(0, false), torch::ones({3}), 1e-4, 1e-5));

  // A silent neuron is divided by the floor, not by zero.
  Scan silent = tiny_scan();
  silent.responses.select(1, 2).fill_(0.5);
  silent.compute_statistics();
  EXPECT_TRUE(torch::isfinite(normalized(silent).responses).all().item<bool>());

  // Full-resolution 144×256 images are downsampled by 4.
  EXPECT_EQ(normalized(tiny_scan(144, 256)).images.sizes(), (std::vector<int64_t>{6, 1, 36, 64}));
}

}  // namespace
}  // namespace neuroreg
