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

void write_folder_atomically(const std::string& dir,
                             const std::function<void(const std::string& tmp_dir)>& fill) {
  namespace fs = std::filesystem;
  const fs::path final_dir(dir);
  const fs::path tmp = final_dir.string() + ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw std::runtime_error(tmp.string() + ": cannot create folder: " + ec.message());
  try {
    fill(tmp.string());
    const fs::path old = final_dir.string() + ".old." + std::to_string(::getpid());
    if (fs::exists(final_dir)) fs::rename(final_dir, old);
    fs::rename(tmp, final_dir);
    fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace neuroreg::sdk
