// `neural bench` on tiny sizes: every part runs and says what it measured.
#include "neural/neural_bench.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include <thread>

namespace neuroreg {
namespace {

TEST(NeuralBench, TimesEveryCoreEveryThreadCountAndTheTarget) {
  NeuralBenchSettings s;
  s.stimuli = 40;
  s.scans = 2;
  s.neurons = 16;
  s.fit_neurons = 8;
  s.features = 2;
  s.rounds = 1;
  s.steps_per_round = 1;
  const int threads = at::get_num_threads();
  std::ostringstream out;
  run_neural_bench(s, out);
  const std::string text = out.str();
  for (const char* core : {"paper_cnn", "rotation_equivariant", "regular_cnn"}) {
    EXPECT_NE(text.find("  " + std::string(core)), std::string::npos) << core << "\n" << text;
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_NE(text.find("fitting threads: paper_cnn step"), std::string::npos) << text;
  EXPECT_NE(text.find(" " + std::to_string(cores) + " thread"), std::string::npos) << text;
  EXPECT_NE(text.find("fastest here: "), std::string::npos) << text;
  EXPECT_NE(text.find("target: 40 stimuli × 2 scans × 16 neurons"), std::string::npos) << text;
  EXPECT_EQ(at::get_num_threads(), threads) << "the bench must leave the thread count as it was";
}

}  // namespace
}  // namespace neuroreg
