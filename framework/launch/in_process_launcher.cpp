#include "launch/in_process_launcher.h"

#include <stdexcept>

#include "runtime/stop_signals.h"

namespace neuroreg {

std::vector<std::string> InProcessLauncher::launch(const Grid& grid,
                                                   const std::vector<const GridCell*>& todo) {
  for (const GridCell* cell : todo) {
    try {
      run_cell(grid, *cell, registry_, loader_, overrides_, progress_, cache_, parallel_);
    } catch (const StoppedBySignal&) {
      throw;  // says itself which cell stopped and how to resume
    } catch (const std::exception& e) {
      // A cell that cannot even start (bad target, missing file) fails the
      // same way for every seed: stop rather than fail them one by one.
      throw std::runtime_error("grid cell '" + cell->label + "': " + e.what());
    }
  }
  return {};
}

}  // namespace neuroreg
