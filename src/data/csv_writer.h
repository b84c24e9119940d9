// RFC 4180 output: fields with commas, quotes or line breaks are quoted, quotes doubled.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trainops {

std::string CsvField(std::string_view value);
// Fields joined with commas and a trailing "\n".
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace trainops
