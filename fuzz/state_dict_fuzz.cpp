// read_state_dict: a torch.save state dict, in the zip container or the
// legacy stream of pickles and raw storages (torchvision's VGG weights).
#include "fuzz_support.h"
#include "state_dict_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuroreg::fuzz::input_file("input.pth", data, size);
  return neuroreg::fuzz::expect_documented_errors([&] {
    for (const auto& [name, tensor] : neuroreg::vgg::read_state_dict(path)) {
      (void)name;
      (void)tensor.sum();
    }
  });
}
