// Trying plugin files in a child process before the host loads them.
//
// A damaged library can crash the dynamic linker or its own static
// constructors; in the host that would take down every command that loads
// plugins. The probe forks and loads the file in the child (dlopen, entry
// point, registration into a throwaway registry, and dlclose, which runs the
// destructors the host would run at exit) just before the host loads it: the child is a copy of the
// host at that moment, with the same address space layout and the same libraries loaded, so what
// the file does in the child is what it would do in the host.
#pragma once

#include <string>

namespace neuroreg {

/// "" when loading `file` neither crashed nor hung the child; otherwise why
/// ("crashed while loading (Segmentation fault, signal 11)"). A file that
/// fails to load with an error the host reports itself counts as loading.
std::string probe_plugin_file(const std::string& file);

}  // namespace neuroreg
