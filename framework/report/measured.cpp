#include "report/measured.h"

#include <algorithm>
#include <set>

#include "record/record_io.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

void add_new(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

std::vector<double> measured_sigmas(const std::vector<CellResult>& cells) {
  std::set<double> sigmas;
  for (const auto& cell : cells) {
    for (double s : cell_sigmas(cell)) sigmas.insert(s);
  }
  return {sigmas.begin(), sigmas.end()};
}

std::vector<std::string> measured_norms(const std::vector<CellResult>& cells) {
  std::vector<std::string> norms;
  for (const auto& cell : cells) {
    for (const auto& r : cell.robustness) {
      for (const auto& n : r.norms()) add_new(norms, n.norm());
    }
  }
  return norms;
}

std::vector<std::string> measured_corruptions(const std::vector<CellResult>& cells) {
  std::vector<std::string> names;
  for (const auto& cell : cells) {
    for (const auto& r : cell.robustness) {
      for (const auto& c : r.corruptions()) add_new(names, c.name());
    }
  }
  return names;
}

std::vector<std::string> measured_gamma_keys(const std::vector<CellResult>& cells) {
  // Collected into a protobuf map so sorted_diagnostics gives the one tap order
  // the run records use.
  google::protobuf::Map<std::string, double> keys;
  for (const auto& cell : cells) {
    for (const auto& e : cell.run.epochs()) {
      for (const auto& [key, value] : e.diagnostics()) {
        if (key.rfind("gamma/", 0) == 0) keys[key] = 0;
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : sorted_diagnostics(keys)) out.push_back(key);
  return out;
}

int measured_epochs(const std::vector<CellResult>& cells) {
  int most = 0;
  for (const auto& cell : cells) {
    for (const auto& e : cell.run.epochs()) most = std::max(most, e.epoch());
  }
  return most;
}

bool any_validation(const std::vector<CellResult>& cells) {
  for (const auto& cell : cells) {
    for (const auto& e : cell.run.epochs()) {
      if (e.has_validation()) return true;
    }
  }
  return false;
}

}  // namespace neuroreg
