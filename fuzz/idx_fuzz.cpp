// read_idx_images and read_idx_labels: an IDX file (MNIST, Fashion-MNIST),
// plain or gzip-compressed.
#include "fuzz_support.h"
#include "idx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuroreg::fuzz::input_file("input-idx-ubyte", data, size);
  neuroreg::fuzz::expect_documented_errors(
      [&] { (void)neuroreg::datasets::read_idx_images(path).sum(); });
  return neuroreg::fuzz::expect_documented_errors(
      [&] { (void)neuroreg::datasets::read_idx_labels(path).sum(); });
}
