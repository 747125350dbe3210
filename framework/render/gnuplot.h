// Runs gnuplot (Debian's gnuplot-nox) as a child process: a script in, what
// it wrote to standard output (e.g. an SVG) back. Reports draw their figures
// by writing gnuplot scripts with inline data blocks ($data << EOD ... EOD),
// so no data files are needed and the script alone reproduces the figure.
#pragma once

#include <string>

namespace neuroreg {

/// The gnuplot executable to run: `program` itself when it names a path
/// (contains '/'), otherwise the first executable of that name on PATH.
/// Empty when there is none.
std::string find_gnuplot(const std::string& program = "gnuplot");

/// Runs `executable` on `script` (written to a temporary file, removed
/// afterwards) and returns its standard output. Throws std::runtime_error
/// naming `figure`, the exit status and gnuplot's standard error when it
/// cannot start or does not exit with status 0.
std::string run_gnuplot(const std::string& executable, const std::string& script,
                        const std::string& figure);

/// `text` as a gnuplot single-quoted string: quotes doubled, line breaks
/// turned into spaces (single-quoted strings take no escapes, so nothing
/// else in a group name can change the script).
std::string gnuplot_quote(const std::string& text);

}  // namespace neuroreg
