// The command table: every flag and every command of `neuroreg`, declared
// once. The help text, the unknown-flag errors and the dispatch (cli.cpp)
// are generated from it; command_table.cpp holds the entries.
//
// A command is a name, its usage lines, the flags it takes and a handler:
//
//   Command("show", show_command)
//       .describe("show RUN|COMPARISON [--json]", "print a run record ...")
//       .takes({"--json"})
//       .without_plugins()
//
// A flag is declared once (Option) with its help and what its value must be;
// the parser checks every value before any command runs, and a handler reads
// the values it needs from Flags by the flag's name.
#pragma once

#include <absl/status/status.h>

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace neuroreg {

class PluginLoader;
class Registry;

/// The flags of one command line, as given: each flag's values in order.
class Flags {
 public:
  /// Records one occurrence of `flag` ("" for a switch).
  void add(const std::string& flag, const std::string& value);
  /// Whether `flag` was given.
  bool has(const std::string& flag) const;
  /// The last value of `flag`, or `fallback` when it was not given.
  std::string text(const std::string& flag, const std::string& fallback = "") const;
  /// The last value of `flag` as a number (the parser checked it is one).
  int number(const std::string& flag, int fallback) const;
  /// Every value of a repeatable flag, in order.
  std::vector<std::string> every(const std::string& flag) const;
  /// The flags given, in order (a repeated one as often as given).
  const std::vector<std::string>& given() const { return given_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> given_;
};

/// Checks a flag's value (null: none followed the flag); returns what is
/// wrong, or "".
using ValueRule = std::function<std::string(const std::string& flag, const std::string* value)>;

/// Any word; a missing one is "FLAG needs `needs`".
ValueRule word(const std::string& needs);
/// Any word but "".
ValueRule nonempty_word();
/// One of `choices` ("FLAG needs a or b" otherwise).
ValueRule one_of(const std::vector<std::string>& choices);
/// A whole number >= `least`, the whole word (std::stoi).
ValueRule whole_number(int least);
/// --threads: a whole number in 0..the cores of this machine.
ValueRule thread_count();
/// sbatch's counts: a whole number >= 1 as absl reads it (blanks around it
/// allowed); a missing one is reported as ''.
ValueRule sbatch_count();
/// One sbatch option, starting with '-'.
ValueRule sbatch_option();
/// A flag that no longer exists: always `message`.
ValueRule removed(const std::string& message);

/// One entry of the options: a flag, or a form of argument the help lists
/// among them (KEY=VALUE).
struct Option {
  std::string name;         ///< "--threads"
  std::string placeholder;  ///< "N" in "--threads N"; "" for a flag that takes no value
  /// For 'neuroreg help'. Options next to each other with the same help are
  /// listed on one line; "" is not listed (the commands' usage shows it).
  std::string help;
  ValueRule rule;             ///< null: any value (or none) is fine
  bool inline_value = false;  ///< also given as --flag=VALUE
};

/// Every option, in the order 'neuroreg help' lists them.
const std::vector<Option>& option_table();

/// The lines 'neuroreg help' prints under "environment:": name and help.
const std::vector<std::pair<std::string, std::string>>& environment_table();

struct Command;

/// What a command's handler gets from its command line.
struct Invocation {
  const Command& command;
  std::vector<std::string> operands;     ///< the words after the command's name
  std::vector<std::string> assignments;  ///< KEY=VALUE overrides of the config
  const Flags& flags;
  /// The plugins, loaded for commands that load them (null for the others).
  PluginLoader* loader = nullptr;
  Registry* registry = nullptr;
};

/// Runs a command; returns the exit code (0 ok, 1 failure, 2 usage error).
using Handler = int (*)(const Invocation& call, std::ostream& out, std::ostream& err);

/// One way to write a command, for the help: the synopsis after "neuroreg "
/// ('\n' continues it on the next line, under its first argument) and what
/// it does, in lines.
struct Usage {
  std::string synopsis;
  std::string description;
};

/// One command of the table. The setters chain, to write an entry as one
/// expression.
struct Command {
  static constexpr size_t kAny = static_cast<size_t>(-1);

  std::string name;  ///< one or two words: "compare", "neural fit"
  Handler run;
  std::vector<Usage> usages;       ///< the first is the one printed on a usage error
  std::vector<std::string> flags;  ///< the flags it takes; any other is an error
  size_t least_operands = 0, most_operands = kAny;
  bool loads_plugins = true;
  bool takes_assignments = false;
  /// For a flag it does not take: what to write instead ("; write ...").
  std::map<std::string, std::string> hints;
  /// Flags that only mean something together: returns the problem, or "".
  std::string (*check)(const Flags&) = nullptr;

  Command(std::string command_name, Handler handler);
  Command& describe(const std::string& synopsis, const std::string& description);
  Command& takes(const std::vector<std::string>& more_flags);
  Command& operands(size_t least, size_t most);
  Command& operands(size_t exactly) { return operands(exactly, exactly); }
  Command& without_plugins();
  Command& with_assignments();
  Command& hint(const std::string& flag, const std::string& text);
  Command& checks(std::string (*flag_check)(const Flags&));
};

/// Every command, in the order 'neuroreg help' lists them.
const std::vector<Command>& command_table();

/// `neuroreg help`: the usage text.
int help_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// The usage text: every command and option of the tables.
std::string usage_text();

/// Prints "usage: neuroreg <the command's first synopsis line>"; returns 2.
int usage_error(const Invocation& call, std::ostream& err);

/// Prints each warning as "neuroreg: warning: ...".
void print_warnings(const std::vector<std::string>& warnings, std::ostream& err);

/// Prints "neuroreg: error: <message>"; returns 1.
int report_error(const absl::Status& status, std::ostream& err);

}  // namespace neuroreg
