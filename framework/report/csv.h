// RFC 4180 CSV: CRLF line ends; a field with a comma, quote, CR or LF is
// quoted, quotes inside doubled.
#pragma once

#include <string>
#include <vector>

namespace neuroreg {

std::string csv_field(const std::string& text);
std::string csv_row(const std::vector<std::string>& fields);  ///< ends with CRLF

/// A number as read back exactly (shortest round-trip form); "inf"/"-inf"
/// for infinities (Python's float() and R read them); NaN, which marks
/// "not measured" or "undefined", is the empty field.
std::string csv_number(double value);

}  // namespace neuroreg
