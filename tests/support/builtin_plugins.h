// The built-in plugins, loaded once per test process through the real loader.
#pragma once

#include "plugin_host/registry.h"

namespace neuroreg::testing {

/// The registry filled from the build tree's plugin folder. Any load error
/// fails the calling test.
const Registry& builtin_registry();

/// A folder for one test's files, removed when the test ends.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// path()/name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace neuroreg::testing
