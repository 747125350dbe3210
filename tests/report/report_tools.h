// What the report tests need from outside: running a command for its output,
// the external programs (gnuplot, chromium, python3), which must be
// installed — a missing one fails the test with what to do, never skips it —
// and reading back what headless Chromium shows.
#pragma once

#include <gtest/gtest.h>
#include <png.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "render/gnuplot.h"

namespace neuroreg::testing {

struct CommandResult {
  int status = -1;  ///< the shell's exit status
  std::string out;
};

/// Runs `command` through the shell; returns its exit status and stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (std::size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, got);
  }
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// The program's path, or "" after failing the test with the fix.
inline std::string require_program(const std::string& program, const std::string& package) {
  const std::string path = find_gnuplot(program);  // a plain PATH lookup
  if (path.empty()) {
    ADD_FAILURE() << program << " is not installed (Debian package " << package
                  << "): run tools/setup, which installs it";
  }
  return path;
}

/// A file's bytes as a string.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// How often `what` occurs in `text`, overlaps included.
inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

/// Headless Chromium, to be followed by its action and a URL. A profile of
/// its own in `profile_dir`: parallel runs never share a lock; root needs
/// --no-sandbox.
inline std::string chromium_command(const std::string& chromium, const std::string& profile_dir) {
  return "timeout 120 " + chromium + " --headless --no-sandbox --disable-gpu --hide-scrollbars " +
         "--no-first-run --user-data-dir=" + profile_dir + " ";
}

/// Pixels darker than near-white in any channel, of all pixels of a PNG
/// (e.g. a screenshot); its size goes to `width` and `height`.
inline double inked_fraction(const std::string& png_path, int* width, int* height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, png_path.c_str())) {
    ADD_FAILURE() << png_path << ": " << image.message;
    return 0;
  }
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << png_path << ": " << image.message;
    return 0;
  }
  *width = static_cast<int>(image.width);
  *height = static_cast<int>(image.height);
  std::size_t inked = 0;
  for (std::size_t i = 0; i + 2 < pixels.size(); i += 3) {
    inked += pixels[i] < 230 || pixels[i + 1] < 230 || pixels[i + 2] < 230;
  }
  return static_cast<double>(inked) / (pixels.size() / 3);
}

}  // namespace neuroreg::testing
