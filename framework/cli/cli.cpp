#include "cli/cli.h"

#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>

#include <algorithm>
#include <exception>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "grid/grid.h"
#include "plugin_host/plugin_loader.h"
#include "runtime/stop_signals.h"

namespace neuroreg {
namespace {

// Where the help's descriptions start.
constexpr size_t kHelpColumn = 24;

// One entry of the help: `term` indented by two, then `text`'s lines from
// kHelpColumn on (the first beside the term when the term leaves room).
std::string help_entry(const std::string& term, const std::string& text) {
  const std::string indent(kHelpColumn, ' ');
  std::string entry = "  " + term;
  if (entry.size() < kHelpColumn) {
    entry.resize(kHelpColumn, ' ');
  } else {
    entry += "\n" + indent;
  }
  return entry + absl::StrReplaceAll(text, {{"\n", "\n" + indent}}) + "\n";
}

// The commands' part of the help; a synopsis goes on under its first argument.
std::string commands_help() {
  std::string text;
  for (const Command& command : command_table()) {
    const std::string under_first_argument(2 + command.name.size() + 1, ' ');
    for (const Usage& usage : command.usages) {
      const std::string synopsis =
          absl::StrReplaceAll(usage.synopsis, {{"\n", "\n" + under_first_argument}});
      text += help_entry(synopsis, usage.description);
    }
  }
  return text;
}

// The options' part: options next to each other with the same help share a line.
std::string options_help() {
  const std::vector<Option>& options = option_table();
  std::string text;
  for (size_t first = 0, end = 0; first < options.size(); first = end) {
    std::vector<std::string> terms;
    for (end = first; end < options.size() && options[end].help == options[first].help; ++end) {
      const Option& o = options[end];
      terms.push_back(o.placeholder.empty() ? o.name : o.name + " " + o.placeholder);
    }
    if (!options[first].help.empty())
      text += help_entry(absl::StrJoin(terms, ", "), options[first].help);
  }
  return text;
}

// A command line, parsed.
struct CommandLine {
  std::vector<std::string> positional;   ///< the command's name and its operands
  std::vector<std::string> assignments;  ///< KEY=VALUE after the first word
  Flags flags;
};

// The option `arg` names, or null; "--sbatch-arg=X" also puts X into `value`.
const Option* find_option(const std::string& arg, std::optional<std::string>& value) {
  for (const Option& option : option_table()) {
    if (arg == option.name) return &option;
    if (option.inline_value && arg.rfind(option.name + "=", 0) == 0) {
      value = arg.substr(option.name.size() + 1);
      return &option;
    }
  }
  return nullptr;
}

// Reads the flag argv[i] and its value (moving i past it); returns what is
// wrong with them, or "".
std::string read_flag(int argc, char** argv, int& i, Flags& flags) {
  const std::string arg = argv[i];
  std::optional<std::string> value;
  const Option* option = find_option(arg, value);
  if (!option) return "unknown option '" + arg + "'";
  if (!option->placeholder.empty() && !value && i + 1 < argc) value = argv[++i];
  if (option->rule) {
    const std::string problem = option->rule(option->name, value ? &*value : nullptr);
    if (!problem.empty()) return problem;
  }
  flags.add(option->name, value.value_or(""));
  return "";
}

// Returns an error message, or "" when the arguments parsed.
std::string parse_args(int argc, char** argv, CommandLine& line) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      line.positional.insert(line.positional.begin(), "help");
    } else if (arg.rfind("--", 0) == 0) {
      const std::string problem = read_flag(argc, argv, i, line.flags);
      if (!problem.empty()) return problem;
    } else if (!line.positional.empty() && is_override(arg)) {
      line.assignments.push_back(arg);
    } else {
      line.positional.push_back(arg);
    }
  }
  return "";
}

size_t word_count(const std::string& name) { return std::count(name.begin(), name.end(), ' ') + 1; }

// The command whose name the words start with (whatever follows), or null.
const Command* named_command(const std::vector<std::string>& words) {
  for (const Command& command : command_table()) {
    const size_t n = word_count(command.name);
    if (words.size() >= n && absl::StrJoin(words.begin(), words.begin() + n, " ") == command.name) {
      return &command;
    }
  }
  return nullptr;
}

// The command the words name with as many operands as it takes, or null.
const Command* matching_command(const std::vector<std::string>& words) {
  const Command* command = named_command(words);
  if (!command) return nullptr;
  const size_t operands = words.size() - word_count(command->name);
  const bool fits = operands >= command->least_operands && operands <= command->most_operands;
  return fits ? command : nullptr;
}

// The error for a flag the command does not take: the flags it takes, and
// what to write instead where that is known.
std::string not_taken(const Command& command, const std::string& flag) {
  const std::set<std::string> taken(command.flags.begin(), command.flags.end());
  auto hint = command.hints.find(flag);
  return "'" + command.name + "' does not take " + flag +
         " (it takes: " + (taken.empty() ? "no options" : absl::StrJoin(taken, ", ")) + ")" +
         (hint == command.hints.end() ? "" : hint->second);
}

// "" when the command takes every flag and override given, else the message.
// Any other flag is an error, so that nobody believes a flag took effect when
// it did not.
std::string flags_problem(const CommandLine& line) {
  const Command* command = named_command(line.positional);
  if (!command) return "";  // the usage error comes later
  for (const std::string& flag : line.flags.given()) {
    if (std::count(command->flags.begin(), command->flags.end(), flag) == 0) {
      return not_taken(*command, flag);
    }
  }
  if (command->check) {
    const std::string problem = command->check(line.flags);
    if (!problem.empty()) return problem;
  }
  if (!line.assignments.empty() && !command->takes_assignments) {
    return "'" + command->name + "' takes no KEY=VALUE overrides, got '" +
           line.assignments.front() + "'";
  }
  return "";
}

// Loads the default plugin folders and those named on the command line.
// Load errors are warnings: the host goes on with the plugins that loaded.
void load_plugins(PluginLoader& loader, const Flags& flags, std::ostream& err) {
  std::vector<std::string> warnings;
  std::vector<std::string> dirs = default_plugin_dirs(warnings);
  print_warnings(warnings, err);
  for (const std::string& dir : flags.every("--plugin-path")) dirs.push_back(dir);
  for (const std::string& dir : dirs) {
    for (const absl::Status& error : loader.load_directory(dir)) {
      err << "neuroreg: warning: " << error.message() << "\n";
    }
  }
}

int dispatch(const CommandLine& line, std::ostream& out, std::ostream& err) {
  const Command* command = matching_command(line.positional);
  Registry registry;
  PluginLoader loader(registry);
  // A command line that is no command loads them too: the warnings about
  // plugin folders come before the usage error.
  const bool loads_plugins = !command || command->loads_plugins;
  if (loads_plugins) load_plugins(loader, line.flags, err);
  if (!command) {
    err << "neuroreg: unknown command line; see 'neuroreg help'\n" << usage_text();
    return 2;
  }
  const Invocation call{
      *command,
      {line.positional.begin() + word_count(command->name), line.positional.end()},
      line.assignments,
      line.flags,
      loads_plugins ? &loader : nullptr,
      loads_plugins ? &registry : nullptr};
  return command->run(call, out, err);
}

}  // namespace

std::string usage_text() {
  std::string text = "usage: neuroreg <command> [options]\n\ncommands:\n" + commands_help();
  text += "\noptions:\n" + options_help() + "\nenvironment:\n";
  for (const auto& [name, help] : environment_table()) text += help_entry(name, help);
  return text;
}

int help_command(const Invocation&, std::ostream& out, std::ostream&) {
  out << usage_text();
  return 0;
}

int usage_error(const Invocation& call, std::ostream& err) {
  const std::string& synopsis = call.command.usages.front().synopsis;
  err << "usage: neuroreg " << synopsis.substr(0, synopsis.find('\n')) << "\n";
  return 2;
}

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CommandLine line;
  std::string problem = parse_args(argc, argv, line);
  if (problem.empty() && !line.positional.empty()) problem = flags_problem(line);
  if (!problem.empty()) {
    err << "neuroreg: " << problem << "\n";
    return 2;
  }
  if (line.positional.empty()) {
    err << usage_text();
    return 2;
  }
  try {
    return dispatch(line, out, err);
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
