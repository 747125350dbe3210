// Training-time augmentation: random crops of the zero-padded image and
// horizontal flips, drawn from (seed, step) alone.
#include "data/augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace neuroreg {
namespace {

torch::Tensor batch() {
  torch::manual_seed(0);
  return torch::rand({32, 1, 8, 8}) * 0.9 + 0.05;  // no pixel is 0, unlike the padding
}

// Whether `crop` is `image` padded by p and cropped at some offset.
bool is_a_crop_of(const torch::Tensor& crop, const torch::Tensor& image, int64_t p) {
  torch::Tensor padded = torch::constant_pad_nd(image, {p, p, p, p}, 0.0);
  for (int64_t dy = 0; dy <= 2 * p; ++dy) {
    for (int64_t dx = 0; dx <= 2 * p; ++dx) {
      if (padded.slice(1, dy, dy + 8).slice(2, dx, dx + 8).equal(crop)) return true;
    }
  }
  return false;
}

TEST(Augment, CropsEachImageFromItsZeroPaddedVersionAtADrawnOffset) {
  const torch::Tensor images = batch();
  const torch::Tensor out = augment(images, {2, false}, 7, 3);
  ASSERT_EQ(out.sizes(), images.sizes());
  int moved = 0;
  for (int64_t i = 0; i < images.size(0); ++i) {
    EXPECT_TRUE(is_a_crop_of(out[i], images[i], 2)) << "image " << i;
    moved += !out[i].equal(images[i]);
  }
  EXPECT_GT(moved, 16);  // 24 of 25 offsets move the image
}

TEST(Augment, FlipsAboutHalfTheImagesAndLeavesTheOthers) {
  const torch::Tensor images = batch();
  const torch::Tensor out = augment(images, {0, true}, 7, 3);
  int flipped = 0;
  for (int64_t i = 0; i < images.size(0); ++i) {
    const bool same = out[i].equal(images[i]);
    const bool mirrored = out[i].equal(images[i].flip({2}));
    EXPECT_TRUE(same || mirrored) << "image " << i;
    flipped += mirrored;
  }
  EXPECT_GT(flipped, 4);
  EXPECT_LT(flipped, 28);
}

TEST(Augment, DependsOnTheSeedAndStepAlone) {
  const torch::Tensor images = batch();
  const Augmentation both{4, true};
  EXPECT_TRUE(augment(images, both, 1, 5).equal(augment(images, both, 1, 5)));
  EXPECT_FALSE(augment(images, both, 1, 5).equal(augment(images, both, 1, 6)));
  EXPECT_FALSE(augment(images, both, 1, 5).equal(augment(images, both, 2, 5)));
  EXPECT_TRUE(augment(images, {}, 1, 5).equal(images));
}

}  // namespace
}  // namespace neuroreg
