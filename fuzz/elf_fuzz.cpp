// The plugin discovery scan of a file: read_elf_section and the stamp it
// carries (read_plugin_stamp, check_plugin_stamp), all without loading it.
#include "fuzz_support.h"
#include "plugin_host/elf_file.h"
#include "plugin_host/plugin_stamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = neuroreg::fuzz;
  const std::string path = fuzz::input_file("plugin.so", data, size);
  return fuzz::expect_documented_errors([&] {
    const auto section = neuroreg::read_elf_section(path, ".dynsym");
    if (!section.ok()) fuzz::note_status(std::string(section.status().message()));
    neuroreg::PluginStamp stamp;
    const absl::Status read = neuroreg::read_plugin_stamp(path, stamp);
    fuzz::note_status(std::string(read.message()));
    if (read.ok())
      fuzz::note_status(std::string(neuroreg::check_plugin_stamp(path, stamp).message()));
  });
}
