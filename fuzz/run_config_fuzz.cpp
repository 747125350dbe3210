// load_grid: a run config (TOML) with its optional [grid], expanded and every
// cell validated against the built-in plugins' declared options.
#include "grid/grid.h"
#include "fuzz_registry.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const neuroreg::fuzz::Plugins plugins = neuroreg::fuzz::builtin_plugins();
  const std::string path = neuroreg::fuzz::input_file("run.toml", data, size);
  return neuroreg::fuzz::expect_documented_errors([&] {
    std::vector<std::string> warnings;
    const auto grid = neuroreg::load_grid(path, {}, *plugins.loader, *plugins.registry, &warnings,
                                          neuroreg::PathCheck::kSkip);
    if (!grid.ok()) return neuroreg::fuzz::note_status(std::string(grid.status().message()));
    for (const neuroreg::GridCell& cell : grid->cells) {
      (void)cell.config.effective_toml();
      (void)neuroreg::identity_toml(cell.config);
    }
  });
}
