#include "cli/cli.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/distributed_bench.h"
#include "bench/step_bench.h"
#include "cli/eval_commands.h"
#include "cli/neural_commands.h"
#include "cli/show_command.h"
#include "config/run_config.h"
#include "data/task_data.h"
#include "distributed/data_parallel.h"
#include "launch/comparison.h"
#include "launch/comparison_status.h"
#include "grid/grid.h"
#include "experiment/preflight.h"
#include "launch/slurm_executor.h"
#include "plugin_host/plugin_loader.h"
#include "record/record_io.h"
#include "runtime/runtime.h"
#include "runtime/stop_signals.h"

namespace neuroreg {
namespace {

constexpr const char* kUsage = R"(usage: neuroreg <command> [options]

commands:
  compare CONFIG [KEY=VALUE[,VALUE...]]...
                        run every cell of CONFIG's grid that is not finished: each
                        [[regularizer]] × each [grid] value × each seed; resumes interrupted
                        cells, skips finished ones; prints mean ± SEM per group and each
                        group's difference to the [compare] baseline (paired by seed), and
                        writes summary.csv, groups.csv, differences.csv, report.md and
                        report.html
  compare CONFIG --executor slurm [--partition P] [--time T] [--cpus-per-task C]
          [--gpus-per-task G] [--max-parallel K] [--sbatch-arg ARG]... [--dry-run]
                        submit the cells that are not finished as one Slurm job array
                        (one task per cell); run 'compare CONFIG' once it has ended to
                        aggregate
  compare CONFIG --status
                        each cell: done, running, pending, failed, interrupted or missing
                        (from the cells' folders, and squeue after a Slurm submission)
  train CONFIG [KEY=VALUE...]
                        the same, for a config with one [[regularizer]]
  run-cell CONFIG --cell ID|INDEX [KEY=VALUE...]
                        run one cell of the grid (what compare --jobs and cluster jobs start)
  bench CONFIG          time one training step per [[regularizer]] against plain training,
                        then plain training data-parallel in 1 and 2 processes (one thread
                        each) with the share spent communicating
  config check CONFIG [KEY=VALUE...]
                        validate every cell of CONFIG's grid against every component's
                        declared keys; print the cells and the first cell's effective config
  config explain        list the keys the host reads in each section, with defaults
  plugins [--verbose]   list registered components, their descriptions and config keys;
                        --verbose: also each one's plugin file, plugin version and the
                        SDK, LibTorch and C++ library it was built against
  show RUN|COMPARISON [--json]
                        print a run record (a run folder or its record.pb), or a comparison
                        folder's table of groups (mean ± SEM over seeds) from its records;
                        --json: the records as JSON (protobuf's mapping), for other tools
  eval RUN... --config EVAL.toml
                        robustness of trained models: Gaussian noise, common corruptions and
                        minimal adversarial perturbations per norm (median and mean over the
                        same test samples); RUN is a run folder, its model.pt or checkpoint.pt,
                        or a comparison folder (every run in it). Writes
                        RUN/robustness-<EVAL>.pb and .txt, prints the models side by side
  export RUN --torchscript FILE
                        the trained model as TorchScript (input N×C×H×W in [0,1],
                        normalisation inside), for Foolbox, AutoAttack or any PyTorch tool
  neural simulate --out DIR
                        write simulated recordings in the Sensorium layout: scans of model
                        V1 neurons (animals × scans), with the noise-free truth beside them
  neural fit --out DIR SCAN...
                        fit a predictive model (--core) to each scan: DIR/<scan>/model.pt
                        and per-neuron metrics DIR/<scan>/neurons.tsv
  neural target --out DIR [--models DIR] SCAN...
                        the targets from scan folders: DIR/data (neural_data, Eq. 2), with
                        fitted models DIR/model (neural_model, Eq. 6), DIR/pixels (the
                        stimuli's own pixel similarity over the same rows, a control) and
                        DIR/report (table, clustered similarity matrices, Fig. 1D scatter)
  neural bench          time a fitting step per core, and building a target against one GEMM
                        of its size (--stimuli 5000 --scans 8 --neurons 8000 by default)
  target simulate-v1 --out DIR
                        write similarity targets of a simulated V1 population: DIR/model
                        (noise-free) and DIR/data (single trials), for neural_model,
                        neural_data, shuffle and matrix runs without recordings; refuses
                        when two independent populations' targets agree at r < 0.85
  help                  this text

options:
  --plugin-path DIR     also load plugins from DIR (repeatable; NEUROREG_PLUGIN_PATH works too)
  --threads N           CPU threads (overrides [run] threads; 0 = all cores)
  --device D            auto, cpu or cuda (overrides [run] device)
  --rounds N, --steps N bench: interleaved rounds (default 5) of N steps (default 5)
  --data-parallel-worker
                        bench: one process of the data-parallel row (bench starts these)
  --jobs N              compare/train: run N cells at once, each in its own process with
                        1/N of the cores (default 1)
  --cell ID|INDEX       run-cell: the cell, by id (as in cells.tsv) or 0-based index
  --executor E          compare/train: local (default: this machine) or slurm (a job array)
  --partition P, --time T, --cpus-per-task C, --gpus-per-task G
                        --executor slurm: sbatch's options of the same names, per array
                        task; C is also the cell's CPU threads (default: Slurm's 1 CPU)
  --max-parallel K      --executor slurm: at most K array tasks at once (%K)
  --sbatch-arg ARG      --executor slurm: another sbatch option, e.g. --sbatch-arg=--mem=8G
                        (repeatable; written as an #SBATCH line of the script)
  --dry-run             --executor slurm: print the script; write and submit nothing
  --status              compare/train: where each cell stands; runs nothing
  --json                show: print JSON
  --verbose             plugins: name each component's file and build stamp
  KEY=VALUE[,VALUE...]  compare/train/run-cell/config check: set a config key by its path
                        (train.epochs=3, seed=0,1,2, 'regularizer[pixel].alpha=2,8'); a
                        comma list makes a grid axis
  --physiology P        simulate-v1, neural simulate: mouse (default: tuning and receptive
                        fields from mouse V1 through the paper's screen) or legacy (the
                        earlier simulator, a sensitivity arm)
  --stimuli-source S    simulate-v1, neural simulate: dead_leaves (default: generated
                        natural-like scenes, another domain than the task) or dataset
  --dataset NAME        --stimuli-source dataset: the stimuli's dataset (default fashion_mnist)
  --stimuli N           simulate-v1: stimuli (default 5000); neural simulate: images shown
                        once (default 5000, plus 100 oracle)
  --neurons N           simulate-v1: model neurons (default 8000: the paper's target pools 8
                        scans; 1000 with --physiology legacy); neural simulate: per scan
                        (default 2000: 4 scans pool 8000; 1000 with --physiology legacy)
  --scans N             neural simulate: scans per animal (default 2, from 2 animals)
  --seed N              simulate-v1, neural simulate, neural fit: seed (default 0)
  --core NAME           neural fit: paper_cnn (default), rotation_equivariant or regular_cnn
  --features N          neural fit: features per rotation (rotation_equivariant; regular_cnn
                        gets 8 × N channels); default 16
  --epochs N            neural fit: most epochs (default 40; early stopping ends most sooner)
  --models DIR          neural target: the folder 'neural fit --out' wrote
  --normalise N         neural target: std (default: each neuron's responses divided by its
                        standard deviation, as the models are fitted) or none (as recorded)
  --truth DIR           neural target: the noise-free truth as DIR/<scan name>/responses.npy
                        (default: each scan's truth/responses.npy, as simulated scans have)
  --config FILE         eval: the evaluation config (configs/reduced/fig5_adversarial.toml, ...)
  --torchscript FILE    export: where to write the TorchScript model

environment:
  NEUROREG_PLUGIN_PATH  plugin folders, ':'-separated, searched like --plugin-path
  NEUROREG_ALLOCATOR    tuned (default): malloc keeps freed memory for the next step;
                        system: malloc at the C library's settings (GLIBC_TUNABLES apply)
)";

struct Args {
  std::vector<std::string> positional;
  std::vector<std::string> plugin_paths;
  RunOverrides overrides;
  BenchSettings bench;
  NeuralArgs neural;
  std::string eval_config;
  std::string torchscript;
  std::vector<std::string> assignments;  ///< KEY=VALUE overrides of the config
  std::vector<std::string> flags;        ///< every --flag given, in order
  int jobs = 1;
  std::string cell;
  std::string executor = "local";
  SlurmSettings slurm;
  bool status = false;
  bool data_parallel_worker = false;
  bool json = false;
  bool verbose = false;
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
    if (arg.rfind("--", 0) == 0) args.flags.push_back(arg);
    if (arg == "--plugin-path") {
      if (!value(v)) return "--plugin-path needs a folder";
      args.plugin_paths.push_back(v);
    } else if (arg == "--threads") {
      if (!value(v)) return "--threads needs a number";
      try {
        size_t used = 0;
        args.overrides.threads = std::stoi(v, &used);
        if (used != v.size() || args.overrides.threads < 0 ||
            args.overrides.threads > max_threads()) {
          throw std::invalid_argument(v);
        }
      } catch (const std::exception&) {
        return "--threads needs a whole number in 0.." + std::to_string(max_threads()) +
               " (0 = all cores; this machine has " + std::to_string(max_threads()) + "), got '" +
               v + "'";
      }
    } else if (arg == "--device") {
      if (!value(v)) return "--device needs auto, cpu or cuda";
      args.overrides.device = v;
    } else if (arg == "--rounds" || arg == "--steps" || arg == "--stimuli" || arg == "--neurons" ||
               arg == "--seed" || arg == "--scans" || arg == "--features" || arg == "--epochs") {
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
      if (arg == "--stimuli") args.neural.stimuli = n, args.neural.stimuli_set = true;
      if (arg == "--neurons") args.neural.neurons = n, args.neural.neurons_set = true;
      if (arg == "--seed") args.neural.seed = n;
      if (arg == "--scans") args.neural.scans = n, args.neural.scans_set = true;
      if (arg == "--features") args.neural.features = n;
      if (arg == "--epochs") args.neural.epochs = n;
    } else if (arg == "--out") {
      if (!value(args.neural.out)) return "--out needs a folder";
    } else if (arg == "--core") {
      if (!value(args.neural.core)) return "--core needs a core name";
    } else if (arg == "--config") {
      if (!value(args.eval_config)) return "--config needs an evaluation config file";
    } else if (arg == "--torchscript") {
      if (!value(args.torchscript)) return "--torchscript needs a file to write";
    } else if (arg == "--models") {
      if (!value(args.neural.models)) return "--models needs a folder";
    } else if (arg == "--normalise") {
      if (!value(args.neural.normalise) ||
          (args.neural.normalise != "std" && args.neural.normalise != "none")) {
        return "--normalise needs std or none";
      }
    } else if (arg == "--truth") {
      if (!value(args.neural.truth)) return "--truth needs a folder";
    } else if (arg == "--dataset") {
      if (!value(args.neural.dataset)) return "--dataset needs a dataset plugin name";
      args.neural.dataset_set = true;
    } else if (arg == "--physiology") {
      if (!value(args.neural.physiology)) return "--physiology needs mouse or legacy";
    } else if (arg == "--stimuli-source") {
      if (!value(args.neural.stimuli_source))
        return "--stimuli-source needs dead_leaves or dataset";
    } else if (arg == "--jobs") {
      if (!value(v)) return "--jobs needs a number";
      try {
        size_t used = 0;
        args.jobs = std::stoi(v, &used);
        if (used != v.size() || args.jobs < 1) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        return "--jobs needs a whole number >= 1, got '" + v + "'";
      }
    } else if (arg == "--cell") {
      if (!value(args.cell)) return "--cell needs a cell id or index";
    } else if (arg == "--executor") {
      if (!value(args.executor) || (args.executor != "local" && args.executor != "slurm")) {
        return "--executor needs local or slurm";
      }
    } else if (arg == "--partition" || arg == "--time") {
      if (!value(v) || v.empty()) return arg + " needs a value";
      (arg == "--partition" ? args.slurm.partition : args.slurm.time) = v;
    } else if (arg == "--cpus-per-task" || arg == "--gpus-per-task" || arg == "--max-parallel") {
      int n = 0;
      if (!value(v) || !absl::SimpleAtoi(v, &n) || n < 1) {
        return arg + " needs a whole number >= 1, got '" + v + "'";
      }
      if (arg == "--cpus-per-task") args.slurm.cpus_per_task = n;
      if (arg == "--gpus-per-task") args.slurm.gpus_per_task = n;
      if (arg == "--max-parallel") args.slurm.max_parallel = n;
    } else if (arg == "--sbatch-arg" || arg.rfind("--sbatch-arg=", 0) == 0) {
      if (arg == "--sbatch-arg" && !value(v)) return "--sbatch-arg needs an sbatch option";
      if (arg != "--sbatch-arg") v = arg.substr(std::string("--sbatch-arg=").size());
      args.flags.back() = "--sbatch-arg";
      if (v.rfind("-", 0) != 0 || v.find('\n') != std::string::npos) {
        return "--sbatch-arg needs one sbatch option starting with '-' (e.g. "
               "--sbatch-arg=--mem=8G), got '" +
               v + "'";
      }
      args.slurm.sbatch_args.push_back(v);
    } else if (arg == "--dry-run") {
      args.slurm.dry_run = true;
    } else if (arg == "--status") {
      args.status = true;
    } else if (arg == "--data-parallel-worker") {
      args.data_parallel_worker = true;
    } else if (arg == "--json") {
      args.json = true;
    } else if (arg == "--verbose") {
      args.verbose = true;
    } else if (arg == "--resume") {
      return "--resume is gone: compare and train always resume interrupted cells and skip "
             "finished ones";
    } else if (arg == "-h" || arg == "--help") {
      args.positional.insert(args.positional.begin(), "help");
    } else if (arg.rfind("--", 0) == 0) {
      return "unknown option '" + arg + "'";
    } else if (!args.positional.empty() && is_override(arg)) {
      args.assignments.push_back(arg);
    } else {
      args.positional.push_back(arg);
    }
  }
  return "";
}

// The flags each command reads; any other is an error, so that nobody
// believes a flag took effect when it did not.
const std::map<std::string, std::set<std::string>>& command_flags() {
  static const std::map<std::string, std::set<std::string>> flags = {
      {"compare",
       {"--plugin-path", "--threads", "--device", "--jobs", "--executor", "--partition", "--time",
        "--cpus-per-task", "--gpus-per-task", "--max-parallel", "--sbatch-arg", "--dry-run",
        "--status"}},
      {"train",
       {"--plugin-path", "--threads", "--device", "--jobs", "--executor", "--partition", "--time",
        "--cpus-per-task", "--gpus-per-task", "--max-parallel", "--sbatch-arg", "--dry-run",
        "--status"}},
      {"run-cell", {"--plugin-path", "--threads", "--device", "--cell"}},
      {"bench",
       {"--plugin-path", "--threads", "--device", "--rounds", "--steps", "--data-parallel-worker"}},
      {"config check", {"--plugin-path"}},
      {"config explain", {}},
      {"plugins", {"--plugin-path", "--verbose"}},
      {"show", {"--json"}},
      {"eval", {"--plugin-path", "--threads", "--device", "--config"}},
      {"export", {"--plugin-path", "--threads", "--device", "--torchscript"}},
      {"neural simulate",
       {"--plugin-path", "--threads", "--out", "--dataset", "--stimuli", "--neurons", "--scans",
        "--seed", "--physiology", "--stimuli-source"}},
      {"neural fit",
       {"--plugin-path", "--threads", "--out", "--core", "--features", "--epochs", "--seed"}},
      {"neural target",
       {"--plugin-path", "--threads", "--out", "--models", "--normalise", "--truth"}},
      {"neural bench",
       {"--plugin-path", "--threads", "--rounds", "--features", "--stimuli", "--neurons",
        "--scans"}},
      {"target simulate-v1",
       {"--plugin-path", "--threads", "--out", "--dataset", "--stimuli", "--neurons", "--seed",
        "--physiology", "--stimuli-source"}},
      {"help", {}},
  };
  return flags;
}

// "" when every flag given is one the command reads, else the message.
std::string check_flags(const Args& args) {
  const std::vector<std::string>& pos = args.positional;
  std::string name = pos[0];
  if ((name == "config" || name == "neural" || name == "target") && pos.size() >= 2) {
    name += " " + pos[1];
  }
  auto it = command_flags().find(name);
  if (it == command_flags().end()) return "";  // the usage error comes later
  for (const std::string& flag : args.flags) {
    if (flag == "--help" || it->second.count(flag)) continue;
    std::string hint;
    if ((name == "compare" || name == "train") && (flag == "--seed" || flag == "--epochs")) {
      hint = flag == "--seed" ? "; to set or vary the seed write run.seed=7 or run.seed=0,1,2"
                              : "; write train.epochs=3";
    }
    const std::string accepted = absl::StrJoin(it->second, ", ");
    return "'" + name + "' does not take " + flag +
           " (it takes: " + (accepted.empty() ? "no options" : accepted) + ")" + hint;
  }
  // Flags that only mean something together.
  const std::set<std::string> given(args.flags.begin(), args.flags.end());
  if (args.executor != "slurm") {
    for (const char* flag : {"--partition", "--time", "--cpus-per-task", "--gpus-per-task",
                             "--max-parallel", "--sbatch-arg", "--dry-run"}) {
      if (given.count(flag)) return std::string(flag) + " is for --executor slurm";
    }
  } else if (given.count("--jobs")) {
    return "--jobs is for the local executor; with --executor slurm, --max-parallel K limits "
           "the array tasks running at once";
  }
  if (args.status && (given.count("--executor") || given.count("--jobs"))) {
    return "--status only reports; it takes no --executor or --jobs";
  }
  if (!args.assignments.empty() && name != "compare" && name != "train" && name != "run-cell" &&
      name != "config check") {
    return "'" + name + "' takes no KEY=VALUE overrides, got '" + args.assignments.front() + "'";
  }
  return "";
}

// Loads the default plugin folders and those named on the command line.
// Load errors are warnings: the host goes on with the plugins that loaded.
void load_plugins(PluginLoader& loader, const Args& args, std::ostream& err) {
  std::vector<std::string> warnings;
  std::vector<std::string> dirs = default_plugin_dirs(warnings);
  for (const std::string& warning : warnings) err << "neuroreg: warning: " << warning << "\n";
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
    const std::string constraints = sdk::describe_constraints(o);
    out << absl::StrFormat(
        "      %-16s %-8s %-24s %s%s\n", o.name, type_name(o.type),
        o.default_value ? "= " + sdk::to_toml_text(*o.default_value) : "(required)", o.help,
        constraints.empty() ? "" : " [" + constraints + "]");
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

// "sdk 5, torch 1.13.0, cxx11_abi 1, libstdcxx 20230528"
std::string stamp_text(const PluginStamp& stamp) {
  std::string text;
  for (const auto& [key, value] : stamp) text += (text.empty() ? "" : ", ") + key + " " + value;
  return text;
}

void print_plugins(const Registry& registry, const PluginLoader& loader, bool verbose,
                   std::ostream& out) {
  std::map<std::string, const LoadedPlugin*> by_file;
  for (const LoadedPlugin& p : loader.loaded()) by_file[p.path] = &p;
  for (auto kind : {sdk::ComponentKind::kBackbone, sdk::ComponentKind::kDataset,
                    sdk::ComponentKind::kRegularizer, sdk::ComponentKind::kAttack}) {
    out << sdk::to_string(kind) << "s:\n";
    auto components = registry.list(kind);
    if (components.empty()) out << "  (none)\n";
    for (const RegisteredComponent* c : components) {
      out << "  " << c->spec.name << " - " << c->spec.description << "\n";
      if (verbose) {
        auto it = by_file.find(c->source);
        out << "      from " << c->source;
        if (it != by_file.end()) {
          out << " (plugin " << it->second->name << " " << it->second->version << "; "
              << stamp_text(it->second->stamp) << ")";
        }
        out << "\n";
      }
      print_options(c->spec.options, out);
    }
  }
  out << "\nloaded " << loader.loaded().size() << " plugin files:\n";
  for (const LoadedPlugin& p : loader.loaded()) {
    out << "  " << p.name << " " << p.version << "  " << p.path;
    if (!p.linked_as.empty()) out << " (through the symlink " << p.linked_as << ")";
    out << "\n";
    if (verbose) out << "      built against " << stamp_text(p.stamp) << "\n";
  }
}

// The binary `compare --jobs` starts for each cell: this one, unless
// NEUROREG_EXECUTABLE names another (the test suite runs the CLI in process).
std::string neuroreg_executable() {
  if (const char* exe = std::getenv("NEUROREG_EXECUTABLE"); exe && *exe) return exe;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("neuroreg") : self.string();
}

// The process group of a data-parallel grid ([run] distributed = true, or
// started by torchrun with WORLD_SIZE > 1), or null.
std::unique_ptr<DataParallel> data_parallel_for(const Grid& grid, const Args& args,
                                                std::ostream& err) {
  const RunConfig& config = grid.cells.front().config;
  const bool wanted = config.run.get_bool("distributed");
  const char* world = std::getenv("WORLD_SIZE");  // torchrun's launch enables it
  if (!wanted && (world == nullptr || std::string(world) == "1")) {
    const char* tasks = std::getenv("SLURM_NTASKS");
    if (world == nullptr && tasks != nullptr && std::getenv("SLURM_PROCID") != nullptr &&
        std::string(tasks) != "1") {
      throw std::runtime_error(absl::StrFormat(
          "srun started %s tasks of this command, but [run] distributed is false: each would "
          "train the same cells. Set run.distributed=true to train each cell across them, or "
          "start one task",
          tasks));
    }
    return nullptr;
  }
  const DistributedEnv env = distributed_env();
  if (args.jobs > 1) {
    throw std::runtime_error(
        "--jobs runs cells side by side; a data-parallel run trains one "
        "cell across processes: drop --jobs");
  }
  if (args.executor == "slurm") {
    throw std::runtime_error(
        "--executor slurm starts one process per cell; launch a data-parallel run with srun "
        "(see 'Running on a cluster' in the README)");
  }
  if (env.launcher.empty()) {
    err << "neuroreg: warning: [run] distributed = true, but no launcher started this process "
           "(no RANK/WORLD_SIZE of torchrun, no SLURM_PROCID/SLURM_NTASKS of srun): training "
           "in this one process\n";
  }
  return std::make_unique<DataParallel>(
      env, std::chrono::seconds(config.run.get_int("distributed_timeout")));
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
      err << "usage: neuroreg show RUN|COMPARISON [--json]\n";
      return 2;
    }
    return show_command(pos[1], args.json, out, err);
  }

  Registry registry;
  PluginLoader loader(registry);
  load_plugins(loader, args, err);

  if (cmd == "plugins") {
    print_plugins(registry, loader, args.verbose, out);
    return 0;
  }
  if (cmd == "eval") {
    return eval_command({pos.begin() + 1, pos.end()}, args.eval_config, args.overrides, loader,
                        registry, out, err);
  }
  if (cmd == "export") {
    if (pos.size() != 2 || args.torchscript.empty()) {
      err << "usage: neuroreg export RUN --torchscript FILE\n";
      return 2;
    }
    return export_command(pos[1], args.torchscript, args.overrides, loader, registry, out);
  }
  NeuralArgs neural = args.neural;
  neural.threads = args.overrides.threads.value_or(0);
  const std::vector<std::string> scans(pos.begin() + std::min<size_t>(2, pos.size()), pos.end());
  if (cmd == "target" && pos.size() == 2 && pos[1] == "simulate-v1") {
    return simulate_v1_command(neural, registry, out, err);
  }
  if (cmd == "neural" && pos.size() == 2 && pos[1] == "simulate") {
    return simulate_command(neural, registry, out, err);
  }
  if (cmd == "neural" && pos.size() == 2 && pos[1] == "bench") {
    return bench_command(neural, args.bench.rounds, out);
  }
  if (cmd == "neural" && pos.size() >= 2 && pos[1] == "fit") {
    return fit_command(neural, scans, out, err);
  }
  if (cmd == "neural" && pos.size() >= 2 && pos[1] == "target") {
    return target_command(neural, scans, out, err);
  }
  const bool check = cmd == "config" && pos.size() == 3 && pos[1] == "check";
  const bool grid_command =
      (cmd == "compare" || cmd == "train" || cmd == "run-cell") && pos.size() == 2;
  if (cmd == "bench" && pos.size() == 2) {
    std::vector<std::string> warnings;
    auto config = load_run_config(pos[1], loader, registry, &warnings);
    for (const std::string& w : warnings) err << "neuroreg: warning: " << w << "\n";
    if (!config.ok()) {
      err << "neuroreg: error: " << config.status().message() << "\n";
      return 1;
    }
    if (args.data_parallel_worker) {
      run_bench_worker(*config, registry, args.bench, out);
      return 0;
    }
    run_step_bench(*config, registry, args.overrides, args.bench, out);
    std::vector<std::string> child = {"bench",    std::filesystem::absolute(pos[1]).string(),
                                      "--rounds", std::to_string(args.bench.rounds),
                                      "--steps",  std::to_string(args.bench.steps_per_round)};
    for (const std::string& dir : args.plugin_paths) {
      child.insert(child.end(), {"--plugin-path", std::filesystem::absolute(dir).string()});
    }
    run_distributed_bench(neuroreg_executable(), child, out);
    return 0;
  }
  if (!check && !grid_command) {
    err << "neuroreg: unknown command line; see 'neuroreg help'\n" << kUsage;
    return 2;
  }
  const std::string& path = pos.back();
  std::vector<std::string> warnings;
  auto grid = load_grid(path, args.assignments, loader, registry, &warnings);
  for (const std::string& w : warnings) err << "neuroreg: warning: " << w << "\n";
  if (!grid.ok()) {
    err << "neuroreg: error: " << grid.status().message() << "\n";
    return 1;
  }
  if (check) {
    std::vector<const GridCell*> all;
    for (const GridCell& cell : grid->cells) all.push_back(&cell);
    std::vector<std::string> built;
    if (absl::Status status = preflight(*grid, all, registry, &built); !status.ok()) {
      err << "neuroreg: error: " << status.message() << "\n";
      return 1;
    }
    out << path << ": ok (" << grid->cells.size() << " cells";
    if (!grid->axis_paths.empty())
      out << ": regularizers × " << absl::StrJoin(grid->axis_paths, " × ");
    out << ")\n";
    for (const GridCell& cell : grid->cells) out << "  " << cell.id << "\n";
    out << "built on two test images:\n";
    for (const std::string& line : built) out << "  " << line << "\n";
    out << "\n# effective config of " << grid->cells.front().label << "\n"
        << grid->cells.front().config.effective_toml();
    return 0;
  }
  // From here on a run trains: Ctrl-C or SIGTERM checkpoint and stop it.
  install_stop_signals();
  if (cmd == "run-cell") {
    if (args.cell.empty()) {
      err << "usage: neuroreg run-cell CONFIG --cell ID|INDEX [KEY=VALUE...]\n";
      return 2;
    }
    const GridCell* cell = nullptr;
    for (const GridCell& c : grid->cells) {
      if (c.id == args.cell || std::to_string(c.index) == args.cell) cell = &c;
    }
    if (!cell) {
      err << "neuroreg: error: " << path << " has no cell '" << args.cell << "' ("
          << grid->cells.size() << " cells, indices 0-" << grid->cells.size() - 1
          << "; 'neuroreg config check " << path << "' lists their ids)\n";
      return 1;
    }
    std::unique_ptr<DataParallel> parallel = data_parallel_for(*grid, args, err);
    std::ostream quiet(nullptr);
    Progress progress(parallel && parallel->rank() != 0 ? quiet : out, false,
                      static_cast<int>(grid->cells.size()), 1);
    DataCache cache;
    run_cell(*grid, *cell, registry, loader, args.overrides, progress, cache, parallel.get());
    return 0;
  }
  // How the user runs this grid, for hints: the config and its overrides.
  std::string compare_command = "neuroreg " + cmd + " " + path;
  for (const std::string& a : args.assignments) compare_command += " " + a;
  for (const std::string& dir : args.plugin_paths) compare_command += " --plugin-path " + dir;
  if (args.status) {
    print_comparison_status(*grid, registry, compare_command, out);
    return 0;
  }
  if (cmd == "train") {
    std::set<std::string> labels;
    for (const GridCell& c : grid->cells)
      labels.insert(c.config.regularizers.front().options.get_string("label"));
    if (labels.size() != 1) {
      err << "neuroreg: error: " << path << ": 'train' runs one [[regularizer]], this config has "
          << labels.size() << "; use 'neuroreg compare'\n";
      return 1;
    }
  }
  // Everything a cell would build is built once now, so a broken last cell
  // fails before the first one trains.
  if (absl::Status status = preflight(*grid, cells_to_run(*grid, registry), registry);
      !status.ok()) {
    err << "neuroreg: error: " << status.message() << "\n";
    return 1;
  }
  // Data-parallel: every process runs this command; rank 0 alone prints.
  std::unique_ptr<DataParallel> parallel;
  std::ostream quiet(nullptr);
  std::ostream* progress_out = &out;
  if (auto group = data_parallel_for(*grid, args, err); group) {
    parallel = std::move(group);
    if (parallel->rank() != 0) progress_out = &quiet;
  }
  ComparisonOptions options;
  options.overrides = args.overrides;
  options.jobs = args.jobs;
  options.parallel = parallel.get();
  options.interactive = progress_out == &std::cout && isatty(STDOUT_FILENO);
  options.executable = neuroreg_executable();
  // Absolute: a cell may start elsewhere (a Slurm node's working folder).
  options.child_args.push_back(std::filesystem::absolute(path).string());
  options.child_args.insert(options.child_args.end(), args.assignments.begin(),
                            args.assignments.end());
  for (const std::string& dir : args.plugin_paths) {
    options.child_args.insert(options.child_args.end(),
                              {"--plugin-path", std::filesystem::absolute(dir).string()});
  }
  if (args.executor == "slurm") {
    SlurmSettings slurm = args.slurm;
    slurm.compare_command = compare_command;
    submit_slurm_array(*grid, registry, slurm, options, out);
    return 0;
  }
  run_comparison(*grid, registry, loader, options, *progress_out);
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args;
  std::string problem = parse_args(argc, argv, args);
  if (problem.empty() && !args.positional.empty()) problem = check_flags(args);
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
  } catch (const StoppedBySignal& stopped) {
    err << "neuroreg: " << stopped.what() << "\n";
    return 128 + stopped.signal;
  } catch (const std::bad_alloc&) {
    err << "neuroreg: error: out of memory: a tensor could not be allocated (lower [train] "
           "batch_size, [eval] batch_size or the backbone's width)\n";
    return 1;
  } catch (const std::exception& e) {
    err << "neuroreg: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace neuroreg
