#include "robustness/robustness_eval.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/attack_math.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

#include "robustness/corruptions.h"
#include "robustness/noise_eval.h"
#include "robustness/adversarial_check.h"
#include "robustness/epsilon_search.h"
#include "robustness/model_view.h"
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

}  // namespace

VariantResult run_attack_variant(sdk::Backbone& model, const AttackVariantConfig& variant,
                                 int index, const torch::Tensor& x, const torch::Tensor& y,
                                 const torch::Tensor& correct, int64_t batch_size, uint64_t seed,
                                 const Registry& registry, std::ostream& log,
                                 const torch::Tensor& starting_points) {
  auto attack = registry.make_attack(variant.name, variant.options);
  VariantResult result;
  result.traits = attack->traits();
  const sdk::AttackTraits& traits = result.traits;
  result.restarts = traits.randomized ? variant.options.get_int("restarts") : 1;
  const int64_t restarts = result.restarts;
  const int64_t chunk = std::max<int64_t>(1, batch_size / restarts);

  FrozenParameters frozen(model);
  BackboneView view(model, traits.access);
  const torch::Tensor targets = correct.nonzero().flatten().cpu();
  result.distances = torch::where(correct.cpu(), torch::full({x.size(0)}, INFINITY, torch::kDouble),
                                  torch::zeros({x.size(0)}, torch::kDouble));
  result.adversarials = x.clone();
  const bool seeded = traits.takes_starting_points && starting_points.defined();
  if (seeded) {
    result.seeded = (starting_points.index_select(0, targets.to(x.device())) -
                     x.index_select(0, targets.to(x.device())))
                        .flatten(1)
                        .ne(0)
                        .any(1)
                        .sum()
                        .item<int64_t>();
  }
  const int64_t batches = (targets.numel() + chunk - 1) / chunk;
  for (int64_t b = 0; b < batches; ++b) {
    const torch::Tensor rows = targets.slice(0, b * chunk, (b + 1) * chunk);
    const torch::Tensor device_rows = rows.to(x.device());
    // Restarts are copies of a sample in one batch: one call serves them all.
    const torch::Tensor xb = x.index_select(0, device_rows).repeat_interleave(restarts, 0);
    const torch::Tensor yb = y.index_select(0, device_rows).repeat_interleave(restarts, 0);
    // The closest adversarial of each copy over every call (search steps).
    torch::Tensor best = torch::full({xb.size(0)}, INFINITY, torch::kDouble);
    torch::Tensor best_images = xb.clone();
    auto keep_closest = [&](const CheckedBatch& checked) {
      result.counts += checked.counts;
      const torch::Tensor closer = checked.distances < best;
      best = torch::where(closer, checked.distances, best);
      best_images =
          torch::where(sdk::expand_like(closer.to(xb.device()), xb), checked.images, best_images);
      return checked.distances;
    };
    // Each variant, batch and search step draws its own random numbers.
    const uint64_t batch_seed = seed * 1000003ULL + static_cast<uint64_t>(index) * 7919ULL +
                                static_cast<uint64_t>(b) * 104729ULL;
    // The first copy of each sample starts from the closest adversarial so
    // far, the other restarts from wherever the attack starts on its own.
    torch::Tensor starts;
    if (seeded) {
      starts = xb.clone();
      starts.index_copy_(0,
                         torch::arange(rows.numel(), torch::kLong).mul(restarts).to(x.device()),
                         starting_points.index_select(0, device_rows));
    }
    if (traits.kind == sdk::AttackKind::kMinimization) {
      torch::manual_seed(batch_seed);
      keep_closest(check_adversarials(model, xb, yb, attack->run(view, {xb, yb, {}, starts}),
                                      traits.norm, variant.label));
    } else {
      int step = 0;
      search_smallest_epsilon(
          xb.size(0), search_settings(traits.norm, xb[0].numel(), variant.options),
          [&](const torch::Tensor& epsilons) {
            torch::manual_seed(batch_seed + static_cast<uint64_t>(step++));
            const torch::Tensor eps = epsilons.to(xb.device(), xb.scalar_type());
            return keep_closest(check_adversarials(model, xb, yb,
                                                   attack->run(view, {xb, yb, eps, starts}),
                                                   traits.norm, variant.label, eps));
          });
    }
    // The best copy of each sample.
    const auto [closest, copy] = best.view({rows.numel(), restarts}).min(1);
    const torch::Tensor pick = (torch::arange(rows.numel()) * restarts + copy).to(x.device());
    result.distances.index_put_({rows}, closest);
    result.adversarials.index_copy_(0, device_rows, best_images.index_select(0, pick));
    if (batches > 1) {
      log << absl::StrFormat("    %s: batch %d/%d\n", variant.label, b + 1, batches) << std::flush;
    }
  }
  result.queries = view.queries();
  return result;
}

namespace {

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
  const std::string seeded =
      v.traits.takes_starting_points
          ? absl::StrFormat("; %d started from an earlier attack's adversarial", v.seeded)
          : "";
  log << absl::StrFormat(
             "  %-32s %-4s %5.1f%% found, median %.4g, %s images/s (%.1f s); rejected %d, "
             "non-finite %d%s\n",
             variant.label, out.norm(), 100.0 * out.success_rate(), out.median(),
             three_significant_digits(out.images_per_second()), seconds, v.counts.not_adversarial,
             v.counts.non_finite, seeded)
      << std::flush;
  return v;
}

double accuracy_under(sdk::Backbone& model, const sdk::Split& test, int64_t batch,
                      torch::Device device, const std::string& corruption, int severity,
                      uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  int64_t correct = 0;
  for (int64_t s = 0; s < test.size(); s += batch) {
    const torch::Tensor images =
        corrupt(test.images.slice(0, s, s + batch), corruption, severity, generator);
    correct += model.forward(images.to(device))
                   .argmax(1)
                   .cpu()
                   .eq(test.labels.slice(0, s, s + batch))
                   .sum()
                   .item<int64_t>();
  }
  return test.size() ? static_cast<double>(correct) / static_cast<double>(test.size()) : 0.0;
}

}  // namespace

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

record::RobustnessRecord evaluate_robustness(sdk::Backbone& model, const sdk::Split& full_test,
                                             const EvalConfig& config, const Registry& registry,
                                             torch::Device device, std::ostream& log) {
  const sdk::Options& eval = config.eval;
  const bool was_training = model.is_training();
  model.eval();
  const int64_t batch = eval.get_int("batch_size");
  const uint64_t seed = static_cast<uint64_t>(eval.get_int("seed"));
  record::RobustnessRecord r;

  // Noise and corruptions: cheap, on the (first test_images of the) split.
  sdk::Split test = full_test;
  if (eval.get_int("test_images") > 0 && eval.get_int("test_images") < test.size()) {
    test = {test.images.slice(0, 0, eval.get_int("test_images")),
            test.labels.slice(0, 0, eval.get_int("test_images"))};
  }
  r.set_test_images(static_cast<int32_t>(test.size()));
  r.set_clean_accuracy(accuracy(model, test, batch, device));
  int index = 0;
  for (double sigma : eval.get_float_list("noise_sigmas")) {
    auto* point = r.add_noise();
    point->set_sigma(sigma);
    point->set_accuracy(accuracy(model, test, batch, device, sigma, seed + index++));
  }
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
      point->set_accuracy(accuracy_under(model, test, batch, device, corruptions[c],
                                         static_cast<int>(severity),
                                         seed + 1000 * (c + 1) + static_cast<uint64_t>(severity)));
    }
  }

  if (!config.attacks.empty()) {
    const torch::Tensor samples = attacked_samples(full_test.size(), eval.get_int("samples"), seed);
    for (int64_t i = 0; i < samples.numel(); ++i) r.add_samples(samples[i].item<int64_t>());
    const torch::Tensor x = full_test.images.index_select(0, samples).to(device);
    const torch::Tensor y = full_test.labels.index_select(0, samples).to(device);
    const torch::Tensor correct = predict(model, x, batch).eq(y);
    r.set_samples_clean_accuracy(correct.to(torch::kDouble).mean().item<double>());
    log << absl::StrFormat("  attacks on %d samples (%d classified correctly)\n", samples.numel(),
                           correct.sum().item<int64_t>())
        << std::flush;
    std::vector<sdk::AttackTraits> traits;
    for (const AttackVariantConfig& variant : config.attacks) {
      traits.push_back(registry.make_attack(variant.name, variant.options)->traits());
      r.add_attacks();  // filled in run order, kept in config order
    }
    // Per norm over the variants run so far: each sample's closest checked
    // adversarial (the original where none), its distance and its variant.
    struct Closest {
      torch::Tensor distances, images, found_by;
    };
    std::map<Norm, Closest> closest;
    for (size_t v : attack_run_order(traits)) {
      const Norm norm = traits[v].norm;
      auto known = closest.find(norm);
      const VariantResult result =
          record_variant(model, config.attacks[v], static_cast<int>(v), x, y, correct, eval,
                         registry, known == closest.end() ? torch::Tensor() : known->second.images,
                         *r.mutable_attacks(static_cast<int>(v)), log);
      Closest& c =
          closest
              .try_emplace(norm, Closest{torch::full({x.size(0)}, INFINITY, torch::kDouble),
                                         x.clone(), torch::full({x.size(0)}, -2, torch::kInt)})
              .first->second;
      // Strictly closer only: a boundary attack that could not improve on its
      // start leaves the credit with the attack that found it.
      const torch::Tensor closer = result.distances < c.distances;
      c.distances = torch::where(closer, result.distances, c.distances);
      c.images =
          torch::where(sdk::expand_like(closer.to(x.device()), x), result.adversarials, c.images);
      c.found_by =
          torch::where(closer, torch::full_like(c.found_by, static_cast<int>(v)), c.found_by);
    }
    for (Norm norm : kNorms) {
      if (!closest.count(norm)) continue;
      const torch::Tensor best = closest[norm].distances;
      const torch::Tensor found_by = torch::where(correct.cpu(), closest[norm].found_by,
                                                  torch::full_like(closest[norm].found_by, -1));
      record::NormResult* n = r.add_norms();
      n->set_norm(sdk::to_string(norm));
      const torch::Tensor finite = best.isfinite();
      n->set_median(median_distance(best));
      n->set_mean(finite.any().item<bool>() ? best.masked_select(finite).mean().item<double>()
                                            : std::nan(""));
      n->set_success_rate(finite.to(torch::kDouble).mean().item<double>());
      for (int64_t i = 0; i < best.numel(); ++i) {
        n->add_distances(best[i].item<double>());
        n->add_found_by(found_by[i].item<int32_t>());
      }
    }
  }
  model.train(was_training);
  return r;
}

}  // namespace neuroreg
