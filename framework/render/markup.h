// Text inside HTML and SVG (XML) documents: the reports' tables and pages,
// and the neural pipeline's scatter plots.
#pragma once

#include <string>

namespace neuroreg {

/// `text` as element content or a quoted attribute value of HTML or XML:
/// & < > " ' as entities (&apos; is XML's and HTML5's), and the control
/// characters neither can carry (all below 0x20 but tab, LF and CR) dropped.
std::string escape_markup(const std::string& text);

}  // namespace neuroreg
