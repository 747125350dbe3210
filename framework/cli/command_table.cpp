// Every flag and every command of `neuroreg`, in the order 'neuroreg help'
// lists them. Each flag is declared once here; a command names the flags it
// takes.
#include "cli/command.h"
#include "cli/eval_commands.h"
#include "cli/grid_commands.h"
#include "cli/neural_commands.h"
#include "cli/plugin_commands.h"
#include "cli/show_command.h"

namespace neuroreg {
namespace {

// The flags of the commands that run or read a model.
const std::vector<std::string> kRunFlags = {"--plugin-path", "--threads", "--device"};
// The neural commands run on the CPU: no --device.
const std::vector<std::string> kNeuralFlags = {"--plugin-path", "--threads"};
// How compare and train run the cells: here, side by side, or on Slurm.
const std::vector<std::string> kLaunchFlags = {
    "--jobs",          "--executor",     "--partition",  "--time",    "--cpus-per-task",
    "--gpus-per-task", "--max-parallel", "--sbatch-arg", "--dry-run", "--status"};
// The simulators' population and stimuli.
const std::vector<std::string> kSimulatorFlags = {
    "--out", "--dataset", "--stimuli", "--neurons", "--seed", "--physiology", "--stimuli-source"};

constexpr const char* kRoundsHelp = "bench: interleaved rounds (default 5) of N steps (default 5)";
constexpr const char* kSbatchHelp =
    "--executor slurm: sbatch's options of the same names, per array\n"
    "task; C is also the cell's CPU threads (default: Slurm's 1 CPU)";

// The options of the commands on a grid config, and those all commands share.
std::vector<Option> grid_options() {
  return {
      {"--plugin-path", "DIR",
       "also load plugins from DIR (repeatable; NEUROREG_PLUGIN_PATH works too)", word("a folder")},
      {"--threads", "N", "CPU threads (overrides [run] threads; 0 = all cores)", thread_count()},
      {"--device", "D", "auto, cpu or cuda (overrides [run] device)", word("auto, cpu or cuda")},
      {"--rounds", "N", kRoundsHelp, whole_number(1)},
      {"--steps", "N", kRoundsHelp, whole_number(1)},
      {"--data-parallel-worker", "",
       "bench: one process of the data-parallel row (bench starts these)", nullptr},
      {"--jobs", "N",
       "compare/train: run N cells at once, each in its own process with\n"
       "1/N of the cores (default 1)",
       whole_number(1)},
      {"--cell", "ID|INDEX", "run-cell: the cell, by id (as in cells.tsv) or 0-based index",
       word("a cell id or index")},
      {"--executor", "E", "compare/train: local (default: this machine) or slurm (a job array)",
       one_of({"local", "slurm"})},
      {"--partition", "P", kSbatchHelp, nonempty_word()},
      {"--time", "T", kSbatchHelp, nonempty_word()},
      {"--cpus-per-task", "C", kSbatchHelp, sbatch_count()},
      {"--gpus-per-task", "G", kSbatchHelp, sbatch_count()},
      {"--max-parallel", "K", "--executor slurm: at most K array tasks at once (%K)",
       sbatch_count()},
      {"--sbatch-arg", "ARG",
       "--executor slurm: another sbatch option, e.g. --sbatch-arg=--mem=8G\n"
       "(repeatable; written as an #SBATCH line of the script)",
       sbatch_option(), /*inline_value=*/true},
      {"--dry-run", "", "--executor slurm: print the script; write and submit nothing", nullptr},
      {"--status", "", "compare/train: where each cell stands; runs nothing", nullptr},
      {"--json", "", "show: print JSON", nullptr},
      {"--verbose", "", "plugins: name each component's file and build stamp", nullptr},
      // Not a flag: the overrides, listed among the options.
      {"KEY=VALUE[,VALUE...]", "",
       "compare/train/run-cell/config check: set a config key by its path\n"
       "(train.epochs=3, seed=0,1,2, 'regularizer[pixel].alpha=2,8'); a\n"
       "comma list makes a grid axis",
       nullptr},
  };
}

// The simulators' options.
std::vector<Option> simulator_options() {
  return {
      {"--physiology", "P",
       "simulate-v1, neural simulate: mouse (default: tuning and receptive\n"
       "fields from mouse V1 through the paper's screen) or legacy (the\n"
       "earlier simulator, a sensitivity arm)",
       word("mouse or legacy")},
      {"--stimuli-source", "S",
       "simulate-v1, neural simulate: dead_leaves (default: generated\n"
       "natural-like scenes, another domain than the task) or dataset",
       word("dead_leaves or dataset")},
      {"--dataset", "NAME",
       "--stimuli-source dataset: the stimuli's dataset (default fashion_mnist)",
       word("a dataset plugin name")},
      {"--stimuli", "N",
       "simulate-v1: stimuli (default 5000); neural simulate: images shown\n"
       "once (default 5000, plus 100 oracle)",
       whole_number(1)},
      {"--neurons", "N",
       "simulate-v1: model neurons (default 8000: the paper's target pools 8\n"
       "scans; 1000 with --physiology legacy); neural simulate: per scan\n"
       "(default 2000: 4 scans pool 8000; 1000 with --physiology legacy)",
       whole_number(1)},
      {"--scans", "N", "neural simulate: scans per animal (default 2, from 2 animals)",
       whole_number(1)},
      {"--seed", "N", "simulate-v1, neural simulate, neural fit: seed (default 0)",
       whole_number(0)},
  };
}

// The options of neural fit and neural target, eval and export, and those
// the help does not list.
std::vector<Option> model_options() {
  return {
      {"--core", "NAME", "neural fit: paper_cnn (default), rotation_equivariant or regular_cnn",
       word("a core name")},
      {"--features", "N",
       "neural fit: features per rotation (rotation_equivariant; regular_cnn\n"
       "gets 8 × N channels); default 16",
       whole_number(1)},
      {"--epochs", "N", "neural fit: most epochs (default 40; early stopping ends most sooner)",
       whole_number(1)},
      {"--models", "DIR", "neural target: the folder 'neural fit --out' wrote", word("a folder")},
      {"--normalise", "N",
       "neural target: std (default: each neuron's responses divided by its\n"
       "standard deviation, as the models are fitted) or none (as recorded)",
       one_of({"std", "none"})},
      {"--truth", "DIR",
       "neural target: the noise-free truth as DIR/<scan name>/responses.npy\n"
       "(default: each scan's truth/responses.npy, as simulated scans have)",
       word("a folder")},
      {"--config", "FILE",
       "eval: the evaluation config (configs/reduced/fig5_adversarial.toml, ...)",
       word("an evaluation config file")},
      {"--torchscript", "FILE", "export: where to write the TorchScript model",
       word("a file to write")},
      // In the usage of the commands that take it.
      {"--out", "DIR", "", word("a folder")},
      {"--resume", "", "",
       removed("--resume is gone: compare and train always resume interrupted cells and skip "
               "finished ones")},
  };
}

// compare and train: a grid config, run here or on Slurm.
Command launch_command(const std::string& name, Handler run) {
  return Command(name, run)
      .takes(kRunFlags)
      .takes(kLaunchFlags)
      .operands(1)
      .with_assignments()
      .hint("--seed", "; to set or vary the seed write run.seed=7 or run.seed=0,1,2")
      .hint("--epochs", "; write train.epochs=3")
      .checks(launch_flag_problem);
}

// The commands on a grid config (grid_commands.h).
std::vector<Command> grid_command_entries() {
  return {
      launch_command("compare", compare_command)
          .describe("compare CONFIG [KEY=VALUE[,VALUE...]]...",
                    "run every cell of CONFIG's grid that is not finished: each\n"
                    "[[regularizer]] × each [grid] value × each seed; resumes interrupted\n"
                    "cells, skips finished ones; prints mean ± SEM per group and each\n"
                    "group's difference to the [compare] baseline (paired by seed), and\n"
                    "writes summary.csv, groups.csv, differences.csv, report.md and\n"
                    "report.html")
          .describe("compare CONFIG --executor slurm [--partition P] [--time T] "
                    "[--cpus-per-task C]\n"
                    "[--gpus-per-task G] [--max-parallel K] [--sbatch-arg ARG]... [--dry-run]",
                    "submit the cells that are not finished as one Slurm job array\n"
                    "(one task per cell); run 'compare CONFIG' once it has ended to\n"
                    "aggregate")
          .describe("compare CONFIG --status",
                    "each cell: done, running, pending, failed, interrupted or missing\n"
                    "(from the cells' folders, and squeue after a Slurm submission)"),
      launch_command("train", train_command)
          .describe("train CONFIG [KEY=VALUE...]",
                    "the same, for a config with one [[regularizer]]"),
      Command("run-cell", run_cell_command)
          .describe("run-cell CONFIG --cell ID|INDEX [KEY=VALUE...]",
                    "run one cell of the grid (what compare --jobs and cluster jobs start)")
          .takes(kRunFlags)
          .takes({"--cell"})
          .operands(1)
          .with_assignments(),
      Command("bench", bench_command)
          .describe("bench CONFIG",
                    "time one training step per [[regularizer]] against plain training,\n"
                    "then plain training data-parallel in 1 and 2 processes (one thread\n"
                    "each) with the share spent communicating")
          .takes(kRunFlags)
          .takes({"--rounds", "--steps", "--data-parallel-worker"})
          .operands(1),
      Command("config check", config_check_command)
          .describe("config check CONFIG [KEY=VALUE...]",
                    "validate every cell of CONFIG's grid against every component's\n"
                    "declared keys; print the cells and the first cell's effective config")
          .takes({"--plugin-path"})
          .operands(1)
          .with_assignments(),
  };
}

// The commands that list what the host and its plugins read, and what runs
// and comparisons hold.
std::vector<Command> listing_command_entries() {
  return {
      Command("config explain", config_explain_command)
          .describe("config explain", "list the keys the host reads in each section, with defaults")
          .operands(0)
          .without_plugins(),
      Command("plugins", plugins_command)
          .describe("plugins [--verbose]",
                    "list registered components, their descriptions and config keys;\n"
                    "--verbose: also each one's plugin file, plugin version and the\n"
                    "SDK, LibTorch and C++ library it was built against")
          .takes({"--plugin-path", "--verbose"}),
      Command("show", show_command)
          .describe("show RUN|COMPARISON [--json]",
                    "print a run record (a run folder or its record.pb), or a comparison\n"
                    "folder's table of groups (mean ± SEM over seeds) from its records;\n"
                    "--json: the records as JSON (protobuf's mapping), for other tools")
          .takes({"--json"})
          .without_plugins(),
  };
}

// The commands on trained models (eval_commands.h).
std::vector<Command> model_command_entries() {
  return {
      Command("eval", eval_command)
          .describe("eval RUN... --config EVAL.toml",
                    "robustness of trained models: Gaussian noise, common corruptions and\n"
                    "minimal adversarial perturbations per norm (median and mean over the\n"
                    "same test samples); RUN is a run folder, its model.pt or checkpoint.pt,\n"
                    "or a comparison folder (every run in it). Writes\n"
                    "RUN/robustness-<EVAL>.pb and .txt, prints the models side by side")
          .takes(kRunFlags)
          .takes({"--config"}),
      Command("export", export_command)
          .describe("export RUN --torchscript FILE",
                    "the trained model as TorchScript (input N×C×H×W in [0,1],\n"
                    "normalisation inside), for Foolbox, AutoAttack or any PyTorch tool")
          .takes(kRunFlags)
          .takes({"--torchscript"}),
  };
}

// The neural pipeline (neural_commands.h).
std::vector<Command> neural_command_entries() {
  return {
      Command("neural simulate", neural_simulate_command)
          .describe("neural simulate --out DIR",
                    "write simulated recordings in the Sensorium layout: scans of model\n"
                    "V1 neurons (animals × scans), with the noise-free truth beside them")
          .takes(kNeuralFlags)
          .takes(kSimulatorFlags)
          .takes({"--scans"})
          .operands(0),
      Command("neural fit", neural_fit_command)
          .describe("neural fit --out DIR SCAN...",
                    "fit a predictive model (--core) to each scan: DIR/<scan>/model.pt\n"
                    "and per-neuron metrics DIR/<scan>/neurons.tsv")
          .takes(kNeuralFlags)
          .takes({"--out", "--core", "--features", "--epochs", "--seed"}),
      Command("neural target", neural_target_command)
          .describe("neural target --out DIR [--models DIR] SCAN...",
                    "the targets from scan folders: DIR/data (neural_data, Eq. 2), with\n"
                    "fitted models DIR/model (neural_model, Eq. 6), DIR/pixels (the\n"
                    "stimuli's own pixel similarity over the same rows, a control) and\n"
                    "DIR/report (table, clustered similarity matrices, Fig. 1D scatter)")
          .takes(kNeuralFlags)
          .takes({"--out", "--models", "--normalise", "--truth"}),
      Command("neural bench", neural_bench_command)
          .describe("neural bench",
                    "time a fitting step per core, and building a target against one GEMM\n"
                    "of its size (--stimuli 5000 --scans 8 --neurons 8000 by default)")
          .takes(kNeuralFlags)
          .takes({"--rounds", "--features", "--stimuli", "--neurons", "--scans"})
          .operands(0),
      Command("target simulate-v1", target_simulate_v1_command)
          .describe("target simulate-v1 --out DIR",
                    "write similarity targets of a simulated V1 population: DIR/model\n"
                    "(noise-free) and DIR/data (single trials), for neural_model,\n"
                    "neural_data, shuffle and matrix runs without recordings; refuses\n"
                    "when two independent populations' targets agree at r < 0.85")
          .takes(kNeuralFlags)
          .takes(kSimulatorFlags)
          .operands(0),
  };
}

template <typename T>
void append(std::vector<T>& to, std::vector<T> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

const std::vector<Option>& option_table() {
  static const std::vector<Option> options = [] {
    std::vector<Option> all = grid_options();
    append(all, simulator_options());
    append(all, model_options());
    return all;
  }();
  return options;
}

const std::vector<std::pair<std::string, std::string>>& environment_table() {
  static const std::vector<std::pair<std::string, std::string>> variables = {
      {"NEUROREG_PLUGIN_PATH", "plugin folders, ':'-separated, searched like --plugin-path"},
      {"NEUROREG_ALLOCATOR",
       "tuned (default): malloc keeps freed memory for the next step;\n"
       "system: malloc at the C library's settings (GLIBC_TUNABLES apply)"},
  };
  return variables;
}

const std::vector<Command>& command_table() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> all = grid_command_entries();
    append(all, listing_command_entries());
    append(all, model_command_entries());
    append(all, neural_command_entries());
    all.push_back(Command("help", help_command).describe("help", "this text").without_plugins());
    return all;
  }();
  return commands;
}

}  // namespace neuroreg
