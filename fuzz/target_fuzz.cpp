// load_similarity_target and load_stimuli: a target folder. The input holds
// its files, split at kFileSeparator in this order: stimuli.npy,
// embeddings.npy, similarity.npy, provenance.txt; an empty part is a missing
// file.
#include <neuroreg/sdk/target.h>

#include <algorithm>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = neuroreg::fuzz;
  static const char* const kFiles[] = {"stimuli.npy", "embeddings.npy", "similarity.npy",
                                       "provenance.txt"};
  const std::string dir = fuzz::scratch_dir() + "/target";
  const std::vector<std::string> parts = fuzz::split_files(data, size, 4);
  for (size_t i = 0; i < parts.size(); ++i) fuzz::write_or_remove(dir + "/" + kFiles[i], parts[i]);
  fuzz::expect_documented_errors([&] { (void)neuroreg::sdk::load_stimuli(dir); });
  return fuzz::expect_documented_errors([&] {
    const neuroreg::sdk::SimilarityTarget target = neuroreg::sdk::load_similarity_target(dir);
    const int64_t n = std::min<int64_t>(target.size(), 4);
    (void)target.similarity(torch::arange(n)).sum();
  });
}
