// Whether every cell of a comparison was scored on the same test images: the
// precondition of pairing their differences without test-draw noise. Said
// only when the records show it (the subset seed and a CRC of the evaluated
// images, record/neuroreg/run_record.proto); otherwise the report says why
// it cannot claim it.
#pragma once

#include <string>
#include <vector>

#include "report/cell_result.h"

namespace neuroreg {

/// One or two sentences: "Every cell was scored on the same 2000 test images
/// (subset seed 1234)." (and the robustness evaluation's images and attacked
/// samples), or which cells differ or do not record it.
std::string evaluation_images_statement(const std::vector<CellResult>& cells);

}  // namespace neuroreg
