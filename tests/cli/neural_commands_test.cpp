// The neural pipeline through the command line: fit, then target.
#include "cli/neural_commands.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/report_tools.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/tiny_scans.h"

namespace neuroreg {
namespace {

using testing::cli;
using testing::read_text;

TEST(NeuralCommands, FitThenTargetWritesModelsTargetsAndTheReport) {
  testing::TempDir dir;
  std::ostringstream log;
  // 80 images shown once: 72 train trials, enough for one batch of 64.
  const std::vector<std::string> scans =
      testing::simulate_tiny_scans(dir.file("rec"), 80, 4, 3, 10, 2.0, log);
  std::string out, err;
  ASSERT_EQ(cli({"neural", "fit", "--epochs", "1", "--out", dir.file("models"), scans[0], scans[1]},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("animal1-scan1 epoch  1: loss"), std::string::npos) << out;
  EXPECT_NE(out.find("truth r"), std::string::npos) << out;
  for (const char* scan : {"animal1-scan1", "animal1-scan2"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file("models/") + scan + "/model.pt"));
    EXPECT_TRUE(std::filesystem::exists(dir.file("models/") + scan + "/neurons.tsv"));
  }

  ASSERT_EQ(cli({"neural", "target", "--models", dir.file("models"), "--out", dir.file("targets"),
                 scans[0], scans[1]},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("r(model,oracle)"), std::string::npos) << out;
  EXPECT_EQ(err, "") << "gnuplot drew the pictures without a warning";
  for (const char* file :
       {"data/embeddings.npy", "model/embeddings.npy", "pixels/embeddings.npy", "report/report.txt",
        "report/similarity_oracle_images.svg", "report/fig1d_scatter.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file("targets/") + file)) << file;
  }
  // The pictures say what they show: panel titles, axis labels, colour bars
  // (ticked at each panel's ±m and 0), the scatter's title and legend.
  const std::string matrices = read_text(dir.file("targets/report/similarity_oracle_images.svg"));
  for (const char* text : {"S_oracle (Eq. 3)", "S_model (Eq. 6)", "S_true (noise-free rates)",
                           "oracle image (cluster order)", "0"}) {
    EXPECT_NE(matrices.find("<text>" + std::string(text) + "</text>"), std::string::npos) << text;
  }
  EXPECT_NE(matrices.find("<text>-"), std::string::npos) << "each colour bar's low end";
  // The pixel control: the model target's rows, S from the stimuli's pixels.
  const sdk::SimilarityTarget model = sdk::load_similarity_target(dir.file("targets/model"));
  const sdk::SimilarityTarget pixels = sdk::load_similarity_target(dir.file("targets/pixels"));
  EXPECT_TRUE(pixels.stimuli.equal(model.stimuli));
  EXPECT_TRUE(pixels.ids.equal(model.ids));
  EXPECT_EQ(pixels.tiers, model.tiers);
  EXPECT_TRUE(torch::allclose(pixels.embeddings, sdk::unit_embeddings(model.stimuli.flatten(1)),
                              1e-5, 1e-5));
  EXPECT_NE(pixels.provenance.find("pixels"), std::string::npos);
  const std::string scatter = read_text(dir.file("targets/report/fig1d_scatter.svg"));
  for (const char* text : {">Fig. 1D: similarity of pairs of oracle images (animal1-scan1)<",
                           ">S_oracle (Eq. 3), averaged over repeats<", ">S_model, r = "}) {
    EXPECT_NE(scatter.find(text), std::string::npos) << text;
  }
}

TEST(NeuralCommands, AMissingModelOrAnUnknownCoreIsAClearError) {
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans =
      testing::simulate_tiny_scans(dir.file("rec"), 20, 3, 3, 5, 2.0, log);
  std::string out, err;
  EXPECT_EQ(
      cli({"neural", "target", "--models", dir.file("models"), "--out", dir.file("t"), scans[0]},
          &out, &err),
      1);
  EXPECT_EQ(err, "neuroreg: error: " + dir.file("models") +
                     "/animal1-scan1/model.pt: no such model file (fit one with 'neuroreg "
                     "neural fit')\n");
  EXPECT_EQ(cli({"neural", "fit", "--core", "vgg", "--out", dir.file("m"), scans[0]}, &out, &err),
            1);
  EXPECT_EQ(err,
            "neuroreg: error: unknown core 'vgg'; expected one of: paper_cnn, "
            "rotation_equivariant, regular_cnn\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("m")));
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(NeuralCommands, TargetStatesItsNormalisationAndFindsATruthWhereItIsTold) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans =
      testing::simulate_tiny_scans(dir.file("rec"), 40, 4, 3, 10, 2.0, log);
  std::string out, err;
  ASSERT_EQ(cli({"neural", "target", "--out", dir.file("std"), scans[0]}, &out, &err), 0) << err;
  const std::string std_provenance = text_of(dir.file("std/data/provenance.txt"));
  EXPECT_NE(std_provenance.find("normalisation: responses divided by each neuron's standard "
                                "deviation"),
            std::string::npos)
      << std_provenance;
  EXPECT_NE(std_provenance.find("command: neuroreg neural target --out " + dir.file("std") +
                                " --normalise std " + scans[0]),
            std::string::npos)
      << std_provenance;
  EXPECT_NE(out.find("against the noise-free truth"), std::string::npos) << out;

  // The truth moved elsewhere: not found, saying where it looked; then named.
  const std::string elsewhere = dir.file("truths/" + fs::path(scans[0]).filename().string());
  fs::create_directories(elsewhere);
  fs::rename(scans[0] + "/truth/responses.npy", elsewhere + "/responses.npy");
  ASSERT_EQ(cli({"neural", "target", "--out", dir.file("none"), "--normalise", "none", scans[0]},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("normalisation: responses as recorded (--normalise none)"), std::string::npos)
      << out;
  EXPECT_NE(out.find("no noise-free truth (simulated scans hold one; --truth DIR names another "
                     "place): looked for\n  " +
                     scans[0] + "/truth/responses.npy\n"),
            std::string::npos)
      << out;
  EXPECT_NE(text_of(dir.file("none/data/provenance.txt")).find("(--normalise none)"),
            std::string::npos);
  // Recorded units weigh neurons otherwise: another target.
  const torch::Tensor a = sdk::load_similarity_target(dir.file("std/data")).embeddings;
  const torch::Tensor b = sdk::load_similarity_target(dir.file("none/data")).embeddings;
  EXPECT_FALSE(torch::allclose(a.matmul(a.t()), b.matmul(b.t()), 1e-3, 1e-3));
  ASSERT_EQ(
      cli({"neural", "target", "--out", dir.file("told"), "--truth", dir.file("truths"), scans[0]},
          &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("against the noise-free truth"), std::string::npos) << out;
  EXPECT_EQ(cli({"neural", "target", "--out", dir.file("x"), "--normalise", "zscore", scans[0]},
                &out, &err),
            2);
  EXPECT_NE(err.find("--normalise needs std or none"), std::string::npos) << err;
}

TEST(NeuralCommands, SimulateV1StatesItsPhysiologyAndRefusesWhenTheGateFails) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  std::string out, err;
  EXPECT_EQ(
      cli({"target", "simulate-v1", "--physiology", "cat", "--out", dir.file("a")}, &out, &err), 1);
  EXPECT_EQ(err, "neuroreg: error: unknown --physiology 'cat'; expected mouse or legacy\n");
  EXPECT_EQ(cli({"target", "simulate-v1", "--stimuli-source", "imagenet", "--out", dir.file("a")},
                &out, &err),
            1);
  EXPECT_NE(err.find("unknown --stimuli-source 'imagenet'; expected dead_leaves or dataset"),
            std::string::npos)
      << err;
  EXPECT_EQ(
      cli({"target", "simulate-v1", "--dataset", "cifar10", "--out", dir.file("a")}, &out, &err),
      1);
  EXPECT_NE(err.find("--dataset picks the images of --stimuli-source dataset"), std::string::npos)
      << err;
  // Three neurons: two such populations disagree, so nothing is written.
  EXPECT_EQ(
      cli({"target", "simulate-v1", "--neurons", "3", "--stimuli", "50", "--out", dir.file("few")},
          &out, &err),
      1);
  EXPECT_NE(err.find("(the gate"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.file("few")));
  ASSERT_EQ(cli({"target", "simulate-v1", "--stimuli", "100", "--out", dir.file("mouse")}, &out,
                &err),
            0)
      << err;
  for (const char* text : {"physiology: mouse", "dead-leaves scenes", "participation ratio",
                           "binary neurons", "gate: r = "}) {
    EXPECT_NE(out.find(text), std::string::npos) << text << "\n" << out;
  }
  EXPECT_NE(text_of(dir.file("mouse/model/provenance.txt")).find("Niell & Stryker 2008"),
            std::string::npos);
}

TEST(NeuralCommands, SimulateReportsTheGateAcrossScansAndTheTargetsSayHowTheyWereSimulated) {
  testing::TempDir dir;
  std::string out, err;
  ASSERT_EQ(cli({"neural", "simulate", "--stimuli", "20", "--neurons", "40", "--scans", "1",
                 "--out", dir.file("rec")},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("gate: r = "), std::string::npos) << out;
  EXPECT_NE(out.find("of 1 scan pairs"), std::string::npos) << out;  // 2 animals × 1 scan
  // The gate judges what `neural target` builds: the pool of both scans.
  EXPECT_NE(out.find("between the pooled model targets of these 2 scans and of 2 independent ones"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("FAIL)\nwarning: the pooled target fails the gate"), std::string::npos)
      << out;  // 80 neurons in all are far too few
  EXPECT_NE(out.find("stability r(S_clean, S_noisy)"), std::string::npos) << out;
  ASSERT_EQ(cli({"neural", "target", "--out", dir.file("t"), dir.file("rec/animal1-scan1"),
                 dir.file("rec/animal2-scan1")},
                &out, &err),
            0)
      << err;
  for (const char* target : {"t/data/provenance.txt", "t/pixels/provenance.txt"}) {
    const std::string provenance = text_of(dir.file(target));
    EXPECT_NE(provenance.find("physiology: mouse"), std::string::npos) << provenance;
    EXPECT_NE(provenance.find("dead-leaves scenes"), std::string::npos) << provenance;
  }
}

}  // namespace
}  // namespace neuroreg
