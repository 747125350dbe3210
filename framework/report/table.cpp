#include "report/table.h"

#include <absl/strings/str_format.h>

#include <algorithm>
#include <cmath>

#include "render/markup.h"

namespace neuroreg {
namespace {

// Characters of UTF-8 text: every byte that does not continue a sequence.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string pad(const std::string& text, std::size_t width, bool left) {
  const std::string fill(width - std::min(width, display_width(text)), ' ');
  return left ? text + fill : fill + text;
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value, int precision, bool significant) {
  return significant ? absl::StrFormat("%.*g", precision, value)
                     : absl::StrFormat("%.*f", precision, value);
}

}  // namespace

std::string format_mean_sem(const Summary* s, double scale, int precision, bool significant) {
  if (s == nullptr || (s->n == 0 && s->excluded == 0)) return "—";
  if (s->n == 0) return s->infinite == s->excluded ? "∞" : "n/a";
  std::string out = number(scale * s->mean, precision, significant);
  if (s->n >= 2) {
    out += " ± " + number(scale * s->sem, significant ? 2 : precision, significant);
  }
  if (s->excluded > 0) {
    out += s->infinite == s->excluded ? absl::StrFormat(" (+%d ∞)", s->excluded)
                                      : absl::StrFormat(" (+%d non-finite)", s->excluded);
  }
  return out;
}

std::string table_text(const Table& table) {
  std::vector<std::size_t> widths(table.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  };
  measure(table.header);
  for (const auto& row : table.rows) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) out += "  ";
      out += pad(c < row.size() ? row[c] : "", widths[c], c == 0);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = table.title.empty() ? "" : table.title + "\n";
  out += line(table.header);
  for (const auto& row : table.rows) out += line(row);
  if (!table.note.empty()) out += table.note + "\n";
  return out;
}

std::string table_markdown(const Table& table) {
  std::string out = table.title.empty() ? "" : "**" + markdown_cell(table.title) + "**\n\n";
  auto line = [](const std::vector<std::string>& row) {
    std::string text = "|";
    for (const auto& cell : row) text += " " + markdown_cell(cell) + " |";
    return text + "\n";
  };
  out += line(table.header);
  out += "|";
  for (std::size_t c = 0; c < table.header.size(); ++c) out += c == 0 ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& row : table.rows) out += line(row);
  if (!table.note.empty()) out += "\n" + table.note + "\n";
  return out + "\n";
}

std::string table_html(const Table& table) {
  std::string out = "<table>\n";
  if (!table.title.empty()) out += "<caption>" + escape_markup(table.title) + "</caption>\n";
  out += "<thead><tr>";
  for (const auto& cell : table.header) out += "<th>" + escape_markup(cell) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (const auto& cell : row) out += "<td>" + escape_markup(cell) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!table.note.empty()) out += "<p class=\"note\">" + escape_markup(table.note) + "</p>\n";
  return out;
}

}  // namespace neuroreg
