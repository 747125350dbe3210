#include <exception>
#include <iostream>

#include "cli/cli.h"
#include "runtime/allocator.h"

int main(int argc, char** argv) {
  // Before any work: the allocator's settings apply to what is allocated later.
  try {
    neuroreg::configure_allocator();
  } catch (const std::exception& e) {
    std::cerr << "neuroreg: error: " << e.what() << "\n";
    return 2;
  }
  return neuroreg::run_cli(argc, argv, std::cout, std::cerr);
}
