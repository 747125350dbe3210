#include "cli/cli.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <cmath>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "bench/step_bench.h"
#include "config/run_config.h"
#include "data/task_data.h"
#include "experiment/comparison.h"
#include "neural/data_target.h"
#include "neural/simulated_scans.h"
#include "neural/simulated_v1.h"
#include "plugin_host/plugin_loader.h"
#include "record/record_io.h"
#include "runtime/runtime.h"

namespace neuroreg {
namespace {

constexpr const char* kUsage = R"(usage: neuroreg <command> [options]

commands:
  compare CONFIG        train and evaluate every [[regularizer]] of CONFIG, print a table
  train CONFIG          the same, for a config with one [[regularizer]]
  bench CONFIG          time one training step per [[regularizer]] against plain training
  config check CONFIG   validate CONFIG against every component's declared keys
  config explain        list the keys the host reads in each section, with defaults
  plugins               list registered components, their descriptions and config keys
  show RUN              print a run record (a run folder or its record.pb)
  neural simulate --out DIR
                        write simulated recordings in the Sensorium layout: scans of model
                        V1 neurons (animals × scans), with the noise-free truth beside them
  neural data-target --out DIR SCAN...
                        the neural_data target (Eq. 2, SNR-weighted, averaged over scans)
                        from scan folders, and r(S_data, S_oracle) as in Fig. 1D
  target simulate-v1 --out DIR
                        write similarity targets of a simulated V1 population: DIR/model
                        (noise-free) and DIR/data (single trials), for neural_model,
                        neural_data, shuffle and matrix runs without recordings
  help                  this text

options:
  --plugin-path DIR     also load plugins from DIR (repeatable; NEUROREG_PLUGIN_PATH works too)
  --threads N           CPU threads (overrides [run] threads; 0 = all cores)
  --device D            auto, cpu or cuda (overrides [run] device)
  --rounds N, --steps N bench: interleaved rounds (default 5) of N steps (default 5)
  --resume              compare/train: continue unfinished runs from their last epoch's
                        checkpoint and reuse finished ones
  --dataset NAME        simulate-v1: the stimuli's dataset (default fashion_mnist)
  --stimuli N           simulate-v1: training images drawn as stimuli (default 5000);
                        neural simulate: images shown once (default 5000, plus 100 oracle)
  --neurons N           simulate-v1: model neurons; neural simulate: per scan (default 1000)
  --scans N             neural simulate: scans per animal (default 2, from 2 animals)
  --seed N              simulate-v1, neural simulate: seed of everything drawn (default 0)
)";

struct SimulateArgs {
  std::string out;
  std::string dataset = "fashion_mnist";
  int stimuli = 5000;
  int neurons = 1000;
  int seed = 0;
  int scans = 2;
};

struct Args {
  std::vector<std::string> positional;
  std::vector<std::string> plugin_paths;
  RunOverrides overrides;
  BenchSettings bench;
  SimulateArgs simulate;
};

// Returns an error message, or "" when the arguments parsed.
std::string parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& into) -> bool {
      if (i + 1 >= argc) return false;
      into = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--plugin-path") {
      if (!value(v)) return "--plugin-path needs a folder";
      args.plugin_paths.push_back(v);
    } else if (arg == "--threads") {
      if (!value(v)) return "--threads needs a number";
      try {
        size_t used = 0;
        args.overrides.threads = std::stoi(v, &used);
        if (used != v.size() || args.overrides.threads < 0) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        return "--threads needs a whole number >= 0, got '" + v + "'";
      }
    } else if (arg == "--device") {
      if (!value(v)) return "--device needs auto, cpu or cuda";
      args.overrides.device = v;
    } else if (arg == "--rounds" || arg == "--steps" || arg == "--stimuli" || arg == "--neurons" ||
               arg == "--seed" || arg == "--scans") {
      const int least = arg == "--seed" ? 0 : 1;
      if (!value(v)) return arg + " needs a number";
      int n = 0;
      try {
        size_t used = 0;
        n = std::stoi(v, &used);
        if (used != v.size() || n < least) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        return arg + " needs a whole number >= " + std::to_string(least) + ", got '" + v + "'";
      }
      if (arg == "--rounds") args.bench.rounds = n;
      if (arg == "--steps") args.bench.steps_per_round = n;
      if (arg == "--stimuli") args.simulate.stimuli = n;
      if (arg == "--neurons") args.simulate.neurons = n;
      if (arg == "--seed") args.simulate.seed = n;
      if (arg == "--scans") args.simulate.scans = n;
    } else if (arg == "--out") {
      if (!value(args.simulate.out)) return "--out needs a folder";
    } else if (arg == "--dataset") {
      if (!value(args.simulate.dataset)) return "--dataset needs a dataset plugin name";
    } else if (arg == "--resume") {
      args.overrides.resume = true;
    } else if (arg == "-h" || arg == "--help") {
      args.positional.insert(args.positional.begin(), "help");
    } else if (arg.rfind("--", 0) == 0) {
      return "unknown option '" + arg + "'";
    } else {
      args.positional.push_back(arg);
    }
  }
  return "";
}

// Loads the default plugin folders and those named on the command line.
// Load errors are warnings: the host goes on with the plugins that loaded.
void load_plugins(PluginLoader& loader, const Args& args, std::ostream& err) {
  std::vector<std::string> dirs = default_plugin_dirs();
  dirs.insert(dirs.end(), args.plugin_paths.begin(), args.plugin_paths.end());
  for (const std::string& dir : dirs) {
    for (const absl::Status& error : loader.load_directory(dir)) {
      err << "neuroreg: warning: " << error.message() << "\n";
    }
  }
}

// Short type names for the schema listing.
const char* type_name(sdk::OptionType type) {
  switch (type) {
    case sdk::OptionType::kBool:
      return "bool";
    case sdk::OptionType::kInt:
      return "int";
    case sdk::OptionType::kFloat:
      return "float";
    case sdk::OptionType::kString:
      return "string";
    case sdk::OptionType::kIntList:
      return "int[]";
    case sdk::OptionType::kFloatList:
      return "float[]";
    case sdk::OptionType::kStringList:
      return "string[]";
  }
  return "?";
}

void print_options(const std::vector<sdk::OptionSpec>& options, std::ostream& out) {
  for (const sdk::OptionSpec& o : options) {
    out << absl::StrFormat(
        "      %-16s %-8s %-24s %s\n", o.name, type_name(o.type),
        o.default_value ? "= " + sdk::to_toml_text(*o.default_value) : "(required)", o.help);
  }
}

// The keys the host itself reads, beside those the plugins declare.
void print_host_keys(std::ostream& out) {
  const std::pair<const char*, std::vector<sdk::OptionSpec>> sections[] = {
      {"[run]", run_section_options()},
      {"[dataset]", host_component_options(sdk::ComponentKind::kDataset)},
      {"[backbone]", host_component_options(sdk::ComponentKind::kBackbone)},
      {"[train]", train_section_options()},
      {"[eval]", eval_section_options()},
      {"[[regularizer]]", host_component_options(sdk::ComponentKind::kRegularizer)},
  };
  for (const auto& [name, options] : sections) {
    out << "  " << name << "\n";
    print_options(options, out);
  }
}

void print_plugins(const Registry& registry, const PluginLoader& loader, std::ostream& out) {
  for (auto kind : {sdk::ComponentKind::kBackbone, sdk::ComponentKind::kDataset,
                    sdk::ComponentKind::kRegularizer, sdk::ComponentKind::kAttack}) {
    out << sdk::to_string(kind) << "s:\n";
    auto components = registry.list(kind);
    if (components.empty()) out << "  (none)\n";
    for (const RegisteredComponent* c : components) {
      out << "  " << c->spec.name << " - " << c->spec.description << "\n";
      print_options(c->spec.options, out);
    }
  }
  out << "\nloaded " << loader.loaded().size() << " plugin files:\n";
  for (const LoadedPlugin& p : loader.loaded()) {
    out << "  " << p.name << " " << p.version << "  " << p.path << "\n";
  }
}

// `count` grayscale training images of a dataset, drawn with `seed`.
torch::Tensor draw_stimuli(const Registry& registry, const std::string& name, int64_t count,
                           uint64_t seed) {
  auto dataset =
      registry.make_dataset(name, registry.defaults(sdk::ComponentKind::kDataset, name), {seed});
  sdk::Split train = dataset->train();
  check_split(train, dataset->info(), name + " train");
  if (count > train.size()) {
    throw std::invalid_argument(absl::StrFormat(
        "%d stimuli are more than the %d training images of %s", count, train.size(), name));
  }
  auto gen = at::detail::createCPUGenerator(seed);
  const torch::Tensor pick = torch::randperm(train.size(), gen, torch::kLong).slice(0, 0, count);
  // Grayscale, as the recordings' screens showed them.
  return train.images.index_select(0, pick).mean(1, /*keepdim=*/true);
}

// `target simulate-v1`: targets straight from a simulated population.
int simulate_v1(const SimulateArgs& args, const Registry& registry, std::ostream& out,
                std::ostream& err) {
  if (args.out.empty()) {
    err << "neuroreg: target simulate-v1 needs --out DIR\n";
    return 2;
  }
  configure_threads(0);
  const torch::Tensor stimuli = draw_stimuli(registry, args.dataset, args.stimuli, args.seed);
  V1Settings settings;
  settings.neurons = args.neurons;
  settings.seed = static_cast<uint64_t>(args.seed);
  write_simulated_v1_targets(
      V1Population(settings), stimuli,
      absl::StrFormat("%d %s training images (seed %d)", args.stimuli, args.dataset, args.seed),
      args.out, out);
  return 0;
}

// `neural simulate`: recordings in the Sensorium layout.
int simulate_recordings(const SimulateArgs& args, const Registry& registry, std::ostream& out,
                        std::ostream& err) {
  if (args.out.empty()) {
    err << "neuroreg: neural simulate needs --out DIR\n";
    return 2;
  }
  configure_threads(0);
  ScanSimulation sim;
  sim.unique_images = args.stimuli;
  sim.scans_per_animal = args.scans;
  sim.v1.neurons = args.neurons;
  sim.v1.seed = static_cast<uint64_t>(args.seed);
  const torch::Tensor images =
      draw_stimuli(registry, args.dataset, sim.unique_images + sim.oracle_images, args.seed);
  out << absl::StrFormat("simulate: %d animals × %d scans, %d neurons each, %s images\n",
                         sim.animals, sim.scans_per_animal, sim.v1.neurons, args.dataset)
      << std::flush;
  simulate_scans(images, sim, args.out, out);
  return 0;
}

// `neural data-target`: S_data from scan folders.
int data_target_command(const SimulateArgs& args, const std::vector<std::string>& scans,
                        std::ostream& out, std::ostream& err) {
  if (args.out.empty() || scans.empty()) {
    err << "usage: neuroreg neural data-target --out DIR SCAN...\n";
    return 2;
  }
  configure_threads(0);
  DataTargetReport report;
  const sdk::SimilarityTarget target = data_target(scans, report);
  sdk::save_similarity_target(target, args.out);
  out << absl::StrFormat(
      "wrote %s: %d stimuli from %d scans (SNR weights from %d oracle images × %d repeats)\n"
      "  r(S_data, S_oracle) = %.3f   (Fig. 1D; paper 0.39)\n",
      args.out, report.stimuli, report.scans, report.oracle_images, report.repeats,
      report.r_data_oracle);
  if (!std::isnan(report.r_data_truth)) {
    out << absl::StrFormat(
        "  r(S_data, S_true) = %.3f, r(S_oracle, S_true) = %.3f (simulated truth)\n",
        report.r_data_truth, report.r_oracle_truth);
  }
  return 0;
}

int command(const Args& args, std::ostream& out, std::ostream& err) {
  const std::vector<std::string>& pos = args.positional;
  const std::string& cmd = pos[0];
  if (cmd == "help") {
    out << kUsage;
    return 0;
  }
  if (cmd == "config" && pos.size() == 2 && pos[1] == "explain") {
    out << "host keys by section (a plugin's own keys: 'neuroreg plugins'):\n";
    print_host_keys(out);
    return 0;
  }
  if (cmd == "show") {
    if (pos.size() != 2) {
      err << "usage: neuroreg show RUN\n";
      return 2;
    }
    out << format_run_record(read_run_record(pos[1]));
    return 0;
  }

  Registry registry;
  PluginLoader loader(registry);
  load_plugins(loader, args, err);

  if (cmd == "plugins") {
    print_plugins(registry, loader, out);
    return 0;
  }
  if (cmd == "target" && pos.size() == 2 && pos[1] == "simulate-v1") {
    return simulate_v1(args.simulate, registry, out, err);
  }
  if (cmd == "neural" && pos.size() >= 2 && pos[1] == "data-target") {
    return data_target_command(args.simulate, {pos.begin() + 2, pos.end()}, out, err);
  }
  if (cmd == "neural" && pos.size() == 2 && pos[1] == "simulate") {
    return simulate_recordings(args.simulate, registry, out, err);
  }
  const bool check = cmd == "config" && pos.size() == 3 && pos[1] == "check";
  const bool run = (cmd == "compare" || cmd == "train" || cmd == "bench") && pos.size() == 2;
  if (!check && !run) {
    err << "neuroreg: unknown command line; see 'neuroreg help'\n" << kUsage;
    return 2;
  }
  const std::string& path = pos.back();
  std::vector<std::string> warnings;
  auto config = load_run_config(path, loader, registry, &warnings);
  for (const std::string& w : warnings) err << "neuroreg: warning: " << w << "\n";
  if (!config.ok()) {
    err << "neuroreg: error: " << config.status().message() << "\n";
    return 1;
  }
  if (check) {
    out << path << ": ok (" << config->regularizers.size() << " regularizers)\n\n"
        << "# effective config\n"
        << config->effective_toml();
    return 0;
  }
  if (cmd == "bench") {
    run_step_bench(*config, registry, args.overrides, args.bench, out);
    return 0;
  }
  if (cmd == "train" && config->regularizers.size() != 1) {
    err << "neuroreg: error: " << path << ": 'train' runs one [[regularizer]], this config has "
        << config->regularizers.size() << "; use 'neuroreg compare'\n";
    return 1;
  }
  auto records = run_comparison(*config, registry, args.overrides, out);
  out << "\n" << format_comparison(records);
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args;
  std::string problem = parse_args(argc, argv, args);
  if (!problem.empty()) {
    err << "neuroreg: " << problem << "\n";
    return 2;
  }
  if (args.positional.empty()) {
    err << kUsage;
    return 2;
  }
  try {
    return command(args, out, err);
  } catch (const std::exception& e) {
    err << "neuroreg: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace neuroreg
