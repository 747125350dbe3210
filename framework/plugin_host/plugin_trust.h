// Which plugin files the host is willing to load.
//
// Loading a library runs its code with the user's rights, so a file that
// someone else could have replaced is refused: a file or folder writable by
// every user (a folder is fine with the sticky bit, as /tmp has), or owned by
// another user than the one running the host (root excepted). A symlink is
// resolved first and the rules apply to its target.
#pragma once

#include <absl/status/statusor.h>

#include <string>

namespace neuroreg {

/// The canonical path of the plugin file at `path` when the host may load it;
/// otherwise an error naming the path, the reason and the fix.
absl::StatusOr<std::string> trusted_plugin_file(const std::string& path);

}  // namespace neuroreg
