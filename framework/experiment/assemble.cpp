#include "experiment/assemble.h"

#include <torch/torch.h>

#include "distributed/data_parallel.h"
#include "runtime/runtime.h"

namespace neuroreg {
namespace {

uint64_t run_seed(const RunConfig& config) {
  return static_cast<uint64_t>(config.run.get_int("seed"));
}

}  // namespace

Placement place_run(const RunConfig& config, const RunOverrides& overrides,
                    const DataParallel* parallel) {
  Placement placement;
  placement.device =
      select_device(overrides.device.empty() ? config.run.get_string("device") : overrides.device);
  if (placement.device.is_cuda() && parallel != nullptr && parallel->world_size() > 1) {
    const int gpus = static_cast<int>(torch::cuda::device_count());
    placement.device = torch::Device(
        torch::kCUDA, static_cast<c10::DeviceIndex>(parallel->env().local_rank % gpus));
  }
  placement.threads = configure_threads(
      overrides.threads.value_or(static_cast<int>(config.run.get_int("threads"))));
  return placement;
}

TaskData assemble_data(const RunConfig& config, const Registry& registry,
                       std::optional<uint64_t> test_subset_seed) {
  const uint64_t seed = run_seed(config);
  auto dataset = registry.make_dataset(config.dataset.name, config.dataset.options, {seed});
  return prepare_task_data(
      *dataset, config.dataset.name, config.dataset.options, seed,
      test_subset_seed.value_or(static_cast<uint64_t>(config.eval.get_int("seed"))));
}

std::shared_ptr<sdk::Backbone> assemble_backbone(const RunConfig& config,
                                                 const sdk::DatasetInfo& data,
                                                 const Registry& registry) {
  return registry.make_backbone(config.backbone.name, config.backbone.options, {data});
}

std::shared_ptr<sdk::Regularizer> assemble_regularizer(const RunConfig& config,
                                                       const ComponentConfig& regularizer,
                                                       sdk::Backbone& model,
                                                       const sdk::DatasetInfo& data,
                                                       const Registry& registry) {
  return registry.make_regularizer(regularizer.name, regularizer.options,
                                   registry.regularizer_context(model, data, run_seed(config)));
}

Assembly assemble(const RunConfig& config, const ComponentConfig& regularizer,
                  const sdk::DatasetInfo& data, const Registry& registry, torch::Device device,
                  std::ostream& log) {
  const uint64_t seed = run_seed(config);
  Assembly a;
  torch::manual_seed(seed);
  a.model = assemble_backbone(config, data, registry);
  a.model->to(device);
  a.regularizer = assemble_regularizer(config, regularizer, *a.model, data, registry);
  a.regularizer->to(device);
  a.trainer = std::make_unique<Trainer>(a.model, a.regularizer,
                                        regularizer.options.get_float("alpha"), config.train,
                                        device, seed, log,
                                        Augmentation::from_options(config.dataset.options));
  return a;
}

}  // namespace neuroreg
