#include "robustness/robustness_eval.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/attack_math.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

#include "robustness/adversarial_check.h"
#include "robustness/corruptions.h"
#include "robustness/epsilon_search.h"
#include "robustness/model_view.h"
#include "robustness/noise_eval.h"
#include "robustness/robustness_report.h"

namespace neuroreg {
namespace {

using sdk::Norm;

constexpr Norm kNorms[] = {Norm::kL0, Norm::kL1, Norm::kL2, Norm::kLinf};

// The first ε of the search and the largest worth trying, per norm, for
// images of `dim` values in [0,1].
EpsilonSearchSettings search_settings(Norm norm, int64_t dim, const sdk::Options& attack) {
  EpsilonSearchSettings s;
  const double d = static_cast<double>(dim);
  switch (norm) {
    case Norm::kLinf:
      s.start = 0.01, s.limit = 1.0;
      break;
    case Norm::kL2:
      s.start = 0.5, s.limit = std::sqrt(d);
      break;
    case Norm::kL1:
    case Norm::kL0:
      s.start = 5.0, s.limit = d;
      break;
  }
  if (attack.get_float("epsilon_start") > 0) s.start = attack.get_float("epsilon_start");
  s.steps = static_cast<int>(attack.get_int("search_steps"));
  return s;
}

record::AttackChecks to_record(const CheckCounts& c) {
  record::AttackChecks r;
  r.set_returned(c.returned);
  r.set_adversarial(c.adversarial);
  r.set_unchanged(c.unchanged);
  r.set_not_adversarial(c.not_adversarial);
  r.set_non_finite(c.non_finite);
  r.set_clipped(c.clipped);
  r.set_over_budget(c.over_budget);
  return r;
}

// Plugin options as an inline TOML table, for the record.
std::string options_text(const sdk::Options& options) {
  static const char* kHostKeys[] = {"name", "label", "restarts", "search_steps", "epsilon_start"};
  std::string out;
  for (const auto& [key, value] : options.values()) {
    bool host = false;
    for (const char* h : kHostKeys) host |= key == h;
    if (!host) out += (out.empty() ? "" : ", ") + key + " = " + sdk::to_toml_text(value);
  }
  return "{" + out + "}";
}

torch::Tensor predict(sdk::Backbone& model, const torch::Tensor& images, int64_t batch) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < images.size(0); s += batch) {
    out.push_back(model.forward(images.slice(0, s, s + batch)).argmax(1));
  }
  return torch::cat(out);
}

// Per sample, the closest checked adversarial seen so far: its distance (CPU,
// double; +∞ while none) and its image (the original while none).
struct Closest {
  explicit Closest(const torch::Tensor& originals)
      : distances(torch::full({originals.size(0)}, INFINITY, torch::kDouble)),
        images(originals.clone()) {}

  // Takes the candidates that are strictly closer, and says which those were.
  torch::Tensor keep(const torch::Tensor& candidate_distances,
                     const torch::Tensor& candidate_images) {
    const torch::Tensor closer = candidate_distances < distances;
    distances = torch::where(closer, candidate_distances, distances);
    images = torch::where(sdk::expand_like(closer.to(images.device()), images), candidate_images,
                          images);
    return closer;
  }

  torch::Tensor distances;
  torch::Tensor images;
};

// What one attack call is given. Restarts are copies of a sample in one
// batch: one call serves them all.
struct RestartBatch {
  torch::Tensor rows;         // the samples, as indices into x on the CPU
  torch::Tensor device_rows;  // the same on x's device
  torch::Tensor x, y;         // each sample `restarts` times in a row
  torch::Tensor starts;       // undefined unless the attack is handed starting points
};

RestartBatch restart_batch(const torch::Tensor& rows, const torch::Tensor& x,
                           const torch::Tensor& y, int64_t restarts,
                           const torch::Tensor& starting_points) {
  RestartBatch batch;
  batch.rows = rows;
  batch.device_rows = rows.to(x.device());
  batch.x = x.index_select(0, batch.device_rows).repeat_interleave(restarts, 0);
  batch.y = y.index_select(0, batch.device_rows).repeat_interleave(restarts, 0);
  // The first copy of each sample starts from the closest adversarial so
  // far, the other restarts from wherever the attack starts on its own.
  if (starting_points.defined()) {
    batch.starts = batch.x.clone();
    batch.starts.index_copy_(0,
                             torch::arange(rows.numel(), torch::kLong).mul(restarts).to(x.device()),
                             starting_points.index_select(0, batch.device_rows));
  }
  return batch;
}

// Each variant, batch and search step draws its own random numbers.
uint64_t batch_seed(uint64_t seed, int index, int64_t batch) {
  return seed * 1000003ULL + static_cast<uint64_t>(index) * 7919ULL +
         static_cast<uint64_t>(batch) * 104729ULL;
}

// The closest checked adversarial of each copy in `batch` over every call the
// attack makes on it: one for a minimisation attack, one per step of the
// per-sample ε search for a fixed-ε attack. The host's tallies go to `counts`.
Closest attack_batch(sdk::Backbone& model, sdk::Attack& attack, BackboneView& view,
                     const AttackVariantConfig& variant, const sdk::AttackTraits& traits,
                     const RestartBatch& batch, uint64_t seed, CheckCounts& counts) {
  const torch::Tensor& xb = batch.x;
  const torch::Tensor& yb = batch.y;
  Closest best(xb);
  auto keep_closest = [&](const CheckedBatch& checked) {
    counts += checked.counts;
    best.keep(checked.distances, checked.images);
    return checked.distances;
  };
  if (traits.kind == sdk::AttackKind::kMinimization) {
    torch::manual_seed(seed);
    keep_closest(check_adversarials(model, xb, yb, attack.run(view, {xb, yb, {}, batch.starts}),
                                    traits.norm, variant.label));
    return best;
  }
  int step = 0;
  search_smallest_epsilon(xb.size(0), search_settings(traits.norm, xb[0].numel(), variant.options),
                          [&](const torch::Tensor& epsilons) {
                            torch::manual_seed(seed + static_cast<uint64_t>(step++));
                            const torch::Tensor eps = epsilons.to(xb.device(), xb.scalar_type());
                            return keep_closest(check_adversarials(
                                model, xb, yb, attack.run(view, {xb, yb, eps, batch.starts}),
                                traits.norm, variant.label, eps));
                          });
  return best;
}

// The best copy of each sample of `batch` into `result`.
void keep_best_copies(const Closest& copies, const RestartBatch& batch, int64_t restarts,
                      VariantResult& result) {
  const int64_t samples = batch.rows.numel();
  const auto [closest, copy] = copies.distances.view({samples, restarts}).min(1);
  const torch::Tensor pick =
      (torch::arange(samples) * restarts + copy).to(result.adversarials.device());
  result.distances.index_put_({batch.rows}, closest);
  result.adversarials.index_copy_(0, batch.device_rows, copies.images.index_select(0, pick));
}

// How many of the samples `targets` are handed a start other than themselves.
int64_t seeded_samples(const torch::Tensor& starting_points, const torch::Tensor& x,
                       const torch::Tensor& targets) {
  const torch::Tensor rows = targets.to(x.device());
  return (starting_points.index_select(0, rows) - x.index_select(0, rows))
      .flatten(1)
      .ne(0)
      .any(1)
      .sum()
      .item<int64_t>();
}

}  // namespace

VariantResult run_attack_variant(sdk::Backbone& model, const AttackVariantConfig& variant,
                                 int index, const torch::Tensor& x, const torch::Tensor& y,
                                 const torch::Tensor& correct, int64_t batch_size, uint64_t seed,
                                 const Registry& registry, std::ostream& log,
                                 const torch::Tensor& starting_points) {
  auto attack = registry.make_attack(variant.name, variant.options);
  VariantResult result;
  result.traits = attack->traits();
  result.restarts = result.traits.randomized ? variant.options.get_int("restarts") : 1;
  const int64_t chunk = std::max<int64_t>(1, batch_size / result.restarts);

  FrozenParameters frozen(model);
  BackboneView view(model, result.traits.access);
  const torch::Tensor targets = correct.nonzero().flatten().cpu();
  result.distances = torch::where(correct.cpu(), torch::full({x.size(0)}, INFINITY, torch::kDouble),
                                  torch::zeros({x.size(0)}, torch::kDouble));
  result.adversarials = x.clone();
  const bool seeded = result.traits.takes_starting_points && starting_points.defined();
  if (seeded) result.seeded = seeded_samples(starting_points, x, targets);
  const int64_t batches = (targets.numel() + chunk - 1) / chunk;
  for (int64_t b = 0; b < batches; ++b) {
    const RestartBatch batch =
        restart_batch(targets.slice(0, b * chunk, (b + 1) * chunk), x, y, result.restarts,
                      seeded ? starting_points : torch::Tensor());
    const Closest copies = attack_batch(model, *attack, view, variant, result.traits, batch,
                                        batch_seed(seed, index, b), result.counts);
    keep_best_copies(copies, batch, result.restarts, result);
    if (batches > 1) {
      log << absl::StrFormat("    %s: batch %d/%d\n", variant.label, b + 1, batches) << std::flush;
    }
  }
  result.queries = view.queries();
  return result;
}

std::vector<size_t> attack_run_order(const std::vector<sdk::AttackTraits>& traits) {
  std::vector<size_t> order(traits.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_partition(order.begin(), order.end(),
                        [&](size_t v) { return !traits[v].takes_starting_points; });
  return order;
}

double median_distance(const torch::Tensor& values) {
  const int64_t n = values.numel();
  if (n == 0) return std::nan("");
  const torch::Tensor sorted = std::get<0>(values.to(torch::kDouble).flatten().sort());
  const double lo = sorted[(n - 1) / 2].item<double>();
  const double hi = sorted[n / 2].item<double>();
  return lo == hi ? lo : (lo + hi) / 2;
}

torch::Tensor attacked_samples(int64_t split_size, int64_t samples, uint64_t seed) {
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  return torch::randperm(split_size, generator, torch::kLong)
      .slice(0, 0, std::min(samples, split_size));
}

namespace {

// The progress line of one variant recorded in `out`.
void log_variant(const AttackVariantConfig& variant, const VariantResult& v,
                 const record::AttackVariant& out, std::ostream& log) {
  const std::string seeded =
      v.traits.takes_starting_points
          ? absl::StrFormat("; %d started from an earlier attack's adversarial", v.seeded)
          : "";
  log << absl::StrFormat(
             "  %-32s %-4s %5.1f%% found, median %.4g, %s images/s (%.1f s); rejected %d, "
             "non-finite %d%s\n",
             variant.label, out.norm(), 100.0 * out.success_rate(), out.median(),
             three_significant_digits(out.images_per_second()), out.seconds(),
             v.counts.not_adversarial, v.counts.non_finite, seeded)
      << std::flush;
}

// One variant into the record, with a progress line.
VariantResult record_variant(sdk::Backbone& model, const AttackVariantConfig& variant, int index,
                             const torch::Tensor& x, const torch::Tensor& y,
                             const torch::Tensor& correct, const sdk::Options& eval,
                             const Registry& registry, const torch::Tensor& starting_points,
                             record::AttackVariant& out, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  VariantResult v = run_attack_variant(
      model, variant, index, x, y, correct, eval.get_int("batch_size"),
      static_cast<uint64_t>(eval.get_int("seed")), registry, log, starting_points);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const torch::Tensor targets = correct.nonzero().flatten().cpu();
  const int64_t attacked = targets.numel();
  const int64_t hits = v.distances.index_select(0, targets).isfinite().sum().item<int64_t>();
  out.set_label(variant.label);
  out.set_attack(variant.name);
  out.set_norm(sdk::to_string(v.traits.norm));
  out.set_kind(sdk::to_string(v.traits.kind));
  out.set_access(sdk::to_string(v.traits.access));
  out.set_options(options_text(variant.options));
  out.set_restarts(static_cast<int32_t>(v.restarts));
  out.set_seconds(seconds);
  out.set_images_per_second(seconds > 0 ? static_cast<double>(attacked) / seconds : 0);
  out.set_queries(v.queries);
  out.set_success_rate(attacked ? static_cast<double>(hits) / static_cast<double>(attacked) : 0);
  out.set_median(median_distance(v.distances));
  *out.mutable_checks() = to_record(v.counts);
  for (int64_t i = 0; i < v.distances.numel(); ++i) {
    out.add_distances(v.distances[i].item<double>());
  }
  out.set_seeded_samples(static_cast<int32_t>(v.seeded));
  log_variant(variant, v, out, log);
  return v;
}

// The first `count` images of `split` (all when count is 0 or more than it holds).
sdk::Split leading_images(const sdk::Split& split, int64_t count) {
  if (count <= 0 || count >= split.size()) return split;
  return {split.images.slice(0, 0, count), split.labels.slice(0, 0, count)};
}

// Accuracy under every corruption × severity the [eval] table asks for.
void record_corruptions(sdk::Backbone& model, const sdk::Split& test, const sdk::Options& eval,
                        torch::Device device, record::RobustnessRecord& r, std::ostream& log) {
  const int64_t batch = eval.get_int("batch_size");
  const uint64_t seed = static_cast<uint64_t>(eval.get_int("seed"));
  std::vector<std::string> corruptions = eval.get_string_list("corruptions");
  if (corruptions.size() == 1 && corruptions[0] == "all") corruptions = corruption_names();
  if (!corruptions.empty()) {
    log << absl::StrFormat("  corruptions: %d × %d severities on %d images\n", corruptions.size(),
                           eval.get_int_list("severities").size(), test.size())
        << std::flush;
  }
  for (size_t c = 0; c < corruptions.size(); ++c) {
    for (int64_t severity : eval.get_int_list("severities")) {
      auto* point = r.add_corruptions();
      point->set_name(corruptions[c]);
      point->set_severity(static_cast<int32_t>(severity));
      const ImageChange change = [&](const torch::Tensor& images, torch::Generator& generator) {
        return corrupt(images, corruptions[c], static_cast<int>(severity), generator);
      };
      point->set_accuracy(accuracy_under(model, test, batch, device, change,
                                         seed + 1000 * (c + 1) + static_cast<uint64_t>(severity)));
    }
  }
}

// Per norm over the variants run so far: each sample's closest checked
// adversarial and the variant that found it (-2: none yet).
struct NormBest {
  Closest closest;
  torch::Tensor found_by;
};

// Runs the variants (in attack_run_order) on samples `x`, into the record's
// attacks, and returns the closest adversarial per norm over them all.
std::map<Norm, NormBest> record_attacks(sdk::Backbone& model, const EvalConfig& config,
                                        const Registry& registry, const torch::Tensor& x,
                                        const torch::Tensor& y, const torch::Tensor& correct,
                                        record::RobustnessRecord& r, std::ostream& log) {
  std::vector<sdk::AttackTraits> traits;
  for (const AttackVariantConfig& variant : config.attacks) {
    traits.push_back(registry.make_attack(variant.name, variant.options)->traits());
    r.add_attacks();  // filled in run order, kept in config order
  }
  std::map<Norm, NormBest> best;
  for (size_t v : attack_run_order(traits)) {
    const Norm norm = traits[v].norm;
    auto known = best.find(norm);
    const VariantResult result = record_variant(
        model, config.attacks[v], static_cast<int>(v), x, y, correct, config.eval, registry,
        known == best.end() ? torch::Tensor() : known->second.closest.images,
        *r.mutable_attacks(static_cast<int>(v)), log);
    NormBest& b =
        best.try_emplace(norm, NormBest{Closest(x), torch::full({x.size(0)}, -2, torch::kInt)})
            .first->second;
    // Strictly closer only: a boundary attack that could not improve on its
    // start leaves the credit with the attack that found it.
    const torch::Tensor closer = b.closest.keep(result.distances, result.adversarials);
    b.found_by =
        torch::where(closer, torch::full_like(b.found_by, static_cast<int>(v)), b.found_by);
  }
  return best;
}

// Each norm's minimal perturbations over every variant of that norm.
void record_norms(const std::map<Norm, NormBest>& best, const torch::Tensor& correct,
                  record::RobustnessRecord& r) {
  for (Norm norm : kNorms) {
    const auto it = best.find(norm);
    if (it == best.end()) continue;
    const torch::Tensor& distances = it->second.closest.distances;
    const torch::Tensor& by = it->second.found_by;
    const torch::Tensor found_by = torch::where(correct.cpu(), by, torch::full_like(by, -1));
    record::NormResult* n = r.add_norms();
    n->set_norm(sdk::to_string(norm));
    const torch::Tensor finite = distances.isfinite();
    n->set_median(median_distance(distances));
    n->set_mean(finite.any().item<bool>() ? distances.masked_select(finite).mean().item<double>()
                                          : std::nan(""));
    n->set_success_rate(finite.to(torch::kDouble).mean().item<double>());
    for (int64_t i = 0; i < distances.numel(); ++i) {
      n->add_distances(distances[i].item<double>());
      n->add_found_by(found_by[i].item<int32_t>());
    }
  }
}

// The attacked samples into the record, then every variant and the minimum per norm.
void attack_samples(sdk::Backbone& model, const sdk::Split& full_test, const EvalConfig& config,
                    const Registry& registry, torch::Device device, record::RobustnessRecord& r,
                    std::ostream& log) {
  const sdk::Options& eval = config.eval;
  const torch::Tensor samples = attacked_samples(full_test.size(), eval.get_int("samples"),
                                                 static_cast<uint64_t>(eval.get_int("seed")));
  for (int64_t i = 0; i < samples.numel(); ++i) r.add_samples(samples[i].item<int64_t>());
  const torch::Tensor x = full_test.images.index_select(0, samples).to(device);
  const torch::Tensor y = full_test.labels.index_select(0, samples).to(device);
  const torch::Tensor correct = predict(model, x, eval.get_int("batch_size")).eq(y);
  r.set_samples_clean_accuracy(correct.to(torch::kDouble).mean().item<double>());
  log << absl::StrFormat("  attacks on %d samples (%d classified correctly)\n", samples.numel(),
                         correct.sum().item<int64_t>())
      << std::flush;
  record_norms(record_attacks(model, config, registry, x, y, correct, r, log), correct, r);
}

}  // namespace

record::RobustnessRecord evaluate_robustness(sdk::Backbone& model, const sdk::Split& full_test,
                                             const EvalConfig& config, const Registry& registry,
                                             torch::Device device, std::ostream& log) {
  const sdk::Options& eval = config.eval;
  const bool was_training = model.is_training();
  model.eval();
  record::RobustnessRecord r;
  // Noise and corruptions: cheap, on the (first test_images of the) split.
  const sdk::Split test = leading_images(full_test, eval.get_int("test_images"));
  record::Evaluation noise = noise_accuracies(model, test, eval, device);
  r.set_test_images(noise.test_images());
  r.set_clean_accuracy(noise.clean_accuracy());
  r.mutable_noise()->Swap(noise.mutable_noise());
  record_corruptions(model, test, eval, device, r, log);
  if (!config.attacks.empty()) attack_samples(model, full_test, config, registry, device, r, log);
  model.train(was_training);
  return r;
}

}  // namespace neuroreg
