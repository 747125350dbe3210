// read_cifar_file (CIFAR-10 and CIFAR-100 records), its label check and
// conversion, and read_cifar_class_names, all on the same bytes.
#include "cifar_reader.h"
#include "fuzz_support.h"

namespace ds = neuroreg::datasets;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuroreg::fuzz::input_file("input.bin", data, size);
  for (int label_bytes : {1, 2}) {
    neuroreg::fuzz::expect_documented_errors([&] {
      const ds::CifarRecords records = ds::read_cifar_file(path, label_bytes);
      ds::check_cifar_labels(records, path, label_bytes - 1, 10, "label");
      (void)ds::cifar_to_float(records.images, /*grayscale=*/true).sum();
    });
  }
  return neuroreg::fuzz::expect_documented_errors(
      [&] { (void)ds::read_cifar_class_names(path, 10); });
}
