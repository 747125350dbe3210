#include "report/evaluation_images.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <set>

namespace neuroreg {
namespace {

std::string robustness_sentence(const std::vector<CellResult>& cells) {
  std::set<int> images;
  std::set<std::vector<int64_t>> samples;
  std::size_t with = 0;
  for (const auto& cell : cells) {
    if (cell.robustness.empty()) continue;
    ++with;
    const auto& r = cell.robustness.front();
    images.insert(r.test_images());
    samples.emplace(r.samples().begin(), r.samples().end());
  }
  if (with == 0) return "";
  if (with < cells.size() || images.size() > 1 || samples.size() > 1) {
    return absl::StrFormat(
        " The robustness evaluations differ between cells (%d of %d cells have one; %d "
        "different image counts, %d different sets of attacked samples).",
        with, cells.size(), images.size(), samples.size());
  }
  std::string out = absl::StrFormat(
      " The robustness evaluation scored noise and corruptions on the first %d of them", *images.begin());
  const auto& attacked = *samples.begin();
  if (!attacked.empty()) out += absl::StrFormat(" and attacked the same %d samples", attacked.size());
  return out + " in every cell.";
}

}  // namespace

std::string evaluation_images_statement(const std::vector<CellResult>& cells) {
  std::set<int64_t> seeds;
  std::set<uint32_t> crcs;
  std::set<int> sizes;
  std::vector<std::string> unrecorded;
  for (const auto& cell : cells) {
    const auto& e = cell.run.evaluation();
    if (!e.has_test_subset_seed() || !e.has_test_set_crc32()) {
      unrecorded.push_back(cell.label);
      continue;
    }
    seeds.insert(e.test_subset_seed());
    crcs.insert(e.test_set_crc32());
    sizes.insert(e.test_images());
  }
  if (!unrecorded.empty()) {
    return absl::StrFormat(
        "%d of %d cells' records do not say which test images scored them (written before the "
        "test subset seed was recorded: %s), so the report cannot claim that every cell was "
        "scored on the same images.",
        unrecorded.size(), cells.size(), absl::StrJoin(unrecorded, ", "));
  }
  if (seeds.size() > 1) {
    return absl::StrFormat(
        "The cells' test subsets were drawn with %d different seeds (%s): they were not scored "
        "on the same images.",
        seeds.size(), absl::StrJoin(seeds, ", "));
  }
  if (crcs.size() > 1 || sizes.size() > 1) {
    return absl::StrFormat(
        "The cells were scored on different test images although their subset seed %d is the "
        "same: the dataset's test split itself depends on the run (a dataset generated from "
        "the run's seed, such as `synthetic`).",
        *seeds.begin());
  }
  return absl::StrFormat("Every cell was scored on the same %d test images (subset seed %d).",
                         *sizes.begin(), *seeds.begin()) +
         robustness_sentence(cells);
}

}  // namespace neuroreg
