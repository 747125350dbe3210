#include "plugin_host/plugin_trust.h"

#include <absl/strings/str_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

std::string mode_text(mode_t mode) { return absl::StrFormat("mode %04o", mode & 07777); }

// Why the file or folder at `path` could have been written by someone else,
// or "" when it could not.
std::string untrusted_because(const std::string& path, const struct stat& st, bool folder) {
  const uid_t me = ::geteuid();
  if (st.st_uid != me && st.st_uid != 0) {
    return absl::StrFormat(
        "%s %s is owned by user %d, not by the user running neuroreg (%d) "
        "or root",
        folder ? "its folder" : "the file", path, st.st_uid, me);
  }
  const bool world_writable = (st.st_mode & S_IWOTH) != 0;
  if (world_writable && !(folder && (st.st_mode & S_ISVTX))) {
    return absl::StrFormat("%s %s is writable by every user (%s%s); run chmod o-w %s",
                           folder ? "its folder" : "the file", path, mode_text(st.st_mode),
                           folder ? ", no sticky bit" : "", path);
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> trusted_plugin_file(const std::string& path) {
  std::error_code ec;
  const fs::path resolved = fs::canonical(path, ec);
  if (ec) return absl::NotFoundError(path + ": no such plugin file");
  const std::string file = resolved.string();
  const std::string shown = file == path ? path : path + " (-> " + file + ")";
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return absl::NotFoundError(shown + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return absl::NotFoundError(shown + ": not a regular file");
  std::string why = untrusted_because(file, st, false);
  const std::string folder = resolved.parent_path().string();
  struct stat folder_st {};
  if (why.empty() && ::stat(folder.c_str(), &folder_st) == 0) {
    why = untrusted_because(folder, folder_st, true);
  }
  if (!why.empty()) {
    return absl::PermissionDeniedError(shown + ": refused: " + why +
                                       " (someone else could replace the code neuroreg runs)");
  }
  return file;
}

}  // namespace neuroreg
