#include "cli/show_command.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>

#include "grid/compare_section.h"
#include "launch/comparison.h"
#include "record/record_io.h"
#include "report/comparison_report.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

std::string to_json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) throw std::runtime_error("cannot write JSON: " + status.ToString());
  return json;
}

// Indents every line after the first by `pad`, to nest a JSON object.
std::string indented(const std::string& json, const std::string& pad) {
  std::string out;
  for (char c : json) {
    out += c;
    if (c == '\n') out += pad;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

// A string as a JSON literal: paths and user labels may hold quotes.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A run folder or record file: the run record. A comparison folder (one with
// cells.tsv): the groups' table over its finished cells.
int show(const std::string& path, bool json, std::ostream& out, std::ostream& err) {
  if (!fs::exists(fs::path(path) / kCellIndexFile)) {
    const record::RunRecord record = read_run_record(path);
    out << (json ? to_json(record) : format_run_record(record));
    return 0;
  }
  std::vector<std::string> missing;
  const std::vector<CellResult> cells = read_comparison(path, &missing);
  if (json) {
    out << "{\n  \"comparison\": " << json_string(path) << ",\n  \"cells\": [";
    for (size_t i = 0; i < cells.size(); ++i) {
      out << (i ? "," : "") << "\n    {\n      \"id\": " << json_string(cells[i].id)
          << ",\n      \"run\": " << indented(to_json(cells[i].run), "      ")
          << ",\n      \"robustness\": [";
      for (size_t j = 0; j < cells[i].robustness.size(); ++j) {
        out << (j ? ", " : "") << indented(to_json(cells[i].robustness[j]), "      ");
      }
      out << "]\n    }";
    }
    out << "\n  ],\n  \"missing\": [";
    for (size_t i = 0; i < missing.size(); ++i) out << (i ? ", " : "") << json_string(missing[i]);
    out << "]\n}\n";
    return 0;
  }
  out << comparison_text(cells, read_compare_settings(path, cells));
  if (!missing.empty()) {
    err << "neuroreg: " << missing.size() << " cells of " << path
        << " are not finished; 'neuroreg compare CONFIG' runs them:";
    for (const std::string& m : missing) err << " " << m;
    err << "\n";
  }
  return 0;
}

}  // namespace

int show_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  if (call.operands.size() != 1) return usage_error(call, err);
  return show(call.operands[0], call.flags.has("--json"), out, err);
}

}  // namespace neuroreg
