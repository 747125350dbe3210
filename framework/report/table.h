// A small table model with three renderings (terminal, Markdown, HTML), so
// every report shows the same cells in the same order.
#pragma once

#include <string>
#include <vector>

#include "report/aggregate.h"

namespace neuroreg {

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string note;  ///< shown below the table; empty for none
};

/// Columns padded to their widest cell (counted in characters, not bytes:
/// "±" and "σ" are two bytes each), first column left-aligned, others right.
std::string table_text(const Table& table);
/// A GitHub-flavoured Markdown table under a bold title; '|' escaped.
std::string table_markdown(const Table& table);
/// A <table> with a <caption>; text HTML-escaped.
std::string table_html(const Table& table);

/// "86.80 ± 0.21" for a summary scaled by `scale` (100 for percent) with
/// `precision` decimals, or significant digits when `significant`. n = 1
/// gives the mean alone (no SEM is known); no finite value gives "∞" when
/// every value was +∞ and "n/a" otherwise; a null summary gives "—". Values
/// left out are said: "0.512 ± 0.010 (+1 ∞)".
std::string format_mean_sem(const Summary* summary, double scale, int precision,
                            bool significant = false);

}  // namespace neuroreg
