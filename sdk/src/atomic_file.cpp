#include "neuroreg/sdk/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace neuroreg::sdk {
namespace fs = std::filesystem;

void write_atomically_with(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw std::runtime_error(path + ": cannot create folder: " + ec.message());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    write(tmp);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error(path + ": cannot move the finished file into place: " + ec.message());
  }
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_atomically_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw std::runtime_error(path + ": write failed (disk full or no permission?)");
  });
}

}  // namespace neuroreg::sdk
