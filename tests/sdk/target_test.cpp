#include "neuroreg/sdk/target.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "neuroreg/sdk/npy.h"
#include "neuroreg/sdk/stimuli.h"
#include "support/builtin_plugins.h"

namespace neuroreg::sdk {
namespace {

SimilarityTarget random_target(int64_t n, bool dense) {
  torch::manual_seed(1);
  SimilarityTarget t;
  t.stimuli = torch::rand({n, 1, 8, 8});
  torch::Tensor e = unit_embeddings(torch::randn({n, 5}));
  if (dense) {
    t.dense = e.matmul(e.t());
  } else {
    t.embeddings = e;
  }
  t.provenance = "random responses for a test\n";
  return t;
}

TEST(Npy, RoundTripsEachSupportedDtype) {
  neuroreg::testing::TempDir dir;
  for (auto dtype :
       {torch::kBool, torch::kByte, torch::kInt, torch::kLong, torch::kFloat, torch::kDouble}) {
    SCOPED_TRACE(c10::toString(dtype));
    torch::Tensor t = (torch::rand({3, 4, 2}) * 100).to(dtype);
    write_npy(dir.file("a.npy"), t);
    torch::Tensor back = read_npy(dir.file("a.npy"));
    EXPECT_EQ(back.scalar_type(), dtype);
    EXPECT_TRUE(torch::equal(back, t));
  }
}

TEST(Npy, NamesTheFileOnTruncationAndUnsupportedDtypes) {
  neuroreg::testing::TempDir dir;
  write_npy(dir.file("a.npy"), torch::ones({10, 10}));
  std::filesystem::resize_file(dir.file("a.npy"),
                               std::filesystem::file_size(dir.file("a.npy")) - 4);
  try {
    read_npy(dir.file("a.npy"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("a.npy") +
                                         ": truncated or with trailing bytes: the header "
                                         "announces 400 data bytes, the file has 396");
  }
  write_npy(dir.file("h.npy"), torch::ones({2}, torch::kHalf).to(torch::kFloat));
  EXPECT_THROW(write_npy(dir.file("h.npy"), torch::ones({2}, torch::kHalf)), std::invalid_argument);
  std::ofstream(dir.file("junk.npy")) << "not numpy";
  try {
    read_npy(dir.file("junk.npy"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("junk.npy") + ": not a readable .npy file", 0),
              0u)
        << e.what();
  }
  EXPECT_THROW(read_npy(dir.file("missing.npy")), std::runtime_error);
}

TEST(SimilarityTarget, EmbeddingsAndDenseMatricesRoundTrip) {
  neuroreg::testing::TempDir dir;
  for (bool dense : {false, true}) {
    SCOPED_TRACE(dense);
    SimilarityTarget t = random_target(6, dense);
    save_similarity_target(t, dir.file("target"));
    SimilarityTarget back = load_similarity_target(dir.file("target"));
    EXPECT_TRUE(torch::equal(back.stimuli, t.stimuli));
    EXPECT_EQ(back.provenance, t.provenance);
    torch::Tensor idx = torch::tensor({4, 0, 2}, torch::kLong);
    EXPECT_TRUE(torch::allclose(back.similarity(idx), t.similarity(idx)));
    // A replaced target leaves no second folder behind.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                            std::filesystem::directory_iterator()),
              1);
  }
}

TEST(SimilarityTarget, IdsAndTiersRoundTripAndTheirDefaultsAreWrittenOut) {
  neuroreg::testing::TempDir dir;
  SimilarityTarget t = random_target(6, false);
  save_similarity_target(t, dir.file("plain"));  // a target without ids or tiers
  SimilarityTarget plain = load_similarity_target(dir.file("plain"));
  EXPECT_TRUE(torch::equal(plain.ids, torch::arange(6, torch::kLong)));
  EXPECT_EQ(plain.tiers, std::vector<std::string>(6, "once"));
  t.ids = torch::tensor({50, 7, 9, 3, 100, 101}, torch::kLong);
  t.tiers = {"once", "once", "once", "once", "oracle", "oracle"};
  save_similarity_target(t, dir.file("tiered"));
  EXPECT_TRUE(torch::equal(read_npy(dir.file("tiered/ids.npy")), t.ids));
  EXPECT_EQ(read_npy_strings(dir.file("tiered/tiers.npy")), t.tiers);
  SimilarityTarget back = load_similarity_target(dir.file("tiered"));
  EXPECT_TRUE(torch::equal(back.ids, t.ids));
  EXPECT_EQ(back.tiers, t.tiers);
}

TEST(SimilarityTarget, ASubsetKeepsItsRowsStimuliIdsAndSimilarityBlockTogether) {
  for (bool dense : {false, true}) {
    SimilarityTarget t = random_target(6, dense);
    t.ids = torch::tensor({50, 7, 9, 3, 100, 101}, torch::kLong);
    t.tiers = {"once", "oracle", "once", "once", "oracle", "once"};
    const SimilarityTarget oracle = t.subset("oracle");
    EXPECT_TRUE(torch::equal(oracle.ids, torch::tensor({7, 100}, torch::kLong)));
    EXPECT_EQ(oracle.tiers, (std::vector<std::string>{"oracle", "oracle"}));
    const torch::Tensor rows = torch::tensor({1, 4}, torch::kLong);
    EXPECT_TRUE(torch::equal(oracle.stimuli, t.stimuli.index_select(0, rows)));
    EXPECT_TRUE(torch::allclose(oracle.similarity(torch::arange(2)), t.similarity(rows)));
    EXPECT_EQ(t.subset("once").size(), 4);
    EXPECT_EQ(t.subset("all").size(), 6);
    // Shuffling permutes what S says about the stimuli; ids and tiers name the stimuli.
    const SimilarityTarget s = shuffled(t, 3);
    EXPECT_TRUE(torch::equal(s.ids, t.ids));
    EXPECT_EQ(s.tiers, t.tiers);
  }
  EXPECT_THROW(random_target(4, false).subset("oracle"), std::invalid_argument);
  EXPECT_THROW(random_target(4, false).subset("test"), std::invalid_argument);
}

TEST(SimilarityTarget, IdsAndTiersThatDoNotFitTheRowsAreRefusedNamingTheFile) {
  neuroreg::testing::TempDir dir;
  SimilarityTarget t = random_target(4, false);
  save_similarity_target(t, dir.file("t"));
  auto error_of = [&] {
    try {
      load_similarity_target(dir.file("t"));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  write_npy_strings(dir.file("t/tiers.npy"), {"once", "once", "test", "once"});
  EXPECT_EQ(error_of(), dir.file("t") +
                            "/tiers.npy: row 2 has tier 'test'; expected \"once\" or "
                            "\"oracle\"");
  write_npy_strings(dir.file("t/tiers.npy"), {"once", "once"});
  EXPECT_EQ(error_of(), dir.file("t") + "/tiers.npy: expected 4 tiers (one per stimulus), got 2");
  write_npy_strings(dir.file("t/tiers.npy"), {"once", "once", "once", "oracle"});
  write_npy(dir.file("t/ids.npy"), torch::tensor({1, 2, 2, 3}, torch::kLong));
  EXPECT_EQ(error_of(), dir.file("t") + "/ids.npy: ids must be distinct");
  write_npy(dir.file("t/ids.npy"), torch::tensor({1, 2, 3}, torch::kLong));
  EXPECT_NE(error_of().find("/ids.npy: expected 4 int64 ids"), std::string::npos) << error_of();
}

TEST(SimilarityTarget, SimilarityOfABatchIsTheBlockOfTheFullMatrix) {
  SimilarityTarget t = random_target(7, false);
  torch::Tensor full = t.embeddings.matmul(t.embeddings.t());
  torch::Tensor idx = torch::tensor({6, 1, 3}, torch::kLong);
  EXPECT_TRUE(torch::allclose(t.similarity(idx), full.index_select(0, idx).index_select(1, idx)));
}

TEST(SimilarityTarget, ShuffleKeepsTheValuesButNotTheCorrespondence) {
  for (bool dense : {false, true}) {
    SCOPED_TRACE(dense);
    SimilarityTarget t = random_target(9, dense);
    SimilarityTarget s = shuffled(t, 3);
    torch::Tensor all = torch::arange(9, torch::kLong);
    torch::Tensor a = std::get<0>(t.similarity(all).flatten().sort());
    torch::Tensor b = std::get<0>(s.similarity(all).flatten().sort());
    EXPECT_TRUE(torch::allclose(a, b, 1e-6, 1e-6));
    EXPECT_FALSE(torch::allclose(t.similarity(all), s.similarity(all)));
    EXPECT_TRUE(torch::equal(s.stimuli, t.stimuli));
    EXPECT_TRUE(torch::equal(shuffled(t, 3).similarity(all), s.similarity(all)));  // seeded
  }
}

TEST(SimilarityTarget, LoadSaysExactlyWhatIsWrong) {
  neuroreg::testing::TempDir dir;
  const std::string root = dir.file("target");
  save_similarity_target(random_target(4, false), root);
  write_npy(root + "/embeddings.npy", torch::ones({4, 3}));
  try {
    load_similarity_target(root);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(root + "/embeddings.npy: rows must have unit norm; row 0 "
                                                 "has norm 1.732",
                                          0),
              0u)
        << e.what();
  }
  write_npy(root + "/embeddings.npy", unit_embeddings(torch::randn({5, 3})));
  try {
    load_similarity_target(root);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), root +
                                         "/embeddings.npy: expected 4×D embeddings (one row per "
                                         "stimulus), got [5, 3]");
  }
  std::filesystem::remove(root + "/embeddings.npy");
  write_npy(root + "/similarity.npy", torch::tensor({{1.0f, 0.5f}, {0.2f, 1.0f}}));
  EXPECT_THROW(load_similarity_target(root), std::runtime_error);
  try {
    load_similarity_target(dir.file("nothing"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("nothing") + ": no such similarity target", 0),
              0u);
  }
}

// NaN compares false with every bound, so range and norm checks alone let it
// through; a target with NaN is refused when written and when read.
TEST(SimilarityTarget, NaNInStimuliOrEmbeddingsIsRefused) {
  neuroreg::testing::TempDir dir;
  const std::string root = dir.file("target");
  SimilarityTarget t = random_target(4, false);
  t.embeddings[2].fill_(std::numeric_limits<float>::quiet_NaN());
  EXPECT_THROW(save_similarity_target(t, root), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(root));

  save_similarity_target(random_target(4, false), root);
  torch::Tensor stimuli = torch::rand({4, 8, 8});
  stimuli[1][0][0] = std::numeric_limits<float>::quiet_NaN();
  write_npy(root + "/stimuli.npy", stimuli);
  try {
    load_similarity_target(root);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), root + "/stimuli.npy: stimuli must be finite (found NaN)");
  }
}

TEST(StimulusBatches, DrawsDistinctIndicesAsAPureFunctionOfTheStep) {
  DatasetInfo info;  // 1×32×32
  StimulusBatches batches(torch::rand({20, 1, 8, 8}), info, 7);
  torch::Tensor a = batches.indices(3, 10);
  EXPECT_TRUE(torch::equal(a, batches.indices(3, 10)));
  EXPECT_FALSE(torch::equal(a, batches.indices(4, 10)));
  EXPECT_EQ(std::get<0>(at::_unique(a)).numel(), 10);
  EXPECT_EQ(batches.images(a, torch::kCPU).sizes(), (std::vector<int64_t>{10, 1, 32, 32}));
  EXPECT_THROW(batches.indices(0, 21), std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg::sdk
