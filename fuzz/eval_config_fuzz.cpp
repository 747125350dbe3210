// load_eval_config: an evaluation config (TOML) with its [[attack]] tables
// and [attack.grid] expansions, against the built-in attack plugins.
#include "fuzz_registry.h"
#include "fuzz_support.h"
#include "robustness/eval_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const neuroreg::fuzz::Plugins plugins = neuroreg::fuzz::builtin_plugins();
  const std::string path = neuroreg::fuzz::input_file("eval.toml", data, size);
  return neuroreg::fuzz::expect_documented_errors([&] {
    const auto config = neuroreg::load_eval_config(path, *plugins.registry);
    if (!config.ok()) return neuroreg::fuzz::note_status(std::string(config.status().message()));
    (void)config->effective_toml();
  });
}
