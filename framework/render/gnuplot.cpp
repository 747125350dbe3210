#include "render/gnuplot.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "runtime/subprocess.h"

namespace neuroreg {

std::string find_gnuplot(const std::string& program) { return find_program(program); }

std::string run_gnuplot(const std::string& executable, const std::string& script,
                        const std::string& figure) {
  // The script goes through a file beside the output, not a pipe, so gnuplot
  // reads it whole whatever its size.
  namespace fs = std::filesystem;
  std::string path = (fs::temp_directory_path() / "neuroreg-figure-XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("figure " + figure + ": cannot create its script file");
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } remove{path};
  {
    std::ofstream out(path, std::ios::binary);
    out << script;
    if (!out.flush()) throw std::runtime_error("figure " + figure + ": cannot write its script");
  }
  ProgramOutput result;
  try {
    result = run_program({executable, path});
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("figure " + figure + ": " + e.what());
  }
  if (!result.ok()) {
    throw std::runtime_error("figure " + figure + ": gnuplot failed (" + result.how_it_ended() +
                             "): " + result.err);
  }
  return result.out;
}

std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace neuroreg
